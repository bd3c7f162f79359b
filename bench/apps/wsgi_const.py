"""The ceiling: a plain WSGI callable that answers precomputed bytes.

It does what no mock can do faster: read the whole body in one ``read()`` and answer bytes
computed at import. The answers have the sizes mockso's have: the contract's BlobEntity example
for ImageInfo, the bench's 20 KB PNG for GET Image (``BENCH_PNG20K``), its 64x64 copy when the
query asks for a size (``BENCH_PNG64``), a blob id for saves, 204 for DELETE.

Run it as ``python bench/apps/wsgi_const.py --port P`` to serve it with the server stack
``mockso serve`` uses (``mockso.web.server.Server``: cheroot, same thread count), or point
gunicorn at ``wsgi_const:app``.
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


def _blob_entity() -> bytes:
    with CONTRACT.open(encoding="utf-8") as handle:
        doc = yaml.safe_load(handle)
    example = doc["components"]["responses"]["ImageInfo"]["content"]["application/json"]["example"]
    return json.dumps(example, separators=(",", ":")).encode()


def _file(variable: str, fallback: bytes) -> bytes:
    path = os.environ.get(variable)
    return Path(path).read_bytes() if path else fallback


INFO = _blob_entity()
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
    """Serve ``wsgi`` with mockso's server stack until SIGTERM."""
    from mockso.config import Settings
    from mockso.web.server import Server

    parser = argparse.ArgumentParser(description=f"{name}: a bench ceiling app")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--threads", type=int, default=Settings().threads)
    args = parser.parse_args()
    server = Server(wsgi, args.host, args.port, args.threads)
    server.bind()
    print(f"{name} on {server.url} ({args.threads} threads)", flush=True)

    def _exit(signum: int, frame: Any) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, _exit)
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        server.serve_forever()


def main() -> None:
    serve(app, "wsgi_const")


if __name__ == "__main__":
    main()
