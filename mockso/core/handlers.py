"""What a handler is given and what it gives back, and how operations find their handler.

A handler is bound to an operation by its operationId. SuperOffice's ids have the shape
``v1<Entity>[Entity]_<Action>[_POST]``, so one handler per *action* serves the same action on
every entity; the entity is the operation's tag. An operation whose action has no handler is
still answered, from its response schema (see web.endpoint). No Flask import.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import tzinfo
from typing import Any

from mockso.core.auth import Principal
from mockso.core.contract import Operation
from mockso.core.framework import Deviations
from mockso.core.store import Store

_ACTION = re.compile(r"^v\d+[A-Za-z]+?(?:Entity)?_(?P<action>[A-Za-z]+)(?:_[A-Z]+)?$")


def action_of(operation_id: str) -> str | None:
    """``v1ProjectEntity_SaveImage_POST`` → ``SaveImage``; None for other id shapes."""
    match = _ACTION.match(operation_id)
    return match.group("action") if match else None


def entity_of(operation: Operation) -> str | None:
    """The entity an operation works on: its single tag."""
    return operation.tags[0] if len(operation.tags) == 1 else None


def entity_id_parameter(operation: Operation) -> str | None:
    """The parameter that names the entity: ``projectId`` for tag ``Project``."""
    entity = entity_of(operation)
    if entity is None:
        return None
    name = entity[0].lower() + entity[1:] + "Id"
    return name if operation.parameter(name) else None


@dataclass
class Call:
    """One validated request, in plain data."""

    operation: Operation
    params: Mapping[str, Any]
    principal: Principal
    zone: tuple[tzinfo, bool]
    accept: str | None = None
    # The chosen answer media type for JSON/XML answers ("" when the answer has no body).
    answer_type: str = ""
    body: Any = None
    body_type: str | None = None
    # The store of the caller's namespace.
    store: Store = field(default_factory=lambda: Store(max_bytes=0))
    # Read as the real server reads requests (Settings.requests "lenient"), or by the letter.
    lenient: bool = False
    # Where this request leaned on the real server's leniency (core.framework); journaled.
    deviations: Deviations = field(default_factory=Deviations)

    @property
    def entity(self) -> str:
        return entity_of(self.operation) or ""

    @property
    def entity_id(self) -> int:
        name = entity_id_parameter(self.operation)
        return int(self.params[name]) if name else 0


@dataclass
class Reply:
    """A handler's answer: a value to encode in ``Call.answer_type``, or raw bytes."""

    status: int = 200
    value: Any = None
    # Set for raw answers (pictures): the bytes are sent as they are with this media type.
    raw: bytes | None = None
    media_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    # True when ``value`` is already JSON-shaped (examples, generated payloads): no schema dump.
    dumped: bool = False
    # True when ``value`` is never changed after this (a stored entry's info): its encoded bytes
    # may be reused for the same object, media type and zone.
    stable: bool = False


Handler = Callable[[Call], Reply]


class Handlers:
    """Handlers by action name."""

    def __init__(self) -> None:
        self._by_action: dict[str, Handler] = {}

    def register(self, action: str, handler: Handler) -> None:
        self._by_action[action] = handler

    def for_operation(self, operation: Operation) -> Handler | None:
        action = action_of(operation.operation_id)
        if action is None or entity_id_parameter(operation) is None:
            return None
        return self._by_action.get(action)
