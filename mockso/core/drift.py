"""Drift: where a real server's answers differ from the contract (``mockso proxy``).

Each answer the target gives is checked with ``conformance.ResponseChecker.findings`` (status
documented, media type, required headers, the JSON body against the schema, properties the
schema does not declare and declared ones the answer lacks), and the findings are counted by
operation and kind, keeping the first of each as an example. ``GET /__mockso/drift``, the
dashboard and ``--drift-report`` all show ``Drift.report()``. Nothing of a request's headers is
kept, so credentials never reach it. No Flask import.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from mockso.core.conformance import Finding
from mockso.core.conformance import ResponseChecker
from mockso.core.contract import Operation

MAX_PLACES = 20  # distinct places kept per (operation, kind); the count goes on
HEAD_KINDS = frozenset({"status", "header", "media-type"})  # what a bodiless answer can show


@dataclass
class _Kind:
    count: int
    example: dict[str, Any]
    places: list[str] = field(default_factory=list)


@dataclass
class _Operation:
    method: str
    path: str
    exchanges: int = 0
    kinds: dict[str, _Kind] = field(default_factory=dict)


class Drift:
    """Findings about one target's answers, by operation and kind; thread-safe."""

    def __init__(self, target: str | None = None) -> None:
        self.target = target
        self.checker = ResponseChecker()
        self._lock = threading.Lock()
        self._operations: dict[tuple[str | None, str, str], _Operation] = {}
        self._exchanges = 0

    def observe(
        self,
        operation: Operation | None,
        request: str,
        status: int,
        headers: Mapping[str, str],
        body: bytes,
        *,
        head: bool = False,
    ) -> list[Finding]:
        """Check one answer to ``request`` (``METHOD path?query``); its findings. The answer
        to a HEAD request has no body to check, only its status and headers."""
        if operation is None:
            method, _, path = request.partition(" ")
            path = path.split("?", 1)[0]
            message = (
                f"no operation of the contract is {method} {path}; the target answered {status}"
            )
            findings = [Finding("operation", path, message)]
            key: tuple[str | None, str, str] = (None, method, path)
        else:
            findings = self.checker.findings(operation, status, headers, body, drift=True)
            if head:
                findings = [f for f in findings if f.kind in HEAD_KINDS]
            key = (operation.operation_id, operation.method, operation.path)
        with self._lock:
            self._exchanges += 1
            entry = self._operations.setdefault(key, _Operation(key[1], key[2]))
            entry.exchanges += 1
            for finding in findings:
                kind = entry.kinds.get(finding.kind)
                if kind is None:
                    example = {
                        "request": request,
                        "status": status,
                        "where": finding.where,
                        "message": finding.message,
                    }
                    kind = entry.kinds[finding.kind] = _Kind(0, example)
                kind.count += 1
                if finding.where not in kind.places and len(kind.places) < MAX_PLACES:
                    kind.places.append(finding.where)
        return findings

    def clear(self) -> None:
        with self._lock:
            self._operations.clear()
            self._exchanges = 0

    def report(self) -> dict[str, Any]:
        """The findings by operation (those with findings first) and kind, with counts."""
        with self._lock:
            operations: list[dict[str, Any]] = [
                {
                    "operationId": operation_id,
                    "method": entry.method,
                    "path": entry.path,
                    "exchanges": entry.exchanges,
                    "findings": sum(kind.count for kind in entry.kinds.values()),
                    "kinds": [
                        {
                            "kind": name,
                            "count": kind.count,
                            "places": list(kind.places),
                            "example": dict(kind.example),
                        }
                        for name, kind in sorted(entry.kinds.items())
                    ],
                }
                for (operation_id, _, _), entry in self._operations.items()
            ]
            exchanges = self._exchanges
        operations.sort(key=lambda row: (-row["findings"], row["path"], row["method"]))
        return {
            "target": self.target,
            "exchanges": exchanges,
            "findings": sum(row["findings"] for row in operations),
            "operations": operations,
        }
