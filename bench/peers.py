"""The answers of the servers that are not Python, written per run: WireMock stubs, nginx config.

Both give the ceiling's answers (``bench/apps/wsgi_const.py``): the contract's BlobEntity example
for ImageInfo, the 20 KB PNG for GET Image and its 64x64 copy when ``w`` is asked, ``1`` for a
save, 204 for DELETE. WireMock gets them as stub mappings in a folder of its own (``--root-dir``);
nginx as ``return`` bodies and, for the pictures, files it sends as they are.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from bench.apps import wsgi_const
from bench.common import HOST

# Paths of the mocked API, any entity and id (matched case-insensitively, as the real API does).
IMAGE_PATH = r"(?i)/api/v1/[^/]+/[^/]+/image"
INFO_PATH = r"(?i)/api/v1/[^/]+/[^/]+/imageinfo"


def wiremock_stubs(info: bytes) -> list[dict[str, Any]]:
    """The stub mappings, most specific first (WireMock's priority 1 wins)."""
    json_headers = {"Content-Type": wsgi_const.JSON_TYPE}
    png_headers = {"Content-Type": wsgi_const.PNG_TYPE}

    def stub(
        priority: int, method: str, path: str, response: dict[str, Any], **request: Any
    ) -> dict[str, Any]:
        return {
            "priority": priority,
            "request": {"method": method, "urlPathPattern": path, **request},
            "response": response,
        }

    return [
        stub(1, "DELETE", IMAGE_PATH, {"status": 204}),
        stub(1, "ANY", INFO_PATH, {"status": 200, "headers": json_headers, "body": info.decode()}),
        stub(
            2,
            "GET",
            IMAGE_PATH,
            {"status": 200, "headers": png_headers, "bodyFileName": "png64.png"},
            queryParameters={"w": {"matches": ".*"}},
        ),
        stub(
            3,
            "GET",
            IMAGE_PATH,
            {"status": 200, "headers": png_headers, "bodyFileName": "png20k.png"},
        ),
        stub(
            4,
            "ANY",
            IMAGE_PATH,
            {"status": 200, "headers": json_headers, "body": wsgi_const.BLOB_ID.decode()},
        ),
    ]


def write_wiremock_root(root: Path, contract: Path, pictures: dict[str, Path]) -> Path:
    """A fresh WireMock root (``mappings/``, ``__files/``) in ``root``; returns ``root``."""
    shutil.rmtree(root, ignore_errors=True)
    (root / "mappings").mkdir(parents=True)
    (root / "__files").mkdir()
    for key in ("png20k", "png64"):
        shutil.copyfile(pictures[key], root / "__files" / f"{key}.png")
    for index, stub in enumerate(wiremock_stubs(wsgi_const.blob_entity(contract))):
        path = root / "mappings" / f"stub{index}.json"
        path.write_text(json.dumps(stub, indent=1), encoding="utf-8")
    return root


def nginx_string(text: str) -> str:
    """``text`` as a single-quoted nginx string that ``return`` sends unchanged.

    nginx expands ``$name`` in ``return`` text and has no escape for ``$``: a dollar is written
    as the ``$dollar`` variable, which the config defines as one.
    """
    escaped = text.replace("\\", "\\\\").replace("'", "\\'").replace("$", "${dollar}")
    return f"'{escaped}'"


def nginx_config(port: int, prefix: Path, info: bytes, pictures: dict[str, Path]) -> str:
    """nginx.conf for one worker on HOST:``port``, every file it writes under ``prefix``."""
    temp = "\n".join(
        f"    {kind}_temp_path {prefix / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    json_type = f'"{wsgi_const.JSON_TYPE}"'
    return f"""# Written by the bench for one run (bench/peers.py): constant answers, no access log.
worker_processes 1;
daemon off;
pid {prefix / "nginx.pid"};
error_log {prefix / "error.log"} warn;
events {{
    worker_connections 1024;
}}
http {{
    access_log off;
{temp}
    client_max_body_size 16m;
    keepalive_requests 10000000;
    geo $dollar {{
        default "$";
    }}
    server {{
        listen {HOST}:{port};
        location ~* /imageinfo$ {{
            if ($request_method = DELETE) {{
                return 204;
            }}
            default_type {json_type};
            return 200 {nginx_string(info.decode())};
        }}
        location ~* /image$ {{
            default_type {json_type};
            if ($request_method = DELETE) {{
                return 204;
            }}
            if ($request_method != GET) {{
                return 200 {nginx_string(wsgi_const.BLOB_ID.decode())};
            }}
            if ($arg_w) {{
                rewrite ^ /__scaled last;
            }}
            rewrite ^ /__picture last;
        }}
        location = /__picture {{
            internal;
            default_type {wsgi_const.PNG_TYPE};
            alias {pictures["png20k"]};
        }}
        location = /__scaled {{
            internal;
            default_type {wsgi_const.PNG_TYPE};
            alias {pictures["png64"]};
        }}
    }}
}}
"""
