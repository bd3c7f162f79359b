"""Which operation of the contract a request is for: its endpoint and path values, or the
error object the real server's routing would answer (404 for an unknown path, 405 with Allow).

Routing is case-insensitive, as the real server's is (the docs' own examples write ``/image`` and
``/contact``); a path spelled in another letter case than the contract's is answered and noted
as a deviation. Path parameters match any one segment and are validated by the contract
afterwards, so ``/Person/abc`` gets a clear 400 rather than a bare 404.

Leniently (the default request mode), as Web API's routing: a trailing slash is ignored (and
noted), and where the contract spells one resource two ways (``.../Imageinfo`` on GET,
``.../ImageInfo`` on PUT), both spellings reach both methods. Strictly, the contract's word:
no trailing slash, and a request spelled exactly like one twin gets that path's methods only,
405 for the others. No Flask import.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from mockso.core import errors
from mockso.core.contract import Operation
from mockso.core.framework import Deviations
from mockso.web.endpoint import Endpoint


class Router:
    """(method, path) → the endpoint that answers it and the path's parameter values."""

    def __init__(self, endpoints: Sequence[Endpoint], *, lenient: bool = False) -> None:
        self.endpoints = {e.operation.operation_id: e for e in endpoints}
        self.lenient = lenient
        self._rows = [
            (
                e.operation.template.pattern(ignore_case=True),
                e.operation.template.pattern(ignore_case=False),
                e.operation.method.upper(),
                e,
            )
            for e in endpoints
        ]
        self._spellings = ExactSpellings([e.operation for e in endpoints])

    def resolve(
        self, method: str, path: str, deviations: Deviations | None = None
    ) -> tuple[Endpoint, dict[str, str]]:
        """The endpoint and path values; NotFound or MethodNotAllowed when there is none.
        What the match leaned on (letter case, a trailing slash) is added to ``deviations``."""
        asked = path
        if not self.lenient:
            self._spellings.check(method, path)
        elif len(path) > 1 and path.endswith("/"):
            path = path[:-1]
        wanted = "GET" if method == "HEAD" else method  # HEAD is answered as GET, without body
        allowed: set[str] = set()
        spelled_otherwise: dict[str, set[str]] = {}  # template → methods, by letter case alone
        for pattern, exact, rule_method, endpoint in self._rows:
            found = pattern.match(path)
            if found:
                if rule_method == wanted:
                    if deviations is not None:
                        _note(deviations, asked, path, exact, endpoint.operation.path)
                    return endpoint, found.groupdict()
                allowed.add(rule_method)
                if exact.match(path) is None:
                    spelled_otherwise.setdefault(endpoint.operation.path, set()).add(rule_method)
        if allowed:
            listed = ", ".join(_allowed(allowed))
            for template, methods in spelled_otherwise.items() if deviations is not None else ():
                assert deviations is not None
                deviations.add(
                    "path-case",
                    f"Path {path!r} has {', '.join(_allowed(methods))} only as "
                    f"{template} in the contract (letter case)",
                )
            raise errors.MethodNotAllowed(
                f"{method} is not an operation of {path}; the contract has: {listed}",
                headers={"Allow": listed},
            )
        missing = errors.NotFound(
            f"No operation of the contract matches {method} {path}; `mockso routes` lists them"
        )
        missing.source = errors.WEB_SOURCE
        raise missing


class ExactSpellings:
    """Contract paths with a twin that differs only in letter case, matched letter for letter.

    Case-insensitive matching would serve ``GET .../ImageInfo`` with the GET of its twin
    ``.../Imageinfo``; the contract says that path has no GET, so the exact spelling decides.
    """

    def __init__(self, operations: Sequence[Operation]) -> None:
        methods: dict[str, set[str]] = {}
        templates = {}
        for operation in operations:
            methods.setdefault(operation.path, set()).add(operation.method.upper())
            templates[operation.path] = operation.template
        by_shape: dict[str, list[str]] = {}
        for path, template in templates.items():
            by_shape.setdefault(template.shape(), []).append(path)
        self.twins: list[tuple[re.Pattern[str], list[str], dict[str, list[str]]]] = [
            (
                templates[path].pattern(ignore_case=False),
                _allowed(methods[path]),
                {twin: _allowed(methods[twin]) for twin in group if twin != path},
            )
            for group in by_shape.values()
            if len(group) > 1
            for path in group
        ]

    def check(self, method: str, path: str) -> None:
        """MethodNotAllowed when ``path`` spells a twin exactly and it lacks ``method``."""
        for pattern, allowed, twins in self.twins:
            if pattern.match(path):
                if method not in allowed:
                    elsewhere = "".join(
                        f"; {method} is at {twin}, spelled in that letter case"
                        for twin, other in twins.items()
                        if method in other
                    )
                    raise errors.MethodNotAllowed(
                        f"{method} is not an operation of {path}; the contract has: "
                        f"{', '.join(allowed)}{elsewhere}",
                        headers={"Allow": ", ".join(allowed)},
                    )
                return


def _note(
    deviations: Deviations, asked: str, path: str, exact: re.Pattern[str], template: str
) -> None:
    """The deviations of a matched path: another letter case, a trailing slash."""
    if exact.match(path) is None:
        deviations.add(
            "path-case", f"Path {path!r} is spelled {template} in the contract (letter case)"
        )
    if asked != path:
        deviations.add("trailing-slash", f"Path {asked!r} ends in a slash the contract's lacks")


def _allowed(methods: set[str]) -> list[str]:
    """The methods a path answers: its own, and HEAD beside GET."""
    return sorted(methods | ({"HEAD"} if "GET" in methods else set()))
