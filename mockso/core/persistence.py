"""Durable state (``--state-file``): every namespace's store kept in one file across restarts.

The file is an append-only log of JSON lines, compacted when the mock starts (and when the log
has grown to about twice what it holds). The first line names the format; every other line is
about one namespace and is one of:

- ``{"namespace": N, "state": <mockso-state/1 document>}``: the whole namespace;
- ``{"namespace": N, "next_blob_id": K, "pictures": [<items>], "deleted": [[entity, id]]}``:
  the entries that changed since the line before (``pictures`` items as in mockso-state/1);
- ``{"namespace": N, "forget": true}``: the namespace is gone (a reset of every namespace).

Why a log rather than rewriting the whole state on each change: a 20 MB picture costs one
append of about 27 MB, whatever else the store holds, so a write is on disk well within a
second; rewriting a store of many such pictures takes seconds per change (``bench/state_file.py``
measures both). Compaction writes a temporary file, fsyncs it and renames it over the log, so
the file is never half-written; a crash during an append leaves at most a torn last line, which
the next start drops (it held only writes answered a moment before the crash).

``Keeper`` is the background writer: it looks at every store's ``generation`` ten times a
second and appends what changed, with an fsync. Reading the file checks every namespace with
``snapshots.parse_state``, as an imported state is checked; a file that cannot be read is a
ValueError naming it, never an empty state. No Flask import.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any
from typing import BinaryIO

from mockso.core.errors import MocksoError
from mockso.core.namespaces import Space
from mockso.core.snapshots import FORMAT as STATE_FORMAT
from mockso.core.snapshots import Grounds
from mockso.core.snapshots import State
from mockso.core.snapshots import Stateful
from mockso.core.snapshots import apply_state
from mockso.core.snapshots import parse_state
from mockso.core.snapshots import picture_items
from mockso.core.snapshots import state_document
from mockso.core.store import Entry
from mockso.core.store import Key
from mockso.core.store import Store

log = logging.getLogger("mockso")

FORMAT = "mockso-state-file/1"
INTERVAL = 0.1  # seconds between looks at the stores: well inside the one-second promise
# Compact once the appended lines outgrow what the last compaction wrote (plus this slack).
COMPACT_SLACK = 1024 * 1024


def read(grounds: Grounds, path: str | os.PathLike[str]) -> dict[str, State]:
    """Every namespace the file holds, checked; {} when it does not exist or is empty."""
    documents: dict[str, dict[str, Any]] = {}
    for number, line in _lines(Path(path)):
        _replay(documents, line, f"{path}, line {number}")
    states = {}
    for name, document in documents.items():
        items = [document["pictures"][key] for key in sorted(document["pictures"])]
        try:
            states[name] = parse_state(grounds, {**document, "pictures": items})
        except MocksoError as error:
            raise ValueError(f"{path}: namespace {name!r}: {error.message}") from None
    return states


def _lines(path: Path) -> Iterator[tuple[int, Any]]:
    """The file's records after its format line; a torn last line (a crash mid-append) is
    dropped with a warning, anything else unreadable is a ValueError naming the file."""
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return
    except OSError as error:
        raise ValueError(f"{path}: cannot read the state file: {error}") from None
    with handle:
        number = 0
        for raw in handle:
            number += 1
            if not raw.endswith(b"\n"):
                log.warning("%s: dropped a torn last line (the mock stopped mid-write)", path)
                return
            try:
                value = json.loads(raw)
            except ValueError as error:
                raise ValueError(
                    f"{path}, line {number}: not a mockso state file ({error}); "
                    "move it away to start empty"
                ) from None
            if number == 1:
                if not isinstance(value, dict) or value.get("format") != FORMAT:
                    raise ValueError(f"{path}: not a mockso state file (no {FORMAT!r} line)")
                continue
            yield number, value


def _replay(documents: dict[str, dict[str, Any]], line: Any, where: str) -> None:
    """Apply one record to the per-namespace documents being rebuilt."""
    name = line.get("namespace") if isinstance(line, dict) else None
    if not isinstance(name, str):
        raise ValueError(f"{where}: a record names its namespace")
    if line.get("forget"):
        documents.pop(name, None)
        return
    if "state" in line:
        state = line["state"]
        if not isinstance(state, dict):
            raise ValueError(f"{where}: 'state' is a {STATE_FORMAT} document")
        pictures = {_key(item, where): item for item in state.get("pictures", [])}
        documents[name] = {**state, "pictures": pictures}
        return
    document = documents.setdefault(name, {"format": STATE_FORMAT, "pictures": {}})
    try:
        for entity, entity_id in line.get("deleted", []):
            document["pictures"].pop((entity, entity_id), None)
        for item in line.get("pictures", []):
            document["pictures"][_key(item, where)] = item
        document["next_blob_id"] = line["next_blob_id"]
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"{where}: not a state file record ({error!r})") from None


def _key(item: Any, where: str) -> tuple[str, int]:
    try:
        return str(item["entity"]), int(item["id"])
    except (KeyError, TypeError, ValueError):
        raise ValueError(f"{where}: a picture item names its entity and id") from None


def restore(mock: Stateful, states: Mapping[str, State], path: str | os.PathLike[str]) -> None:
    """Put each namespace's state in place (made when new), or raise a ValueError naming
    the file."""
    for name, state in states.items():
        try:
            apply_state(mock.spaces.get(name).store, state)
        except MocksoError as error:
            raise ValueError(f"{path}: namespace {name!r}: {error.message}") from None


@dataclass
class _Seen:
    """What the file holds of one namespace: its store, generation and entry versions."""

    store: Store
    generation: int
    next_blob_id: int
    known_ids: Mapping[str, frozenset[int]]
    versions: dict[Key, int] = field(default_factory=dict)


class Keeper:
    """Keeps the state file current from a background thread; ``close`` writes the last changes.

    ``Keeper.open(mock, path)`` reads the file into the mock's namespaces (or raises a
    ValueError naming it), compacts it, and starts the writer.
    """

    def __init__(self, mock: Stateful, path: str | os.PathLike[str]) -> None:
        self.mock = mock
        self.path = Path(path)
        self._seen: dict[str, _Seen] = {}
        self._file: BinaryIO | None = None
        self._compacted = 0
        self._appended = 0
        self._stop = threading.Event()
        self._lock = threading.Lock()  # one writer: the thread, or close()
        self._thread: threading.Thread | None = None

    @classmethod
    def open(cls, mock: Stateful, path: str | os.PathLike[str]) -> Keeper:
        restore(mock, read(mock.grounds, path), path)
        keeper = cls(mock, path)
        try:
            keeper.compact()
        except OSError as error:
            raise ValueError(f"{path}: cannot write the state file: {error}") from None
        keeper.start()
        return keeper

    def summary(self) -> str:
        """What the mock holds, as the start banner says it."""
        spaces = self.mock.spaces.all()
        pictures = sum(
            1 for space in spaces for _, entry in space.store.entries() if entry.data is not None
        )
        return f"{len(spaces)} namespace(s), {pictures} picture(s)"

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="mockso-state-file", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop the writer and write what changed since its last look."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=60)
            self._thread = None
        self.flush()
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None

    def _run(self) -> None:
        while not self._stop.wait(INTERVAL):
            try:
                self.flush()
            except Exception:  # a full disk must not stop the writer for good: say so, retry
                log.exception("cannot write the state file %s; trying again", self.path)

    def flush(self) -> int:
        """Append every change since the last look (fsynced); the number of records written."""
        with self._lock:
            lines = self._changes()
            if not lines:
                return 0
            if self._appended + sum(map(len, lines)) > self._compacted + COMPACT_SLACK:
                self._compact()
                return len(lines)
            assert self._file is not None
            for line in lines:
                self._file.write(line)
            self._file.flush()
            os.fsync(self._file.fileno())
            self._appended += sum(map(len, lines))
            return len(lines)

    def compact(self) -> None:
        """Rewrite the file as one whole-namespace record each: temporary file, fsync, rename."""
        with self._lock:
            self._compact()

    def _compact(self) -> None:
        self._seen = {}
        lines = [_encode({"format": FORMAT})]
        lines += [self._whole(space) for space in self.mock.spaces.all()]
        temporary = self.path.with_name(self.path.name + ".tmp")
        with temporary.open("wb") as handle:
            handle.writelines(lines)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path)
        _sync_directory(self.path.parent)
        if self._file is not None:
            self._file.close()
        self._file = self.path.open("ab")
        self._compacted = sum(map(len, lines))
        self._appended = 0

    def _changes(self) -> list[bytes]:
        spaces = {space.name: space for space in self.mock.spaces.all()}
        lines = [
            _encode({"namespace": name, "forget": True})
            for name in self._seen
            if name not in spaces
        ]
        for name in [name for name in self._seen if name not in spaces]:
            del self._seen[name]
        for space in spaces.values():
            seen = self._seen.get(space.name)
            if seen is None or seen.store is not space.store:
                lines.append(self._whole(space))
            elif space.store.generation != seen.generation:
                lines.append(self._patch(space, seen))
        return lines

    def _whole(self, space: Space) -> bytes:
        """The whole namespace as one record, and what the file now holds of it."""
        generation, next_blob_id, entries = _snapshot(space.store)
        known = space.store.known_ids
        self._seen[space.name] = _Seen(
            space.store, generation, next_blob_id, known, _versions(entries)
        )
        document = state_document(self.mock.grounds, next_blob_id, entries, known)
        return _encode({"namespace": space.name, "state": document})

    def _patch(self, space: Space, seen: _Seen) -> bytes:
        """The entries that changed since ``seen``, or the whole namespace when its known ids
        changed (an imported state)."""
        generation, next_blob_id, entries = _snapshot(space.store)
        if space.store.known_ids != seen.known_ids:
            return self._whole(space)
        versions = _versions(entries)
        changed = [
            (key, entry) for key, entry in entries if seen.versions.get(key) != entry.version
        ]
        deleted = [list(key) for key in seen.versions if key not in versions]
        seen.generation, seen.next_blob_id, seen.versions = generation, next_blob_id, versions
        record: dict[str, Any] = {"namespace": space.name, "next_blob_id": next_blob_id}
        if changed:
            record["pictures"] = picture_items(self.mock.grounds, changed)
        if deleted:
            record["deleted"] = deleted
        return _encode(record)


def _snapshot(store: Store) -> tuple[int, int, list[tuple[Key, Entry]]]:
    """(generation, next blob id, entries); the generation is read first, so a change racing
    the snapshot is seen again at the next look rather than missed."""
    generation = store.generation
    next_blob_id, entries = store.snapshot()
    return generation, next_blob_id, entries


def _versions(entries: list[tuple[Key, Entry]]) -> dict[Key, int]:
    return {key: entry.version for key, entry in entries}


def _encode(record: Mapping[str, Any]) -> bytes:
    return json.dumps(record, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"


def _sync_directory(directory: Path) -> None:
    """Make a rename durable: fsync the directory that holds the file (where the OS can)."""
    try:
        handle = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory handles
        return
    try:
        os.fsync(handle)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(handle)
