"""In-memory, thread-safe state: one entry per (entity type, id), plus a cache of scaled pictures.

Entries are immutable snapshots replaced whole under one lock, so a reader never sees half an
update and never needs the lock. A write either happens completely or raises before touching
anything: that is what "a rejected request changes no state" rests on. No Flask import.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from typing import Any

Key = tuple[str, int]
Info = Mapping[str, Any]


class UnknownEntity(LookupError):
    """The fixtures say this entity does not exist."""


class StoreFull(RuntimeError):
    """Storing the bytes would pass the store's byte cap."""


@dataclass(frozen=True)
class Entry:
    """One entity's picture (None when it has none) and its ImageInfo fields."""

    data: bytes | None
    info: Info
    version: int


class Budget:
    """A byte cap shared by the stores of every namespace, so namespaces cannot multiply it."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.used = 0
        self._lock = threading.Lock()

    def change(self, delta: int, holding: int) -> None:
        """Take ``delta`` more bytes (or give back, when negative), or raise StoreFull."""
        with self._lock:
            if delta > 0 and self.used + delta > self.max_bytes:
                raise StoreFull(
                    f"The mock's store holds {self.used} bytes; {holding} more would pass its "
                    f"cap of {self.max_bytes} bytes (MOCKSO_MAX_STORE_BYTES)"
                )
            self.used += delta


@dataclass
class Store:
    """Pictures and ImageInfo by entity, with unique, increasing blob ids."""

    max_bytes: int
    known_ids: Mapping[str, frozenset[int]] = field(default_factory=dict)
    scaled_cache_bytes: int = 64 * 1024 * 1024
    budget: Budget | None = None

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[Key, Entry] = {}
        self._next_blob_id = 1
        self._total_bytes = 0
        self._version = 0
        self._budget = self.budget or Budget(self.max_bytes)
        self.scaled = ScaledCache(self.scaled_cache_bytes, ENTRY_OVERHEAD)

    def exists(self, entity: str, entity_id: int) -> bool:
        """Positive ids exist, unless fixtures list the ids of this entity type."""
        known = self.known_ids.get(entity)
        return entity_id > 0 and (known is None or entity_id in known)

    def get(self, entity: str, entity_id: int) -> Entry | None:
        return self._entries.get((entity, entity_id))

    @property
    def generation(self) -> int:
        """A number every change moves on: equal generations mean equal contents."""
        return self._version

    def save_picture(
        self, entity: str, entity_id: int, data: bytes, build: Callable[[Info | None, int], Info]
    ) -> Entry:
        """Store ``data`` under a new blob id; ``build(old_info, blob_id)`` makes the new info."""
        self._require(entity, entity_id)
        with self._lock:
            old = self._entries.get((entity, entity_id))
            delta = len(data) - (len(old.data) if old and old.data else 0)
            self._budget.change(delta, len(data))
            try:
                info = build(old.info if old else None, self._next_blob_id)
            except BaseException:
                self._budget.change(-delta, 0)
                raise
            entry = self._put((entity, entity_id), data, info)
            self._next_blob_id += 1
            self._total_bytes += delta
            return entry

    def update_info(
        self, entity: str, entity_id: int, build: Callable[[Info | None], Info]
    ) -> Entry:
        """Replace the info through ``build(old_info)``, keeping the picture."""
        self._require(entity, entity_id)
        with self._lock:
            old = self._entries.get((entity, entity_id))
            return self._put(
                (entity, entity_id), old.data if old else None, build(old.info if old else None)
            )

    def delete_picture(self, entity: str, entity_id: int) -> bool:
        """Forget the picture and its info; False when there was none."""
        self._require(entity, entity_id)
        with self._lock:
            old = self._entries.pop((entity, entity_id), None)
            if old is None:
                return False
            self._version += 1
            freed = len(old.data) if old.data else 0
            self._total_bytes -= freed
            self._budget.change(-freed, 0)
            return old.data is not None

    def reset(self) -> None:
        with self._lock:
            self._entries.clear()
            self._version += 1
            self._next_blob_id = 1
            self._budget.change(-self._total_bytes, 0)
            self._total_bytes = 0
            self.scaled.clear()

    def snapshot(self) -> tuple[int, list[tuple[Key, Entry]]]:
        """(next blob id, every entry), taken at one instant."""
        with self._lock:
            return self._next_blob_id, list(self._entries.items())

    def restore(self, next_blob_id: int, entries: Iterable[tuple[Key, bytes | None, Info]]) -> None:
        """Replace the whole state at once; or raise StoreFull/UnknownEntity, changing nothing."""
        items = list(entries)
        for (entity, entity_id), _, _ in items:
            self._require(entity, entity_id)
        total = sum(len(data) for _, data, _ in items if data)
        with self._lock:
            self._budget.change(total - self._total_bytes, total)
            self._entries.clear()
            self._version += 1
            self.scaled.clear()
            for key, data, info in items:
                self._put(key, data, info)
            self._next_blob_id = next_blob_id
            self._total_bytes = total

    def entries(self) -> Iterable[tuple[Key, Entry]]:
        """A snapshot of every entry."""
        return list(self._entries.items())

    @property
    def total_bytes(self) -> int:
        return self._total_bytes

    def _put(self, key: Key, data: bytes | None, info: Info) -> Entry:
        self._version += 1
        entry = Entry(data=data, info=info, version=self._version)
        self._entries[key] = entry
        return entry

    def _require(self, entity: str, entity_id: int) -> None:
        if not self.exists(entity, entity_id):
            raise UnknownEntity(f"{entity} id {entity_id} not found")


# What a cached picture costs besides its bytes: its key and value tuples, the bytes object's
# header and its slot in the ordered dict (measured with tracemalloc: about 500 bytes). Counting
# only the bytes let a cache of tiny thumbnails (w=1..4096 of a 1x1 picture) use several times
# its cap.
ENTRY_OVERHEAD = 512


class ScaledCache:
    """A byte-bounded LRU of rendered pictures, keyed by (blob id, width, height, format).

    Each entry counts as its bytes plus ``entry_overhead``, so the cap bounds memory.
    """

    def __init__(self, max_bytes: int, entry_overhead: int = 0) -> None:
        self.max_bytes = max_bytes
        self.entry_overhead = entry_overhead
        self._items: OrderedDict[Any, tuple[bytes, str]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: Any) -> tuple[bytes, str] | None:
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def put(self, key: Any, value: tuple[bytes, str]) -> None:
        size = len(value[0]) + self.entry_overhead
        if size > self.max_bytes:
            return  # larger than the whole cache: not worth evicting everything for
        with self._lock:
            if key in self._items:
                return
            self._items[key] = value
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, (evicted, _) = self._items.popitem(last=False)
                self._bytes -= len(evicted) + self.entry_overhead

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._items)
