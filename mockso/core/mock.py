"""One running mock: the contract, its state and the parts that answer, without the web layer.

``Mock`` owns everything one app needs (store, payload generator, marshmallow schemas, clock,
authenticator, handlers) and knows how to turn bodies into data and data into bodies. The web
layer (``mockso.web``) only moves bytes between HTTP and this object, which keeps the whole
behaviour testable without a server. No Flask or werkzeug import.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from collections.abc import Mapping
from http import HTTPStatus
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from marshmallow import ValidationError

from mockso.core import binding
from mockso.core import codecs
from mockso.core import errors
from mockso.core import imaging
from mockso.core.auth import Authenticator
from mockso.core.auth import Credentials
from mockso.core.clock import make_clock
from mockso.core.config import Settings
from mockso.core.contract import Contract
from mockso.core.contract import MediaType
from mockso.core.contract import Operation
from mockso.core.contract import Response
from mockso.core.drift import Drift
from mockso.core.errors import BadRequest
from mockso.core.errors import InsufficientStorage
from mockso.core.errors import MocksoError
from mockso.core.fixtures import start_state
from mockso.core.framework import Deviations
from mockso.core.handlers import Call
from mockso.core.handlers import Handler
from mockso.core.handlers import Handlers
from mockso.core.handlers import Reply
from mockso.core.handlers import entity_id_parameter
from mockso.core.images import ImageService
from mockso.core.journal import Record
from mockso.core.namespaces import Spaces
from mockso.core.negotiation import content_type_header
from mockso.core.negotiation import kind
from mockso.core.negotiation import picture_type
from mockso.core.payloads import PayloadGenerator
from mockso.core.recording import Recording
from mockso.core.rules import Directive
from mockso.core.rules import Rule
from mockso.core.rules import directive_from
from mockso.core.schemas import SchemaSet
from mockso.core.schemas import output_zone
from mockso.core.snapshots import Grounds
from mockso.core.snapshots import State
from mockso.core.snapshots import apply_state
from mockso.core.store import Budget
from mockso.core.store import Store
from mockso.core.validation import RequestValidator

# DataContractSerializer's namespace and root for a bare value, used when a schema names none.
_PRIMITIVE_XML = {"integer": "int", "number": "double", "boolean": "boolean", "string": "string"}
_PRIMITIVE_NS = "http://schemas.microsoft.com/2003/10/Serialization/"


ENCODED_CACHE_SIZE = 1024  # encoded stable answers kept; cleared whole when full


class Mock:
    """The contract plus the state and behaviour that answer its operations."""

    def __init__(self, settings: Settings, contract: Contract | None = None) -> None:
        self.settings = settings
        # Requests read as the real server reads them, each leniency noted (core.framework).
        self.lenient = settings.requests == "lenient"
        # Where `mockso serve` sends each request's journal record for its access log; when
        # None, the lines go to the ``mockso.access`` logger instead.
        self.access_lines: Callable[[Record], None] | None = None
        self.contract = contract or load_contracts(settings.contract_paths)
        self.seed = settings.seed if settings.seed is not None else secrets.randbelow(2**31)
        self.zone = ZoneInfo(settings.timezone)
        self.clock = make_clock(settings.clock, seeded=settings.seed is not None)
        self.schemas = SchemaSet(self.contract)
        # What every namespace holds at start and after a reset: the fixtures' state.
        self.grounds = Grounds(
            self.contract, self.schemas, settings.max_pixels, settings.max_store_bytes
        )
        self.start = start_state(self.grounds, settings.fixtures) if settings.fixtures else State()
        self._budget = Budget(settings.max_store_bytes)
        self.spaces = Spaces(
            self._new_store, journal_size=settings.journal_size, limit=settings.max_namespaces
        )
        self.generator = PayloadGenerator(self.contract.component_schemas, self.seed)
        credentials = Credentials.from_path(settings.credentials) if settings.credentials else None
        self.authenticator = Authenticator(
            self.contract.security_schemes, mode=settings.auth, credentials=credentials
        )
        self.images = ImageService(
            self.contract, self.generator, self.clock, max_pixels=settings.max_pixels
        )
        self.handlers = Handlers()
        self.images.register(self.handlers)
        self._encoded: dict[tuple[int, str, Any], tuple[Any, bytes]] = {}
        # What `mockso proxy` found and kept of its target's answers (empty under `serve`).
        self.drift = Drift(settings.target)
        self.recording = Recording(self.grounds, settings.record) if settings.record else None

    def write_reports(self) -> list[dict[str, Any]]:
        """On exit: the drift report and the recording, where settings say; what the
        recording could not hold."""
        if self.settings.drift_report:
            text = json.dumps(self.drift.report(), indent=1) + "\n"
            Path(self.settings.drift_report).write_text(text, encoding="utf-8")
        return self.recording.write()[1] if self.recording is not None else []

    @property
    def store(self) -> Store:
        """The default namespace's store."""
        return self.spaces.default.store

    @property
    def entity_types(self) -> frozenset[str]:
        """The entity types of the contract: the single tags of its operations."""
        return self.grounds.entity_types

    def _new_store(self) -> Store:
        """The store of a new namespace, holding the start state."""
        store = Store(
            max_bytes=self.settings.max_store_bytes,
            scaled_cache_bytes=self.settings.scaled_cache_bytes,
            budget=self._budget,
        )
        try:
            apply_state(store, self.start)
        except InsufficientStorage as error:
            # Every operation documents 400 but few document 507: a namespace that cannot be
            # made is a refused request, and the message says why.
            raise BadRequest(
                f"A new namespace cannot start with the fixtures' pictures: {error}"
            ) from error
        return store

    def bindings(self) -> list[tuple[Operation, Handler]]:
        """Every operation with the handler that answers it (a generated one when none fits)."""
        return [(op, self.handlers.for_operation(op) or self.generated(op)) for op in self.contract]

    def generated(self, operation: Operation) -> Handler:
        """A handler answering from the contract alone: its example, else a generated payload."""
        success = operation.success

        # Picture answers are not negotiated by routing (it only picks JSON/XML answer types).
        pictures = tuple(name for name in success.content if kind(name) == "image")

        def handler(call: Call) -> Reply:
            if pictures:
                return Reply(status=int(success.status), **self._placeholder(call, pictures))
            media = success.content.get(call.answer_type)
            if media is None:
                return Reply(status=int(success.status))
            if media.example is not None:
                return Reply(status=int(success.status), value=media.example, dumped=True)
            key = f"{operation.operation_id}:{sorted(call.params.items())}"
            value = self.generator.generate(media.schema, key=key)
            return Reply(status=int(success.status), value=value, dumped=True)

        return handler

    def _placeholder(self, call: Call, offered: tuple[str, ...]) -> dict[str, Any]:
        """The "no photo" picture in the offered type the caller accepts (when none: 406, or
        the picture as it is when read leniently)."""
        data, mime = imaging.placeholder("SrNoPhoto")
        wanted, leaned = picture_type(call.accept, mime, offered, call.lenient)
        if leaned is not None:
            call.deviations.append(leaned)
        fmt = next((name for name, media in imaging.FORMATS.items() if media == wanted), None)
        if wanted != mime and fmt is not None:
            data, mime = imaging.render(
                data, width=None, height=None, fmt=fmt, max_pixels=self.settings.max_pixels
            )
        return {"raw": data, "media_type": mime}

    def reset(self, namespace: str | None = None) -> None:
        """One namespace, or everything, back to how it was at start (the clock too)."""
        self.spaces.reset(namespace)
        found = self.spaces.find(namespace) if namespace is not None else self.spaces.default
        if found is not None:
            apply_state(found.store, self.start)
        if namespace is None:
            self.images.reset()
            self.clock = make_clock(self.settings.clock, seeded=self.settings.seed is not None)
            self.images.clock = self.clock

    # -- bent answers (Prefer and rules) -----------------------------------------------------

    def add_rule(
        self,
        operation_id: str,
        values: Mapping[str, Any],
        *,
        times: int | None = None,
        entity_id: int | None = None,
        namespace: str | None = None,
    ) -> Rule:
        """Bend the next ``times`` calls (None: every call) of ``operation_id``, for one
        ``entity_id`` or all, in ``namespace`` (None: the default one), the way ``values`` say
        (``{"code": 404, "delay": 250}``; other keys are ignored); returns the new rule.

        What the control API's ``POST /__mockso/rules`` and ``MockServer.rule`` both do. Everything
        is checked before the rule is added, so that a rule asking for what the contract does not
        have (an undocumented code, an unknown example) is a BadRequest now rather than a 400 that
        the client under test would take for its own mistake."""
        operation = self._rule_operation(operation_id, entity_id)
        if times is not None and times < 1:
            raise BadRequest(
                f"times={times!r}: a rule applies at least once (leave it out: always)"
            )
        directive = directive_from(dict(values), "rule")
        if not directive:
            raise BadRequest(
                "A rule says how to answer: "
                "give one of code, example, dynamic, seed, delay or fault"
            )
        self.check_directive(operation, directive)
        space = self.spaces.get(namespace)
        return space.rules.add(operation.operation_id, directive, times=times, entity_id=entity_id)

    def _rule_operation(self, operation_id: str, entity_id: int | None = None) -> Operation:
        """The operation a rule is for; it must name an entity when the rule names an id."""
        try:
            operation = self.contract.operation(operation_id)
        except KeyError:
            raise BadRequest(
                f"operationId {operation_id!r} is not an operation of the mocked contract "
                f"({self.contract.source}); `mockso routes` or GET /__mockso/coverage lists them"
            ) from None
        if entity_id is not None and entity_id_parameter(operation) is None:
            raise BadRequest(
                f"{operation.operation_id} names no entity, so a rule for it takes no entityId"
            )
        return operation

    def documented(self, operation: Operation, directive: Directive, answer_type: str) -> Reply:
        """The contract's answer for ``code=`` (an error status): its example, else generated."""
        assert directive.code is not None
        response = documented_response(operation, directive.code)
        # Required headers (401's WWW-Authenticate) carry the contract's example value.
        headers = {
            name: str(header.get("example", ""))
            for name, header in response.headers.items()
            if header.get("required")
        }
        media = response.content.get(answer_type) or next(iter(response.content.values()), None)
        if media is None:
            return Reply(status=directive.code, headers=headers)
        value = self._example(operation, media, directive)
        return Reply(
            status=directive.code, value=value, dumped=True, media_type=media.name, headers=headers
        )

    def check_directive(self, operation: Operation, directive: Directive) -> None:
        """BadRequest unless the contract has what a rule asks for: its code, its example."""
        response = operation.success
        if directive.code is not None and undocumented_error(operation, directive.code):
            if directive.example is not None:
                raise BadRequest(
                    f"{operation.operation_id} does not document {directive.code}, so it has "
                    f"no example {directive.example!r} for it; leave example out"
                )
            return  # any error status: answered as the error object a real server sends
        if directive.code is not None:
            response = documented_response(operation, directive.code)
        if directive.example is None:
            return
        if directive.code is None or directive.code < 300:  # routing answers success then
            response = operation.success
        names = sorted({name for media in response.content.values() for name in media.examples})
        if directive.example not in names:
            raise BadRequest(
                f"{operation.operation_id} has no example {directive.example!r} for status "
                f"{response.status}; its named examples: {', '.join(names) or 'none'}"
            )

    def invented(self, call: Call, directive: Directive) -> Reply:
        """A success answer from the contract (``example=`` or ``dynamic=``), state untouched."""
        success = call.operation.success
        media = success.content.get(call.answer_type)
        if media is None:
            return Reply(status=int(success.status))
        value = self._example(call.operation, media, directive)
        return Reply(status=int(success.status), value=value, dumped=True)

    def _example(self, operation: Operation, media: MediaType, directive: Directive) -> Any:
        if directive.example is not None:
            if directive.example not in media.examples:
                names = ", ".join(media.examples) or "none"
                raise BadRequest(
                    f"{operation.operation_id} has no example {directive.example!r} for "
                    f"{media.name}; its named examples: {names}"
                )
            return media.examples[directive.example]
        if not directive.dynamic and media.example is not None:
            return media.example
        seed = directive.seed if directive.seed is not None else secrets.randbits(64)
        return self.generator.generate(media.schema, key=f"{operation.operation_id}:{seed}")

    # -- bodies ------------------------------------------------------------------------------

    def decode(
        self,
        operation: Operation,
        validator: RequestValidator,
        media_type: str,
        data: bytes,
        deviations: Deviations | None = None,
    ) -> Any:
        """A JSON, XML or form body as typed data, checked against the contract."""
        assert operation.request_body is not None
        media = operation.request_body.content[media_type]
        leaned = deviations if deviations is not None else Deviations()
        formatter = kind(media_type)
        try:
            if formatter == "json":
                raw = codecs.decode_json(data)
                if self.lenient:  # as Json.NET binds it: names, unknown and read-only, types
                    raw = binding.bind(media.schema, raw, "json", leaned)
                validator.body(media_type, raw)
                return self._load(media, raw)
            raw = self._decode_text(media, data, leaned)
        except codecs.CodecError as error:
            raise BadRequest(str(error)) from error
        if self.lenient:
            raw = binding.bind(media.schema, raw, formatter, leaned)
        typed = self._load(media, raw)
        validator.body(media_type, self._dump(media, typed))
        return typed

    def _decode_text(self, media: MediaType, data: bytes, deviations: Deviations) -> Any:
        if kind(media.name) == "form":
            return codecs.decode_form(data)
        namespace, root, value = codecs.decode_xml_qualified(data)
        xml = media.schema.get("xml", {})
        expected = xml.get("name") or media.component
        if expected and root != expected:
            raise BadRequest(f"The XML root element is <{root}>; the contract expects <{expected}>")
        # DataContractSerializer refuses a root outside the data contract's namespace, and
        # reads members in order only: both modes, for the real server is no more lenient.
        wanted = xml.get("namespace")
        if wanted and namespace != wanted:
            where = f"the namespace {namespace!r}" if namespace else "no namespace"
            raise BadRequest(
                f"The XML root element <{root}> is in {where}; the data contract's namespace "
                f'is {wanted!r} (xmlns="{wanted}"), without which the real server cannot '
                "read the body"
            )
        return binding.in_order(media.schema, value, deviations)

    def _load(self, media: MediaType, raw: Any) -> Any:
        if media.component is None or media.component not in self.schemas:
            return raw
        if not isinstance(raw, dict):
            return raw
        try:
            return self.schemas[media.component].load(raw)
        except ValidationError as error:
            raise BadRequest("The body does not match the contract: " + _messages(error)) from error

    def _dump(self, media: MediaType, value: Any) -> Any:
        if (
            media.component is not None
            and media.component in self.schemas
            and isinstance(value, Mapping)
        ):
            return self.schemas[media.component].dump(value)
        return value

    def encode(self, call: Call, reply: Reply) -> tuple[int, dict[str, str], bytes]:
        """(status, headers, body) for a handler's reply."""
        headers = dict(reply.headers)
        if reply.raw is not None:
            headers["Content-Type"] = reply.media_type or "application/octet-stream"
            return reply.status, headers, reply.raw
        response = call.operation.responses.get(str(reply.status), call.operation.success)
        media = response.content.get(reply.media_type or call.answer_type)
        if reply.status == 204 or media is None:
            return reply.status, headers, b""
        headers["Content-Type"] = content_type_header(media.name)
        if not reply.stable:
            return reply.status, headers, self._encode_value(media, reply, call.zone)
        # Reads of a stored info repeat far more often than it changes; marshmallow is most of
        # their cost. The cache holds the value itself, so an id is never reused while cached.
        key = (id(reply.value), media.name, call.zone)
        hit = self._encoded.get(key)
        if hit is not None and hit[0] is reply.value:
            return reply.status, headers, hit[1]
        body = self._encode_value(media, reply, call.zone)
        if len(self._encoded) >= ENCODED_CACHE_SIZE:
            self._encoded.clear()
        self._encoded[key] = (reply.value, body)
        return reply.status, headers, body

    def _encode_value(self, media: MediaType, reply: Reply, zone: Any) -> bytes:
        value = reply.value
        if not reply.dumped:
            token = output_zone.set(zone)
            try:
                value = self._dump(media, value)
            finally:
                output_zone.reset(token)
        return self._serialise(media, value)

    def _serialise(self, media: MediaType, value: Any) -> bytes:
        if kind(media.name) != "xml":
            return codecs.encode_json(value)
        xml = media.schema.get("xml", {})
        primitive = _PRIMITIVE_XML.get(str(media.schema.get("type")), "value")
        root = xml.get("name") or media.component or primitive
        namespace = xml.get("namespace") or (None if media.component else _PRIMITIVE_NS)
        return codecs.encode_xml(codecs.xml_safe(value), root=root, namespace=namespace)


def load_contracts(paths: list[Path]) -> Contract:
    """The contract(s) to serve: the bundled one when none is named, several combined."""
    if not paths:
        return Contract.from_path()
    return Contract.combine([Contract.from_path(path) for path in paths])


def documented_response(operation: Operation, code: int) -> Response:
    """The contract's response for ``code``; BadRequest listing the documented ones."""
    response = operation.responses.get(str(code))
    if response is None:
        listed = ", ".join(sorted(operation.responses))
        raise BadRequest(
            f"Prefer/rule code={code} is not documented for "
            f"{operation.operation_id}; the contract documents {listed}"
        )
    return response


def undocumented_error(operation: Operation, code: int) -> bool:
    """An error status (400 to 599) the operation does not document: any production server
    can answer one, so a Prefer header or rule may ask for it."""
    return 400 <= code <= 599 and str(code) not in operation.responses


def simulated_error(operation: Operation, code: int, where: str) -> MocksoError:
    """The error object of an undocumented error status asked for by ``where``."""
    reason = HTTPStatus(code).phrase if code in HTTPStatus._value2member_map_ else "Error"
    return errors.simulated(
        code,
        f"{code} {reason}, as a {where} asked; {operation.operation_id} does not document "
        f"{code}, but any production server can answer it",
    )


def _messages(error: ValidationError) -> str:
    """marshmallow's nested messages as ``'CreatedBy.AssociateId': Not a valid integer.``"""
    lines: list[str] = []

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            for key, sub in node.items():
                walk(sub, f"{where}.{key}" if where else str(key))
        elif isinstance(node, list):
            for item in node:
                walk(item, where)
        else:
            lines.append(f"'{where}': {node}")

    walk(error.messages, "")
    return "; ".join(lines[:10])
