"""The figures over the rounds: medians per cell and per server, and the raw JSON file.

A cell is one server, one scenario, one connection count, keyed ``"server|scenario|conns"``.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path
from typing import Any


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def aggregate(records: list[dict[str, Any]]) -> dict[str, Any]:
    return {"cells": aggregate_cells(records), "servers": aggregate_servers(records)}


def aggregate_cells(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Medians of the runs of each cell; flagged runs count only when every run was flagged."""
    grouped: dict[tuple[str, str, int], list[dict[str, Any]]] = {}
    for record in records:
        for run in record["runs"]:
            grouped.setdefault((run["server"], run["scenario"], run["conns"]), []).append(run)
    cells: dict[str, dict[str, Any]] = {}
    for (server, scenario, conns), runs in grouped.items():
        cells[f"{server}|{scenario}|{conns}"] = _cell(runs)
    return cells


def _cell(runs: list[dict[str, Any]]) -> dict[str, Any]:
    clean = [run for run in runs if not run["flag"]]
    use = clean or runs
    rps = [run["rps"] for run in use]
    return {
        "rps": median(rps),
        "p50_ms": median([run.get("p50_us", 0) / 1000 for run in use]),
        "p99_ms": median([run.get("p99_us", 0) / 1000 for run in use]),
        "spread": (max(rps) - min(rps)) / statistics.median(rps)
        if len(rps) > 1 and statistics.median(rps)
        else None,
        "rounds": len(runs),
        "flagged": len(runs) - len(clean),
        "all_flagged": not clean,
    }


def aggregate_servers(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Startup and memory medians of each server over its rounds."""
    by_server: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        by_server.setdefault(record["server"], []).append(record)
    return {name: _server(recs) for name, recs in by_server.items()}


def _server(recs: list[dict[str, Any]]) -> dict[str, Any]:
    def med(key: str) -> float | None:
        return median([r[key] for r in recs if r.get(key) is not None])

    def scaled(key: str, factor: float) -> float | None:
        value = med(key)
        return value * factor if value is not None else None

    entry: dict[str, Any] = {
        "startup_ms": scaled("startup_s", 1000),
        "rss_idle_mb": scaled("rss_idle_kb", 1 / 1024),
    }
    checkpoints = next((r["mem_checkpoints"] for r in recs if "mem_checkpoints" in r), None)
    if checkpoints:
        low, high = checkpoints
        entry["checkpoints"] = checkpoints
        entry["rss_low_mb"] = scaled(f"rss_after_{low}_kb", 1 / 1024)
        entry["rss_high_mb"] = scaled(f"rss_after_{high}_kb", 1 / 1024)
        growth = [
            r[f"rss_after_{high}_kb"] / r[f"rss_after_{low}_kb"] - 1
            for r in recs
            if r.get(f"rss_after_{low}_kb") and r.get(f"rss_after_{high}_kb")
        ]
        entry["rss_growth"] = median(growth)
    entry["rss_per_stored_mb"] = med("rss_per_stored_mb")
    entry["stored_mb"] = (v / 1e6) if (v := med("stored_bytes")) else None
    return entry


def dump(
    path: Path,
    args: argparse.Namespace,
    records: list[dict[str, Any]],
    profiles: dict[str, Any],
    facts: dict[str, str],
    wall: float | None = None,
) -> None:
    """Write the raw results: options, machine, every record, the medians, the profiles."""
    path.parent.mkdir(parents=True, exist_ok=True)
    options = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}
    payload = {
        "options": options,
        "wall_seconds": wall,
        "machine": facts,
        "records": records,
        "summary": aggregate(records),
        "profiles": profiles,
    }
    path.write_text(json.dumps(payload, indent=1), encoding="utf-8")
