"""The table of the real server's framework rules and the wording of deviations."""

from __future__ import annotations

from pathlib import Path

import pytest

from mockso.core.framework import FORMATTERS
from mockso.core.framework import RULES
from mockso.core.framework import Deviations
from mockso.core.framework import deviation


def test_a_deviation_says_what_the_contract_expects_then_what_the_real_server_does() -> None:
    found = deviation("accept", "Accept 'aplication/json' names no media type", answer="JSON")

    assert found.kind == "accept"
    assert found.text == (
        "Accept 'aplication/json' names no media type; the real server answers JSON"
    )


@pytest.mark.parametrize("kind", list(RULES))
def test_every_rule_names_its_source_and_words_one_line(kind: str) -> None:
    rule = RULES[kind]

    assert rule.kind == kind
    assert rule.source
    assert "\n" not in rule.does


def test_every_unknown_member_kind_of_a_formatter_is_a_rule() -> None:
    assert {formatter.unknown for formatter in FORMATTERS.values()} <= set(RULES)


def test_deviations_keep_their_order_and_give_their_lines() -> None:
    deviations = Deviations()
    deviations.add("path-case", "Path '/a' is spelled /A")
    deviations.add("trailing-slash", "Path '/A/' ends in a slash")

    assert [item.kind for item in deviations] == ["path-case", "trailing-slash"]
    assert deviations.texts() == (
        "Path '/a' is spelled /A; the real server's routing ignores letter case",
        "Path '/A/' ends in a slash; the real server's routing ignores it",
    )


def test_an_unknown_kind_is_a_bug_not_a_silent_line() -> None:
    with pytest.raises(KeyError):
        deviation("no-such-rule", "x")


def test_every_rule_is_in_the_faithful_page() -> None:
    page = (Path(__file__).resolve().parents[1] / "docs" / "faithful.md").read_text()

    assert [kind for kind in RULES if f"| `{kind}` |" not in page] == []
