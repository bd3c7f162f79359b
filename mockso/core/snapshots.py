"""The whole state of a namespace as one JSON document (``mockso-state/1``), out and back in.

The document's shape is ``components.schemas.State`` of ``contracts/mockso-control.yaml``: the
control API serves it, ``--fixtures`` files in this format start the mock with it. ImageInfo
goes through the mocked contract's marshmallow ``BlobEntity`` schema, with dates written in UTC
with their offset and full precision, so that export → import → export gives the same bytes.
An import checks everything (schema, entity types, base64, that pictures are pictures, the
BlobEntity, ids) before it changes anything. No Flask import.
"""

from __future__ import annotations

import base64
import binascii
import functools
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from typing import Any
from typing import Protocol

from marshmallow import Schema
from marshmallow import ValidationError
from openapi_schema_validator import OAS30ReadValidator

from mockso.core import imaging
from mockso.core.contract import DEFAULT_CONTRACT
from mockso.core.contract import Contract
from mockso.core.errors import BadRequest
from mockso.core.errors import InsufficientStorage
from mockso.core.namespaces import Spaces
from mockso.core.schemas import SchemaSet
from mockso.core.schemas import output_zone
from mockso.core.store import Entry
from mockso.core.store import Info
from mockso.core.store import Key
from mockso.core.store import Store
from mockso.core.store import StoreFull
from mockso.core.store import UnknownEntity
from mockso.core.validation import FORMAT_CHECKER
from mockso.core.validation import RequestValidator


@dataclass(frozen=True)
class Grounds:
    """What a state document is checked against: the mocked contract, its marshmallow schemas
    and the mock's limits. The mock makes one before anything else of its state."""

    contract: Contract
    schemas: SchemaSet
    max_pixels: int
    max_store_bytes: int

    @functools.cached_property
    def entity_types(self) -> frozenset[str]:
        """The entity types of the contract: the single tags of its operations."""
        return frozenset(op.tags[0] for op in self.contract if len(op.tags) == 1)


class Stateful(Protocol):
    """A mock whose namespaces' state can be exported and imported."""

    grounds: Grounds
    spaces: Spaces


FORMAT = "mockso-state/1"
CONTROL_CONTRACT = DEFAULT_CONTRACT.with_name("mockso-control.yaml")
INFO_SCHEMA = "BlobEntity"


@functools.cache
def control_contract() -> Contract:
    """The control API's contract, read once per process."""
    return Contract.from_path(CONTROL_CONTRACT)


@functools.cache
def _document_validator() -> RequestValidator:
    return RequestValidator(control_contract().operation("putState"))


@dataclass(frozen=True)
class State:
    """A checked state document, ready for ``Store.restore``."""

    next_blob_id: int = 1
    known_ids: Mapping[str, frozenset[int]] = field(default_factory=dict)
    pictures: tuple[tuple[Key, bytes | None, Info], ...] = ()

    @property
    def total_bytes(self) -> int:
        return sum(len(data) for _, data, _ in self.pictures if data)


def is_state(data: Any) -> bool:
    """Whether a fixtures document is a state document (it names its format)."""
    return isinstance(data, Mapping) and "format" in data


def export_state(mock: Stateful, namespace: str | None = None) -> dict[str, Any]:
    """The state of ``namespace`` (default: ``default``) as a JSON-ready document."""
    store = mock.spaces.get(namespace).store
    next_blob_id, entries = store.snapshot()
    return state_document(mock.grounds, next_blob_id, entries, store.known_ids)


def state_document(
    grounds: Grounds,
    next_blob_id: int,
    entries: Iterable[tuple[Key, Entry]],
    known_ids: Mapping[str, frozenset[int]],
) -> dict[str, Any]:
    """One ``Store.snapshot()`` (and the store's known ids) as a JSON-ready document."""
    document: dict[str, Any] = {"format": FORMAT, "next_blob_id": next_blob_id}
    if known_ids:
        document["entities"] = {name: sorted(ids) for name, ids in sorted(known_ids.items())}
    document["pictures"] = picture_items(grounds, sorted(entries, key=_by_key))
    return document


def picture_items(grounds: Grounds, entries: Iterable[tuple[Key, Entry]]) -> list[dict[str, Any]]:
    """Entries as the document's ``pictures`` items (ImageInfo dates in UTC, full precision)."""
    schema = _info_schema(grounds)
    token = output_zone.set((UTC, True))
    try:
        return [_picture_out(schema, key, entry) for key, entry in entries]
    finally:
        output_zone.reset(token)


def _by_key(item: tuple[Key, Entry]) -> Key:
    return item[0]


def _picture_out(schema: Schema | None, key: Key, entry: Entry) -> dict[str, Any]:
    entity, entity_id = key
    picture = base64.b64encode(entry.data).decode("ascii") if entry.data is not None else None
    info = schema.dump(entry.info) if schema is not None else dict(entry.info)
    return {"entity": entity, "id": entity_id, "picture": picture, "info": info}


def import_state(mock: Stateful, data: Any, namespace: str | None = None) -> None:
    """Replace the state of ``namespace`` with ``data``; BadRequest (or InsufficientStorage
    when the pictures pass the store's cap) changes nothing."""
    state = parse_state(mock.grounds, data)
    apply_state(mock.spaces.get(namespace).store, state)


def apply_state(store: Store, state: State) -> None:
    """Make ``store`` hold exactly ``state``, known ids included, or change nothing."""
    before = store.known_ids
    store.known_ids = state.known_ids
    try:
        store.restore(state.next_blob_id, state.pictures)
    except StoreFull as error:
        store.known_ids = before
        raise InsufficientStorage(str(error)) from error
    except UnknownEntity as error:  # pragma: no cover - parse_state checks ids first
        store.known_ids = before
        raise BadRequest(str(error)) from error


def parse_state(grounds: Grounds, data: Any) -> State:
    """Check a state document against the control contract and the mocked one."""
    if not isinstance(data, Mapping):
        raise BadRequest(f"A state document is a JSON object with format {FORMAT!r}")
    try:
        _document_validator().body("application/json", data)
    except BadRequest as error:  # said of a file too, where "the body" would puzzle
        message = error.message.replace("The body", "The state document", 1)
        raise BadRequest(message) from None
    entities = grounds.entity_types
    known: dict[str, frozenset[int]] = {}
    for name, ids in data.get("entities", {}).items():
        _require_entity_type(name, entities, f"entities.{name}")
        known[name] = frozenset(ids)
    reader = _PictureReader(grounds, known)
    items = enumerate(data.get("pictures", []))
    pictures = tuple(reader.read(item, index) for index, item in items)
    largest = max((int(info.get("BlobId") or 0) for _, _, info in pictures), default=0)
    next_blob_id = data.get("next_blob_id", largest + 1)
    if next_blob_id <= largest:
        raise BadRequest(
            f"next_blob_id {next_blob_id} must be larger than every BlobId of the pictures "
            f"(the largest is {largest}), or the next save would reuse one"
        )
    return State(next_blob_id, known, pictures)


class _PictureReader:
    """Turns the ``pictures`` items of a document into store entries, one check at a time."""

    def __init__(self, grounds: Grounds, known: Mapping[str, frozenset[int]]) -> None:
        self.grounds = grounds
        self.known = known
        self.entities = grounds.entity_types
        self.schema = _info_schema(grounds)
        properties = grounds.contract.component_schemas.get(INFO_SCHEMA, {}).get("properties", {})
        self.required = tuple(properties)
        resolved = grounds.contract.schema(INFO_SCHEMA) if self.schema is not None else {}
        self.validator = OAS30ReadValidator(resolved, format_checker=FORMAT_CHECKER)
        self.seen: set[Key] = set()

    def read(self, item: Mapping[str, Any], index: int) -> tuple[Key, bytes | None, Info]:
        entity, entity_id = item["entity"], item["id"]
        where = f"pictures[{index}] ({entity} {entity_id})"
        _require_entity_type(entity, self.entities, where)
        if (entity, entity_id) in self.seen:
            raise BadRequest(f"{where}: {entity} {entity_id} is listed twice")
        self.seen.add((entity, entity_id))
        allowed = self.known.get(entity)
        if allowed is not None and entity_id not in allowed:
            raise BadRequest(f"{where}: id {entity_id} is not in entities.{entity}")
        data = self._picture(item.get("picture"), where)
        return (entity, entity_id), data, self._info(item["info"], where)

    def _picture(self, text: str | None, where: str) -> bytes | None:
        if text is None:
            return None
        try:
            data = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError) as error:
            raise BadRequest(f"{where}: picture is not base64: {error}") from None
        try:
            imaging.sniff(data, max_pixels=self.grounds.max_pixels)
        except imaging.ImageError as error:
            raise BadRequest(f"{where}: picture is not a picture mockso serves: {error}") from None
        return data

    def _info(self, info: Mapping[str, Any], where: str) -> Info:
        if self.schema is None:
            return dict(info)
        missing = [name for name in self.required if name not in info]
        if missing:
            raise BadRequest(
                f"{where}: info lacks {', '.join(missing)} (it has every BlobEntity key)"
            )
        problem = next(iter(self.validator.iter_errors(info)), None)
        if problem is not None:
            path = problem.absolute_path
            place = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)
            raise BadRequest(f"{where}: info{place}: {problem.message}")
        try:
            loaded: Info = self.schema.load(info)
        except ValidationError as error:
            raise BadRequest(f"{where}: info: {error.messages}") from None
        return loaded


def _info_schema(grounds: Grounds) -> Schema | None:
    """The marshmallow BlobEntity of the mocked contract (None when it has no pictures)."""
    # SchemaSet builds on first use and has no .get(): ask it first.
    return grounds.schemas[INFO_SCHEMA] if INFO_SCHEMA in grounds.schemas else None  # noqa: SIM401


def _require_entity_type(name: str, entities: frozenset[str], where: str) -> None:
    if name not in entities:
        raise BadRequest(
            f"{where}: {name!r} is not an entity type of the mocked contract; "
            f"it has {', '.join(sorted(entities))}"
        )
