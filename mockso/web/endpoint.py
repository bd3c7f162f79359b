"""One operation of the mocked API, answered: ``Endpoint`` runs a matched request through
credentials (401), parameters (400), Accept (406 in the strict request mode), body size, type
and content (413, 415, 400), the handler, then encoding. Contract look-ups and validators are
prepared once, at start-up. In the lenient request mode (the default) each step reads the
request as the real server would and adds what it leaned on to the request's ``Deviations``
(kept in the environ under ``DEVIATIONS_KEY`` for the journal). An error status a directive
asks for that the operation does not document is raised as SuperOffice's error object and
marked ``UNDOCUMENTED_KEY``.

``Runtime`` is what an endpoint asks of the mock behind it (``mockso.core.mock.Mock`` is one);
the endpoint reads the request through werkzeug and knows nothing of Flask.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from collections.abc import Mapping
from typing import Any
from typing import Protocol
from typing import cast
from zoneinfo import ZoneInfo

from werkzeug.datastructures import EnvironHeaders
from werkzeug.exceptions import BadRequestKeyError
from werkzeug.wrappers import Request

from mockso.core import dates
from mockso.core import namespaces
from mockso.core.answers import Answer
from mockso.core.auth import ANONYMOUS
from mockso.core.auth import Authenticator
from mockso.core.config import Settings
from mockso.core.contract import Operation
from mockso.core.errors import BadRequest
from mockso.core.errors import PayloadTooLarge
from mockso.core.framework import Deviations
from mockso.core.handlers import Call
from mockso.core.handlers import Handler
from mockso.core.handlers import Reply
from mockso.core.handlers import entity_id_parameter
from mockso.core.journal import Record
from mockso.core.mock import simulated_error
from mockso.core.mock import undocumented_error
from mockso.core.namespaces import Space
from mockso.core.namespaces import Spaces
from mockso.core.negotiation import kind
from mockso.core.negotiation import negotiate
from mockso.core.negotiation import request_media_type
from mockso.core.rules import NOTHING
from mockso.core.rules import Directive
from mockso.core.rules import parse_prefer
from mockso.core.store import Store
from mockso.core.validation import RequestValidator
from mockso.web import faults

ZONE_HEADER = "SO-TimeZone"
SPACE_KEY = "mockso.space"  # the namespace a request was served in, for the journal
DEVIATIONS_KEY = "mockso.deviations"  # what the request leaned on (core.framework.Deviations)
BENT_KEY = "mockso.bent"  # set when a Prefer header or a rule bent the answer
# Set when a Prefer header or rule asked for an error status the operation does not document.
UNDOCUMENTED_KEY = "mockso.undocumented"


class Runtime(Protocol):
    """What the request path needs of the mock it serves."""

    settings: Settings
    spaces: Spaces
    authenticator: Authenticator
    zone: ZoneInfo
    # `mockso serve` sets it: journal records go to its batched access log.
    access_lines: Callable[[Record], None] | None

    def check_directive(self, operation: Operation, directive: Directive) -> None: ...

    def documented(self, operation: Operation, directive: Directive, answer_type: str) -> Reply: ...

    def invented(self, call: Call, directive: Directive) -> Reply: ...

    def encode(self, call: Call, reply: Reply) -> tuple[int, dict[str, str], bytes]: ...

    def decode(
        self,
        operation: Operation,
        validator: RequestValidator,
        media_type: str,
        data: bytes,
        deviations: Deviations | None = None,
    ) -> Any: ...


class FastHeaders(EnvironHeaders):
    """werkzeug's view of the environ's headers, with each name's environ key worked out once.

    A request reads a dozen headers (credentials, namespace, Prefer, Accept, SO-TimeZone, the
    body's type, header parameters); werkzeug upper-cases each name on every read and walks
    every header for ``getlist``. The environ holds one value per name (the server joins
    repeats), so ``getlist`` is that value or nothing.
    """

    def _get_key(self, key: str) -> str:
        if not isinstance(key, str):
            raise BadRequestKeyError(key)
        return cast(str, self.environ[_environ_key(key)])

    def getlist(self, key: str, type: Callable[[str], Any] | None = None) -> list[Any]:
        name = _environ_key(key)
        value = self.environ.get(name)
        # As werkzeug's iteration: Content-Type and -Length only from CONTENT_*, when not empty.
        if value is None or name in _NOT_LISTED or (not value and not name.startswith("HTTP_")):
            return []
        if type is None:
            return [value]
        try:
            return [type(value)]
        except ValueError:
            return []


_NOT_LISTED = frozenset({"HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"})


@functools.lru_cache(maxsize=128)
def _environ_key(name: str) -> str:
    key = name.upper().replace("-", "_")
    return key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}"


class FastRequest(Request):
    """The gateway's request: werkzeug's, with ``FastHeaders``."""

    def __init__(self, environ: dict[str, Any]) -> None:
        super().__init__(environ)
        self.headers = FastHeaders(environ)


class Endpoint:
    """Everything one operation needs per request, prepared at start-up."""

    def __init__(self, operation: Operation, handler: Handler, runtime: Runtime) -> None:
        self.operation = operation
        self.handler = handler
        self.runtime = runtime
        self.validator = RequestValidator(operation)
        self.auth: Authenticator = runtime.authenticator.for_operation(operation.security)
        self.offered = tuple(operation.success.content)
        self.answers_json_or_xml = any(kind(t) in ("json", "xml") for t in self.offered)
        body = operation.request_body
        self.body_types = tuple(body.content) if body else ()
        self.entity_id_name = entity_id_parameter(operation)
        self.zone_declared = operation.parameter(ZONE_HEADER) is not None
        self.lenient = runtime.settings.requests == "lenient"

    def respond(self, req: Request, values: dict[str, str]) -> Answer:
        """The answer to one request for this operation; errors are raised, not answered."""
        space = self.runtime.spaces.get(req.headers.get(namespaces.HEADER))
        req.environ[SPACE_KEY] = space
        directive = self._directive(req, values, space)
        if directive is not NOTHING:
            req.environ[BENT_KEY] = True
        if directive.code is not None:  # any code the operation does not document is refused
            self.runtime.check_directive(self.operation, directive)
        if directive.delay_ms:
            time.sleep(directive.delay_ms / 1000)
        if directive.fault:
            req.environ[faults.ENVIRON_KEY] = directive.fault
        if directive.code is not None and directive.code >= 300:
            self.auth.authenticate(cast(Mapping[str, str], req.headers))
            if undocumented_error(self.operation, directive.code):
                req.environ[UNDOCUMENTED_KEY] = True
                raise simulated_error(self.operation, directive.code, "Prefer header or rule")
            answer_type = self._answer_type(req)
            reply = self.runtime.documented(self.operation, directive, answer_type)
            zone = (self.runtime.zone, True)
            call = Call(self.operation, {}, ANONYMOUS, zone, None, answer_type, store=space.store)
        else:
            call = self.call(req, values, space.store)
            bent = directive.example is not None or directive.dynamic
            reply = self.runtime.invented(call, directive) if bent else self.handler(call)
        status, headers, body = self.runtime.encode(call, reply)
        return Answer(status, headers, body)

    def _directive(self, req: Request, values: dict[str, str], space: Space) -> Directive:
        """``Prefer`` for this request, over the namespace's first matching rule (counted down)."""
        prefer = parse_prefer(req.headers.getlist("Prefer"))
        name = self.entity_id_name
        raw = (values.get(name) or self._query(req, name)) if name else ""
        entity_id = int(raw) if raw.isascii() and raw.lstrip("-").isdigit() else None
        rule: Directive = space.rules.take(self.operation.operation_id, entity_id)
        return prefer.over(rule)

    def _query(self, req: Request, name: str) -> str:
        """A query value by its name; leniently in any letter case (``?ProjectId=``), as the
        parameters themselves are bound (the deviation is noted there)."""
        found: str = req.args.get(name, "")
        if found or not self.lenient:
            return found
        lowered = name.lower()
        return next((value for key, value in req.args.items() if key.lower() == lowered), "")

    def _answer_type(self, req: Request) -> str:
        if not self.answers_json_or_xml:
            return ""
        found, leaned = negotiate(
            req.headers.get("Accept"), req.headers.get("Content-Type"), self.offered, self.lenient
        )
        if leaned is not None:
            deviations_of(req.environ).append(leaned)
        return found

    def call(self, req: Request, path_values: dict[str, str], store: Store | None = None) -> Call:
        # werkzeug's Headers is a case-insensitive mapping in all but name.
        headers = cast(Mapping[str, str], req.headers)
        principal = self.auth.authenticate(headers)
        deviations = deviations_of(req.environ)
        query = req.args.to_dict(flat=False)
        params = self.validator.parameters(path_values, query, headers, self.lenient, deviations)
        answer_type = self._answer_type(req)
        zone = self._zone(req)
        accept = req.headers.get("Accept")
        # Passed in rather than set after: Call's default would build a throwaway Store.
        given: dict[str, Any] = {"store": store} if store is not None else {}
        given.update(lenient=self.lenient, deviations=deviations)
        call = Call(self.operation, params, principal, zone, accept, answer_type, **given)
        if self.body_types:
            call.body_type, call.body = self._body(req)
        return call

    def _zone(self, req: Request) -> Any:
        # Only operations that declare the header honour it (SuperOffice's DELETE does not).
        header = req.headers.get(ZONE_HEADER) if self.zone_declared else None
        try:
            return dates.resolve_zone(header, self.runtime.zone)
        except ValueError as error:
            raise BadRequest(str(error)) from error

    def _body(self, req: Request) -> tuple[str | None, Any]:
        """(media type, decoded body); (None, None) when no body was sent."""
        length = req.content_length
        limit = self.runtime.settings.max_upload
        if length is not None and length > limit:
            raise PayloadTooLarge(_too_large(length, limit))
        if not length and not req.headers.get("Transfer-Encoding"):
            return None, None
        media_type = request_media_type(req.headers.get("Content-Type"), self.body_types)
        media_kind = kind(media_type)
        if media_kind == "multipart":
            return media_type, _first_file(req, limit)
        data = _read(req, limit)
        if media_kind in ("image", "other"):
            return media_type, data
        deviations = deviations_of(req.environ)
        decoded = self.runtime.decode(self.operation, self.validator, media_type, data, deviations)
        return media_type, decoded


def deviations_of(environ: dict[str, Any]) -> Deviations:
    """The request's deviations, kept in its environ for the journal (made on first need)."""
    found = environ.get(DEVIATIONS_KEY)
    if found is None:
        found = environ[DEVIATIONS_KEY] = Deviations()
    return cast(Deviations, found)


def _read(req: Request, limit: int) -> bytes:
    """At most ``limit`` bytes of body; more is a 413 (chunked bodies have no length up front)."""
    data = req.stream.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge(_too_large(None, limit))
    return bytes(data)


def _first_file(req: Request, limit: int) -> bytes:
    """The bytes of the first file part, whatever its name (browser forms name it freely)."""
    req.max_content_length = limit
    try:
        files = req.files
    except ValueError as error:
        raise BadRequest(f"The multipart/form-data body cannot be parsed: {error}") from error
    first = next(iter(files.values()), None)
    if first is None:
        raise BadRequest(
            "The multipart/form-data body has no file part: send the picture as a file part "
            "(any part name; the first file part is used)"
        )
    data: bytes = first.read()
    return data


def _too_large(length: int | None, limit: int) -> str:
    sent = f"{length} bytes" if length is not None else "more"
    return f"The body is {sent}; this mock accepts at most {limit} bytes (MOCKSO_MAX_UPLOAD)"
