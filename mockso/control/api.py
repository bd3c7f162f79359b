"""The control API under ``/__mockso/``: health, reset, state, journal, coverage, rules, metrics
and the dashboard (its handlers live in ``dashboard``).

Every route comes from ``contracts/mockso-control.yaml``: one Flask rule per operation, its
handler found by operationId, its query parameters and JSON body validated against it before
the handler runs. A query parameter the operation does not declare is refused, because a typo
such as ``?namepsace=ci-1`` on ``POST /__mockso/reset`` would otherwise reset every namespace.
There is no authentication: mockso is a test double for localhost and CI networks. Errors are
SuperOffice's error object with ErrorSource ``mockso``; in strict mode the answers are checked
against the control contract, as the mocked API's are against theirs.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from typing import cast

from flask import Blueprint
from flask import Flask
from flask import Response
from flask import request
from werkzeug.exceptions import HTTPException

from mockso.control import dashboard
from mockso.control import reports
from mockso.control.calls import ControlCall
from mockso.control.calls import ControlHandler
from mockso.control.calls import answer_response
from mockso.control.calls import done
from mockso.control.calls import error_response
from mockso.control.calls import json_response
from mockso.control.calls import make_response
from mockso.core import codecs
from mockso.core import dates
from mockso.core.answers import crash_answer
from mockso.core.conformance import ResponseChecker
from mockso.core.contract import Operation
from mockso.core.errors import BadRequest
from mockso.core.errors import MethodNotAllowed
from mockso.core.errors import MocksoError
from mockso.core.errors import NotFound
from mockso.core.errors import PayloadTooLarge
from mockso.core.errors import UnsupportedMediaType
from mockso.core.errors import from_status
from mockso.core.journal import Query
from mockso.core.mock import Mock
from mockso.core.namespaces import DEFAULT
from mockso.core.snapshots import control_contract
from mockso.core.snapshots import export_state
from mockso.core.snapshots import import_state
from mockso.core.validation import RequestValidator
from mockso.core.version import __version__


def register(app: Flask, mock: Mock) -> None:
    """Add the control routes of the control contract to ``app``."""
    blueprint = Blueprint("mockso_control", __name__, template_folder="templates")
    started = time.monotonic()
    checker = ResponseChecker() if mock.settings.strict else None
    for operation in control_contract():
        handler = HANDLERS[operation.operation_id]
        endpoint = ControlEndpoint(operation, handler, mock, started, checker)
        blueprint.add_url_rule(
            operation.template.rule(),
            endpoint=operation.operation_id,
            view_func=endpoint,
            methods=[operation.method],
            provide_automatic_options=False,
        )
    blueprint.register_error_handler(MocksoError, error_response)
    app.register_blueprint(blueprint)
    # Flask serves nothing but the control API: its own errors (no such control route, a
    # method the route lacks) and crashes are the control API's, as error objects.
    app.register_error_handler(MocksoError, error_response)
    app.register_error_handler(HTTPException, _from_http_exception)
    app.register_error_handler(Exception, _from_crash)


def _from_http_exception(error: HTTPException) -> Response:
    mapped: MocksoError
    if error.code == 404:
        mapped = NotFound(
            f"{request.path} is not part of the control API; "
            "GET /__mockso/openapi.json describes it"
        )
    elif error.code == 405:
        allowed = ", ".join(sorted(getattr(error, "valid_methods", None) or []))
        mapped = MethodNotAllowed(
            f"{request.method} is not an operation of {request.path}; "
            f"the control contract has: {allowed}",
            headers={"Allow": allowed},
        )
    else:
        mapped = from_status(error.code, error.description)
    return error_response(mapped)


def _from_crash(error: Exception) -> Response:
    """A bug in mockso: logged with its traceback, answered as a 500 error object."""
    return answer_response(crash_answer(error))


class ControlEndpoint:
    """One control operation: validation from the contract, then its handler."""

    def __init__(
        self,
        operation: Operation,
        handler: ControlHandler,
        mock: Mock,
        started: float,
        checker: ResponseChecker | None = None,
    ) -> None:
        self.operation = operation
        self.checker = checker
        self.handler = handler
        self.mock = mock
        self.started = started
        self.validator = RequestValidator(operation)
        self.query = sorted(p.name for p in operation.parameters if p.location == "query")
        # A state document carries every stored byte in base64, plus its ImageInfo.
        settings = mock.settings
        self.body_limit = settings.max_store_bytes * 4 // 3 + settings.max_upload

    def __call__(self, **path_values: str) -> Response:
        unknown = sorted(set(request.args) - set(self.query))
        if unknown:
            takes = ", ".join(self.query) if self.query else "none"
            raise BadRequest(
                f"Query parameter '{unknown[0]}' is not one {self.operation.operation_id} "
                f"takes; it takes: {takes}"
            )
        headers = cast(Mapping[str, str], request.headers)
        params = self.validator.parameters(path_values, request.args.to_dict(flat=False), headers)
        body = self._body() if self.operation.request_body else None
        response = self.handler(ControlCall(self.mock, params, body, self.started))
        return self._checked(response) if self.checker else response

    def _body(self) -> Any:
        if request.mimetype != "application/json":
            raise UnsupportedMediaType(
                f"{self.operation.operation_id} takes an application/json body; "
                f"got {request.mimetype or 'no Content-Type'}"
            )
        too_large = PayloadTooLarge(f"The body is larger than {self.body_limit} bytes")
        if (request.content_length or 0) > self.body_limit:
            raise too_large  # before reading a byte of it
        data = request.stream.read(self.body_limit + 1)  # chunked bodies have no length
        if len(data) > self.body_limit:
            raise too_large
        try:
            value = codecs.decode_json(data)
        except codecs.CodecError as error:
            raise BadRequest(str(error)) from error
        self.validator.body("application/json", value)
        return value

    def _checked(self, response: Response) -> Response:
        """Strict mode: an answer the control contract does not allow becomes a 500."""
        assert self.checker is not None
        violation = self.checker.violation(
            self.operation,
            response.status_code,
            cast(Mapping[str, str], response.headers),
            response.get_data(),
            against="the control contract",
        )
        if violation is not None:
            raise violation
        return response


# -- handlers, by operationId ----------------------------------------------------------------


def get_openapi(call: ControlCall) -> Response:
    return json_response(200, control_contract().document)


def get_health(call: ControlCall) -> Response:
    uptime = time.monotonic() - call.started
    return json_response(200, reports.health(call.mock, uptime, __version__))


def get_metrics(call: ControlCall) -> Response:
    text = reports.metrics(call.mock, time.monotonic() - call.started)
    return make_response(200, {"Content-Type": reports.METRICS_CONTENT_TYPE}, text.encode())


def reset(call: ControlCall) -> Response:
    call.mock.reset(call.namespace)
    return done()


def get_state(call: ControlCall) -> Response:
    return json_response(200, export_state(call.mock, call.namespace))


def put_state(call: ControlCall) -> Response:
    import_state(call.mock, call.body, call.namespace)
    return done()


def get_journal(call: ControlCall) -> Response:
    params = call.params
    query = Query(
        operation_id=params.get("operationId"),
        method=params.get("method"),
        path=params.get("path"),
        status=params.get("status"),
        namespace=call.namespace,
        deviations=params.get("deviations"),
        since=_instant(params, "since"),
        until=_instant(params, "until"),
        limit=params.get("limit"),
    )
    return json_response(200, [record.to_dict() for record in reports.journal(call.mock, query)])


def _instant(params: Mapping[str, Any], name: str) -> datetime | None:
    text = params.get(name)
    if text is None:
        return None
    try:
        return dates.parse_datetime(str(text))
    except ValueError as error:
        raise BadRequest(f"Query parameter '{name}': {error}") from None


def clear_journal(call: ControlCall) -> Response:
    for space in reports.spaces_named(call.mock, call.namespace):
        space.journal.clear()
    return done()


def get_coverage(call: ControlCall) -> Response:
    return json_response(200, reports.coverage(call.mock, call.namespace))


def get_drift(call: ControlCall) -> Response:
    return json_response(200, call.mock.drift.report())


def flush_recording(call: ControlCall) -> Response:
    recording = call.mock.recording
    if recording is None:
        raise NotFound("Nothing is recorded: start `mockso proxy` with --record FILE")
    return json_response(200, reports.recording_written(recording.path, *recording.write()))


def get_rules(call: ControlCall) -> Response:
    spaces = reports.spaces_named(call.mock, call.namespace or DEFAULT)
    return json_response(200, [rule.to_dict() for space in spaces for rule in space.rules.rules()])


def add_rule(call: ControlCall) -> Response:
    body: Mapping[str, Any] = call.body
    rule = call.mock.add_rule(
        body["operationId"],
        body,
        times=body.get("times"),
        entity_id=body.get("entityId"),
        namespace=call.namespace,
    )
    return json_response(201, rule.to_dict())


def clear_rules(call: ControlCall) -> Response:
    for space in reports.spaces_named(call.mock, call.namespace or DEFAULT):
        space.rules.clear()
    return done()


def delete_rule(call: ControlCall) -> Response:
    rule_id, namespace = call.params["ruleId"], call.namespace or DEFAULT
    space = call.mock.spaces.find(namespace)
    if space is None or not space.rules.delete(rule_id):
        raise NotFound(
            f"Namespace {namespace!r} has no rule {rule_id}; GET /__mockso/rules lists them"
        )
    return done()


HANDLERS: dict[str, ControlHandler] = {
    "getOpenapi": get_openapi,
    "getHealth": get_health,
    "getMetrics": get_metrics,
    "reset": reset,
    "getState": get_state,
    "putState": put_state,
    "getJournal": get_journal,
    "clearJournal": clear_journal,
    "getCoverage": get_coverage,
    "getDrift": get_drift,
    "flushRecording": flush_recording,
    "getRules": get_rules,
    "addRule": add_rule,
    "clearRules": clear_rules,
    "deleteRule": delete_rule,
    "getDashboard": dashboard.get_dashboard,
    "getDashboardFile": dashboard.get_dashboard_file,
    "getPictures": dashboard.get_pictures,
    "getPicture": dashboard.get_picture,
}
