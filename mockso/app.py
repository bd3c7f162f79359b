"""The app factory: settings → contract → mock → Flask routes and error handlers.

``create_app()`` takes no required arguments so that ``flask --app mockso run`` works; the state
lives in ``app.extensions["mockso"]`` and never in a module global, so two apps built from two
contracts or settings coexist in one process.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from flask import Flask
from flask import g
from flask import request
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from mockso import control
from mockso import errors
from mockso import gateway
from mockso import routing
from mockso.config import Settings
from mockso.conformance import ResponseChecker
from mockso.contract import Contract
from mockso.faults import FaultMiddleware
from mockso.mock import Mock
from mockso.routing import make_response

CONTROL_PREFIX = gateway.CONTROL_PREFIX
error_response = gateway.error_response


def create_app(
    config: Mapping[str, Any] | Settings | None = None, contract: Contract | None = None
) -> Flask:
    """Build a mock app. ``config`` overrides ``MOCKSO_*`` variables, which override defaults."""
    settings = config if isinstance(config, Settings) else Settings.load(config)
    mock = Mock(settings, contract)
    app = Flask("mockso", static_folder=None)
    app.extensions["mockso"] = mock
    routes = routing.register(app, mock.bindings(), mock)
    control.register(app, mock)
    _register_error_handlers(app)
    recorder = gateway.Recorder(mock)
    _record_requests(app, mock, recorder)  # registered first: runs last, sees the final answer
    checker = ResponseChecker() if settings.strict else None
    if checker is not None:
        _check_responses(app, mock, checker)
    # The contract's operations skip Flask's per-request machinery; the rest still uses it.
    front = gateway.Gateway(app.wsgi_app, routes.endpoints, routes.spellings, recorder, checker)
    app.wsgi_app = FaultMiddleware(front)  # type: ignore[method-assign]
    return app


def get_mock(app: Flask) -> Mock:
    """The mock behind an app made by ``create_app``."""
    mock: Mock = app.extensions["mockso"]
    return mock


def _register_error_handlers(app: Flask) -> None:
    app.register_error_handler(errors.MocksoError, error_response)
    app.register_error_handler(HTTPException, _from_http_exception)
    app.register_error_handler(Exception, _from_crash)


def _record_requests(app: Flask, mock: Mock, recorder: gateway.Recorder) -> None:
    """The journal's record of what Flask answered (unknown paths and methods; the gateway
    records what it serves itself)."""
    operations = {op.operation_id for op in mock.contract}

    @app.before_request
    def start() -> None:
        g.mockso_started = time.perf_counter()

    @app.after_request
    def record(response: Response) -> Response:
        if request.path.startswith(CONTROL_PREFIX):
            return response
        operation_id = request.endpoint if request.endpoint in operations else None
        answer = gateway.answer_of(response)
        recorder.record(request.environ, answer, operation_id, g.get("mockso_started", 0.0))
        return response


def _check_responses(app: Flask, mock: Mock, checker: ResponseChecker) -> None:
    """Strict mode: an answer the contract does not allow becomes a loud 500."""
    operations = {op.operation_id: op for op in mock.contract}

    @app.after_request
    def check(response: Response) -> Response:
        operation = operations.get(request.endpoint or "")
        if operation is None or response.direct_passthrough:
            return response
        answer = gateway.answer_of(response)
        result = gateway.checked(checker, operation, answer)
        return response if result is answer else make_response(*result)


def _from_http_exception(error: HTTPException) -> Response:
    """Werkzeug's own errors (no route, wrong method, ...) in SuperOffice's shape."""
    if error.code == 404 and request.path.startswith(CONTROL_PREFIX):
        mapped: errors.MocksoError = errors.NotFound(
            f"{request.path} is not part of the control API; "
            "GET /__mockso/openapi.json describes it"
        )
        mapped.source = control.SOURCE
    else:
        mapped = gateway.http_error(error, request.method, request.path)
    return error_response(mapped)


def _from_crash(error: Exception) -> Response:
    """A bug in mockso: logged with its traceback, answered as a 500 error object."""
    return make_response(*gateway.crash_answer(error))
