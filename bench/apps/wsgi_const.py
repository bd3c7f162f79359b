"""The ceiling: a plain WSGI callable that answers precomputed bytes.

It does what no mock can do faster: read the whole body in one ``read()`` and answer bytes
computed at import. The answers have the sizes mockso's have: the contract's BlobEntity example
for ImageInfo, the bench's 20 KB PNG for GET Image (``BENCH_PNG20K``), its 64x64 copy when the
query asks for a size (``BENCH_PNG64``), a blob id for saves, 204 for DELETE.

Run it as ``python bench/apps/wsgi_const.py --port P`` to serve it with the server stack
``mockso serve`` uses (``mockso.server.Server``: cheroot, same thread count), or point gunicorn
at ``wsgi_const:app``.
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


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    length = environ.get("CONTENT_LENGTH")
    if length:
        environ["wsgi.input"].read(int(length))
    method = environ["REQUEST_METHOD"]
    path = environ.get("PATH_INFO", "")
    if method == "DELETE":
        start_response("204 No Content", [])
        return [b""]
    if path.lower().endswith("/imageinfo"):
        body, kind = INFO, JSON_TYPE
    elif method == "GET":
        body = SCALED if "w=" in environ.get("QUERY_STRING", "") else PICTURE
        kind = PNG_TYPE
    else:
        body, kind = BLOB_ID, JSON_TYPE
    start_response("200 OK", [("Content-Type", kind), ("Content-Length", str(len(body)))])
    return [body]


def main() -> None:
    from mockso.config import Settings
    from mockso.server import Server

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--threads", type=int, default=Settings().threads)
    args = parser.parse_args()
    server = Server(app, args.host, args.port, args.threads)
    server.bind()
    print(f"wsgi_const on {server.url} ({args.threads} threads)", flush=True)

    def _exit(signum: int, frame: Any) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, _exit)
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        server.serve_forever()


if __name__ == "__main__":
    main()
