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

from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request
from werkzeug.wrappers import Response

from mockso import codecs
from mockso import errors
from mockso import faults
from mockso.conformance import ResponseChecker
from mockso.contract import Operation
from mockso.journal import Record
from mockso.routing import SPACE_KEY
from mockso.routing import Endpoint
from mockso.routing import ExactSpellings
from mockso.routing import make_response

log = logging.getLogger("mockso")
# One JSON line per request (namespace, operationId, status, duration); off unless configured.
access_log = logging.getLogger("mockso.access")
# Paths under this prefix belong to mockso itself, not to the mocked API.
CONTROL_PREFIX = "/__mockso/"
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
        self, req: Request, response: Response, operation_id: str | None, started: float
    ) -> None:
        space = req.environ.get(SPACE_KEY) or self.mock.spaces.default
        record = Record(
            time=datetime.now(UTC),
            namespace=space.name,
            method=req.method,
            path=req.path,
            query=req.query_string.decode("latin-1"),
            operation_id=operation_id,
            status=response.status_code,
            duration_ms=round((time.perf_counter() - started) * 1000, 3),
            request_type=req.mimetype or None,
            request_bytes=req.content_length or 0,
            response_type=response.mimetype,
            response_bytes=response.content_length or 0,
            error=_error_message(response),
            fault=req.environ.get(faults.ENVIRON_KEY),
        )
        space.journal.add(record)
        if operation_id is not None:
            space.coverage.count(operation_id, response.status_code)
        else:
            space.coverage.count_unmatched(response.status_code)
        if access_log.isEnabledFor(logging.INFO):
            access_log.info("%s", json.dumps(_access_line(record), separators=(",", ":")))


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


def error_response(error: errors.MocksoError) -> Response:
    """SuperOffice's error object, as JSON, with the error's status and headers."""
    body = codecs.encode_json(error.to_object())
    headers = {**error.headers, "Content-Type": "application/json; charset=utf-8"}
    return make_response(error.status, headers, body)


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


def crash_response(error: Exception) -> Response:
    """A bug in mockso: logged with its traceback, answered as a 500 error object."""
    log.exception("unhandled error")
    return error_response(errors.MocksoError(f"mockso failed: {type(error).__name__}: {error}"))


def checked(checker: ResponseChecker, operation: Operation, response: Response) -> Response:
    """Strict mode: an answer the contract does not allow becomes a loud 500."""
    if response.direct_passthrough:
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
            response = error_response(error)
            self.recorder.record(req, response, None, started)
            return response(environ, start_response)
        found = self.table.match(req.method, req.path)
        if found is None:  # Flask answers 404 and 405 with its Allow list, and records them
            return self.fallback(environ, start_response)
        endpoint, values = found
        try:
            response = self._answer(endpoint, req, values)
        finally:
            req.close()  # uploaded file parts are spooled to temporary files, as Flask closes them
        self.recorder.record(req, response, endpoint.operation.operation_id, started)
        return response(environ, start_response)

    def _answer(self, endpoint: Endpoint, req: Request, values: dict[str, str]) -> Response:
        try:
            response: Response = endpoint.respond(req, values)
        except errors.MocksoError as error:
            response = error_response(error)
        except HTTPException as error:
            response = error_response(http_error(error, req.method, req.path))
        except Exception as error:  # the server must answer, whatever broke
            response = crash_response(error)
        if self.checker is not None:
            response = checked(self.checker, endpoint.operation, response)
        return response
