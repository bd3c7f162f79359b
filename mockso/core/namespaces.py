"""Namespaces: isolated state on one shared mock, chosen per request by a header.

Parallel CI jobs that share one service container each send ``X-Mockso-Namespace: <job>`` and
get their own pictures, journal, coverage and rules; no header means the ``default`` namespace.
All namespaces draw on one byte budget, so they cannot multiply the store's cap, and their
number is bounded. No Flask import.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field

from mockso.core.errors import BadRequest
from mockso.core.journal import Coverage
from mockso.core.journal import Journal
from mockso.core.rules import RuleBook
from mockso.core.store import Store

HEADER = "X-Mockso-Namespace"
DEFAULT = "default"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}\Z", re.ASCII)


@dataclass
class Space:
    """The state of one namespace."""

    name: str
    store: Store
    journal: Journal
    rules: RuleBook = field(default_factory=RuleBook)
    coverage: Coverage = field(default_factory=Coverage)

    def reset(self) -> None:
        self.store.reset()
        self.journal.clear()
        self.rules.clear()
        self.coverage.clear()


class Spaces:
    """Every namespace, made on first use."""

    def __init__(self, make_store: Callable[[], Store], journal_size: int, limit: int) -> None:
        self._make_store = make_store
        self._journal_size = journal_size
        self._limit = limit
        self._spaces: dict[str, Space] = {}
        self._lock = threading.Lock()
        self.default = self.get(DEFAULT)

    def get(self, name: str | None) -> Space:
        """The namespace called ``name`` (the default one for None), made if it is new."""
        name = DEFAULT if name is None or name == "" else name
        space = self._spaces.get(name)
        if space is not None:
            return space
        check_name(name)
        with self._lock:
            if name not in self._spaces:
                if len(self._spaces) >= self._limit:
                    raise BadRequest(
                        f"This mock already holds {self._limit} namespaces "
                        "(MOCKSO_MAX_NAMESPACES); reset some with POST /__mockso/reset"
                    )
                self._spaces[name] = Space(name, self._make_store(), Journal(self._journal_size))
            return self._spaces[name]

    def find(self, name: str) -> Space | None:
        """An existing namespace, without making one."""
        return self._spaces.get(name)

    def all(self) -> list[Space]:
        return list(self._spaces.values())

    def reset(self, name: str | None = None) -> None:
        """One namespace back to empty, or all of them (the others are forgotten)."""
        if name is not None:
            space = self.find(name)
            if space is not None:
                space.reset()
            return
        with self._lock:
            for space in self._spaces.values():
                space.reset()
            self._spaces = {DEFAULT: self.default}


def check_name(name: str) -> None:
    """BadRequest unless ``name`` is 1-64 letters, digits, dots, dashes or underscores."""
    if not _NAME.match(name):
        raise BadRequest(
            f"{HEADER} {name!r} is not a namespace name: use 1 to 64 letters, digits, '.', "
            "'-' or '_', starting with a letter or digit"
        )
