"""Marshmallow schemas built from the contract's component schemas, never written by hand.

They do the typing work the wire formats leave undone: XML and form bodies arrive as text and
come out as ints, booleans and datetimes; stored values go out with dates written the way
SuperOffice writes them, in the zone the request asked for. The zone is per request, so it lives
in a context variable rather than on the (shared) schema instances. No Flask import.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from contextvars import ContextVar
from datetime import UTC
from datetime import datetime
from datetime import tzinfo
from typing import Any

from marshmallow import RAISE
from marshmallow import Schema
from marshmallow import ValidationError
from marshmallow import fields

from mockso.core import dates
from mockso.core.contract import Contract

# (zone, write offsets) for the answer being rendered; see dates.resolve_zone.
output_zone: ContextVar[tuple[tzinfo, bool]] = ContextVar("output_zone", default=(UTC, True))

_REF = "#/components/schemas/"


class SuperOfficeDateTime(fields.Field[datetime]):
    """A date-time written like .NET does (``2017-11-21T09:40:59.40866+01:00``)."""

    def _serialize(self, value: datetime | None, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        if value is None:
            return None
        zone, offset = output_zone.get()
        if value.year == 1:  # .NET's DateTime.MinValue ("no date"): no zone can shift it
            return dates.format_datetime(value, UTC, offset=offset)
        return dates.format_datetime(value, zone, offset=offset)

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> datetime:
        if not isinstance(value, str):
            raise ValidationError("Not a date-time text.")
        try:
            return dates.parse_datetime(value)
        except ValueError as error:
            raise ValidationError(str(error)) from error


# Text that means a number or a truth value: ASCII digits only and the two words, as .NET writes
# them. Python's int() would also take "+5", "5_000" and other scripts' digits (U+0665); marshmallow
# would take "0", "no" and "off" for false.
_INTEGER_TEXT = re.compile(r"-?[0-9]+\Z", re.ASCII)
_BOOLEAN_TEXT = {"true": True, "false": False}


class TextInteger(fields.Integer):
    """An integer; from text (XML, form fields) only ASCII digits with an optional minus."""

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> int:
        if isinstance(value, str) and not _INTEGER_TEXT.match(value.strip()):
            raise self.make_error("invalid", input=value)
        result: int = super()._deserialize(value, attr, data, **kwargs)
        return result


class TextBoolean(fields.Boolean):
    """A boolean; from text (XML, form fields) only the words ``true`` and ``false``."""

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> bool:
        if isinstance(value, str):
            if value.strip() not in _BOOLEAN_TEXT:
                raise self.make_error("invalid", input=value)
            return _BOOLEAN_TEXT[value.strip()]
        result: bool = super()._deserialize(value, attr, data, **kwargs)
        return result


class TextNested(fields.Nested):
    """A nested object; from text, an empty value is an object without members.

    An empty XML element (``<UpdatedBy/>``) is one to DataContractSerializer, and an empty form
    field (``UpdatedBy=``) sets no member either.
    """

    def _deserialize(
        self,
        value: Any,
        attr: str | None,
        data: Mapping[str, Any] | None,
        partial: bool | Sequence[str] | AbstractSet[str] | None = None,
        **kwargs: Any,
    ) -> Any:
        if isinstance(value, str) and not value.strip():
            value = {}
        return super()._deserialize(value, attr, data, partial, **kwargs)


class SchemaSet:
    """One marshmallow schema per component schema of a contract, built on first use."""

    def __init__(self, contract: Contract) -> None:
        self._components = contract.component_schemas
        self._schemas: dict[str, Schema] = {}

    def __getitem__(self, name: str) -> Schema:
        if name not in self._schemas:
            if name not in self._components:
                raise KeyError(name)
            self._schemas[name] = self._build(name)
        return self._schemas[name]

    def __contains__(self, name: object) -> bool:
        return name in self._components

    def _build(self, name: str) -> Schema:
        spec = self._components[name]
        declared = {prop: self.field(node) for prop, node in spec.get("properties", {}).items()}
        cls = Schema.from_dict(declared, name=name)
        return cls(unknown=RAISE)

    def field(self, node: Mapping[str, Any], nullable: bool = False) -> fields.Field[Any]:
        """The marshmallow field for one OpenAPI schema node."""
        nullable = nullable or bool(node.get("nullable"))
        ref = _single_ref(node)
        if ref is not None:
            nullable = nullable or bool(self._components.get(ref, {}).get("nullable"))
            return TextNested(self._lazy(ref), allow_none=nullable)
        maker = _SCALARS.get((node.get("type"), node.get("format")))
        if maker is None:
            maker = _SCALARS.get((node.get("type"), None), fields.Raw)
        if node.get("type") == "object" and isinstance(node.get("additionalProperties"), dict):
            values = self.field(node["additionalProperties"])
            return fields.Dict(keys=fields.String(), values=values, allow_none=nullable)
        if node.get("type") == "array" and "items" in node:
            return fields.List(self.field(node["items"]), allow_none=nullable)
        return maker(allow_none=nullable)

    def _lazy(self, name: str) -> Callable[[], Schema]:
        return lambda: self[name]


def _single_ref(node: Mapping[str, Any]) -> str | None:
    """The component a node stands for: ``$ref`` itself or a lone ``allOf: [{$ref}]``."""
    ref = node.get("$ref")
    if ref is None and len(node.get("allOf", ())) == 1:
        ref = node["allOf"][0].get("$ref")
    return ref[len(_REF) :] if isinstance(ref, str) and ref.startswith(_REF) else None


_SCALARS: dict[tuple[Any, Any], Callable[..., fields.Field[Any]]] = {
    ("integer", None): TextInteger,
    ("number", None): fields.Float,
    ("boolean", None): TextBoolean,
    ("string", None): fields.String,
    ("string", "date-time"): SuperOfficeDateTime,
}
