"""The app factory: settings → contract → mock → Flask routes and error handlers.

``create_app()`` takes no required arguments so that ``flask --app mockso run`` works; the state
lives in ``app.extensions["mockso"]`` and never in a module global, so two apps built from two
contracts or settings coexist in one process.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from datetime import UTC
from datetime import datetime
from typing import Any
from typing import cast

from flask import Flask
from flask import Response
from flask import g
from flask import request
from werkzeug.exceptions import HTTPException

from mockso import codecs
from mockso import control
from mockso import errors
from mockso import faults
from mockso import routing
from mockso.config import Settings
from mockso.conformance import ResponseChecker
from mockso.contract import Contract
from mockso.faults import FaultMiddleware
from mockso.journal import Record
from mockso.mock import Mock

log = logging.getLogger("mockso")
# One JSON line per request (namespace, operationId, status, duration); off unless configured.
access_log = logging.getLogger("mockso.access")
# Paths under this prefix belong to mockso itself, not to the mocked API.
CONTROL_PREFIX = "/__mockso/"


def create_app(
    config: Mapping[str, Any] | Settings | None = None, contract: Contract | None = None
) -> Flask:
    """Build a mock app. ``config`` overrides ``MOCKSO_*`` variables, which override defaults."""
    settings = config if isinstance(config, Settings) else Settings.load(config)
    mock = Mock(settings, contract)
    app = Flask("mockso", static_folder=None)
    app.extensions["mockso"] = mock
    routing.register(app, mock.bindings(), mock)
    control.register(app, mock)
    _register_error_handlers(app)
    _record_requests(app, mock)  # registered first, so it runs last and sees the final answer
    if settings.strict:
        _check_responses(app, mock)
    app.wsgi_app = FaultMiddleware(app.wsgi_app)  # type: ignore[method-assign]
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


def _record_requests(app: Flask, mock: Mock) -> None:
    """Journal, coverage and the access log: one record per request to the mocked API."""
    operations = {op.operation_id for op in mock.contract}

    @app.before_request
    def start() -> None:
        g.mockso_started = time.perf_counter()

    @app.after_request
    def record(response: Response) -> Response:
        if request.path.startswith(CONTROL_PREFIX):
            return response
        space = g.get("mockso_space") or mock.spaces.default
        operation_id = request.endpoint if request.endpoint in operations else None
        record = Record(
            time=datetime.now(UTC),
            namespace=space.name,
            method=request.method,
            path=request.path,
            query=request.query_string.decode("latin-1"),
            operation_id=operation_id,
            status=response.status_code,
            duration_ms=round((time.perf_counter() - g.get("mockso_started", 0.0)) * 1000, 3),
            request_type=request.mimetype or None,
            request_bytes=request.content_length or 0,
            response_type=response.mimetype,
            response_bytes=response.content_length or 0,
            error=_error_message(response),
            fault=request.environ.get(faults.ENVIRON_KEY),
        )
        space.journal.add(record)
        if operation_id is not None:
            space.coverage.count(operation_id, response.status_code)
        else:
            space.coverage.count_unmatched(response.status_code)
        if access_log.isEnabledFor(logging.INFO):
            access_log.info("%s", json.dumps(_access_line(record), separators=(",", ":")))
        return response


def _error_message(response: Response) -> str | None:
    """The ErrorMessage of an error answer (they are small JSON objects)."""
    if response.status_code < 400 or response.direct_passthrough:
        return None
    try:
        message = json.loads(response.get_data()).get("ErrorMessage")
    except (ValueError, AttributeError):
        return None
    return str(message) if message is not None else None


def _access_line(record: Record) -> dict[str, Any]:
    return {
        "namespace": record.namespace,
        "method": record.method,
        "path": record.path,
        "operationId": record.operation_id,
        "status": record.status,
        "ms": record.duration_ms,
        "fault": record.fault,
    }


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
    if error.code == 404 and request.path.startswith(CONTROL_PREFIX):
        mapped: errors.MocksoError = errors.NotFound(
            f"{request.path} is not part of the control API; "
            "GET /__mockso/openapi.json describes it"
        )
        mapped.source = control.SOURCE
    elif error.code == 404:
        mapped = errors.NotFound(
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
