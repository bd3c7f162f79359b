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
from mockso import namespaces
from mockso.answers import AnswerCache
from mockso.answers import Kept
from mockso.conformance import ResponseChecker
from mockso.contract import Operation
from mockso.journal import Record
from mockso.logs import access_line
from mockso.routing import BENT_KEY
from mockso.routing import SPACE_KEY
from mockso.routing import Answer
from mockso.routing import Endpoint
from mockso.routing import ExactSpellings
from mockso.routing import FastRequest
from mockso.routing import make_response

log = logging.getLogger("mockso")
# One JSON line per request (namespace, operationId, status, duration); off unless configured.
access_log = logging.getLogger("mockso.access")
# Paths under this prefix belong to mockso itself, not to the mocked API.
CONTROL_PREFIX = "/__mockso/"
_JSON = "application/json; charset=utf-8"
_NAMESPACE_KEY = "HTTP_" + namespaces.HEADER.upper().replace("-", "_")
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
        self, environ: Mapping[str, Any], answer: Answer, operation_id: str | None, started: float
    ) -> None:
        """Read from the WSGI environ as werkzeug's Request would read it, without making one
        (this runs on every request, kept answers included)."""
        space = environ.get(SPACE_KEY) or self.mock.spaces.default
        status = answer.status
        content_type = answer.headers.get("Content-Type")
        request_type = environ.get("CONTENT_TYPE")
        record = Record(
            time=datetime.now(UTC),
            namespace=space.name,
            method=environ.get("REQUEST_METHOD", "GET"),
            path=_path(environ.get("PATH_INFO", "")),
            query=environ.get("QUERY_STRING", ""),
            operation_id=operation_id,
            status=status,
            duration_ms=round((time.perf_counter() - started) * 1000, 3),
            request_type=request_type.split(";", 1)[0].strip().lower() or None
            if request_type
            else None,
            request_bytes=_length(environ),
            response_type=content_type.split(";", 1)[0].strip() if content_type else None,
            response_bytes=len(answer.body),
            error=_error_message(answer) if status >= 400 else None,
            fault=environ.get(faults.ENVIRON_KEY),
        )
        space.journal.add(record)
        if operation_id is not None:
            space.coverage.count(operation_id, status)
        else:
            space.coverage.count_unmatched(status)
        lines = self.mock.access_lines
        if lines is not None:  # `mockso serve`: written in batches by another thread
            lines(record)
        elif access_log.isEnabledFor(logging.INFO):
            access_log.info("%s", access_line(record))


def _path(raw: str) -> str:
    """PATH_INFO as werkzeug's ``Request.path``: UTF-8 read back from WSGI's latin-1."""
    text = raw if raw.isascii() else raw.encode("latin-1").decode("utf-8", "replace")
    return "/" + text.lstrip("/")


def _length(environ: Mapping[str, Any]) -> int:
    """Content-Length as werkzeug reads it: none for chunked bodies or a bad value."""
    if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
        return 0
    raw = environ.get("CONTENT_LENGTH", "")
    return int(raw) if raw.isascii() and raw.isdigit() else 0


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


def _plain(environ: dict[str, Any], space: Any) -> bool:
    """The answer came from the state alone: no Prefer, rule or fault bent it."""
    return (
        environ.get(SPACE_KEY) is space
        and BENT_KEY not in environ
        and faults.ENVIRON_KEY not in environ
    )


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
        answers: AnswerCache | None = None,
    ) -> None:
        self.fallback = fallback
        self.table = PathTable(endpoints)
        self.spellings = spellings
        self.recorder = recorder
        self.checker = checker
        self.answers = answers if answers is not None else AnswerCache()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "").startswith(CONTROL_PREFIX):
            if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
                self.answers.clear()  # resets, rules and imported state: forget kept answers
            return self.fallback(environ, start_response)
        started = time.perf_counter()
        key = self.answers.key(environ)
        space = self._space(environ) if key is not None else None
        if space is not None and key is not None:
            kept = self.answers.get(key, space)
            if kept is not None:
                environ[SPACE_KEY] = space
                self.recorder.record(environ, kept.answer, kept.operation_id, started)
                return start(environ, start_response, kept.answer)
        req = FastRequest(environ)
        try:
            self.spellings.check(req.method, req.path)
        except errors.MethodNotAllowed as error:
            answer = error_answer(error)
            self.recorder.record(environ, answer, None, started)
            return start(environ, start_response, answer)
        found = self.table.match(req.method, req.path)
        if found is None:  # Flask answers 404 and 405 with its Allow list, and records them
            return self.fallback(environ, start_response)
        endpoint, values = found
        operation_id = endpoint.operation.operation_id
        # Read before answering: a write racing this read leaves a kept answer already stale.
        generation = space.store.generation if space is not None else 0
        try:
            answer = self._answer(endpoint, req, values)
        finally:
            req.close()  # uploaded file parts are spooled to temporary files, as Flask closes them
        self.recorder.record(environ, answer, operation_id, started)
        if key is not None and space is not None and _plain(environ, space):
            self.answers.put(key, Kept(space, generation, answer, operation_id))
        return start(environ, start_response, answer)

    def _space(self, environ: dict[str, Any]) -> Any:
        """The request's namespace, or None when its name is refused (the endpoint says why)."""
        try:
            return self.recorder.mock.spaces.get(environ.get(_NAMESPACE_KEY))
        except errors.MocksoError:
            return None

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
