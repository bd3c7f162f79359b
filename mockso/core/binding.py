"""Bodies bound to the contract's schema as the real server's formatters bind them.

The contract says which members a body may carry and of which type; the real server's
formatters take more. Json.NET (JSON, and form bodies, which Web API reads through it) matches
member names exactly, then ignoring case, ignores members it does not know, reads server-owned
members and drops them, and converts primitives (``"true"`` to a boolean, ``12`` to ``"12"``).
DataContractSerializer (XML) matches names exactly, reads members in the data contract's order
(a member out of order is skipped), and ignores unknown elements. Each leniency used becomes a
deviation (``core.framework``); the cleaned value then goes through the contract's own checks.

Which formatter does what is the table ``framework.FORMATTERS``; this module only walks the
schema. No Flask import.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from mockso.core import dates
from mockso.core.framework import FORMATTERS
from mockso.core.framework import Deviations
from mockso.core.framework import Formatter

Schema = Mapping[str, Any]

_INTEGER_TEXT = re.compile(r"\s*[-+]?[0-9]+\s*\Z", re.ASCII)
_NUMBER_TEXT = re.compile(r"\s*[-+]?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?\s*\Z", re.ASCII)


def bind(schema: Schema, value: Any, formatter: str, deviations: Deviations) -> Any:
    """``value`` as the real server's ``formatter`` (json, form, xml) reads it into ``schema``:
    names matched, unknown and read-only members dropped, primitives converted, each noted."""
    return _Binder(FORMATTERS[formatter], deviations).value(schema, value, "")


def in_order(schema: Schema, value: Any, deviations: Deviations, where: str = "") -> Any:
    """An XML body's members as DataContractSerializer reads them: in the contract's order
    (that of ``properties``), a member that comes after a later one skipped and noted, and
    booleans by XML Schema's words (``true``, ``false``, ``1``, ``0``), as ``XmlConvert`` reads
    them. The words are the contract's own XML form, so they are no deviation."""
    if schema.get("type") == "boolean" and isinstance(value, str):
        return _XSD_BOOLEANS.get(value.strip(" \t\n\r"), value)
    properties = _properties(schema)
    if not isinstance(value, dict) or not properties:
        return value
    order = {name: index for index, name in enumerate(properties)}
    result: dict[str, Any] = {}
    reached, last = -1, ""
    for name, item in value.items():
        index = order.get(name)
        if index is None:  # unknown: bind() decides
            result[name] = item
            continue
        if index < reached:
            deviations.add(
                "xml-order",
                f"Element '{where}{name}' comes after '{where}{last}'; the contract orders "
                f"{', '.join(properties)}",
            )
            continue
        reached, last = index, name
        result[name] = in_order(properties[name], item, deviations, f"{where}{name}.")
    return result


# XML Schema's boolean lexical space; XmlConvert.ToBoolean trims XML whitespace first.
_XSD_BOOLEANS = {"true": True, "false": False, "1": True, "0": False}


class _Binder:
    def __init__(self, formatter: Formatter, deviations: Deviations) -> None:
        self.formatter = formatter
        self.deviations = deviations

    def value(self, schema: Schema, value: Any, where: str) -> Any:
        properties = _properties(schema)
        if isinstance(value, dict) and properties is not None:
            return self.members(schema, properties, value, where)
        extra = schema.get("additionalProperties")
        if isinstance(value, dict) and isinstance(extra, Mapping):  # a dictionary: any keys
            return {key: self.value(extra, item, f"{where}{key}.") for key, item in value.items()}
        if self.formatter.coerce or (self.formatter.enums and schema.get("enum")):
            return self.primitive(schema, value, where.rstrip("."))
        if self.formatter.texts and isinstance(value, str):
            return self.text(schema, value, where.rstrip("."))
        return value

    def members(
        self, schema: Schema, properties: Mapping[str, Schema], value: dict[str, Any], where: str
    ) -> dict[str, Any]:
        lowered = {name.lower(): name for name in properties}
        closed = _closed(schema)
        result: dict[str, Any] = {}
        for key, item in value.items():
            name = key if key in properties else None
            if name is None and self.formatter.ignore_case:
                name = lowered.get(key.lower())
            if name is None:
                if closed:
                    self.deviations.add(
                        self.formatter.unknown, f"Member '{where}{key}' is not in the contract"
                    )
                else:
                    result[key] = item
                continue
            if name != key:
                self.deviations.add(
                    "property-case",
                    f"Member '{where}{key}' is spelled '{name}' in the contract",
                    member=f"{where}{name}",
                )
            node = properties[name]
            if node.get("readOnly"):
                self.deviations.add(
                    "read-only-property", f"Member '{where}{name}' is read-only in the contract"
                )
                continue
            result[name] = self.value(node, item, f"{where}{name}.")
        return result

    def text(self, schema: Schema, value: str, where: str) -> Any:
        """A form field's text as Json.NET reads it: booleans in any case, dates in its forms.
        The contract's own forms (``true``, RFC 3339) stay text for the schema to type."""
        words = value.strip()
        if schema.get("type") == "boolean" and words not in _TRUTH and words.lower() in _TRUTH:
            return self.primitive(schema, value, where)
        if _is_date(schema):
            return self.date(value, where)
        return value

    def primitive(self, schema: Schema, value: Any, where: str) -> Any:
        """Json.NET's conversions of one primitive into the schema's type."""
        if _is_date(schema) and isinstance(value, str):
            return self.date(value, where)
        converted = _convert(schema, value)
        if converted is not _SAME:
            self.deviations.add(
                "coercion",
                f"Member '{where}' is {_type_of(schema)} in the contract, not "
                f"{json.dumps(value, ensure_ascii=False)}",
                value=json.dumps(converted, ensure_ascii=False),
            )
            return converted
        return value

    def date(self, value: str, where: str) -> str:
        """A date text in a form Json.NET reads but the contract's format does not, rewritten
        in the contract's form; other text is left for the contract to refuse."""
        if _date_time_text(value):
            return value
        found = dates.read_json_net_date(value)
        if found is None:
            return value
        text = dates.format_datetime(found)
        self.deviations.add(
            "date-text",
            f"Member '{where}' is a date-time (yyyy-MM-ddTHH:mm:ss[.fffffff][+hh:mm]) in the "
            f"contract, not {json.dumps(value, ensure_ascii=False)}",
            value=json.dumps(text),
        )
        return text


_SAME = object()


def _is_date(schema: Schema) -> bool:
    return schema.get("type") == "string" and schema.get("format") == "date-time"


def _date_time_text(value: str) -> bool:
    """Whether the contract's date-time reading (mockso's own) already takes ``value``."""
    try:
        dates.parse_datetime(value)
    except ValueError:
        return False
    return True


def _convert(schema: Schema, value: Any) -> Any:
    """The converted value, or ``_SAME`` when Json.NET would take it as it is (or refuse it)."""
    kind = schema.get("type")
    if value is None or isinstance(value, dict | list):
        return _SAME
    names = schema.get("enum")
    if kind == "string" and names and value not in names:
        return _member(names, value)
    if kind == "integer" and isinstance(value, str) and _INTEGER_TEXT.match(value):
        return int(value)
    if kind == "number" and isinstance(value, str) and _NUMBER_TEXT.match(value):
        return float(value)
    if kind == "boolean" and isinstance(value, str) and value.strip().lower() in _TRUTH:
        return _TRUTH[value.strip().lower()]
    if kind == "boolean" and isinstance(value, int | float) and not isinstance(value, bool):
        return value != 0
    if kind == "string" and "format" not in schema and isinstance(value, bool):
        return "true" if value else "false"
    if kind == "string" and "format" not in schema and isinstance(value, int | float):
        return json.dumps(value)
    return _SAME


_TRUTH = {"true": True, "false": False}


def _member(names: list[Any], value: Any) -> Any:
    """An enum member by name in any case, or by number in listing order (StringEnumConverter)."""
    if isinstance(value, str):
        found = next((n for n in names if str(n).lower() == value.strip().lower()), None)
        if found is not None:
            return found
        value = int(value) if _INTEGER_TEXT.match(value) else value
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(names):
        return names[value]
    return _SAME


def _type_of(schema: Schema) -> str:
    if schema.get("enum"):
        return "one of " + ", ".join(map(str, schema["enum"]))
    return str(schema.get("type", "a value"))


def _properties(schema: Schema) -> Mapping[str, Schema] | None:
    """The members an object schema declares, through a lone ``allOf`` too; None: no object."""
    if "properties" in schema:
        found: Mapping[str, Schema] = schema["properties"]
        return found
    merged: dict[str, Schema] = {}
    for part in schema.get("allOf", ()):
        merged.update(_properties(part) or {})
    return merged or None


def _closed(schema: Schema) -> bool:
    """Whether the contract allows no members beyond those it lists."""
    if schema.get("additionalProperties") is False:
        return True
    return any(_closed(part) for part in schema.get("allOf", ()))
