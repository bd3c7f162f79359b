"""The app factory: settings → contract → mock → Flask routes and error handlers.

``create_app()`` takes no required arguments so that ``flask --app mockso run`` works; the state
lives in ``app.extensions["mockso"]`` and never in a module global, so two apps built from two
contracts or settings coexist in one process.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask
from flask import Response
from werkzeug.exceptions import HTTPException

from mockso import codecs
from mockso import errors
from mockso import routing
from mockso.config import Settings
from mockso.contract import Contract
from mockso.mock import Mock

log = logging.getLogger("mockso")


def create_app(
    config: Mapping[str, Any] | Settings | None = None, contract: Contract | None = None
) -> Flask:
    """Build a mock app. ``config`` overrides ``MOCKSO_*`` variables, which override defaults."""
    settings = config if isinstance(config, Settings) else Settings.load(config)
    mock = Mock(settings, contract)
    app = Flask("mockso", static_folder=None)
    app.extensions["mockso"] = mock
    routing.register(app, mock.bindings(), mock)
    _register_error_handlers(app)
    return app


def get_mock(app: Flask) -> Mock:
    """The mock behind an app made by ``create_app``."""
    mock: Mock = app.extensions["mockso"]
    return mock


def error_response(error: errors.MocksoError) -> Response:
    """SuperOffice's error object, as JSON, with the error's status and headers."""
    body = codecs.encode_json(error.to_object())
    headers = {**error.headers, "Content-Type": "application/json; charset=utf-8"}
    return routing.make_response(error.status, headers, body)


def _register_error_handlers(app: Flask) -> None:
    app.register_error_handler(errors.MocksoError, error_response)
    app.register_error_handler(HTTPException, _from_http_exception)
    app.register_error_handler(Exception, _from_crash)


def _from_http_exception(error: HTTPException) -> Response:
    """Werkzeug's own errors (no route, wrong method, ...) in SuperOffice's shape."""
    from flask import request

    if error.code == 404:
        mapped: errors.MocksoError = errors.NotFound(
            f"No operation of the contract matches {request.method} {request.path}; "
            "`mockso routes` lists them"
        )
        mapped.source = errors.WEB_SOURCE
    elif error.code == 405:
        allowed = ", ".join(getattr(error, "valid_methods", None) or [])
        mapped = errors.MethodNotAllowed(
            f"{request.method} is not an operation of {request.path}; the contract has: {allowed}",
            headers={"Allow": allowed},
        )
    elif error.code == 413:
        mapped = errors.PayloadTooLarge("The body is larger than this mock accepts")
    else:
        mapped = errors.BadRequest(error.description or str(error))
        mapped.status = error.code or 400
    return error_response(mapped)


def _from_crash(error: Exception) -> Response:
    """A bug in mockso: logged with its traceback, answered as a 500 error object."""
    log.exception("unhandled error")
    return error_response(errors.MocksoError(f"mockso failed: {type(error).__name__}: {error}"))
