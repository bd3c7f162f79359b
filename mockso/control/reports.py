"""What the control API reports: health, the merged journal, contract coverage, metrics.

Plain functions over a ``Mock``; the control blueprint only moves their results to HTTP.
Coverage rows come from the mocked contract, so a contract with more operations or statuses
gets more rows without a change here. Metrics are Prometheus' text format 0.0.4. No Flask import.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

from mockso.core.contract import Operation
from mockso.core.journal import Query
from mockso.core.journal import Record
from mockso.core.namespaces import Space

if TYPE_CHECKING:
    from mockso.core.mock import Mock

METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def health(mock: Mock, uptime: float, version: str) -> dict[str, Any]:
    return {
        "status": "ok",
        "version": version,
        "uptime_seconds": round(uptime, 3),
        "operations": len(mock.contract),
        "namespaces": len(mock.spaces.all()),
    }


def spaces_named(mock: Mock, namespace: str | None) -> list[Space]:
    """Every namespace for None, else the one named (none when it was never used)."""
    if namespace is None:
        return mock.spaces.all()
    found = mock.spaces.find(namespace)
    return [found] if found is not None else []


def journal(mock: Mock, query: Query) -> list[Record]:
    """Matching records of the namespace the query names (or all), newest first."""
    spaces = spaces_named(mock, query.namespace)
    # Each journal's newest ``limit`` hold the merged newest ``limit``.
    records = [record for space in spaces for record in space.journal.find(query)]
    records.sort(key=lambda record: record.time, reverse=True)  # stable: ties keep their order
    return records[: query.limit] if query.limit is not None else records


def counts(mock: Mock, namespace: str | None) -> dict[tuple[str, int], int]:
    """Answers by (operationId, status): of one namespace, or of all summed."""
    spaces = spaces_named(mock, namespace)
    if not spaces:
        return {}
    return spaces[0].coverage.merge(space.coverage for space in spaces[1:])


def deviations(mock: Mock, namespace: str | None) -> dict[tuple[str, str], int]:
    """Deviations requests leaned on, by (operationId, kind): of one namespace, or all summed."""
    total: dict[tuple[str, str], int] = defaultdict(int)
    for space in spaces_named(mock, namespace):
        for key, count in space.coverage.deviations().items():
            total[key] += count
    return dict(total)


def coverage(mock: Mock, namespace: str | None) -> dict[str, Any]:
    """Each documented (operation, status) with its count, the undocumented ones, the
    deviations requests leaned on (by operation and kind), and totals."""
    by_operation: dict[str, dict[int, int]] = defaultdict(dict)
    for (operation_id, status), count in counts(mock, namespace).items():
        by_operation[operation_id][status] = count
    rows: list[dict[str, Any]] = []
    undocumented: list[dict[str, Any]] = []
    covered_operations = 0
    for operation in mock.contract:
        documented, extra = _tally(operation, by_operation.get(operation.operation_id, {}))
        rows += [_row(operation, key, documented[key]) for key in operation.responses]
        undocumented += [{**_where(operation), "status": str(s), "count": n} for s, n in extra]
        covered_operations += any(documented.values())
    covered = sum(1 for row in rows if row["covered"])
    return {
        "namespace": namespace,
        "responses": rows,
        "undocumented": undocumented,
        "deviations": [
            {"operationId": operation_id, "kind": kind, "count": count}
            for (operation_id, kind), count in sorted(deviations(mock, namespace).items())
        ],
        "operations_total": len(mock.contract),
        "operations_covered": covered_operations,
        "responses_total": len(rows),
        "responses_covered": covered,
        "percentage": round(100 * covered / len(rows), 1) if rows else 0.0,
    }


def _tally(
    operation: Operation, seen: Mapping[int, int]
) -> tuple[dict[str, int], list[tuple[int, int]]]:
    """Counts per response key (``404``, then ``4XX``, then ``default``), and the statuses
    no key documents."""
    keys = {key.upper(): key for key in operation.responses}
    documented = dict.fromkeys(operation.responses, 0)
    extra: list[tuple[int, int]] = []
    for status, count in sorted(seen.items()):
        key = keys.get(str(status)) or keys.get(f"{status // 100}XX") or keys.get("DEFAULT")
        if key is None:
            extra.append((status, count))
        else:
            documented[key] += count
    return documented, extra


def _where(operation: Operation) -> dict[str, str]:
    return {
        "operationId": operation.operation_id,
        "method": operation.method,
        "path": operation.path,
    }


def _row(operation: Operation, key: str, count: int) -> dict[str, Any]:
    return {
        **_where(operation),
        "status": key,
        "description": operation.responses[key].description,
        "count": count,
        "covered": count > 0,
    }


# -- metrics ---------------------------------------------------------------------------------


def metrics(mock: Mock, uptime: float) -> str:
    """Every metric, in Prometheus' text exposition format 0.0.4."""
    spaces = mock.spaces.all()
    lines: list[str] = []
    _family(lines, "mockso_requests_total", "counter", _REQUESTS_HELP, _requests(spaces))
    unmatched = _unmatched(spaces)
    _family(lines, "mockso_unmatched_requests_total", "counter", _UNMATCHED_HELP, unmatched)
    _family(lines, "mockso_deviations_total", "counter", _DEVIATIONS_HELP, _deviations(spaces))
    for name, text, value in _GAUGES:
        samples = [({"namespace": space.name}, value(space)) for space in spaces]
        _family(lines, name, "gauge", text, samples)
    _family(lines, "mockso_namespaces", "gauge", "Namespaces in use.", [({}, len(spaces))])
    _family(lines, "mockso_uptime_seconds", "gauge", "Seconds since start.", [({}, uptime)])
    return "\n".join(lines) + "\n"


_REQUESTS_HELP = "Answers of the mocked API's operations since the last reset."
_UNMATCHED_HELP = "Requests no operation of the mocked API matched, since the last reset."
_DEVIATIONS_HELP = (
    "Places requests leaned on the real server's leniency, by kind, since the last reset."
)
Sample = tuple[Mapping[str, str], float]


def _requests(spaces: list[Space]) -> list[Sample]:
    return [
        ({"operation_id": operation_id, "status": str(status), "namespace": space.name}, count)
        for space in spaces
        for (operation_id, status), count in sorted(space.coverage.counts().items())
    ]


def _deviations(spaces: list[Space]) -> list[Sample]:
    return [
        ({"operation_id": operation_id, "kind": kind, "namespace": space.name}, count)
        for space in spaces
        for (operation_id, kind), count in sorted(space.coverage.deviations().items())
    ]


def _unmatched(spaces: list[Space]) -> list[Sample]:
    return [
        ({"status": str(status), "namespace": space.name}, count)
        for space in spaces
        for status, count in sorted(space.coverage.unmatched().items())
    ]


def _pictures(space: Space) -> int:
    return sum(1 for _, entry in space.store.entries() if entry.data is not None)


_GAUGES: tuple[tuple[str, str, Callable[[Space], int]], ...] = (
    ("mockso_stored_bytes", "Picture bytes stored.", lambda space: space.store.total_bytes),
    ("mockso_stored_pictures", "Pictures stored.", _pictures),
    ("mockso_journal_records", "Requests the journal holds.", lambda space: len(space.journal)),
)


def _family(
    lines: list[str],
    name: str,
    kind: str,
    text: str,
    samples: Iterable[Sample],
) -> None:
    lines += [f"# HELP {name} {text}", f"# TYPE {name} {kind}"]
    for labels, value in samples:
        inner = ",".join(f'{key}="{escape_label(label)}"' for key, label in labels.items())
        number = f"{value:.3f}" if isinstance(value, float) else str(value)
        lines.append(f"{name}{{{inner}}} {number}" if inner else f"{name} {number}")


def escape_label(value: str) -> str:
    """A label value as the text format writes it: backslash, quote and newline escaped."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


# -- the proxy's recording -------------------------------------------------------------------


def recording_written(
    path: Path, document: Mapping[str, Any], unrecorded: list[dict[str, Any]]
) -> dict[str, Any]:
    """What ``POST /__mockso/record/flush`` says it wrote."""
    return {
        "file": str(path),
        "pictures": len(document.get("pictures", [])),
        "entities": document.get("entities", {}),
        "unrecorded": unrecorded,
    }
