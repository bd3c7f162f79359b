"""Flask URL rules built from the contract's paths, and the one view that serves every operation.

Routing is case-insensitive, as the real server's is (the docs' own examples write ``/image`` and
``/contact``): each literal path segment becomes a converter that matches it in any case. Path
parameters match any segment and are validated by the contract afterwards, so ``/Person/abc``
gets a clear 400 rather than a bare 404. One exception keeps the contract's word: where it spells
two paths alike but for letter case (``.../Imageinfo`` and ``.../ImageInfo``), a request spelled
exactly like one of them gets that path's methods only, and 405 for the others.

Per request the view does, in order: credentials (401), parameters (400), Accept (406), body size,
type and content (413, 415, 400), then the handler, then encoding. All contract look-ups and
validators are prepared once, in ``Endpoint``.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from typing import NamedTuple
from typing import cast

from flask import Flask
from flask import Response
from flask import request
from werkzeug.datastructures import EnvironHeaders
from werkzeug.exceptions import BadRequestKeyError
from werkzeug.routing import BaseConverter
from werkzeug.routing import Map
from werkzeug.wrappers import Request

from mockso import dates
from mockso import faults
from mockso import namespaces
from mockso.auth import ANONYMOUS
from mockso.auth import Authenticator
from mockso.contract import Operation
from mockso.errors import BadRequest
from mockso.errors import MethodNotAllowed
from mockso.errors import PayloadTooLarge
from mockso.handlers import Call
from mockso.handlers import Handler
from mockso.handlers import entity_id_parameter
from mockso.negotiation import choose
from mockso.negotiation import kind
from mockso.negotiation import request_media_type
from mockso.rules import NOTHING
from mockso.rules import Directive
from mockso.rules import parse_prefer
from mockso.validation import RequestValidator

ZONE_HEADER = "SO-TimeZone"
SPACE_KEY = "mockso.space"  # the namespace a request was served in, for the journal
BENT_KEY = "mockso.bent"  # set when a Prefer header or a rule bent the answer
_TEMPLATE_PART = re.compile(r"^\{([A-Za-z_][A-Za-z0-9_]*)\}$")
_PARAMETER = re.compile(r"\{[^{}/]*\}")


class LiteralSegment(BaseConverter):
    """Matches one literal path segment in any letter case."""

    part_isolating = True

    def __init__(self, url_map: Map, word: str) -> None:
        super().__init__(url_map)
        self.regex = f"(?i:{re.escape(word)})"


def rule_for(path: str) -> str:
    """``/api/v1/Project/{projectId}/Image`` → a werkzeug rule matching it in any case."""
    parts = []
    for index, segment in enumerate(path.strip("/").split("/")):
        match = _TEMPLATE_PART.match(segment)
        if match:
            parts.append(f"<{match.group(1)}>")
        else:
            parts.append(f"<lit({segment!r}):_lit{index}>")
    return "/" + "/".join(parts)


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


class Answer(NamedTuple):
    """An answer as plain data: status, headers (no Content-Length) and the whole body."""

    status: int
    headers: dict[str, str]
    body: bytes


class Endpoint:
    """Everything one operation needs per request, prepared at start-up."""

    def __init__(self, operation: Operation, handler: Handler, runtime: Any) -> None:
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

    def __call__(self, **path_values: str) -> Response:
        """The Flask view (the gateway serves the same requests through ``respond``)."""
        values = {k: v for k, v in path_values.items() if not k.startswith("_lit")}
        return make_response(*self.respond(request, values))

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

    def _directive(self, req: Request, values: dict[str, str], space: Any) -> Directive:
        """``Prefer`` for this request, over the namespace's first matching rule (counted down)."""
        prefer = parse_prefer(req.headers.getlist("Prefer"))
        name = self.entity_id_name
        raw = (values.get(name) or req.args.get(name, "")) if name else ""
        entity_id = int(raw) if raw.isascii() and raw.lstrip("-").isdigit() else None
        rule: Directive = space.rules.take(self.operation.operation_id, entity_id)
        return prefer.over(rule)

    def _answer_type(self, req: Request) -> str:
        if not self.answers_json_or_xml:
            return ""
        return choose(req.headers.get("Accept"), self.offered)

    def call(self, req: Request, path_values: dict[str, str], store: Any = None) -> Call:
        # werkzeug's Headers is a case-insensitive mapping in all but name.
        headers = cast(Mapping[str, str], req.headers)
        principal = self.auth.authenticate(headers)
        params = self.validator.parameters(path_values, req.args.to_dict(flat=False), headers)
        answer_type = self._answer_type(req)
        zone = self._zone(req)
        accept = req.headers.get("Accept")
        # Passed in rather than set after: Call's default would build a throwaway Store.
        given = {"store": store} if store is not None else {}
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
        return media_type, self.runtime.decode(self.operation, self.validator, media_type, data)


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


def make_response(status: int, headers: dict[str, str], body: bytes) -> Response:
    """A Flask response with exactly these headers (no default text/html on empty answers)."""
    content_type = headers.pop("Content-Type", None)
    response = Response(body, status=status, headers=headers, content_type=content_type)
    if content_type is None:
        del response.headers["Content-Type"]
    return response


class ExactSpellings:
    """Contract paths with a twin that differs only in letter case, matched letter for letter.

    Case-insensitive rules would serve ``GET .../ImageInfo`` with the GET of its twin
    ``.../Imageinfo``; the contract says that path has no GET, so the exact spelling decides.
    """

    def __init__(self, operations: list[Operation]) -> None:
        methods: dict[str, set[str]] = {}
        for operation in operations:
            methods.setdefault(operation.path, set()).add(operation.method.upper())
        by_folded: dict[str, list[str]] = {}
        for path in methods:
            folded = _PARAMETER.sub("{}", path).lower()
            by_folded.setdefault(folded, []).append(path)
        self.twins = [
            (
                _exact_pattern(path),
                _allowed(methods[path]),
                {twin: _allowed(methods[twin]) for twin in group if twin != path},
            )
            for group in by_folded.values()
            if len(group) > 1
            for path in group
        ]

    def check(self, method: str, path: str) -> None:
        """MethodNotAllowed when ``path`` spells a twin exactly and it lacks ``method``."""
        for pattern, allowed, twins in self.twins:
            if pattern.match(path):
                if method not in allowed:
                    elsewhere = "".join(
                        f"; {method} is at {twin}, spelled in that letter case"
                        for twin, other in twins.items()
                        if method in other
                    )
                    raise MethodNotAllowed(
                        f"{method} is not an operation of {path}; the contract has: "
                        f"{', '.join(allowed)}{elsewhere}",
                        headers={"Allow": ", ".join(allowed)},
                    )
                return


def _exact_pattern(path: str) -> re.Pattern[str]:
    parts = [
        "[^/]+" if _TEMPLATE_PART.match(segment) else re.escape(segment)
        for segment in path.split("/")
    ]
    return re.compile("/".join(parts) + r"\Z")


def _allowed(methods: set[str]) -> list[str]:
    """The methods a path answers: its own, and HEAD beside GET (as Flask adds it)."""
    return sorted(methods | ({"HEAD"} if "GET" in methods else set()))


@dataclass(frozen=True)
class Routes:
    """What ``register`` built: one endpoint per operation, and the twin-path spellings."""

    endpoints: list[Endpoint]
    spellings: ExactSpellings


def register(app: Flask, operations: list[tuple[Operation, Handler]], runtime: Any) -> Routes:
    """Add one URL rule per operation to ``app``."""
    app.url_map.converters["lit"] = LiteralSegment
    # No 308 to a tidied path with an HTML body: "//" is an unknown path, answered as such.
    app.url_map.merge_slashes = False
    spellings = ExactSpellings([operation for operation, _ in operations])
    if spellings.twins:

        @app.before_request
        def exact_spelling_decides() -> None:
            # Runs before the view, and also when routing already failed with its own 405.
            try:
                spellings.check(request.method, request.path)
            except MethodNotAllowed:
                request.url_rule = None  # not an answer of the operation the rule matched
                raise

    endpoints = [Endpoint(operation, handler, runtime) for operation, handler in operations]
    for endpoint in endpoints:
        view: Callable[..., Response] = endpoint
        app.add_url_rule(
            rule_for(endpoint.operation.path),
            endpoint=endpoint.operation.operation_id,
            view_func=view,
            methods=[endpoint.operation.method],
            # Only the contract's methods (and HEAD beside GET): no OPTIONS nobody declared.
            provide_automatic_options=False,
        )
    return Routes(endpoints, spellings)
