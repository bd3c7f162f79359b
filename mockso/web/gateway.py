"""The WSGI front door of the mocked API: every request outside ``/__mockso/`` is answered here.

The router finds the operation (or answers 404, or 405 with Allow), its ``Endpoint`` answers,
and the answer is written straight to WSGI: Flask's request context, URL adapter, hooks and
response finalising would cost more than mockso's own work on a small answer. Each exchange is
recorded (journal, coverage, access log) and, in strict mode, checked against the contract on
the way out. Control calls (``/__mockso/``) go on to the Flask app. No Flask import.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable
from collections.abc import Mapping
from datetime import UTC
from datetime import datetime
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.wrappers import Request

from mockso.core import errors
from mockso.core import namespaces
from mockso.core.answers import Answer
from mockso.core.answers import crash_answer
from mockso.core.answers import error_answer
from mockso.core.conformance import ResponseChecker
from mockso.core.framework import Deviations
from mockso.core.journal import Record
from mockso.core.namespaces import Space
from mockso.web import faults
from mockso.web.cache import AnswerCache
from mockso.web.cache import Kept
from mockso.web.endpoint import BENT_KEY
from mockso.web.endpoint import DEVIATIONS_KEY
from mockso.web.endpoint import SPACE_KEY
from mockso.web.endpoint import UNDOCUMENTED_KEY
from mockso.web.endpoint import Endpoint
from mockso.web.endpoint import FastRequest
from mockso.web.endpoint import Runtime
from mockso.web.logs import access_line
from mockso.web.proxy import Proxy
from mockso.web.routing import Router

# One JSON line per request (namespace, operationId, status, duration); off unless configured.
access_log = logging.getLogger("mockso.access")
# Paths under this prefix belong to mockso itself, not to the mocked API.
CONTROL_PREFIX = "/__mockso/"
_NAMESPACE_KEY = "HTTP_" + namespaces.HEADER.upper().replace("-", "_")

_NONE = Deviations()  # read only: the deviations of a request that leaned on nothing
WSGIApp = faults.WSGIApp
StartResponse = faults.StartResponse


class Recorder:
    """Journal, coverage and the access log: one record per request to the mocked API."""

    def __init__(self, mock: Runtime) -> None:
        self.mock = mock

    def record(
        self, environ: Mapping[str, Any], answer: Answer, operation_id: str | None, started: float
    ) -> None:
        """Read from the WSGI environ as werkzeug's Request would read it, without making one
        (this runs on every request, kept answers included)."""
        space = environ.get(SPACE_KEY) or self.mock.spaces.default
        status = answer.status
        leaned: Deviations = environ.get(DEVIATIONS_KEY) or _NONE
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
            deviations=leaned.texts(),
            undocumented=UNDOCUMENTED_KEY in environ,
        )
        space.journal.add(record)
        if operation_id is not None:
            space.coverage.count(operation_id, status, (item.kind for item in leaned))
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


def _error_message(answer: Answer) -> str | None:
    """The ErrorMessage of an error answer (they are small JSON objects)."""
    try:
        message = json.loads(answer.body).get("ErrorMessage")
    except (ValueError, AttributeError):
        return None
    return str(message) if message is not None else None


def checked(
    checker: ResponseChecker | None,
    endpoint: Endpoint,
    answer: Answer,
    environ: Mapping[str, Any] | None = None,
) -> Answer:
    """Strict mode: an answer the contract does not allow becomes a loud 500. An undocumented
    error status a Prefer header or rule asked for is sent as asked (the journal says so); a 408
    is the server's (a body that did not arrive in time), no operation's to document."""
    if (
        checker is None
        or answer.status == 408
        or (environ is not None and UNDOCUMENTED_KEY in environ)
    ):
        return answer
    violation = checker.violation(endpoint.operation, *answer)
    return answer if violation is None else error_answer(violation)


def _plain(environ: dict[str, Any], space: Space) -> bool:
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
    """Answers the mocked API's operations; hands control calls to ``control``."""

    def __init__(
        self,
        control: WSGIApp,
        router: Router,
        recorder: Recorder,
        checker: ResponseChecker | None,
        answers: AnswerCache | None = None,
        proxy: Proxy | None = None,
    ) -> None:
        self.control = control
        self.proxy = proxy  # `mockso proxy`: the target answers instead of the endpoints
        self.router = router
        self.recorder = recorder
        self.checker = checker
        self.answers = answers if answers is not None else AnswerCache()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "").startswith(CONTROL_PREFIX):
            if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
                self.answers.clear()  # resets, rules and imported state: forget kept answers
            return self.control(environ, start_response)
        started = time.perf_counter()
        if self.proxy is not None:
            return self._proxied(environ, start_response, started)
        key = self.answers.key(environ)
        space = self._space(environ) if key is not None else None
        if space is not None and key is not None:
            kept = self.answers.get(key, space)
            if kept is not None:
                environ[SPACE_KEY] = space
                if kept.deviations:
                    environ[DEVIATIONS_KEY] = Deviations(kept.deviations)
                self.recorder.record(environ, kept.answer, kept.operation_id, started)
                return start(environ, start_response, kept.answer)
        req = FastRequest(environ)
        deviations = environ[DEVIATIONS_KEY] = Deviations()
        try:
            endpoint, values = self.router.resolve(req.method, req.path, deviations)
        except errors.MocksoError as error:  # 404, or 405 with Allow
            answer = error_answer(error)
            self.recorder.record(environ, answer, None, started)
            return start(environ, start_response, answer)
        operation_id = endpoint.operation.operation_id
        # Read before answering: a write racing this read leaves a kept answer already stale.
        generation = space.store.generation if space is not None else 0
        try:
            answer = self._answer(endpoint, req, values)
            answer = checked(self.checker, endpoint, answer, environ)
        finally:
            req.close()  # uploaded file parts are spooled to temporary files
        self.recorder.record(environ, answer, operation_id, started)
        if key is not None and space is not None and _plain(environ, space):
            kept_answer = Kept(space, generation, answer, operation_id, tuple(deviations))
            self.answers.put(key, kept_answer)
        return start(environ, start_response, answer)

    def _proxied(
        self, environ: dict[str, Any], start_response: StartResponse, started: float
    ) -> Iterable[bytes]:
        """The target answers every call (the router only names its operation); the journal
        and coverage see it as they see the mock's answers. Nothing is kept or checked here."""
        assert self.proxy is not None
        environ[SPACE_KEY] = self._space(environ) or self.recorder.mock.spaces.default
        req = FastRequest(environ)
        try:
            endpoint, values = self.router.resolve(req.method, req.path)
            operation = endpoint.operation
        except errors.MocksoError:  # no operation: passed on all the same
            operation, values = None, {}
        try:
            passed = self.proxy.forward(req, operation, values)
        finally:
            req.close()
        operation_id = operation.operation_id if operation is not None else None
        self.recorder.record(environ, passed.answer, operation_id, started)
        return self.proxy.send(environ, start_response, passed)

    def _space(self, environ: dict[str, Any]) -> Space | None:
        """The request's namespace, or None when its name is refused (the endpoint says why)."""
        try:
            return self.recorder.mock.spaces.get(environ.get(_NAMESPACE_KEY))
        except errors.MocksoError:
            return None

    @staticmethod
    def _answer(endpoint: Endpoint, req: Request, values: dict[str, str]) -> Answer:
        try:
            return endpoint.respond(req, values)
        except errors.MocksoError as error:
            return error_answer(error)
        except HTTPException as error:
            return error_answer(errors.from_status(error.code, error.description))
        except Exception as error:  # the server must answer, whatever broke
            return crash_answer(error)
