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
second and appends what changed, with an fsync; a compaction while running happens in another
thread, so appends (and the one-second promise) go on during it. Reading the file checks every
namespace with ``snapshots.parse_state``, as an imported state is checked; a file that cannot be
read is a ValueError naming it, never an empty state. No Flask import.
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
    """What the file holds of one namespace: its store and generation then, and its entries
    (immutable, so holding them costs no copy)."""

    store: Store
    generation: int
    next_blob_id: int
    known_ids: Mapping[str, frozenset[int]]
    entries: dict[Key, Entry] = field(default_factory=dict)

    def frozen(self) -> _Seen:
        """A copy that later looks do not change (the entries themselves are immutable)."""
        return _Seen(
            self.store, self.generation, self.next_blob_id, self.known_ids, dict(self.entries)
        )

    def record(self, grounds: Grounds, name: str) -> bytes:
        """The whole namespace, as the file holds it, as one record."""
        entries = sorted(self.entries.items(), key=_by_key)
        document = state_document(grounds, self.next_blob_id, entries, self.known_ids)
        return _encode({"namespace": name, "state": document})


class Keeper:
    """Keeps the state file current from a background thread; ``close`` writes the last changes.

    ``Keeper.open(mock, path)`` reads the file into the mock's namespaces (or raises a
    ValueError naming it), compacts it, and starts the writer. While running, the log is
    compacted by another thread from what the log holds, so appends go on meanwhile: the lines
    appended during a compaction are appended to the compacted file too before it replaces
    the log, and a crash at any moment leaves a complete file.
    """

    def __init__(self, mock: Stateful, path: str | os.PathLike[str]) -> None:
        self.mock = mock
        self.path = Path(path)
        self._seen: dict[str, _Seen] = {}
        self._file: BinaryIO | None = None
        self._compacted = 0
        self._appended = 0
        # Lines appended while a compaction runs, for the compacted file (None: none runs).
        self._carry: list[bytes] | None = None
        self._compaction: threading.Thread | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()  # over the file and what it holds
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
        """Stop the writer, let a running compaction end, and write the last changes."""
        self._stop.set()
        for thread in (self._thread, self._compaction):
            if thread is not None:
                thread.join(timeout=600)
        self._thread = self._compaction = None
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
        """Append every change since the last look (fsynced); the number of records written.
        Starts a compaction in the background once the log holds twice what the mock does."""
        with self._lock:
            lines = self._changes()
            if lines:
                self._append(lines)
            grown = self._appended > self._compacted + COMPACT_SLACK
            if grown and self._carry is None and not self._stop.is_set():
                # What the log holds now, and from now on the lines to add to it: one instant.
                held = {name: seen.frozen() for name, seen in self._seen.items()}
                self._carry = []
                self._compaction = threading.Thread(
                    target=self._compact_in_background,
                    args=(held,),
                    name="mockso-state-compaction",
                )
                self._compaction.start()
            return len(lines)

    def _append(self, lines: list[bytes]) -> None:
        assert self._file is not None
        self._file.writelines(lines)
        self._file.flush()
        os.fsync(self._file.fileno())
        self._appended += sum(map(len, lines))
        if self._carry is not None:
            self._carry.extend(lines)

    def compact(self) -> None:
        """Rewrite the file as one whole-namespace record each, from the mock's state now:
        temporary file, fsync, rename. Appends wait meanwhile (``open`` does this); so does
        a compaction running in the background, which is let finish first."""
        while True:
            running = self._compaction
            if running is not None:
                running.join()
            with self._lock:
                if self._carry is None:  # none runs, and none can begin while this holds
                    self._compact_now()
                    return

    def _compact_now(self) -> None:
        self._seen = {}
        for space in self.mock.spaces.all():
            self._whole(space)
        records = [seen.record(self.mock.grounds, name) for name, seen in self._seen.items()]
        self._replace(*self._write_temporary(records), [])

    def _compact_in_background(self, held: dict[str, _Seen]) -> None:
        """Compact from ``held`` (what the log held when it began), appends going on."""
        try:
            records = [seen.record(self.mock.grounds, name) for name, seen in held.items()]
            temporary, size = self._write_temporary(records)
            with self._lock:
                assert self._carry is not None
                self._replace(temporary, size, self._carry)
        except Exception:
            log.exception("cannot compact the state file %s; it keeps growing", self.path)
        finally:
            with self._lock:
                self._carry = None

    def _write_temporary(self, records: list[bytes]) -> tuple[Path, int]:
        """The compacted file beside the log, on disk; and its size."""
        temporary = self.path.with_name(self.path.name + ".tmp")
        with temporary.open("wb") as handle:
            handle.write(_encode({"format": FORMAT}))
            handle.writelines(records)
            handle.flush()
            os.fsync(handle.fileno())
        return temporary, temporary.stat().st_size

    def _replace(self, temporary: Path, size: int, carried: list[bytes]) -> None:
        """Put the compacted file, plus the lines appended since it was begun, in the log's
        place; the log is complete before and after the rename."""
        if carried:
            with temporary.open("ab") as handle:
                handle.writelines(carried)
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(temporary, self.path)
        _sync_directory(self.path.parent)
        if self._file is not None:
            self._file.close()
        self._file = self.path.open("ab")
        self._compacted = size
        self._appended = sum(map(len, carried))

    def _changes(self) -> list[bytes]:
        spaces = {space.name: space for space in self.mock.spaces.all()}
        gone = [name for name in self._seen if name not in spaces]
        lines = [_encode({"namespace": name, "forget": True}) for name in gone]
        for name in gone:
            del self._seen[name]
        for space in spaces.values():
            seen = self._seen.get(space.name)
            if seen is None or seen.store is not space.store:
                lines.append(self._whole(space).record(self.mock.grounds, space.name))
            elif space.store.generation != seen.generation:
                lines.append(self._patch(space, seen))
        return lines

    def _whole(self, space: Space) -> _Seen:
        """What the file holds of ``space`` once its whole state is written."""
        generation, next_blob_id, entries = _snapshot(space.store)
        seen = _Seen(space.store, generation, next_blob_id, space.store.known_ids, dict(entries))
        self._seen[space.name] = seen
        return seen

    def _patch(self, space: Space, seen: _Seen) -> bytes:
        """The entries that changed since ``seen``, or the whole namespace when its known ids
        changed (an imported state)."""
        if space.store.known_ids != seen.known_ids:
            return self._whole(space).record(self.mock.grounds, space.name)
        generation, next_blob_id, entries = _snapshot(space.store)
        now = dict(entries)
        changed = [(key, entry) for key, entry in entries if seen.entries.get(key) is not entry]
        deleted = [list(key) for key in seen.entries if key not in now]
        seen.generation, seen.next_blob_id, seen.entries = generation, next_blob_id, now
        record: dict[str, Any] = {"namespace": space.name, "next_blob_id": next_blob_id}
        if changed:
            record["pictures"] = picture_items(self.mock.grounds, sorted(changed, key=_by_key))
        if deleted:
            record["deleted"] = deleted
        return _encode(record)


def _by_key(item: tuple[Key, Entry]) -> Key:
    return item[0]


def _snapshot(store: Store) -> tuple[int, int, list[tuple[Key, Entry]]]:
    """(generation, next blob id, entries); the generation is read first, so a change racing
    the snapshot is seen again at the next look rather than missed."""
    generation = store.generation
    next_blob_id, entries = store.snapshot()
    return generation, next_blob_id, entries


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
