"""bench.report: the goals are judged on clean runs only, and say so."""

# ruff: noqa: RUF001  (the goals use the multiplication sign, as the report does)

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

# The bench is a folder of the repository, not part of the installed package: its root goes on
# sys.path for these imports only (left there, it changes how pytester finds the mockso plugin).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.report import evaluate_goals

sys.path.remove(str(Path(__file__).resolve().parents[1]))


def _cell(rps: float, p99_ms: float = 1.0, all_flagged: bool = False) -> dict[str, Any]:
    return {
        "rps": rps,
        "p50_ms": 0.5,
        "p99_ms": p99_ms,
        "spread": None,
        "rounds": 1,
        "flagged": int(all_flagged),
        "all_flagged": all_flagged,
    }


def _goal(goals: list[tuple[bool | None, str]], start: str) -> tuple[bool | None, str]:
    found = [goal for goal in goals if goal[1].startswith(start)]
    assert len(found) == 1, (start, goals)
    return found[0]


def test_ratio_goal_against_the_ceiling() -> None:
    cells = {"mockso|info|16": _cell(6_000), "wsgi-granian|info|16": _cell(10_000)}
    met, text = _goal(evaluate_goals(cells, {}), "GET ImageInfo ≥ 0.6× ceiling")
    assert met is True
    assert "**0.60×**" in text


def test_a_flagged_mockso_run_misses_its_goals_rather_than_counting() -> None:
    cells = {
        "mockso|put20k|16": _cell(9_000, all_flagged=True),
        "wsgi-granian|put20k|16": _cell(10_000),
        "wiremock|put20k|16": _cell(100),
    }
    goals = evaluate_goals(cells, {})
    met, text = _goal(goals, "PUT Image 20 KB ≥ 0.3× ceiling")
    assert met is False
    assert "flagged" in text
    assert _goal(goals, "PUT Image 20 KB PNG: ≥ 5×")[0] is False
    assert _goal(goals, "p99 at c16 ≤ 5 ms, PUT Image 20 KB PNG")[0] is False


def test_a_flagged_ceiling_leaves_the_goal_unmeasured() -> None:
    cells = {"mockso|post2m|16": _cell(500), "wsgi-granian|post2m|16": _cell(600, all_flagged=True)}
    met, text = _goal(evaluate_goals(cells, {}), "POST Image 2 MB ≥ 0.5× ceiling")
    assert met is None
    assert "flagged" in text


def test_peers_goal_needs_five_times_every_clean_peer() -> None:
    cells = {
        "mockso|info|16": _cell(10_000),
        "wiremock|info|16": _cell(1_000),
        "prism-silent|info|16": _cell(2_500),
        "prism|info|16": _cell(9_000, all_flagged=True),  # left out: it answered errors
    }
    met, text = _goal(evaluate_goals(cells, {}), "GET ImageInfo (stored picture): ≥ 5×")
    assert met is False
    assert "wiremock **10.0×**" in text
    assert "prism-silent **4.0×**" in text
    assert "prism ⚠ flagged" in text
    cells["prism-silent|info|16"] = _cell(2_000)
    assert _goal(evaluate_goals(cells, {}), "GET ImageInfo (stored picture): ≥ 5×")[0] is True


def test_p99_goal_is_five_milliseconds() -> None:
    cells = {"mockso|scaled|16": _cell(1, p99_ms=5.2), "mockso|info|16": _cell(1, p99_ms=4.9)}
    goals = evaluate_goals(cells, {})
    assert _goal(goals, "p99 at c16 ≤ 5 ms, GET Image ?w=64")[0] is False
    assert _goal(goals, "p99 at c16 ≤ 5 ms, GET ImageInfo")[0] is True
