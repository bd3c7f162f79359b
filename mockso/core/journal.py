"""What clients did: a bounded journal of requests and answers, and contract coverage counts.

The journal is a ring buffer (old records fall out, so memory stays flat however long a CI job
runs); coverage counts every (operation, status) since the last reset and is never trimmed, so
"which documented answers has my client seen" stays true. No Flask import.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections import deque
from collections.abc import Iterable
from dataclasses import asdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

_RECORD_KEYS = (
    "time",
    "namespace",
    "method",
    "path",
    "query",
    "operationId",
    "status",
    "duration_ms",
    "request_type",
    "request_bytes",
    "response_type",
    "response_bytes",
    "error",
    "fault",
    "deviations",
    "undocumented",
)


# Not frozen: one is made per request, and a frozen dataclass's __init__ costs six times more.
@dataclass(slots=True)
class Record:
    """One request and its answer."""

    time: datetime
    namespace: str
    method: str
    path: str
    query: str
    operation_id: str | None
    status: int
    duration_ms: float
    request_type: str | None = None
    request_bytes: int = 0
    response_type: str | None = None
    response_bytes: int = 0
    error: str | None = None
    # The connection fault injected into the answer (a Prefer or rule ``fault=``), if any.
    fault: str | None = None
    # Where the request leaned on the real server's leniency, one line each (core.framework).
    deviations: tuple[str, ...] = ()
    # The status was asked for (Prefer or rule) although the operation does not document it.
    undocumented: bool = False

    def to_dict(self) -> dict[str, Any]:
        """As JSON: ``operationId`` spelled as the contract and the control API spell it."""
        data = asdict(self)
        data["time"] = self.time.isoformat()
        data["operationId"] = data.pop("operation_id")
        data["deviations"] = list(self.deviations)
        return {key: data[key] for key in _RECORD_KEYS}


@dataclass(frozen=True)
class Query:
    """Which records to return; every field left None matches everything."""

    operation_id: str | None = None
    method: str | None = None
    path: str | None = None
    status: int | None = None
    namespace: str | None = None
    # True: only requests that leaned on a leniency; False: only those that did not.
    deviations: bool | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int | None = None

    def matches(self, record: Record) -> bool:
        return (
            _same(self.operation_id, record.operation_id)
            and (self.method is None or self.method.upper() == record.method)
            and (self.path is None or self.path.lower() == record.path.lower())
            and _same(self.status, record.status)
            and _same(self.namespace, record.namespace)
            and (self.deviations is None or self.deviations == bool(record.deviations))
            and (self.since is None or record.time >= self.since)
            and (self.until is None or record.time <= self.until)
        )


class Journal:
    """The last ``size`` records, newest last."""

    def __init__(self, size: int) -> None:
        self._records: deque[Record] = deque(maxlen=size)
        self._lock = threading.Lock()

    def add(self, record: Record) -> None:
        with self._lock:
            self._records.append(record)

    def find(self, query: Query | None = None) -> list[Record]:
        """Matching records, newest first."""
        query = query or Query()
        with self._lock:
            found = [r for r in reversed(self._records) if query.matches(r)]
        return found[: query.limit] if query.limit is not None else found

    def clear(self) -> None:
        with self._lock:
            self._records.clear()

    def __len__(self) -> int:
        return len(self._records)


class Coverage:
    """How often each (operationId, status) was answered since the last reset.

    Requests no operation matched are counted apart, by status, for the metrics; so are the
    deviations requests leaned on, by (operationId, kind).
    """

    def __init__(self) -> None:
        self._counts: Counter[tuple[str, int]] = Counter()
        self._unmatched: Counter[int] = Counter()
        self._deviations: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()

    def count(self, operation_id: str, status: int, kinds: Iterable[str] = ()) -> None:
        with self._lock:
            self._counts[(operation_id, status)] += 1
            for kind in kinds:
                self._deviations[(operation_id, kind)] += 1

    def deviations(self) -> dict[tuple[str, str], int]:
        """Deviations requests leaned on, by (operationId, kind)."""
        with self._lock:
            return dict(self._deviations)

    def count_unmatched(self, status: int) -> None:
        with self._lock:
            self._unmatched[status] += 1

    def counts(self) -> dict[tuple[str, int], int]:
        with self._lock:
            return dict(self._counts)

    def unmatched(self) -> dict[int, int]:
        """Requests no operation matched, by answer status."""
        with self._lock:
            return dict(self._unmatched)

    def merge(self, others: Iterable[Coverage]) -> dict[tuple[str, int], int]:
        """This coverage's counts plus those of ``others`` (all namespaces at once)."""
        total: Counter[tuple[str, int]] = Counter(self.counts())
        for other in others:
            total.update(other.counts())
        return dict(total)

    def clear(self) -> None:
        with self._lock:
            self._counts.clear()
            self._unmatched.clear()
            self._deviations.clear()


def _same(wanted: object, actual: object) -> bool:
    return wanted is None or wanted == actual
