# mockso as a service container: `docker build -t mockso .`, then
# `docker run --rm -p 8080:8080 mockso` serves http://127.0.0.1:8080 (state in memory).
# Every setting is a MOCKSO_* variable: `docker run -e MOCKSO_SEED=1 -e MOCKSO_AUTH=off ...`.
# https: mount a certificate and its key and name them, e.g. `-v "$PWD/tls:/tls:ro"
# -e MOCKSO_TLS_CERT=/tls/cert.pem -e MOCKSO_TLS_KEY=/tls/key.pem` (docs/running.md).
# The server is granian (a Rust HTTP server, from its manylinux wheel): one process, since the
# state is in memory; it needs no build tools.

# Build stage: a wheel, so the image holds the installed package and not the source tree.
FROM python:3.11-slim AS build
WORKDIR /src
COPY setup.cfg pyproject.toml README.md ./
COPY mockso/ mockso/
COPY contracts/ contracts/
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl \
    && rm -rf /wheels \
    && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin mockso

USER mockso
ENV MOCKSO_HOST=0.0.0.0 \
    MOCKSO_PORT=8080
EXPOSE 8080
# slim has no curl: Python's urllib asks the health endpoint (any HTTP error fails the check),
# over https when a certificate is set (not verified: it may name another host than 127.0.0.1).
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD ["python", "-c", "import os, ssl, urllib.request as r; tls = bool(os.environ.get('MOCKSO_TLS_CERT')); r.urlopen(('https' if tls else 'http') + '://127.0.0.1:' + os.environ.get('MOCKSO_PORT', '8080') + '/__mockso/health', timeout=2, context=ssl._create_unverified_context() if tls else None)"]
CMD ["mockso", "serve"]
