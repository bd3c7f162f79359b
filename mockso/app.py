"""The app factory: settings → contract → mock → Flask routes and error handlers.

``create_app()`` takes no required arguments so that ``flask --app mockso run`` works; the state
lives in ``app.extensions["mockso"]`` and never in a module global, so two apps built from two
contracts or settings coexist in one process.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any
from typing import cast

from flask import Flask
from flask import Response
from flask import request
from werkzeug.exceptions import HTTPException

from mockso import codecs
from mockso import errors
from mockso import routing
from mockso.config import Settings
from mockso.conformance import ResponseChecker
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
    if settings.strict:
        _check_responses(app, mock)
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


def _check_responses(app: Flask, mock: Mock) -> None:
    """Strict mode: an answer the contract does not allow becomes a loud 500."""
    checker = ResponseChecker()
    operations = {op.operation_id: op for op in mock.contract}

    @app.after_request
    def check(response: Response) -> Response:
        operation = operations.get(request.endpoint or "")
        if operation is None or response.direct_passthrough:
            return response
        headers = cast(Mapping[str, str], response.headers)
        problems = checker.problems(operation, response.status_code, headers, response.get_data())
        if not problems:
            return response
        message = (
            f"{operation.operation_id} answered {response.status_code} against its "
            f"contract: " + "; ".join(problems)
        )
        log.error("contract violation: %s", message)
        return error_response(errors.ContractViolation(message))


def _from_http_exception(error: HTTPException) -> Response:
    """Werkzeug's own errors (no route, wrong method, ...) in SuperOffice's shape."""
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
