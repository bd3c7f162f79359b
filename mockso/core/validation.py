"""Request validation against the contract, with messages that say what the contract expects.

Validators are compiled once per operation at start-up with openapi-schema-validator (jsonschema
with OpenAPI 3.0 semantics: ``nullable``, ``readOnly``, int32 ranges, date-time formats). Text
from the URL and headers is first turned into the parameter's declared type; only ASCII digits
make an integer, so Unicode digits (which ``int()`` would accept) are refused. No Flask import.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import Any

from jsonschema import FormatChecker
from openapi_schema_validator import OAS30Validator
from openapi_schema_validator import OAS30WriteValidator

from mockso.core.contract import Operation
from mockso.core.contract import Parameter
from mockso.core.contract import Schema
from mockso.core.errors import BadRequest
from mockso.core.framework import Deviations

_INTEGER = re.compile(r"-?[0-9]{1,20}\Z", re.ASCII)
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?\Z", re.ASCII)
_TRUE, _FALSE = ("true", "1"), ("false", "0")
_LOCATIONS = {"path": "Path part", "query": "Query parameter", "header": "Header"}
_NOT_GIVEN = object()
_LOCAL_DATE_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,7})?\Z", re.ASCII
)


def _date_time(value: object) -> bool:
    """RFC 3339, or the offset-less local form SuperOffice writes under SO-TimeZone."""
    if not isinstance(value, str):
        return True
    rfc3339: bool = _OAS_FORMATS.conforms(value, "date-time")
    if rfc3339 or not _LOCAL_DATE_TIME.match(value):
        return rfc3339
    try:  # the digits must also make a date and a time: no month 13, no 25 o'clock
        datetime.fromisoformat(value[:19])
    except ValueError:
        return False
    return True


def _binary(value: object) -> bool:
    """Any octets. A JSON or XML body can carry them only as a string, which
    openapi-schema-validator 0.6 refuses (it wants bytes); 0.9 takes both."""
    return True


_OAS_FORMATS = OAS30Validator.FORMAT_CHECKER
# OpenAPI's formats, except that a date-time may lack its offset: SuperOffice documents that
# SO-TimeZone without ", includeTZOffset" gives local times with no offset.
FORMAT_CHECKER = FormatChecker()
FORMAT_CHECKER.checkers = {
    **_OAS_FORMATS.checkers,
    "date-time": (_date_time, ()),
    "binary": (_binary, ()),
}


def describe(schema: Schema) -> str:
    """A short phrase for what a schema admits: ``integer (int32) from 1 to 4096``."""
    words = [str(schema.get("type", "value"))]
    if "format" in schema:
        words.append(f"({schema['format']})")
    if "enum" in schema:
        words.append("one of " + ", ".join(map(str, schema["enum"])))
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is not None and high is not None:
        words.append(f"from {low} to {high}")
    elif low is not None:
        words.append(f"of at least {low}")
    elif high is not None:
        words.append(f"of at most {high}")
    return " ".join(words)


def coerce(text: str, schema: Schema) -> Any:
    """Turn URL or header text into the schema's type; leave it as text when it does not fit."""
    kind = schema.get("type")
    if kind == "integer" and _INTEGER.match(text):
        return int(text)
    if kind == "number" and _NUMBER.match(text):
        return float(text)
    if kind == "boolean" and text.lower() in _TRUE + _FALSE:
        return text.lower() in _TRUE
    return text


_ACCEPTED_CACHE = 1024  # accepted raw values remembered per parameter (ids repeat in a test run)


@dataclass(frozen=True)
class _CheckedParameter:
    parameter: Parameter
    validator: Any  # an OAS30Validator; a class in openapi-schema-validator 0.9, a value in 0.6
    # Raw text already accepted → its typed value. The check is a pure function of the text,
    # and jsonschema is the dearest step of a small request; bounded, so varied ids cannot grow it.
    accepted: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def check(self, raw: str | None, deviations: Deviations | None = None) -> Any:
        """The typed value of ``raw``. With ``deviations`` (lenient), an enum value is first read
        as the real server's EnumConverter reads it, and the deviation recorded."""
        if raw is not None and deviations is not None and self.members:
            raw = self._member(raw, deviations)
        if raw is not None:
            known = self.accepted.get(raw, _NOT_GIVEN)
            if known is not _NOT_GIVEN:
                return known
        value = self._check(raw)
        if raw is not None:
            if len(self.accepted) >= _ACCEPTED_CACHE:
                self.accepted.clear()
            self.accepted[raw] = value
        return value

    @functools.cached_property
    def members(self) -> dict[str, str]:
        """An enum's names by their lower case (empty when the parameter is no string enum)."""
        names = self.parameter.schema.get("enum") or ()
        return {str(name).lower(): str(name) for name in names if isinstance(name, str)}

    def _member(self, raw: str, deviations: Deviations) -> str:
        names = list(self.members.values())
        if raw in names:
            return raw
        where = f"{_LOCATIONS.get(self.parameter.location, 'Parameter')} '{self.parameter.name}'"
        expected = f"{where} is one of {', '.join(names)} in the contract, not {raw!r}"
        member = self.members.get(raw.strip().lower())
        if member is not None:
            deviations.add("enum-case", expected, member=member)
            return member
        text = raw.strip()
        if _INTEGER.match(text) and 0 <= int(text) < len(names):
            member = names[int(text)]
            deviations.add("enum-number", expected, member=member)
            return member
        return raw

    def _check(self, raw: str | None) -> Any:
        name, where = self.parameter.name, _LOCATIONS.get(self.parameter.location, "Parameter")
        if raw is None:
            if self.parameter.required:
                raise BadRequest(f"{where} '{name}' is required: {describe(self.parameter.schema)}")
            return _NOT_GIVEN
        value = coerce(raw, self.parameter.schema)
        error = next(iter(self.validator.iter_errors(value)), None)
        if error is not None:
            raise BadRequest(
                f"{where} '{name}' must be {describe(self.parameter.schema)}; "
                f"got {raw!r} ({error.message})"
            )
        return value


class RequestValidator:
    """Checks one operation's parameters and body; built once, used on every request."""

    def __init__(self, operation: Operation) -> None:
        self.operation = operation
        self._parameters = tuple(
            _CheckedParameter(p, _compile(p.schema, OAS30Validator)) for p in operation.parameters
        )
        body = operation.request_body
        self._bodies = {
            name: _compile(media.schema, OAS30WriteValidator)
            for name, media in (body.content.items() if body else ())
        }

    def parameters(
        self,
        path: Mapping[str, str],
        query: Mapping[str, list[str]],
        headers: Mapping[str, str],
        lenient: bool = False,
        deviations: Deviations | None = None,
    ) -> dict[str, Any]:
        """Typed parameter values by name; absent optional parameters are left out.

        ``lenient``: as the real server binds them (query names in any case, the first of a
        repeated value, enum names in any case or by number), each leniency added to
        ``deviations``."""
        values: dict[str, Any] = {}
        leaned = (deviations if deviations is not None else Deviations()) if lenient else None
        for checked in self._parameters:
            raw = self._raw(checked.parameter, path, query, headers, leaned)
            value = checked.check(raw, leaned)
            if value is not _NOT_GIVEN:
                values[checked.parameter.name] = value
        return values

    def body(self, media_type: str, value: Any) -> None:
        """BadRequest listing every way ``value`` breaks the body schema of ``media_type``."""
        validator = self._bodies.get(media_type)
        if validator is None:
            return
        problems = [_problem(error) for error in validator.iter_errors(value)]
        if problems:
            raise BadRequest("The body does not match the contract: " + "; ".join(problems[:10]))

    @staticmethod
    def _raw(
        parameter: Parameter,
        path: Mapping[str, str],
        query: Mapping[str, list[str]],
        headers: Mapping[str, str],
        leaned: Deviations | None = None,
    ) -> str | None:
        if parameter.location == "path":
            return path.get(parameter.name)
        if parameter.location == "header":
            return headers.get(parameter.name)
        found = query.get(parameter.name)
        if found is None and leaned is not None:
            found = _spelled_otherwise(parameter.name, query, leaned)
        found = found or []
        if len(found) > 1 and leaned is not None:
            leaned.add(
                "repeated-query",
                f"Query parameter '{parameter.name}' is given {len(found)} times; the contract "
                "has one value",
                value=found[0],
            )
            return found[0]
        if len(found) > 1:
            raise BadRequest(
                f"Query parameter '{parameter.name}' is given {len(found)} times; send it once"
            )
        return found[0] if found else None


def _spelled_otherwise(
    name: str, query: Mapping[str, list[str]], leaned: Deviations
) -> list[str] | None:
    """The values of ``name`` given in another letter case (``?IfBlank=``), noted."""
    lowered = name.lower()
    spelled = next((key for key in query if key.lower() == lowered), None)
    if spelled is None:
        return None
    leaned.add(
        "query-name-case", f"Query parameter {spelled!r} is spelled '{name}' in the contract"
    )
    return query[spelled]


def _compile(schema: Schema, cls: Any) -> Any:
    return cls(schema, format_checker=FORMAT_CHECKER)


def _problem(error: Any) -> str:
    """One readable line per schema violation: where in the body, and what was wrong."""
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    place = f"'{where.lstrip('.')}'" if where else "the body"
    if error.validator == "additionalProperties":
        return f"{place}: {error.message} (the contract lists every allowed property)"
    return f"{place}: {error.message}"
