"""The real server's framework rules, as one table, and the deviations a request leaned on.

SuperOffice's WebAPI runs on ASP.NET Web API 2: its content negotiation, routing, model binding,
Json.NET and DataContractSerializer decide what the server takes, and they take more than the
contract says (and sometimes less). In ``lenient`` request mode (the default) mockso does what
they do; each time a request relies on it, the request gets a *deviation*: one line saying what
the contract expects and what the real server does instead, for the journal, the dashboard,
coverage, metrics and ``MockServer.deviations()``. ``strict`` keeps the contract's letter.

``RULES`` is the one table: each rule's kind, what the real server does, and where that is
documented. The modules on the request path (negotiation, routing, validation, binding) apply
the rules where they decide; the wording of every deviation comes from here. No Flask import.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple


@dataclass(frozen=True)
class FrameworkRule:
    """One thing the real server does that the contract does not say."""

    kind: str
    # The end of a deviation line: what the real server does. ``{…}`` are filled per request.
    does: str
    # Where the behaviour is documented (docs/fidelity.md lists them with links).
    source: str
    # True where mockso had to choose because the sources are silent.
    chosen: bool = False


_NEGOTIATION = "DefaultContentNegotiator (ASP.NET Web API 2, System.Net.Http.Formatting)"
_ROUTING = "Web API routing: route templates (case-insensitive, trailing slash ignored)"
_BINDING = "Web API simple-type model binding (TypeConverter)"
_JSON = "Json.NET as Web API configures it (JsonMediaTypeFormatter defaults)"
_XML = "DataContractSerializer (Web API's default XmlMediaTypeFormatter)"

RULES: dict[str, FrameworkRule] = {
    rule.kind: rule
    for rule in (
        FrameworkRule("accept", "the real server answers {answer}", _NEGOTIATION),
        FrameworkRule(
            "picture-accept",
            "the real server sends the picture as {answer}: a file answer skips negotiation",
            "Web API: an action returning its own HttpResponseMessage is not negotiated",
        ),
        FrameworkRule("path-case", "the real server's routing ignores letter case", _ROUTING),
        FrameworkRule("trailing-slash", "the real server's routing ignores it", _ROUTING),
        FrameworkRule(
            "query-name-case", "the real server matches query names ignoring case", _BINDING
        ),
        FrameworkRule(
            "enum-case", "the real server's EnumConverter reads it as {member}", _BINDING
        ),
        FrameworkRule(
            "enum-number",
            "the real server's EnumConverter reads it as {member} (numbers follow the "
            "contract's listing order, an assumption)",
            _BINDING,
            chosen=True,
        ),
        FrameworkRule(
            "repeated-query",
            "the real server binds the first value, {value!r}",
            _BINDING,
            chosen=True,
        ),
        FrameworkRule(
            "property-case", "the real server fills '{member}' (names match ignoring case)", _JSON
        ),
        FrameworkRule("unknown-property", "the real server ignores it", _JSON),
        FrameworkRule(
            "read-only-property", "the real server reads it and keeps its own value", _JSON
        ),
        FrameworkRule("coercion", "the real server converts it to {value}", _JSON),
        FrameworkRule(
            "date-text",
            "the real server's Json.NET reads it as {value}",
            "Json.NET ReadDateTimeString: its ISO and /Date(ms)/ forms, then DateTime.TryParse "
            "in the invariant culture (mockso takes the common forms of it)",
            chosen=True,
        ),
        FrameworkRule(
            "xml-order",
            "DataContractSerializer reads members in the contract's order and skips it",
            _XML,
        ),
        FrameworkRule("xml-unknown", "DataContractSerializer ignores it", _XML),
    )
}


@dataclass(frozen=True)
class Formatter:
    """How one of the real server's body formatters matches members to the contract's."""

    # Json.NET: an exact match first, then one ignoring case; DataContractSerializer: exact.
    ignore_case: bool
    # Json.NET converts primitives ("12" → 12); form values are text, typed by the schema.
    coerce: bool
    # Json.NET's StringEnumConverter reads enum names in any case and numbers (forms too);
    # DataContractSerializer wants the exact name.
    enums: bool
    # Json.NET reads text into a boolean in any letter case, and into a date in its wider
    # forms (forms too); DataContractSerializer wants XML Schema's lexical forms.
    texts: bool
    # The rule kind of a member the contract does not list (ignored either way).
    unknown: str


FORMATTERS = {
    "json": Formatter(
        ignore_case=True, coerce=True, enums=True, texts=True, unknown="unknown-property"
    ),
    # Web API reads a form into a JObject and binds it with Json.NET.
    "form": Formatter(
        ignore_case=True, coerce=False, enums=True, texts=True, unknown="unknown-property"
    ),
    "xml": Formatter(
        ignore_case=False, coerce=False, enums=False, texts=False, unknown="xml-unknown"
    ),
}


class Deviation(NamedTuple):
    """One place a request leaned on the real server's leniency."""

    kind: str
    text: str


def deviation(kind: str, expected: str, **values: object) -> Deviation:
    """``expected`` (what the contract says) joined to what the real server does instead."""
    rule = RULES[kind]
    return Deviation(kind, f"{expected}; {rule.does.format(**values)}")


class Deviations(list[Deviation]):
    """The deviations of one request, in the order they were found."""

    def add(self, kind: str, expected: str, **values: object) -> None:
        self.append(deviation(kind, expected, **values))

    def texts(self) -> tuple[str, ...]:
        return tuple(item.text for item in self)
