"""The docs' type vocabulary: what a Type cell may say and the named types the pages leave out.

``parse_type`` reads one Type cell into a :class:`~mockso.build.model.DocType`; ``known_component``
gives the property table of a named type no page describes. The tables here are data: adding a
scalar or a named type is a one-line change. No Flask import.
"""

from __future__ import annotations

import re

from mockso.build.model import DocType
from mockso.build.model import Field

_ENUM = re.compile(r"Enum:\s*(\w+(?:\s*,\s*\w+)*)")

# The docs' scalar type names and their OpenAPI (type, format). ``decimal`` has no OpenAPI
# format, so it stays a plain number. ``binary`` appears in body headings ("image binary").
# Newer pages write JSON-ish names (Integer, String, Boolean): they carry no width or format.
SCALARS: dict[str, tuple[str, str | None]] = {
    "int32": ("integer", "int32"),
    "int64": ("integer", "int64"),
    "string": ("string", None),
    "bool": ("boolean", None),
    "date-time": ("string", "date-time"),
    "double": ("number", "double"),
    "decimal": ("number", None),
    "binary": ("string", "binary"),
    "Integer": ("integer", None),
    "String": ("string", None),
    "Boolean": ("boolean", None),
}

# The docs' generator leaves the Type cell empty for complex types. The image pages use these;
# their names are the ones the vendor's Swagger file and SOAP WSDL give (research notes 2.2-2.4).
# An untyped property not listed here becomes a free-form object.
COMPONENT_OF_PROPERTY = {
    "CreatedBy": "Associate",
    "UpdatedBy": "Associate",
    "TableRight": "TableRight",
    "FieldRight": "FieldRight",
}

# The property tables of those named types, written as the docs' own tables would be (name,
# type cell, description), from the Associate agent page and the Swagger definitions.
KNOWN_COMPONENTS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "Associate": (
        ("AssociateId", "int32", "Primary key"),
        ("Name", "string", "Initials, also login name, possibly an e-mail address"),
        ("PersonId", "int32", "The person that owns this associate"),
        ("Rank", "int32", "Rank order"),
        ("Tooltip", "string", "Tooltip or other description"),
        (
            "Type",
            "Enum: Unknown, InternalAssociate, ResourceAssociate, ExternalAssociate, "
            "AnonymousAssociate, SystemAssociate",
            "Type of associate",
        ),
        ("GroupIdx", "int32", "The associate's primary user group"),
        ("FullName", "string", "Full name, formatted for the culture"),
        ("FormalName", "string", "Formal name, with title"),
        ("Deleted", "bool", "True if the user is retired"),
        ("EjUserId", "int32", "Id of the matching Service (ej) user, 0 if none"),
        ("UserName", "string", "User name, possibly an e-mail address"),
        ("TableRight", "", ""),
        ("FieldProperties", "object", ""),
    ),
    "TableRight": (
        ("Mask", "string", "ETableRight flag names joined by ', '"),
        ("Reason", "string", "Why a right is missing"),
    ),
    "FieldRight": (
        ("Mask", "string", "EFieldRight flag names joined by ', '"),
        ("Reason", "string", "Why a right is missing"),
    ),
}

# What a PageError about a Type cell says was expected.
TYPE_HELP = (
    "int32, int64, string, bool, date-time, double, decimal, object, a type followed by [], "
    "'Enum: A, B', a named type (" + ", ".join(sorted(KNOWN_COMPONENTS)) + ") or nothing"
)


def parse_type(text: str, name: str = "") -> DocType | None:
    """The type a Type cell states (``name`` resolves an empty cell); None when unknown."""
    text = text.strip().strip("`").strip()
    if not text:
        component = COMPONENT_OF_PROPERTY.get(name)
        if component:
            return DocType("component", component, untyped=True)
        return DocType("object", untyped=True)
    enum = _ENUM.fullmatch(text)
    if enum:
        return DocType("enum", members=tuple(m.strip() for m in enum.group(1).split(",")))
    array = text.endswith("[]")
    base = text[:-2] if array else text
    if base in SCALARS:
        return DocType("scalar", base, array)
    if base == "object":
        return DocType("object", array=array)
    if base in KNOWN_COMPONENTS:
        return DocType("component", base, array)
    return None


def known_component(name: str) -> tuple[Field, ...]:
    """The property table of a named type from KNOWN_COMPONENTS."""
    fields = []
    for prop, type_text, description in KNOWN_COMPONENTS[name]:
        doc_type = parse_type(type_text, prop)
        assert doc_type is not None, (name, prop)  # the table above is ours
        fields.append(Field(prop, doc_type, description))
    return tuple(fields)
