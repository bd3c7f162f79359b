"""The time the mock stamps on what it stores: the wall clock, or a frozen one for replays.

A frozen clock starts at a fixed instant and moves 1 ms forward on every reading, so dates stay
ordered and distinct while two runs of the same request sequence give the same bytes.
No Flask import.
"""

from __future__ import annotations

import threading
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Protocol

# Where a frozen clock starts when none is named: a plain, recognisable instant.
DEFAULT_FROZEN_START = datetime(2026, 1, 5, 8, 30, tzinfo=UTC)


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """The wall clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock that starts at ``start`` and advances by ``step`` per reading."""

    def __init__(self, start: datetime, step: timedelta = timedelta(milliseconds=1)) -> None:
        if start.tzinfo is None:
            start = start.replace(tzinfo=UTC)
        self._next = start
        self._step = step
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            value, self._next = self._next, self._next + self._step
        return value


def make_clock(setting: str | None, seeded: bool) -> Clock:
    """``system``, an ISO instant, or None (frozen at the default start when a seed is set)."""
    if setting is None:
        return FrozenClock(DEFAULT_FROZEN_START) if seeded else SystemClock()
    if setting.strip().lower() in ("system", "wall", "real"):
        return SystemClock()
    if setting.strip().lower() == "frozen":
        return FrozenClock(DEFAULT_FROZEN_START)
    try:
        # RFC 3339 allows a lower-case "t" and "z" as well
        return FrozenClock(datetime.fromisoformat(setting.strip().upper().replace("Z", "+00:00")))
    except ValueError:
        raise ValueError(
            f"clock must be 'system', 'frozen' or an ISO instant such as "
            f"2026-01-05T08:30:00+00:00, not {setting!r}"
        ) from None
