"""The WSGI front door: the mocked API's operations served without Flask's per-request work.

On a small answer Flask's request context, URL adapter, hooks and response finalising cost more
than mockso's own work (``make bench`` shows a bare Flask route at a fraction of a plain WSGI
callable). The gateway matches a request to an operation with one regex per contract path,
letter case ignored as routing does, and serves it with the very ``Endpoint`` the Flask rule
would call. Everything else (the control API, unknown paths, methods a path lacks) goes on to
Flask, which answers it as before. Both roads record the exchange and check it in strict mode
through the functions here, so a client cannot tell which one answered. No Flask import.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Iterable
from collections.abc import Mapping
from datetime import UTC
from datetime import datetime
from typing import Any
from typing import cast

from werkzeug.datastructures import Headers
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.wrappers import Request
from werkzeug.wrappers import Response

from mockso import codecs
from mockso import errors
from mockso import faults
from mockso.conformance import ResponseChecker
from mockso.contract import Operation
from mockso.journal import Record
from mockso.routing import SPACE_KEY
from mockso.routing import Answer
from mockso.routing import Endpoint
from mockso.routing import ExactSpellings
from mockso.routing import make_response

log = logging.getLogger("mockso")
# One JSON line per request (namespace, operationId, status, duration); off unless configured.
access_log = logging.getLogger("mockso.access")
# Paths under this prefix belong to mockso itself, not to the mocked API.
CONTROL_PREFIX = "/__mockso/"
_JSON = "application/json; charset=utf-8"
_TEMPLATE_PART = re.compile(r"^\{([A-Za-z_][A-Za-z0-9_]*)\}$")

WSGIApp = faults.WSGIApp
StartResponse = faults.StartResponse


class PathTable:
    """(method, path) → the endpoint and its path values, as the Flask rules would match them."""

    def __init__(self, endpoints: list[Endpoint]) -> None:
        self._rows = [
            (_pattern(endpoint.operation.path), endpoint.operation.method.upper(), endpoint)
            for endpoint in endpoints
        ]

    def match(self, method: str, path: str) -> tuple[Endpoint, dict[str, str]] | None:
        wanted = "GET" if method == "HEAD" else method  # Flask serves HEAD with the GET rule
        for pattern, rule_method, endpoint in self._rows:
            if rule_method == wanted:
                found = pattern.match(path)
                if found:
                    return endpoint, found.groupdict()
        return None


def _pattern(path: str) -> re.Pattern[str]:
    """``/api/v1/Person/{personId}/Image`` → literals in any case, parameters one segment."""
    parts = []
    for segment in path.strip("/").split("/"):
        template = _TEMPLATE_PART.match(segment)
        literal = f"(?i:{re.escape(segment)})"
        parts.append(f"(?P<{template.group(1)}>[^/]+)" if template else literal)
    return re.compile("/" + "/".join(parts) + r"\Z")


class Recorder:
    """Journal, coverage and the access log: one record per request to the mocked API."""

    def __init__(self, mock: Any) -> None:
        self.mock = mock

    def record(
        self, req: Request, answer: Answer, operation_id: str | None, started: float
    ) -> None:
        space = req.environ.get(SPACE_KEY) or self.mock.spaces.default
        status = answer.status
        content_type = answer.headers.get("Content-Type")
        record = Record(
            time=datetime.now(UTC),
            namespace=space.name,
            method=req.method,
            path=req.path,
            query=req.query_string.decode("latin-1"),
            operation_id=operation_id,
            status=status,
            duration_ms=round((time.perf_counter() - started) * 1000, 3),
            request_type=req.mimetype or None,
            request_bytes=req.content_length or 0,
            response_type=content_type.split(";", 1)[0].strip() if content_type else None,
            response_bytes=len(answer.body),
            error=_error_message(answer) if status >= 400 else None,
            fault=req.environ.get(faults.ENVIRON_KEY),
        )
        space.journal.add(record)
        if operation_id is not None:
            space.coverage.count(operation_id, status)
        else:
            space.coverage.count_unmatched(status)
        if access_log.isEnabledFor(logging.INFO):
            access_log.info("%s", json.dumps(_access_line(record), separators=(",", ":")))


def answer_of(response: Response) -> Answer:
    """A Flask answer as plain data (only error objects and small bodies come this way)."""
    body = b"" if response.direct_passthrough else response.get_data()
    return Answer(response.status_code, dict(response.headers), body)


def _error_message(answer: Answer) -> str | None:
    """The ErrorMessage of an error answer (they are small JSON objects)."""
    try:
        message = json.loads(answer.body).get("ErrorMessage")
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


def error_answer(error: errors.MocksoError) -> Answer:
    """SuperOffice's error object, as JSON, with the error's status and headers."""
    body = codecs.encode_json(error.to_object())
    return Answer(error.status, {**error.headers, "Content-Type": _JSON}, body)


def error_response(error: errors.MocksoError) -> Response:
    """The error object as a response, for Flask's error handlers."""
    return make_response(*error_answer(error))


def http_error(error: HTTPException, method: str, path: str) -> errors.MocksoError:
    """Werkzeug's own errors (no route, wrong method, ...) in SuperOffice's shape."""
    mapped: errors.MocksoError
    if error.code == 404:
        mapped = errors.NotFound(
            f"No operation of the contract matches {method} {path}; `mockso routes` lists them"
        )
        mapped.source = errors.WEB_SOURCE
    elif error.code == 405:
        allowed = ", ".join(getattr(error, "valid_methods", None) or [])
        mapped = errors.MethodNotAllowed(
            f"{method} is not an operation of {path}; the contract has: {allowed}",
            headers={"Allow": allowed},
        )
    elif error.code == 413:
        mapped = errors.PayloadTooLarge("The body is larger than this mock accepts")
    else:
        mapped = errors.BadRequest(error.description or str(error))
        mapped.status = error.code or 400
    return mapped


def crash_answer(error: Exception) -> Answer:
    """A bug in mockso: logged with its traceback, answered as a 500 error object."""
    log.exception("unhandled error")
    return error_answer(errors.MocksoError(f"mockso failed: {type(error).__name__}: {error}"))


def checked(checker: ResponseChecker, operation: Operation, answer: Answer) -> Answer:
    """Strict mode: an answer the contract does not allow becomes a loud 500."""
    # Header names are compared without regard to case, as HTTP does.
    headers = cast(Mapping[str, str], Headers(answer.headers))
    problems = checker.problems(operation, answer.status, headers, answer.body)
    if not problems:
        return answer
    message = (
        f"{operation.operation_id} answered {answer.status} against its "
        f"contract: " + "; ".join(problems)
    )
    log.error("contract violation: %s", message)
    return error_answer(errors.ContractViolation(message))


def start(environ: dict[str, Any], start_response: StartResponse, answer: Answer) -> list[bytes]:
    """Send ``answer`` as werkzeug's Response would: reason in capitals, no length or body on
    1xx and 204, no body for HEAD."""
    status, headers, body = answer
    listed = list(headers.items())
    bodiless = status < 200 or status in (204, 304)
    if not bodiless:
        listed.append(("Content-Length", str(len(body))))
    reason = HTTP_STATUS_CODES.get(status, "Unknown").upper()
    start_response(f"{status} {reason}", listed)
    return [] if bodiless or environ.get("REQUEST_METHOD") == "HEAD" else [body]


class Gateway:
    """Serves the contract's operations itself; hands every other request to ``fallback``."""

    def __init__(
        self,
        fallback: WSGIApp,
        endpoints: list[Endpoint],
        spellings: ExactSpellings,
        recorder: Recorder,
        checker: ResponseChecker | None,
    ) -> None:
        self.fallback = fallback
        self.table = PathTable(endpoints)
        self.spellings = spellings
        self.recorder = recorder
        self.checker = checker

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "").startswith(CONTROL_PREFIX):
            return self.fallback(environ, start_response)
        started = time.perf_counter()
        req = Request(environ)
        try:
            self.spellings.check(req.method, req.path)
        except errors.MethodNotAllowed as error:
            answer = error_answer(error)
            self.recorder.record(req, answer, None, started)
            return start(environ, start_response, answer)
        found = self.table.match(req.method, req.path)
        if found is None:  # Flask answers 404 and 405 with its Allow list, and records them
            return self.fallback(environ, start_response)
        endpoint, values = found
        try:
            answer = self._answer(endpoint, req, values)
        finally:
            req.close()  # uploaded file parts are spooled to temporary files, as Flask closes them
        self.recorder.record(req, answer, endpoint.operation.operation_id, started)
        return start(environ, start_response, answer)

    def _answer(self, endpoint: Endpoint, req: Request, values: dict[str, str]) -> Answer:
        try:
            answer = endpoint.respond(req, values)
        except errors.MocksoError as error:
            answer = error_answer(error)
        except HTTPException as error:
            answer = error_answer(http_error(error, req.method, req.path))
        except Exception as error:  # the server must answer, whatever broke
            answer = crash_answer(error)
        if self.checker is not None:
            answer = checked(self.checker, endpoint.operation, answer)
        return answer
