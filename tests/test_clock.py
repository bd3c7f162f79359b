"""mockso.core.clock: the wall clock, and a frozen one that advances 1 ms per reading."""

from __future__ import annotations

import threading
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from datetime import timezone

import pytest

from mockso.core.clock import DEFAULT_FROZEN_START
from mockso.core.clock import FrozenClock
from mockso.core.clock import SystemClock
from mockso.core.clock import make_clock

MS = timedelta(milliseconds=1)


def test_the_system_clock_reads_aware_utc_times() -> None:
    now = SystemClock().now()
    assert now.tzinfo is UTC
    assert now.utcoffset() == timedelta(0)


def test_a_frozen_clock_starts_at_its_start_and_advances_one_ms_per_reading() -> None:
    start = datetime(2026, 1, 5, 8, 30, tzinfo=UTC)
    clock = FrozenClock(start)
    assert [clock.now() for _ in range(3)] == [start, start + MS, start + 2 * MS]


def test_a_frozen_clock_can_advance_by_another_step() -> None:
    start = datetime(2026, 1, 5, tzinfo=UTC)
    clock = FrozenClock(start, step=timedelta(seconds=2))
    clock.now()
    assert clock.now() == start + timedelta(seconds=2)


def test_a_frozen_clock_takes_a_naive_start_as_utc() -> None:
    clock = FrozenClock(datetime(2026, 1, 5, 8, 30))
    assert clock.now() == datetime(2026, 1, 5, 8, 30, tzinfo=UTC)


def test_a_frozen_clock_keeps_the_zone_of_an_aware_start() -> None:
    plus_two = timezone(timedelta(hours=2))
    now = FrozenClock(datetime(2026, 6, 1, 12, 0, tzinfo=plus_two)).now()
    assert now.utcoffset() == timedelta(hours=2)
    assert now == datetime(2026, 6, 1, 10, 0, tzinfo=UTC)


def test_two_frozen_clocks_with_the_same_start_give_the_same_readings() -> None:
    one, two = FrozenClock(DEFAULT_FROZEN_START), FrozenClock(DEFAULT_FROZEN_START)
    assert [one.now() for _ in range(5)] == [two.now() for _ in range(5)]


def test_a_frozen_clock_gives_distinct_readings_to_many_threads() -> None:
    start = datetime(2026, 1, 5, tzinfo=UTC)
    clock = FrozenClock(start)
    threads, readings = 8, 500
    seen: list[list[datetime]] = [[] for _ in range(threads)]
    barrier = threading.Barrier(threads)

    def read(n: int) -> None:
        barrier.wait()
        seen[n].extend(clock.now() for _ in range(readings))

    workers = [threading.Thread(target=read, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    everything = sorted(value for values in seen for value in values)
    assert everything == [start + i * MS for i in range(threads * readings)]
    assert all(values == sorted(values) for values in seen)


# -- make_clock -------------------------------------------------------------------------------


def test_no_setting_with_a_seed_is_frozen_at_the_default_start() -> None:
    clock = make_clock(None, seeded=True)
    assert isinstance(clock, FrozenClock)
    assert clock.now() == DEFAULT_FROZEN_START
    assert clock.now() == datetime(2026, 1, 5, 8, 30, 0, 1000, tzinfo=UTC)


def test_no_setting_without_a_seed_is_the_system_clock() -> None:
    assert isinstance(make_clock(None, seeded=False), SystemClock)


@pytest.mark.parametrize("setting", ["system", "SYSTEM", " System ", "wall", "real"])
@pytest.mark.parametrize("seeded", [True, False])
def test_system_names_the_wall_clock_even_with_a_seed(setting: str, seeded: bool) -> None:
    assert isinstance(make_clock(setting, seeded=seeded), SystemClock)


@pytest.mark.parametrize("setting", ["frozen", "Frozen", " FROZEN "])
@pytest.mark.parametrize("seeded", [True, False])
def test_frozen_names_a_frozen_clock_at_the_default_start(setting: str, seeded: bool) -> None:
    clock = make_clock(setting, seeded=seeded)
    assert isinstance(clock, FrozenClock)
    assert clock.now() == DEFAULT_FROZEN_START


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("2020-02-29T12:00:00Z", datetime(2020, 2, 29, 12, tzinfo=UTC)),
        ("2020-02-29t12:00:00z", datetime(2020, 2, 29, 12, tzinfo=UTC)),
        ("2020-02-29T12:00:00+00:00", datetime(2020, 2, 29, 12, tzinfo=UTC)),
        ("2020-02-29T13:00:00+01:00", datetime(2020, 2, 29, 12, tzinfo=UTC)),
        ("2020-02-29T12:00:00", datetime(2020, 2, 29, 12, tzinfo=UTC)),
        ("2020-02-29T12:00:00.250Z", datetime(2020, 2, 29, 12, 0, 0, 250000, tzinfo=UTC)),
        (" 2020-02-29 12:00:00Z ", datetime(2020, 2, 29, 12, tzinfo=UTC)),
        ("2020-02-29", datetime(2020, 2, 29, tzinfo=UTC)),
    ],
)
def test_an_iso_instant_freezes_the_clock_there(setting: str, expected: datetime) -> None:
    clock = make_clock(setting, seeded=False)
    assert isinstance(clock, FrozenClock)
    first = clock.now()
    assert first == expected
    assert first.utcoffset() is not None
    assert clock.now() == expected + MS


@pytest.mark.parametrize(
    "setting", ["", "   ", "now", "yesterday", "2020-02-30T00:00:00Z", "12:00", "2020-13-01"]
)
def test_anything_else_is_a_value_error_saying_what_is_allowed(setting: str) -> None:
    with pytest.raises(ValueError, match=r"^clock must be ") as caught:
        make_clock(setting, seeded=True)
    assert str(caught.value) == (
        "clock must be 'system', 'frozen' or an ISO instant such as "
        f"2026-01-05T08:30:00+00:00, not {setting!r}"
    )
