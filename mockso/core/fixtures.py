"""Fixtures files (``--fixtures``): what a mock holds at start, and after every reset.

Two shapes, JSON or YAML. ``{"entities": {"Person": [1, 2]}}`` only says which ids exist (every
positive id of an entity type it does not list). A document with ``format: mockso-state/1`` is
a whole state, as ``GET /__mockso/state`` exports it: known ids, pictures, ImageInfo and the
next blob id. Either is checked against the contract when the mock starts; a bad file stops it
with a message naming the file. No Flask import.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import yaml

from mockso.core.errors import MocksoError
from mockso.core.snapshots import Grounds
from mockso.core.snapshots import State
from mockso.core.snapshots import is_state
from mockso.core.snapshots import parse_state


def start_state(grounds: Grounds, path: str | Path) -> State:
    """The state a fixtures file describes, checked against the contract and limits."""
    data = read_fixtures(path)
    if not is_state(data):
        return State(known_ids=_known_entities(grounds, path, data))
    try:
        state = parse_state(grounds, data)
    except MocksoError as error:
        raise ValueError(f"{path}: {error.message}") from None
    if state.total_bytes > grounds.max_store_bytes:
        raise ValueError(
            f"{path}: its pictures hold {state.total_bytes} bytes, more than "
            f"max_store_bytes ({grounds.max_store_bytes})"
        )
    return state


class _TextDates(yaml.SafeLoader):
    """YAML whose unquoted dates stay text, as they are in JSON and in an exported state."""

    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


def read_fixtures(path: str | os.PathLike[str]) -> Any:
    """A fixtures file's document: JSON by its suffix, YAML otherwise."""
    text = Path(path).read_text(encoding="utf-8")
    return json.loads(text) if str(path).endswith(".json") else yaml.load(text, _TextDates)


def load_fixtures(path: str | Path) -> dict[str, frozenset[int]]:
    """Which entity ids exist: ``{"entities": {"Person": [1, 2]}}`` in YAML or JSON."""
    return known_ids(read_fixtures(path), path)


def known_ids(data: Any, path: str | Path) -> dict[str, frozenset[int]]:
    """The ``entities`` mapping of a fixtures document, as sets of whole numbers."""
    entities = data.get("entities") if isinstance(data, dict) else None
    if not isinstance(entities, dict):
        raise ValueError(
            f"{path}: a fixtures file has an 'entities' mapping: "
            "entity type -> list of ids that exist"
        )
    try:
        return {str(name): frozenset(_whole(i) for i in ids) for name, ids in entities.items()}
    except (TypeError, ValueError) as error:
        raise ValueError(f"{path}: entity ids must be whole numbers: {error}") from None


def _known_entities(grounds: Grounds, path: str | Path, data: Any) -> dict[str, frozenset[int]]:
    """Known ids, refusing entity types the contract does not have."""
    known = known_ids(data, path)
    unknown = sorted(set(known) - grounds.entity_types)
    if unknown:
        raise ValueError(
            f"{path}: unknown entity type(s) {', '.join(unknown)}; "
            f"the contract has {', '.join(sorted(grounds.entity_types))}"
        )
    return known


def _whole(value: Any) -> int:
    """An entity id as written in a fixtures file: an int or digits, never 1.5 or true."""
    if isinstance(value, bool | float):
        raise TypeError(f"{value!r} is not a whole number")
    return int(value)
