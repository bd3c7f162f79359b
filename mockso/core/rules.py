"""Bending one answer: ``Prefer`` directives per request, and rules for the next N calls.

Both say the same things (answer status S, this named example, a generated payload with this
seed, wait D ms, fail with a connection fault), so both produce one ``Directive``. The ``Prefer``
syntax is RFC 7240's, as Prism uses it (``Prefer: code=404, delay=250``); preferences mockso does
not know are ignored, as the RFC asks, but a known one with a bad value is a clear 400.
No Flask import.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import replace
from typing import Any

from mockso.core.errors import BadRequest

FAULTS = ("reset", "empty", "malformed")
MAX_DELAY_MS = 60_000


@dataclass(frozen=True)
class Directive:
    """How to bend one answer; an empty directive bends nothing."""

    code: int | None = None
    example: str | None = None
    dynamic: bool = False
    seed: int | None = None
    delay_ms: int = 0
    fault: str | None = None

    def __bool__(self) -> bool:
        return self != Directive()

    def over(self, other: Directive) -> Directive:
        """This directive, with ``other`` filling what this one leaves unset."""
        if other is NOTHING:  # the common case, asked on every request: skip the copying
            return self
        if self is NOTHING:
            return other
        return replace(other, **self.given())

    def given(self) -> dict[str, Any]:
        """The fields set to something other than their default (``seed=0`` is set)."""
        return {k: v for k, v in asdict(self).items() if v != _UNSET[k]}


_UNSET = asdict(Directive())
NOTHING = Directive()  # shared: no Prefer header and no rule, on nearly every request


def parse_prefer(values: list[str]) -> Directive:
    """The directive in one or more ``Prefer`` header values."""
    if not values:
        return NOTHING
    return _parse_prefer(values)


def _parse_prefer(values: list[str]) -> Directive:
    found: dict[str, str] = {}
    for value in values:
        for item in value.split(","):
            preference = item.split(";", 1)[0].strip()
            if not preference:
                continue
            name, equals, text = preference.partition("=")
            # A bare token (``Prefer: dynamic``) states the preference: true.
            found[name.strip().lower()] = text.strip().strip('"') if equals else "true"
    return directive_from(found, "Prefer")


def directive_from(values: dict[str, Any], where: str) -> Directive:
    """A directive from ``{"code": "404", "delay": 250, ...}`` (Prefer text or rule JSON)."""
    return Directive(
        code=_integer(values, "code", where, 100, 599),
        example=str(values["example"]) if values.get("example") not in (None, "") else None,
        dynamic=_flag(values, "dynamic", where),
        seed=_integer(values, "seed", where, -(2**63), 2**63 - 1),
        delay_ms=_integer(values, "delay", where, 0, MAX_DELAY_MS) or 0,
        fault=_fault(values, where),
    )


def _integer(values: dict[str, Any], name: str, where: str, low: int, high: int) -> int | None:
    raw = values.get(name)
    if raw is None or raw == "":
        return None
    try:
        number = int(str(raw), 10)
    except ValueError:
        number = None
    if number is None or isinstance(raw, bool) or not low <= number <= high:
        raise BadRequest(f"{where} {name}={raw!r} must be a whole number from {low} to {high}")
    return number


def _flag(values: dict[str, Any], name: str, where: str) -> bool:
    raw = values.get(name)
    if raw is None or raw is False or str(raw).lower() in ("false", ""):
        return False
    if raw is True or str(raw).lower() == "true":
        return True
    raise BadRequest(f"{where} {name}={raw!r} must be true or false")


def _fault(values: dict[str, Any], where: str) -> str | None:
    raw = values.get("fault")
    if raw is None or raw == "":
        return None
    if str(raw).lower() not in FAULTS:
        raise BadRequest(f"{where} fault={raw!r} must be one of {', '.join(FAULTS)}")
    return str(raw).lower()


@dataclass(frozen=True)
class Rule:
    """Bend the next ``times`` calls (None: every call) of an operation, maybe for one id."""

    id: int
    operation_id: str
    directive: Directive
    times: int | None = None
    entity_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        directive = self.directive.given()
        if "delay_ms" in directive:
            directive["delay"] = directive.pop("delay_ms")
        return {
            "id": self.id,
            "operationId": self.operation_id,
            "times": self.times,
            "entityId": self.entity_id,
            **directive,
        }


class RuleBook:
    """The rules of one namespace, first added first applied."""

    def __init__(self) -> None:
        self._rules: list[Rule] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def add(
        self,
        operation_id: str,
        directive: Directive,
        *,
        times: int | None = None,
        entity_id: int | None = None,
    ) -> Rule:
        with self._lock:
            rule = Rule(next(self._ids), operation_id, directive, times, entity_id)
            self._rules.append(rule)
            return rule

    def __bool__(self) -> bool:
        """True while any rule is waiting (read without the lock, as ``take`` does)."""
        return bool(self._rules)

    def take(self, operation_id: str, entity_id: int | None) -> Directive:
        """The directive of the first rule that applies to this call, counting it down."""
        if not self._rules:  # read without the lock: a rule added meanwhile applies next call
            return NOTHING
        with self._lock:
            for index, rule in enumerate(self._rules):
                if rule.operation_id != operation_id:
                    continue
                if rule.entity_id is not None and rule.entity_id != entity_id:
                    continue
                if rule.times is not None:
                    left = rule.times - 1
                    if left:
                        self._rules[index] = replace(rule, times=left)
                    else:
                        del self._rules[index]
                return rule.directive
        return NOTHING

    def rules(self) -> list[Rule]:
        with self._lock:
            return list(self._rules)

    def delete(self, rule_id: int) -> bool:
        with self._lock:
            before = len(self._rules)
            self._rules = [rule for rule in self._rules if rule.id != rule_id]
            return len(self._rules) != before

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
