"""mockso.core.store: pictures and ImageInfo by entity, blob ids, byte cap, scaled cache."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine
from hypothesis.stateful import invariant
from hypothesis.stateful import precondition
from hypothesis.stateful import rule

from mockso.core.store import ENTRY_OVERHEAD
from mockso.core.store import Info
from mockso.core.store import ScaledCache
from mockso.core.store import Store
from mockso.core.store import StoreFull
from mockso.core.store import UnknownEntity


def info_with_blob_id(old: Info | None, blob_id: int) -> Info:
    return {"BlobId": blob_id, "Saves": (old or {}).get("Saves", 0) + 1}


def snapshot(store: Store) -> tuple[Any, ...]:
    """Entries, byte count and the next blob id (private, but it is what must not move)."""
    return (dict(store.entries()), store.total_bytes, store._next_blob_id)


@pytest.fixture
def store() -> Store:
    return Store(max_bytes=1000)


# -- saving and reading -----------------------------------------------------------------------


def test_a_saved_picture_can_be_read_back(store: Store) -> None:
    entry = store.save_picture("Person", 5, b"abc", info_with_blob_id)
    assert store.get("Person", 5) is entry
    assert entry.data == b"abc"
    assert entry.info == {"BlobId": 1, "Saves": 1}
    assert store.total_bytes == 3


def test_get_of_an_entity_without_anything_saved_is_none(store: Store) -> None:
    assert store.get("Person", 5) is None


def test_blob_ids_are_unique_and_increasing_across_entities(store: Store) -> None:
    keys = [("Person", 1), ("Contact", 1), ("Person", 2), ("Person", 1), ("Project", 9)]
    ids = [store.save_picture(e, i, b"x", info_with_blob_id).info["BlobId"] for e, i in keys]
    assert ids == [1, 2, 3, 4, 5]


def test_the_same_id_of_two_entity_types_is_two_entries(store: Store) -> None:
    store.save_picture("Person", 1, b"person", info_with_blob_id)
    store.save_picture("Contact", 1, b"contact!", info_with_blob_id)
    assert store.get("Person", 1).data == b"person"  # type: ignore[union-attr]
    assert store.get("Contact", 1).data == b"contact!"  # type: ignore[union-attr]
    assert store.total_bytes == 14


def test_saving_again_replaces_the_picture_and_frees_the_old_bytes(store: Store) -> None:
    store.save_picture("Person", 1, b"x" * 100, info_with_blob_id)
    store.save_picture("Person", 2, b"y" * 10, info_with_blob_id)
    entry = store.save_picture("Person", 1, b"z" * 30, info_with_blob_id)
    assert entry.data == b"z" * 30
    assert store.total_bytes == 40
    assert len(list(store.entries())) == 2


def test_build_receives_the_old_info_and_the_new_blob_id(store: Store) -> None:
    seen: list[tuple[Info | None, int]] = []

    def build(old: Info | None, blob_id: int) -> Info:
        seen.append((old, blob_id))
        return {"BlobId": blob_id, "Description": "kept" if old else "new"}

    store.save_picture("Product", 3, b"1", build)
    store.save_picture("Product", 3, b"2", build)
    assert seen == [(None, 1), ({"BlobId": 1, "Description": "new"}, 2)]
    assert store.get("Product", 3).info == {"BlobId": 2, "Description": "kept"}  # type: ignore[union-attr]


def test_entry_versions_increase_with_every_write(store: Store) -> None:
    first = store.save_picture("Person", 1, b"a", info_with_blob_id)
    second = store.update_info("Person", 1, lambda old: {**(old or {}), "Description": "d"})
    third = store.save_picture("Person", 2, b"b", info_with_blob_id)
    assert first.version < second.version < third.version


# -- the byte cap -----------------------------------------------------------------------------


def test_a_save_that_passes_the_cap_raises_store_full_and_changes_nothing(store: Store) -> None:
    store.save_picture("Person", 1, b"x" * 600, info_with_blob_id)
    store.save_picture("Person", 2, b"y" * 300, info_with_blob_id)
    before = snapshot(store)
    with pytest.raises(StoreFull) as caught:
        store.save_picture("Person", 3, b"z" * 101, info_with_blob_id)
    assert snapshot(store) == before
    assert store.get("Person", 3) is None
    assert str(caught.value) == (
        "The mock's store holds 900 bytes; 101 more would pass its cap of 1000 bytes "
        "(MOCKSO_MAX_STORE_BYTES)"
    )
    # the next successful save gets the blob id the refused one would have had
    assert store.save_picture("Person", 3, b"z" * 100, info_with_blob_id).info["BlobId"] == 3


def test_a_refused_replacement_keeps_the_old_picture(store: Store) -> None:
    old = store.save_picture("Person", 1, b"x" * 500, info_with_blob_id)
    before = snapshot(store)
    with pytest.raises(StoreFull):
        store.save_picture("Person", 1, b"y" * 1001, info_with_blob_id)
    assert snapshot(store) == before
    assert store.get("Person", 1) is old


def test_build_is_not_called_when_the_store_is_full(store: Store) -> None:
    def build(old: Info | None, blob_id: int) -> Info:
        raise AssertionError("build must not run for a refused save")

    with pytest.raises(StoreFull):
        store.save_picture("Person", 1, b"x" * 1001, build)


def test_a_save_that_fills_the_store_exactly_is_accepted(store: Store) -> None:
    store.save_picture("Person", 1, b"x" * 1000, info_with_blob_id)
    assert store.total_bytes == 1000


def test_a_replacement_counts_only_the_difference_against_the_cap(store: Store) -> None:
    store.save_picture("Person", 1, b"x" * 800, info_with_blob_id)
    store.save_picture("Person", 1, b"y" * 900, info_with_blob_id)  # 900 in all, not 1700
    assert store.total_bytes == 900


def test_a_build_that_fails_changes_nothing(store: Store) -> None:
    store.save_picture("Person", 1, b"abc", info_with_blob_id)
    before = snapshot(store)

    def build(old: Info | None, blob_id: int) -> Info:
        raise ValueError("bad info")

    with pytest.raises(ValueError, match="bad info"):
        store.save_picture("Person", 1, b"defgh", build)
    assert snapshot(store) == before


# -- which entities exist ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entity", "entity_id", "exists"),
    [
        ("Person", 1, True),
        ("Person", 2, True),
        ("Person", 3, False),
        ("Person", 0, False),
        ("Person", -1, False),
        ("Contact", 123456, True),  # not listed in the fixtures: every positive id exists
        ("Contact", 0, False),
        ("Contact", -5, False),
    ],
)
def test_known_ids_limit_the_entities_that_exist(entity: str, entity_id: int, exists: bool) -> None:
    store = Store(max_bytes=100, known_ids={"Person": frozenset({1, 2})})
    assert store.exists(entity, entity_id) is exists


@pytest.mark.parametrize(
    "operation",
    [
        lambda s: s.save_picture("Person", 3, b"x", info_with_blob_id),
        lambda s: s.update_info("Person", 3, lambda old: {}),
        lambda s: s.delete_picture("Person", 3),
        lambda s: s.save_picture("Contact", 0, b"x", info_with_blob_id),
        lambda s: s.update_info("Contact", -1, lambda old: {}),
        lambda s: s.delete_picture("Project", 0),
    ],
)
def test_writes_to_an_entity_that_does_not_exist_raise_unknown_entity(operation: Any) -> None:
    store = Store(max_bytes=100, known_ids={"Person": frozenset({1, 2})})
    with pytest.raises(UnknownEntity, match=r"id (3|0|-1) not found"):
        operation(store)
    assert list(store.entries()) == []
    assert store.total_bytes == 0


def test_unknown_entity_is_a_lookup_error_and_store_full_a_runtime_error() -> None:
    assert issubclass(UnknownEntity, LookupError)
    assert issubclass(StoreFull, RuntimeError)


# -- info, delete, reset ----------------------------------------------------------------------


def test_update_info_replaces_the_info_and_keeps_the_picture(store: Store) -> None:
    store.save_picture("Person", 1, b"pixels", info_with_blob_id)
    entry = store.update_info("Person", 1, lambda old: {**(old or {}), "Description": "new"})
    assert entry.data == b"pixels"
    assert entry.info == {"BlobId": 1, "Saves": 1, "Description": "new"}
    assert store.total_bytes == 6


def test_update_info_without_a_picture_stores_info_only(store: Store) -> None:
    received: list[Info | None] = []

    def build(old: Info | None) -> Info:
        received.append(old)
        return {"Description": "d"}

    entry = store.update_info("Person", 1, build)
    assert received == [None]
    assert entry.data is None
    assert store.total_bytes == 0


def test_delete_forgets_the_picture_and_frees_its_bytes(store: Store) -> None:
    store.save_picture("Person", 1, b"abcd", info_with_blob_id)
    store.save_picture("Person", 2, b"ef", info_with_blob_id)
    assert store.delete_picture("Person", 1) is True
    assert store.get("Person", 1) is None
    assert store.total_bytes == 2
    assert store.delete_picture("Person", 1) is False


def test_delete_of_info_without_a_picture_forgets_it_and_says_there_was_no_picture(
    store: Store,
) -> None:
    store.update_info("Person", 1, lambda old: {"Description": "d"})
    assert store.delete_picture("Person", 1) is False
    assert store.get("Person", 1) is None


def test_blob_ids_keep_increasing_after_a_delete(store: Store) -> None:
    store.save_picture("Person", 1, b"a", info_with_blob_id)
    store.delete_picture("Person", 1)
    assert store.save_picture("Person", 1, b"a", info_with_blob_id).info["BlobId"] == 2


def test_reset_empties_the_store_and_restarts_blob_ids(store: Store) -> None:
    store.save_picture("Person", 1, b"abc", info_with_blob_id)
    store.save_picture("Contact", 2, b"de", info_with_blob_id)
    store.scaled.put((1, 10, 10, "PNG"), (b"scaled", "image/png"))
    store.reset()
    assert list(store.entries()) == []
    assert store.total_bytes == 0
    assert len(store.scaled) == 0
    assert store.save_picture("Person", 1, b"x", info_with_blob_id).info["BlobId"] == 1


def test_entries_is_a_snapshot_not_a_live_view(store: Store) -> None:
    store.save_picture("Person", 1, b"a", info_with_blob_id)
    entries = store.entries()
    store.save_picture("Person", 2, b"b", info_with_blob_id)
    assert [key for key, _ in entries] == [("Person", 1)]


# -- scaled cache -----------------------------------------------------------------------------


def item(size: int) -> tuple[bytes, str]:
    return b"x" * size, "image/png"


def test_scaled_cache_returns_what_was_put_and_none_for_the_rest() -> None:
    cache = ScaledCache(100)
    cache.put("a", item(10))
    assert cache.get("a") == item(10)
    assert cache.get("b") is None


def test_scaled_cache_evicts_the_least_recently_used_item_first() -> None:
    cache = ScaledCache(30)
    cache.put("a", item(10))
    cache.put("b", item(10))
    cache.put("c", item(10))
    assert cache.get("a") is not None  # "a" is now the most recently used
    cache.put("d", item(10))
    assert cache.get("b") is None
    assert [k for k in "acd" if cache.get(k) is not None] == ["a", "c", "d"]
    assert len(cache) == 3


def test_scaled_cache_evicts_as_many_items_as_a_large_one_needs() -> None:
    cache = ScaledCache(30)
    for key in "abc":
        cache.put(key, item(10))
    cache.put("big", item(25))
    assert [k for k in ("a", "b", "c", "big") if cache.get(k) is not None] == ["big"]


def test_scaled_cache_does_not_keep_an_item_larger_than_itself() -> None:
    cache = ScaledCache(30)
    cache.put("a", item(10))
    cache.put("huge", item(31))
    assert cache.get("huge") is None
    assert cache.get("a") == item(10)  # nothing was evicted for it


def test_scaled_cache_keeps_an_item_exactly_its_size() -> None:
    cache = ScaledCache(30)
    cache.put("a", item(30))
    assert cache.get("a") == item(30)


def test_scaled_cache_keeps_the_first_value_put_under_a_key() -> None:
    cache = ScaledCache(100)
    cache.put("a", (b"first", "image/png"))
    cache.put("a", (b"second", "image/png"))
    assert cache.get("a") == (b"first", "image/png")
    assert len(cache) == 1


def test_scaled_cache_clear_forgets_everything_and_its_byte_count() -> None:
    cache = ScaledCache(20)
    cache.put("a", item(20))
    cache.clear()
    assert len(cache) == 0
    cache.put("b", item(20))
    cache.put("c", item(0))
    assert cache.get("b") == item(20)  # had the old bytes been kept, "b" would be evicted


def test_store_gives_its_scaled_cache_the_configured_size() -> None:
    assert Store(max_bytes=10, scaled_cache_bytes=1234).scaled.max_bytes == 1234


@pytest.mark.parametrize(("overhead", "kept"), [(0, 10), (90, 5)])
def test_scaled_cache_counts_what_each_entry_costs_besides_its_bytes(
    overhead: int, kept: int
) -> None:
    cache = ScaledCache(1000, entry_overhead=overhead)
    for key in range(10):
        cache.put(key, item(100))
    assert len(cache) == kept


def test_a_stores_scaled_cache_bounds_memory_not_just_picture_bytes() -> None:
    # 64 KiB of 1-byte thumbnails: by bytes alone that would be 65,536 entries.
    store = Store(max_bytes=10, scaled_cache_bytes=64 * 1024)
    for width in range(1, 4097):
        store.scaled.put((("blob", 1), width, None, "PNG"), item(1))
    assert len(store.scaled) == 64 * 1024 // (1 + ENTRY_OVERHEAD)


# -- threads ----------------------------------------------------------------------------------


def test_concurrent_saves_get_unique_blob_ids_and_a_consistent_byte_count() -> None:
    store = Store(max_bytes=10**9)
    threads, saves = 8, 200
    blob_ids: list[list[int]] = [[] for _ in range(threads)]
    barrier = threading.Barrier(threads)

    def work(n: int) -> None:
        barrier.wait()
        for i in range(saves):
            # every thread writes to a few shared keys and to its own ones
            key = ("Person", 1 + i % 5) if i % 2 else ("Contact", 100 * (n + 1) + i % 7)
            data = b"x" * (1 + (n * saves + i) % 37)
            entry = store.save_picture(key[0], key[1], data, info_with_blob_id)
            blob_ids[n].append(int(entry.info["BlobId"]))

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    everything = [b for ids in blob_ids for b in ids]
    assert sorted(everything) == list(range(1, threads * saves + 1))
    assert all(ids == sorted(ids) for ids in blob_ids)  # increasing within each thread
    entries = list(store.entries())
    assert store.total_bytes == sum(len(e.data or b"") for _, e in entries)
    assert len(entries) == 5 + threads * 7


# -- a model-based check ----------------------------------------------------------------------

KEYS = st.sampled_from([("Person", 1), ("Person", 2), ("Contact", 1), ("Project", 7)])
DATA = st.binary(max_size=12)
CAP = 40


class StoreMachine(RuleBasedStateMachine):
    """Store against a plain dict: entries, byte count and blob ids agree after every step."""

    def __init__(self) -> None:
        super().__init__()
        self.store = Store(max_bytes=CAP)
        self.model: dict[tuple[str, int], tuple[bytes | None, dict[str, Any]]] = {}
        self.next_blob_id = 1
        self.last_blob_id = 0

    def model_bytes(self) -> int:
        return sum(len(data or b"") for data, _ in self.model.values())

    @rule(key=KEYS, data=DATA)
    def save(self, key: tuple[str, int], data: bytes) -> None:
        old = self.model.get(key)
        old_size = len(old[0] or b"") if old else 0
        if self.model_bytes() - old_size + len(data) > CAP:
            with pytest.raises(StoreFull):
                self.store.save_picture(*key, data, info_with_blob_id)
            return
        entry = self.store.save_picture(*key, data, info_with_blob_id)
        expected = info_with_blob_id(old[1] if old else None, self.next_blob_id)
        assert entry.info == expected
        assert entry.info["BlobId"] > self.last_blob_id
        self.last_blob_id = self.next_blob_id
        self.next_blob_id += 1
        self.model[key] = (data, dict(expected))

    @rule(key=KEYS, text=st.text(max_size=3))
    def update(self, key: tuple[str, int], text: str) -> None:
        old = self.model.get(key)
        entry = self.store.update_info(*key, lambda info: {**(info or {}), "Description": text})
        data = old[0] if old else None
        info = {**(old[1] if old else {}), "Description": text}
        assert (entry.data, entry.info) == (data, info)
        self.model[key] = (data, info)

    @rule(key=KEYS)
    def delete(self, key: tuple[str, int]) -> None:
        old = self.model.pop(key, None)
        assert self.store.delete_picture(*key) is (old is not None and old[0] is not None)

    @precondition(lambda self: bool(self.model))
    @rule()
    def reset(self) -> None:
        self.store.reset()
        self.model.clear()
        self.next_blob_id = 1
        self.last_blob_id = 0

    @invariant()
    def agrees_with_the_model(self) -> None:
        stored = {key: (e.data, dict(e.info)) for key, e in self.store.entries()}
        assert stored == self.model
        assert self.store.total_bytes == self.model_bytes()
        assert self.store.total_bytes <= CAP


StoreMachine.TestCase.settings = settings(max_examples=150, stateful_step_count=30, deadline=None)
test_store_behaves_like_a_dict_with_a_byte_cap = StoreMachine.TestCase
