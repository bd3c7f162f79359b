"""Recording (``mockso proxy --record FILE``): what passed through, as a ``mockso-state/1`` file.

The proxy hands every exchange with the target to ``Recording.observe``. By the action in the
operationId (as handlers are bound): a picture a client saved (its bytes as sent), a picture the
target served, ImageInfo as the target gave it (GET and PUT ImageInfo answers, JSON), a deleted
picture, and every entity id the target answered 2xx for (the known ids). ``document()`` turns
them into a state document that ``mockso serve --fixtures FILE`` replays offline; each item is
checked as an import would check it, and what the format cannot hold (an ImageInfo that breaks
the contract, a picture whose ImageInfo never passed, a scaled or placeholder answer, an XML
body) is listed with the reason, never dropped silently. Nothing of the requests' headers is
kept, so credentials never reach the file. No Flask import.
"""

from __future__ import annotations

import base64
import json
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mockso.core import codecs
from mockso.core.contract import Operation
from mockso.core.errors import MocksoError
from mockso.core.handlers import action_of
from mockso.core.handlers import entity_id_parameter
from mockso.core.handlers import entity_of
from mockso.core.negotiation import kind
from mockso.core.snapshots import FORMAT
from mockso.core.snapshots import Grounds
from mockso.core.snapshots import parse_state
from mockso.core.store import Key

MAX_UNRECORDED = 1000  # distinct reasons listed; a long session repeats the same few


@dataclass(frozen=True)
class Exchange:
    """One call of an operation and the target's answer, as the recording needs it."""

    operation: Operation
    values: Mapping[str, str]  # path values
    query: Mapping[str, list[str]]
    upload: bytes | None  # the picture a client sent (a raw body, or the first file part)
    status: int
    headers: Mapping[str, str]
    body: bytes  # the answer's body, decoded when it was compressed

    @property
    def key(self) -> Key | None:
        entity, name = entity_of(self.operation), entity_id_parameter(self.operation)
        if entity is None or name is None:
            return None
        raw = self.values.get(name) or next(iter(self.query.get(name, [])), "")
        return (entity, int(raw)) if raw.isascii() and raw.isdigit() else None

    @property
    def media_type(self) -> str:
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()


class Recording:
    """What passed through the proxy, kept for a state document; thread-safe."""

    def __init__(self, grounds: Grounds, path: str | os.PathLike[str]) -> None:
        self.grounds = grounds
        self.path = Path(path)
        self._lock = threading.Lock()
        self._pictures: dict[Key, bytes] = {}
        # Pictures served for a request that may have shaped them (scaled, a placeholder):
        # kept only when the ImageInfo's BlobSize says they are the stored bytes.
        self._maybe: dict[Key, bytes] = {}
        self._infos: dict[Key, Any] = {}
        self._known: dict[str, set[int]] = {}
        self._unrecorded: dict[tuple[str, str], dict[str, Any]] = {}

    def observe(self, exchange: Exchange) -> None:
        key = exchange.key
        action = action_of(exchange.operation.operation_id)
        if key is None or action is None or not 200 <= exchange.status < 300:
            return
        with self._lock:
            self._known.setdefault(key[0], set()).add(key[1])
            if action == "SaveImage" and exchange.upload is not None:
                self._pictures[key] = exchange.upload
                self._maybe.pop(key, None)
                self._infos.pop(key, None)  # the target made a new one: keep the next seen
            elif action == "GetImage":
                self._picture(exchange, key)
            elif action == "DeleteImageContent":
                for kept in (self._pictures, self._maybe, self._infos):
                    kept.pop(key, None)
            elif action in ("GetImageInfo", "PutImageInfo"):
                self._info(exchange, key)

    def _picture(self, exchange: Exchange, key: Key) -> None:
        if kind(exchange.media_type) != "image":
            self._unrecord(exchange, key, f"a {exchange.media_type or 'bodiless'} picture answer")
            return
        name = entity_id_parameter(exchange.operation)
        if any(parameter != name for parameter in exchange.query):
            self._maybe[key] = exchange.body
        else:
            self._pictures[key] = exchange.body
            self._maybe.pop(key, None)

    def _info(self, exchange: Exchange, key: Key) -> None:
        if kind(exchange.media_type) != "json":
            reason = f"ImageInfo as {exchange.media_type or 'no body'}: the state keeps JSON only"
            self._unrecord(exchange, key, reason)
            return
        try:
            self._infos[key] = codecs.decode_json(exchange.body)
        except codecs.CodecError as error:
            self._unrecord(exchange, key, f"ImageInfo that is not JSON: {error}")

    def _unrecord(self, exchange: Exchange, key: Key, reason: str) -> None:
        entry = (f"{exchange.operation.operation_id} {key[0]} {key[1]}", reason)
        if entry not in self._unrecorded and len(self._unrecorded) < MAX_UNRECORDED:
            self._unrecorded[entry] = _listed(key, exchange.operation.operation_id, reason)

    def document(self) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The state document of what passed, and what it could not hold (with reasons)."""
        with self._lock:
            pictures, maybe = dict(self._pictures), dict(self._maybe)
            infos, known = dict(self._infos), {k: set(v) for k, v in self._known.items()}
            unrecorded = list(self._unrecorded.values())
        items = []
        for key in sorted(set(pictures) | set(maybe) | set(infos)):
            info = infos.get(key)
            data = pictures.get(key)
            if data is None and key in maybe and _same_size(info, maybe[key]):
                data = maybe[key]
            if info is None:
                reason = "no ImageInfo passed through for this picture (GET it through the proxy)"
                unrecorded.append(_listed(key, None, reason))
                continue
            item = {
                "entity": key[0],
                "id": key[1],
                "picture": base64.b64encode(data).decode("ascii") if data is not None else None,
                "info": info,
            }
            problem = self._problem(item)
            if problem is not None:
                unrecorded.append(_listed(key, None, problem))
                continue
            items.append(item)
        document: dict[str, Any] = {"format": FORMAT}
        entities = {name: sorted(ids) for name, ids in sorted(known.items())}
        if entities:
            document["entities"] = entities
        document["pictures"] = items
        parse_state(self.grounds, document)  # each item passed alone: the whole does too
        return document, unrecorded

    def _problem(self, item: dict[str, Any]) -> str | None:
        """Why the state format cannot hold this item, or None."""
        try:
            parse_state(self.grounds, {"format": FORMAT, "pictures": [item]})
        except MocksoError as error:
            where = f"pictures[0] ({item['entity']} {item['id']}): "
            return error.message.removeprefix(where)
        return None

    def write(self) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """Write the document (temporary file, then rename); it, and what it could not hold."""
        document, unrecorded = self.document()
        temporary = self.path.with_name(self.path.name + ".tmp")
        temporary.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
        os.replace(temporary, self.path)
        return document, unrecorded


def _same_size(info: Any, data: bytes) -> bool:
    return isinstance(info, Mapping) and info.get("BlobSize") == len(data)


def _listed(key: Key, operation_id: str | None, reason: str) -> dict[str, Any]:
    return {"entity": key[0], "id": key[1], "operationId": operation_id, "reason": reason}
