"""The stateful behaviour of the image operations: save, fetch, scale, delete, ImageInfo.

Which fields a client may write, which conceptual type an entity's pictures have and which status
an unknown entity gets are read from the contract (``x-mockso-writable`` on the info schema,
``x-conceptual-type`` on the entity's tag, ``x-mockso-unknown-entity-status`` on an operation).
Everything slow (Faker, Pillow encoding) happens once per resource and is kept, so stored reads
stay cheap. No Flask import.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from datetime import UTC
from datetime import datetime
from typing import Any

from mockso.core import imaging
from mockso.core.auth import Principal
from mockso.core.clock import Clock
from mockso.core.contract import Contract
from mockso.core.contract import Operation
from mockso.core.errors import BadRequest
from mockso.core.errors import InsufficientStorage
from mockso.core.errors import MocksoError
from mockso.core.errors import NotFound
from mockso.core.handlers import Call
from mockso.core.handlers import Handlers
from mockso.core.handlers import Reply
from mockso.core.negotiation import asked_picture_type
from mockso.core.negotiation import picture_type
from mockso.core.payloads import PayloadGenerator
from mockso.core.store import Info
from mockso.core.store import StoreFull
from mockso.core.store import UnknownEntity

INFO_SCHEMA = "BlobEntity"
# .NET's DateTime.MinValue: what an empty carrier holds in its dates.
EMPTY_DATE = datetime(1, 1, 1, tzinfo=UTC)
_EMPTY_BY_TYPE = {"integer": 0, "number": 0.0, "boolean": False, "string": ""}
_MIME_TO_FORMAT = {mime: name for name, mime in imaging.FORMATS.items()}
_ASSOCIATE_CACHE_SIZE = 1024


class ImageService:
    """Handlers for the six image actions, over the store of each call's namespace."""

    def __init__(
        self,
        contract: Contract,
        generator: PayloadGenerator,
        clock: Clock,
        *,
        max_pixels: int,
    ) -> None:
        self.contract = contract
        self.generator = generator
        self.clock = clock
        self.max_pixels = max_pixels
        # A contract without pictures has no BlobEntity; its other operations are still served.
        info = contract.schema(INFO_SCHEMA) if INFO_SCHEMA in contract.component_schemas else {}
        self.writable = frozenset(info.get("x-mockso-writable", ()))
        self._info_properties = info.get("properties", {})
        self._entity_extras: dict[str, dict[str, Any]] = {}
        self._associates: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()
        # Read on every save: looked up once here rather than in the contract each time.
        raw = contract.component_schemas.get(INFO_SCHEMA, {}).get("properties", {})
        self._updated_by = raw.get("UpdatedBy")  # the raw $ref: an Associate to generate
        self._conceptual = {
            str(tag.get("name")): str(tag.get("x-conceptual-type", "PHOTO"))
            for tag in reversed(contract.document.get("tags", []))  # the first of a name wins
        }

    def register(self, handlers: Handlers) -> None:
        handlers.register("GetImage", self.get_image)
        handlers.register("SaveImage", self.save_image)
        handlers.register("DeleteImageContent", self.delete_image)
        handlers.register("GetImageInfo", self.get_info)
        handlers.register("PutImageInfo", self.put_info)

    # -- the actions -------------------------------------------------------------------------

    def get_image(self, call: Call) -> Reply:
        self._require_entity(call)
        entry = call.store.get(call.entity, call.entity_id)
        if entry is None or entry.data is None:
            source, blob_key = self._blank(call), ("blank", call.params.get("ifBlank"))
        else:
            source, blob_key = (entry.data, _mime_of(entry.info)), ("blob", entry.info["BlobId"])
        data, mime = self._rendered(call, source, blob_key)
        return Reply(raw=data, media_type=mime)

    def save_image(self, call: Call) -> Reply:
        data: bytes = call.body or b""
        if not data:
            raise BadRequest(
                "Image bitmap is missing from body: send PNG, JPEG, GIF or TIFF bytes "
                "(raw, or as the file part of a multipart/form-data body)"
            )
        self._require_entity(call)
        try:
            picture = imaging.sniff(data, max_pixels=self.max_pixels)
        except imaging.ImageError as error:
            raise BadRequest(str(error)) from error
        by = self._associate(call.principal)
        conceptual = self._conceptual_type(call.entity)

        def build(old: Info | None, blob_id: int) -> Info:
            # Read here, once the store has accepted the bytes: a refused save (507) must not
            # move a frozen clock, and dates then follow the order of the blob ids.
            now = self.clock.now()
            info = dict(old) if old else self._empty_info(call.entity)
            had_picture = bool(old and old["BlobId"])
            info.update(
                BlobId=blob_id,
                MimeType=picture.mime_type,
                BlobSize=len(data),
                OriginalSize=len(data),
                UpdatedDate=now,
                UpdatedBy=by,
            )
            if not had_picture:
                info.update(CreatedDate=now, CreatedBy=by)
            info["ConceptualType"] = info.get("ConceptualType") or conceptual
            return info

        entry = self._store_call(
            lambda: call.store.save_picture(call.entity, call.entity_id, data, build)
        )
        return Reply(value=entry.info["BlobId"])

    def delete_image(self, call: Call) -> Reply:
        self._require_entity(call)
        self._store_call(lambda: call.store.delete_picture(call.entity, call.entity_id))
        return Reply(status=204)

    def get_info(self, call: Call) -> Reply:
        self._require_entity(call)
        entry = call.store.get(call.entity, call.entity_id)
        info = entry.info if entry else self._empty_info(call.entity)
        headers = {}
        if info["UpdatedDate"] != EMPTY_DATE:
            from mockso.core.dates import http_date

            headers["Last-Modified"] = http_date(info["UpdatedDate"])
        return Reply(value=info, headers=headers, stable=entry is not None)

    def put_info(self, call: Call) -> Reply:
        if call.body is None:
            raise BadRequest(
                "Entity to save is not in request body: send the BlobEntity fields to change"
            )
        body: Mapping[str, Any] = call.body
        self._require_entity(call)
        by = self._associate(call.principal)
        changes = {name: body[name] for name in self.writable if name in body}

        def build(old: Info | None) -> Info:
            # Read under the store's lock, as a save does: two updates racing each other get
            # their dates in the order they are stored, so UpdatedDate never goes backwards.
            info = dict(old) if old else self._empty_info(call.entity)
            info.update(changes, UpdatedDate=self.clock.now(), UpdatedBy=by)
            return info

        entry = self._store_call(lambda: call.store.update_info(call.entity, call.entity_id, build))
        return Reply(value=entry.info, stable=True)

    # -- helpers -----------------------------------------------------------------------------

    def _require_entity(self, call: Call) -> None:
        if not call.store.exists(call.entity, call.entity_id):
            raise self._unknown(call.operation, f"{call.entity} id {call.entity_id} not found")

    def _store_call(self, write: Any) -> Any:
        try:
            return write()
        except StoreFull as error:
            raise InsufficientStorage(str(error)) from error
        except UnknownEntity as error:  # pragma: no cover - checked before, kept for races
            raise NotFound(str(error)) from error

    @staticmethod
    def _unknown(operation: Operation, message: str) -> MocksoError:
        if operation.extensions.get("x-mockso-unknown-entity-status") == 400:
            return BadRequest(message)
        return NotFound(message)

    def _blank(self, call: Call) -> tuple[bytes, str]:
        kind = call.params.get("ifBlank")
        if kind is None or kind == "Null":
            raise NotFound(
                f"{call.entity} {call.entity_id} has no picture; ask with ifBlank=ClearPixel, "
                "SrNoPhoto, SrNoPhotoWithBorder, Default or GenericFileIcon for a placeholder"
            )
        return imaging.placeholder(kind)

    def _rendered(self, call: Call, source: tuple[bytes, str], key: Any) -> tuple[bytes, str]:
        data, mime = source
        width, height = call.params.get("w"), call.params.get("h")
        fmt = self._target_format(call, mime)
        if width is None and height is None and fmt == _MIME_TO_FORMAT.get(mime):
            return data, mime
        cache_key = (key, width, height, fmt)
        cached = call.store.scaled.get(cache_key)
        if cached is None:
            try:
                cached = imaging.render(
                    data, width=width, height=height, fmt=fmt, max_pixels=self.max_pixels
                )
            except imaging.ImageError as error:
                raise BadRequest(str(error)) from error
            call.store.scaled.put(cache_key, cached)
        return cached

    def _target_format(self, call: Call, mime: str) -> str | None:
        """``type`` wins; else keep the stored format if Accept allows it; else Accept's choice."""
        offered = tuple(call.operation.success.content)
        asked = imaging.normalize_format(call.params.get("type"))
        if asked is not None:
            # NotAcceptable when Accept refuses it, unless read as the real server reads it.
            found = asked_picture_type(call.accept, imaging.FORMATS[asked], offered, call.lenient)
            if found is not None:
                call.deviations.append(found)
            return asked
        wanted, leaned = picture_type(call.accept, mime, offered, call.lenient)
        if leaned is not None:
            call.deviations.append(leaned)
        return _MIME_TO_FORMAT.get(wanted)

    def _associate(self, principal: Principal) -> dict[str, Any] | None:
        """The associate a caller is, made once per caller and kept (bounded)."""
        schema = self._updated_by
        if schema is None:
            return None  # a contract whose info has no UpdatedBy: nobody to name
        key = f"{principal.scheme}:{principal.fingerprint}"
        with self._lock:
            found = self._associates.get(key)
            if found is not None:
                self._associates.move_to_end(key)
                return found
        made = self.generator.associate(key=key, user_name=principal.user_name, schema=schema)
        with self._lock:
            self._associates[key] = made
            if len(self._associates) > _ASSOCIATE_CACHE_SIZE:
                self._associates.popitem(last=False)
        return made

    def _conceptual_type(self, entity: str) -> str:
        return self._conceptual.get(entity, "PHOTO")

    def _empty_info(self, entity: str) -> dict[str, Any]:
        """An ImageInfo with nothing in it, as the real API answers for an entity without one."""
        info: dict[str, Any] = {}
        for name, node in self._info_properties.items():
            if node.get("format") == "date-time":
                info[name] = EMPTY_DATE
            elif node.get("type") in _EMPTY_BY_TYPE:
                info[name] = _EMPTY_BY_TYPE[node["type"]]
            else:
                info[name] = self._extras(entity).get(name)
        return info

    def _extras(self, entity: str) -> dict[str, Any]:
        """Rights and field properties of an entity type: generated once, then kept.

        Read-only objects, and objects the contract does not let be null (a contract built from
        reference pages does not mark rights read-only), carry a value even in an empty info.
        """
        with self._lock:
            if entity not in self._entity_extras:
                self._entity_extras[entity] = {
                    name: self.generator.generate(node, key=f"{entity}.{name}")
                    for name, node in self._info_properties.items()
                    if node.get("readOnly")
                    or (node.get("type") not in _EMPTY_BY_TYPE and not node.get("nullable"))
                }
            return self._entity_extras[entity]

    def reset(self) -> None:
        with self._lock:
            self._entity_extras.clear()
            self._associates.clear()


def _mime_of(info: Info) -> str:
    return str(info.get("MimeType") or "application/octet-stream")
