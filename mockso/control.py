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

import re
import time
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from typing import cast

from flask import Blueprint
from flask import Flask
from flask import Response
from flask import request

from mockso import codecs
from mockso import dashboard
from mockso import dates
from mockso import reports
from mockso.conformance import ResponseChecker
from mockso.contract import Operation
from mockso.errors import BadRequest
from mockso.errors import ContractViolation
from mockso.errors import MocksoError
from mockso.errors import NotFound
from mockso.errors import PayloadTooLarge
from mockso.errors import UnsupportedMediaType
from mockso.handlers import entity_id_parameter
from mockso.journal import Query
from mockso.mock import Mock
from mockso.namespaces import DEFAULT
from mockso.namespaces import check_name
from mockso.routing import make_response
from mockso.rules import directive_from
from mockso.snapshots import control_contract
from mockso.snapshots import export_state
from mockso.snapshots import import_state
from mockso.validation import RequestValidator

SOURCE = "mockso"
_JSON = "application/json; charset=utf-8"
_TEMPLATE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class ControlCall:
    """One validated control request."""

    mock: Mock
    params: Mapping[str, Any]
    body: Any
    started: float  # time.monotonic() when the app was made

    @property
    def namespace(self) -> str | None:
        value = self.params.get("namespace")
        if value is None:
            return None
        check_name(value)  # also where only find() runs; the contract's $ allows a final \n
        return str(value)


ControlHandler = Callable[[ControlCall], Response]


def register(app: Flask, mock: Mock) -> None:
    """Add the control routes of the control contract to ``app``."""
    blueprint = Blueprint("mockso_control", __name__)
    started = time.monotonic()
    checker = ResponseChecker() if mock.settings.strict else None
    for operation in control_contract():
        handler = HANDLERS[operation.operation_id]
        endpoint = ControlEndpoint(operation, handler, mock, started, checker)
        blueprint.add_url_rule(
            _TEMPLATE.sub(r"<\1>", operation.path),
            endpoint=operation.operation_id,
            view_func=endpoint,
            methods=[operation.method],
            provide_automatic_options=False,
        )
    blueprint.register_error_handler(MocksoError, _error_response)
    app.register_blueprint(blueprint)


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
        headers = cast(Mapping[str, str], response.headers)
        problems = self.checker.problems(
            self.operation, response.status_code, headers, response.get_data()
        )
        if not problems:
            return response
        raise ContractViolation(
            f"{self.operation.operation_id} answered {response.status_code} against the "
            "control contract: " + "; ".join(problems)
        )


def _error_response(error: MocksoError) -> Response:
    error.source = SOURCE
    headers = {**error.headers, "Content-Type": _JSON}
    return make_response(error.status, headers, codecs.encode_json(error.to_object()))


def _json(status: int, value: Any) -> Response:
    return make_response(status, {"Content-Type": _JSON}, codecs.encode_json(value))


def _done() -> Response:
    return make_response(204, {}, b"")


# -- handlers, by operationId ----------------------------------------------------------------


def get_openapi(call: ControlCall) -> Response:
    return _json(200, control_contract().document)


def get_health(call: ControlCall) -> Response:
    from mockso import __version__  # here: the package imports app, which imports this module

    uptime = time.monotonic() - call.started
    return _json(200, reports.health(call.mock, uptime, __version__))


def get_metrics(call: ControlCall) -> Response:
    text = reports.metrics(call.mock, time.monotonic() - call.started)
    return make_response(200, {"Content-Type": reports.METRICS_CONTENT_TYPE}, text.encode())


def reset(call: ControlCall) -> Response:
    call.mock.reset(call.namespace)
    return _done()


def get_state(call: ControlCall) -> Response:
    return _json(200, export_state(call.mock, call.namespace))


def put_state(call: ControlCall) -> Response:
    import_state(call.mock, call.body, call.namespace)
    return _done()


def get_journal(call: ControlCall) -> Response:
    params = call.params
    query = Query(
        operation_id=params.get("operationId"),
        method=params.get("method"),
        path=params.get("path"),
        status=params.get("status"),
        namespace=call.namespace,
        since=_instant(params, "since"),
        until=_instant(params, "until"),
        limit=params.get("limit"),
    )
    return _json(200, [record.to_dict() for record in reports.journal(call.mock, query)])


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
    return _done()


def get_coverage(call: ControlCall) -> Response:
    return _json(200, reports.coverage(call.mock, call.namespace))


def get_rules(call: ControlCall) -> Response:
    spaces = reports.spaces_named(call.mock, call.namespace or DEFAULT)
    return _json(200, [rule.to_dict() for space in spaces for rule in space.rules.rules()])


def add_rule(call: ControlCall) -> Response:
    body: Mapping[str, Any] = call.body
    operation = _rule_operation(call.mock, body)
    directive = directive_from(dict(body), "rule")
    if not directive:
        raise BadRequest(
            "A rule says how to answer: give code, example, dynamic, seed, delay or fault"
        )
    call.mock.check_directive(operation, directive)
    space = call.mock.spaces.get(call.namespace)
    rule = space.rules.add(
        operation.operation_id, directive, times=body.get("times"), entity_id=body.get("entityId")
    )
    return _json(201, rule.to_dict())


def _rule_operation(mock: Mock, body: Mapping[str, Any]) -> Operation:
    """The operation a rule is for; it must name an entity when the rule names an id."""
    try:
        operation = mock.contract.operation(body["operationId"])
    except KeyError:
        raise BadRequest(
            f"operationId {body['operationId']!r} is not an operation of the mocked contract; "
            "GET /__mockso/coverage (or `mockso routes`) lists them"
        ) from None
    if body.get("entityId") is not None and entity_id_parameter(operation) is None:
        raise BadRequest(
            f"{operation.operation_id} names no entity, so a rule for it takes no entityId"
        )
    return operation


def clear_rules(call: ControlCall) -> Response:
    for space in reports.spaces_named(call.mock, call.namespace or DEFAULT):
        space.rules.clear()
    return _done()


def delete_rule(call: ControlCall) -> Response:
    rule_id, namespace = call.params["ruleId"], call.namespace or DEFAULT
    space = call.mock.spaces.find(namespace)
    if space is None or not space.rules.delete(rule_id):
        raise NotFound(
            f"Namespace {namespace!r} has no rule {rule_id}; GET /__mockso/rules lists them"
        )
    return _done()


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
    "getRules": get_rules,
    "addRule": add_rule,
    "clearRules": clear_rules,
    "deleteRule": delete_rule,
    "getDashboard": dashboard.get_dashboard,
    "getDashboardFile": dashboard.get_dashboard_file,
    "getPictures": dashboard.get_pictures,
    "getPicture": dashboard.get_picture,
}
