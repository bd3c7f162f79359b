"""The ceiling: a plain WSGI callable that answers precomputed bytes.

It does what no mock can do faster: read the whole body in one ``read()`` and answer bytes
computed at import. The answers have the sizes mockso's have: the contract's BlobEntity example
for ImageInfo, the bench's 20 KB PNG for GET Image (``BENCH_PNG20K``), its 64x64 copy when the
query asks for a size (``BENCH_PNG64``), a blob id for saves, 204 for DELETE. The bench's stubs
for WireMock and its nginx config (``bench.peers``) give the same answers.

The ceiling serves it on granian (``granian --interface wsgi ... wsgi_const:app``);
``python bench/apps/wsgi_const.py --port P`` serves it on cheroot with 16 threads, the stack
``mockso serve`` used before granian (the old ceiling). gunicorn can serve ``wsgi_const:app`` too.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
from collections.abc import Callable
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = Path(os.environ.get("BENCH_CONTRACT", ROOT / "contracts" / "superoffice-images.yaml"))


def blob_entity(contract: Path) -> bytes:
    """The contract's BlobEntity example, as compact JSON."""
    with contract.open(encoding="utf-8") as handle:
        doc = yaml.safe_load(handle)
    example = doc["components"]["responses"]["ImageInfo"]["content"]["application/json"]["example"]
    return json.dumps(example, separators=(",", ":")).encode()


def _file(variable: str, fallback: bytes) -> bytes:
    path = os.environ.get(variable)
    return Path(path).read_bytes() if path else fallback


INFO = blob_entity(CONTRACT)
PICTURE = _file("BENCH_PNG20K", b"\x89PNG\r\n\x1a\n")
SCALED = _file("BENCH_PNG64", PICTURE)
BLOB_ID = b"1"

JSON_TYPE = "application/json; charset=utf-8"
PNG_TYPE = "image/png"


def answer(method: str, path: str, query: str) -> tuple[str, str | None, bytes]:
    """(status line, Content-Type, body) for one request; shared with ``flask_const``."""
    if method == "DELETE":
        return "204 No Content", None, b""
    if path.lower().endswith("/imageinfo"):
        return "200 OK", JSON_TYPE, INFO
    if method == "GET":
        return "200 OK", PNG_TYPE, SCALED if "w=" in query else PICTURE
    return "200 OK", JSON_TYPE, BLOB_ID


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    length = environ.get("CONTENT_LENGTH")
    if length:
        environ["wsgi.input"].read(int(length))
    status, kind, body = answer(
        environ["REQUEST_METHOD"], environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", "")
    )
    if kind is None:
        start_response(status, [])
        return [b""]
    start_response(status, [("Content-Type", kind), ("Content-Length", str(len(body)))])
    return [body]


def serve(wsgi: Callable[..., Any], name: str) -> None:
    """Serve ``wsgi`` on cheroot until SIGTERM, set up as mockso's cheroot server was."""
    from cheroot import wsgi as cheroot_wsgi

    parser = argparse.ArgumentParser(description=f"{name}: a bench ceiling app on cheroot")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--threads", type=int, default=16)
    args = parser.parse_args()
    server = cheroot_wsgi.Server((args.host, args.port), wsgi, numthreads=args.threads)
    server.keep_alive_conn_limit = max(args.threads * 4, 64)
    server.prepare()
    print(
        f"{name} on http://{args.host}:{server.bind_addr[1]} ({args.threads} threads)", flush=True
    )

    def _exit(signum: int, frame: Any) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, _exit)
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        try:
            server.serve()
        finally:
            server.stop()


def main() -> None:
    serve(app, "wsgi_const")


if __name__ == "__main__":
    main()
