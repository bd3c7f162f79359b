"""The contract's shared components, collected while its operations are built.

:class:`Components` holds the named schemas, header parameters and security schemes that
operations refer to, and the notes the build makes on the way (they end up in
``info.description``). It turns the docs' types into schemas: a named type becomes a ``$ref``
when a page or ``doctypes.KNOWN_COMPONENTS`` describes it, and the ones only referred to are
defined at the end (``complete``). ``shape`` compares two definitions of one type.
No Flask import.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any

from mockso.build.doctypes import KNOWN_COMPONENTS
from mockso.build.doctypes import SCALARS
from mockso.build.doctypes import known_component
from mockso.build.model import DocType
from mockso.build.model import Field
from mockso.build.model import Page
from mockso.build.wording import clean
from mockso.build.wording import label

REF = "#/components/schemas/"


class Components:
    """Named schemas, parameters and security schemes, and the notes made while building."""

    def __init__(self) -> None:
        self.schemas: dict[str, dict[str, Any]] = {}
        self.parameters: dict[str, dict[str, Any]] = {}
        self.security_schemes: dict[str, dict[str, Any]] = {}
        self.notes: list[str] = []
        self._schema_pages: dict[str, str] = {}
        self._wanted: set[str] = set()

    def sections(self) -> dict[str, Any]:
        """The document's ``components``: the non-empty sections, names sorted."""
        sections = {
            "schemas": self.schemas,
            "parameters": self.parameters,
            "securitySchemes": self.security_schemes,
        }
        return {name: dict(sorted(items.items())) for name, items in sections.items() if items}

    def type_schema(self, doc_type: DocType) -> dict[str, Any]:
        """The schema of a Type cell; a described named type becomes a ``$ref``."""
        schema: dict[str, Any]
        if doc_type.kind == "component" and self._describable(doc_type.name):
            self._wanted.add(doc_type.name)
            schema = {"$ref": REF + doc_type.name}
        elif doc_type.kind == "scalar":
            kind, fmt = SCALARS[doc_type.name]
            schema = {"type": kind, "format": fmt} if fmt else {"type": kind}
        elif doc_type.kind == "enum":
            schema = {"type": "string", "enum": list(doc_type.members)}
        else:
            schema = {"type": "object"}
        return {"type": "array", "items": schema} if doc_type.array else schema

    def object_schema(self, fields: Sequence[Field], description: str) -> dict[str, Any]:
        """An object schema with one property per row of a property table."""
        schema: dict[str, Any] = {"type": "object"}
        if description:
            schema["description"] = clean(description)
        properties = {}
        for field in fields:
            properties[field.name] = self.type_schema(field.type)
            # OpenAPI 3.0 ignores keywords beside a $ref, so a reference keeps no description.
            if field.description and "$ref" not in properties[field.name]:
                properties[field.name]["description"] = clean(field.description)
        schema["properties"] = properties
        return schema

    def define(self, name: str, schema: dict[str, Any], page: Page) -> None:
        """Name ``schema``; the first page to define a type wins, a different table is noted."""
        if name not in self.schemas:
            self.schemas[name], self._schema_pages[name] = schema, label(page)
        elif shape(self.schemas[name]) != shape(schema):
            note = (
                f"{name} has different property tables in {self._schema_pages[name]} "
                f"and {label(page)}; the first is kept."
            )
            if note not in self.notes:
                self.notes.append(note)

    def complete(self) -> None:
        """Define the named types the pages refer to but do not define, from pages' table."""
        while self._wanted - set(self.schemas):
            name = sorted(self._wanted - set(self.schemas))[0]
            fields = known_component(name)
            self.schemas[name] = self.object_schema(fields, "")
            self._schema_pages[name] = "mockso.build.pages.KNOWN_COMPONENTS"

    def _describable(self, name: str) -> bool:
        """Whether a named type has a property table: from a page (read first) or the module."""
        if name in self.schemas or name in KNOWN_COMPONENTS:
            return True
        note = f"The type {name} is named but no page describes it; it is a free-form object."
        if note not in self.notes:
            self.notes.append(note)
        return False


def shape(schema: Mapping[str, Any]) -> dict[str, Any]:
    """A component's property names with their types (type, format, $ref, enum, items)."""

    def of(node: Mapping[str, Any]) -> tuple[Any, ...]:
        items = node.get("items")
        return (
            node.get("type"),
            node.get("format"),
            node.get("$ref"),
            tuple(node.get("enum", ())),
            of(items) if isinstance(items, Mapping) else None,
        )

    return {name: of(node) for name, node in schema.get("properties", {}).items()}
