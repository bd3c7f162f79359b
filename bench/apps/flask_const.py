"""The Flask floor: the ceiling's precomputed answers, served through one bare Flask route.

Between ``wsgi_const`` (nothing but bytes) and mockso (Flask plus the contract's work) this shows
what Flask's request and response machinery alone costs on the same server stack. The view reads
the body whole, as mockso does, and answers exactly what ``wsgi_const`` answers.

The bench serves it on granian (``granian --interface wsgi --factory flask_const:create_app``);
``python bench/apps/flask_const.py --port P`` serves it on cheroot.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from flask import Flask
from flask import Response
from flask import request

if TYPE_CHECKING:  # mypy reads bench/apps as part of the bench package
    from bench.apps import wsgi_const
else:  # run as a script: its sibling is imported from this folder
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import wsgi_const

METHODS = ["GET", "PUT", "POST", "DELETE"]


def create_app() -> Flask:
    app = Flask(__name__)

    @app.route("/<path:path>", methods=METHODS)
    def answer(path: str) -> Response:
        request.get_data()
        status, kind, body = wsgi_const.answer(
            request.method, request.path, request.query_string.decode("latin-1")
        )
        response = Response(body, status=status, content_type=kind)
        if kind is None:
            del response.headers["Content-Type"]
        return response

    return app


if __name__ == "__main__":
    wsgi_const.serve(create_app(), "flask_const")
