"""Deterministic, schema-valid JSON payloads from the contract's OpenAPI 3.0 schemas.

Values look like the SuperOffice docs' samples (see ``mockso.core.formats``) and depend only on
the generator's seed and the caller's key: ``generate(schema, key="Person/7/ImageInfo")``
gives the same payload in every process and thread, whatever was generated before.

Supported schema keywords: ``$ref`` (local ``#/components/schemas/...``), ``allOf``, ``type``,
``format``, ``enum``, ``pattern``, ``minLength``/``maxLength``, ``minimum``/``maximum`` (and
the 3.0 boolean ``exclusiveMinimum``/``exclusiveMaximum``), ``multipleOf`` for integers,
``nullable``, ``properties``, ``required``, ``additionalProperties``, ``items``,
``minItems``/``maxItems``; ``oneOf``/``anyOf`` use their first alternative.
"""

from __future__ import annotations

import copy
import hashlib
import math
import re
import threading
from collections.abc import Mapping
from typing import Any

from mockso.core import formats

__all__ = ["MAP_KEY", "PayloadGenerator", "full_name_from"]

Schema = Mapping[str, Any]

# The docs' samples show every map (FieldProperties) with this single, literal key.
MAP_KEY = "fieldName"

_REF_PREFIX = "#/components/schemas/"
_INT_BOUNDS = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}
_REGEX_SYNTAX = set(".^$*+?{}[]\\|()")


class _RecursiveSchemaError(ValueError):
    """A schema refers back to itself along a path that cannot stop with null or []."""


class PayloadGenerator:
    """Makes docs-style payloads from ``components.schemas``; safe to share between threads."""

    def __init__(self, components: Mapping[str, Mapping[str, Any]], seed: int) -> None:
        self._components = components
        self._seed = seed
        # Lets generate(components["X"]) know it is making an X, as a $ref would.
        self._names = {id(schema): name for name, schema in components.items()}
        # One Faker, reseeded per payload under the lock: building Fakers is slow, and the
        # class-level Faker.seed() would make every generator share one random state.
        self._faker = formats.new_faker()
        self._lock = threading.Lock()

    def generate(self, schema: Mapping[str, Any], *, key: str) -> Any:
        """A value valid against ``schema``; the same (seed, key) always gives the same value."""
        with self._lock:
            self._faker.seed_instance(_derive_seed(self._seed, key))
            formats.begin_payload(self._faker)
            component = self._names.get(id(schema))
            if component is not None:
                schema = {"$ref": _ref_to(component)}
            return self._value(schema, None, None, ())

    def associate(
        self, *, key: str, user_name: str | None = None, schema: Schema | None = None
    ) -> dict[str, Any]:
        """A docs-style Associate (CreatedBy/UpdatedBy), optionally for a known login name.

        ``schema`` is the property's schema when the caller has it (the contract may name the
        type otherwise); by default the component called Associate is used.
        """
        if schema is None:
            schema = {"$ref": _ref_to(self._associate_component())}
        value = self.generate(schema, key=key)
        if not isinstance(value, dict):
            raise TypeError("an associate schema must describe an object")
        if user_name:
            names = {
                "Name": user_name,
                "UserName": user_name,
                "FullName": full_name_from(user_name),
            }
            value.update({k: v for k, v in names.items() if k in value})
        return value

    def _associate_component(self) -> str:
        # Contracts converted from SuperOffice's Swagger name it SuperOffice.CRM.Services.Associate.
        names = sorted(self._components, key=lambda name: name != "Associate")
        for name in names:
            if _short(name) == "Associate":
                return name
        raise KeyError("the contract's components.schemas has no Associate schema")

    def _value(
        self, schema: Schema, name: str | None, owner: str | None, path: tuple[str, ...]
    ) -> Any:
        """A value for ``schema``, the property ``name`` of an object made from ``owner``."""
        try:
            resolved, own, path = self._resolve(schema, path)
        except _RecursiveSchemaError:
            if schema.get("nullable"):
                return None
            raise
        recipe = formats.recipe_for(name, owner, resolved)
        if recipe is not None:
            candidate = recipe(self._faker)
            if self._fits(candidate, resolved):
                return candidate
        return self._fallback(resolved, own, path)

    def _fallback(self, schema: Schema, owner: str | None, path: tuple[str, ...]) -> Any:
        """A value built from the schema's constraints when no recipe fits."""
        enum = schema.get("enum")
        if enum:
            # Prefer a real member over null: the docs' samples fill everything. Copy, so a
            # caller editing the payload cannot edit the contract.
            members = [item for item in enum if item is not None] or enum
            return copy.deepcopy(self._faker.random_element(members))
        kind = _kind(schema)
        if kind == "object":
            return self._object(schema, owner, path)
        if kind == "array":
            return self._array(schema, owner, path)
        if kind in ("integer", "number"):
            return self._number(schema, kind)
        if kind == "boolean":
            return self._faker.pybool()
        return self._string(schema)

    def _object(self, schema: Schema, owner: str | None, path: tuple[str, ...]) -> dict[str, Any]:
        """Every declared property (the docs' responses show all keys); maps get one key."""
        properties: Mapping[str, Schema] = schema.get("properties") or {}
        extra = schema.get("additionalProperties")
        extra_schema: Schema = extra if isinstance(extra, Mapping) else {}
        value = {name: self._value(sub, name, owner, path) for name, sub in properties.items()}
        if not properties and isinstance(extra, Mapping):
            value[MAP_KEY] = self._value(extra, None, owner, path)
        for name in schema.get("required") or ():
            if name not in value:
                value[name] = self._value(extra_schema, name, owner, path)
        return value

    def _array(self, schema: Schema, owner: str | None, path: tuple[str, ...]) -> list[Any]:
        """One item, or as many as minItems asks for."""
        count = max(1, schema.get("minItems", 0))
        count = min(count, schema.get("maxItems", count))
        items: Schema = schema.get("items") or {}
        try:
            return [self._value(items, None, owner, path) for _ in range(count)]
        except _RecursiveSchemaError:
            if schema.get("minItems", 0) == 0:
                return []
            raise

    def _number(self, schema: Schema, kind: str) -> int | float:
        """A number in the docs' 1..1000 range when the schema allows it, else in its bounds."""
        low, high = _bounds(schema)
        if kind == "integer":
            return self._integer(low, high, schema.get("multipleOf", 1))
        value = self._faker.random_int(100, 100_000) / 100
        # Bounds are inclusive here (exclusive ones were nudged inwards), so clamping is safe.
        clamped = min(max(value, low), high)
        if low > high:
            raise ValueError(f"no number satisfies {dict(schema)!r}")
        return float(clamped)

    def _integer(self, low: float, high: float, step: int | float) -> int:
        if high < 1:
            first, last = _next_multiple(max(low, high - 999 * step), step), high
        else:
            # Prefer the docs' 1..1000; beyond it, count up from the schema's own lower end.
            first = _next_multiple(max(low, 1), step)
            last = min(high, 1000) if first <= 1000 else min(high, first + 999 * step)
        if first > last:
            raise ValueError(f"no integer in [{low}, {high}] is a multiple of {step}")
        return int(first + step * self._faker.random_int(0, int((last - first) // step)))

    def _string(self, schema: Schema) -> str:
        """A Latin word (or several, for minLength), or a value matching the pattern."""
        pattern = schema.get("pattern")
        if pattern is not None:
            return self._matching(pattern, schema)
        text = formats.BY_TYPE["string"](self._faker)
        while len(text) < schema.get("minLength", 0):
            text += " " + formats.BY_TYPE["string"](self._faker)
        return str(text)[: schema.get("maxLength")]

    def _matching(self, pattern: str, schema: Schema) -> str:
        """A literal alternative of the pattern, e.g. one name of a flags-enum Mask pattern."""
        fits = [text for text in _literal_alternatives(pattern) if _string_fits(text, schema)]
        if fits:
            return str(self._faker.random_element(fits))
        simple = [formats.BY_TYPE["string"](self._faker), "", "0", "a", "A"]
        for text in simple:
            if _string_fits(text, schema):
                return str(text)
        raise ValueError(
            f"cannot generate a string matching {pattern!r}: "
            "add a recipe to mockso.core.formats.NAMED"
        )

    def _resolve(
        self, schema: Schema, path: tuple[str, ...]
    ) -> tuple[Schema, str | None, tuple[str, ...]]:
        """Follow ``$ref`` and merge ``allOf``; returns (schema, component short name, path)."""
        owner = None
        while "$ref" in schema:
            name = _ref_name(schema["$ref"])
            if name in path:
                raise _RecursiveSchemaError(f"schema {name!r} refers to itself")
            if name not in self._components:
                raise KeyError(f"$ref {schema['$ref']!r}: no such component schema")
            schema, owner, path = self._components[name], _short(name), (*path, name)
        if "allOf" in schema:
            return self._merge_all_of(schema, owner, path)
        for keyword in ("oneOf", "anyOf"):
            if schema.get(keyword):
                return self._resolve(schema[keyword][0], path)
        return schema, owner, path

    def _merge_all_of(
        self, schema: Schema, owner: str | None, path: tuple[str, ...]
    ) -> tuple[Schema, str | None, tuple[str, ...]]:
        """One schema with the union of the parts' properties and required names."""
        merged: dict[str, Any] = {"properties": {}, "required": []}
        for part in schema["allOf"]:
            resolved, part_owner, path = self._resolve(part, path)
            owner = owner or part_owner
            merged["properties"].update(resolved.get("properties") or {})
            merged["required"] += list(resolved.get("required") or ())
            merged.update(
                (k, v) for k, v in resolved.items() if k not in ("properties", "required")
            )
        merged["properties"].update(schema.get("properties") or {})
        merged["required"] += list(schema.get("required") or ())
        merged.update(
            (k, v) for k, v in schema.items() if k not in ("allOf", "properties", "required")
        )
        return merged, owner, path

    def _fits(self, value: Any, schema: Schema) -> bool:
        """Whether a recipe's value satisfies the (resolved) schema's main keywords."""
        if value is None:
            return bool(schema.get("nullable"))
        if "enum" in schema and value not in schema["enum"]:
            return False
        if not _is_kind(value, _kind(schema)):
            return False
        if isinstance(value, str):
            return _string_fits(value, schema)
        if isinstance(value, int | float) and not isinstance(value, bool):
            low, high = _bounds(schema)
            step = schema.get("multipleOf")
            return low <= value <= high and (step is None or value % step == 0)
        if isinstance(value, dict):
            return self._object_fits(value, schema)
        return True

    def _object_fits(self, value: dict[str, Any], schema: Schema) -> bool:
        properties: Mapping[str, Schema] = schema.get("properties") or {}
        if not set(schema.get("required") or ()) <= value.keys():
            return False
        if schema.get("additionalProperties") is False and not value.keys() <= properties.keys():
            return False
        return all(
            self._fits(item, self._resolve(properties[name], ())[0])
            for name, item in value.items()
            if name in properties
        )


def full_name_from(user_name: str) -> str:
    """A plausible display name for a login: ``jane.doe@x.com`` → ``Jane Doe``, ``tje0`` → ``Tje0``.

    Lets the mock say who updated a picture from nothing but the Basic-auth user name.
    """
    local = user_name.split("@", 1)[0].rsplit("\\", 1)[-1]
    parts = [part for part in re.split(r"[._\-\s]+", local) if part]
    return " ".join(part[:1].upper() + part[1:] for part in parts) or user_name


def _derive_seed(seed: int, key: str) -> int:
    # blake2b, not hash(): str hashes are salted per process, and payloads must not be.
    digest = hashlib.blake2b(f"{seed}\x1f{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def _ref_name(ref: str) -> str:
    if not ref.startswith(_REF_PREFIX):
        raise ValueError(f"$ref {ref!r}: only local {_REF_PREFIX}... references are supported")
    # JSON Pointer escapes: ~1 is "/", ~0 is "~".
    return ref[len(_REF_PREFIX) :].replace("~1", "/").replace("~0", "~")


def _ref_to(component: str) -> str:
    return _REF_PREFIX + component.replace("~", "~0").replace("/", "~1")


def _short(component: str) -> str:
    """``SuperOffice.CRM.Services.Associate`` → ``Associate``, the name recipes use."""
    return component.rsplit(".", 1)[-1]


def _kind(schema: Schema) -> str:
    """The JSON type a schema asks for, inferred from its keywords when ``type`` is missing."""
    if "type" in schema:
        return str(schema["type"])
    if "properties" in schema or "additionalProperties" in schema:
        return "object"
    return "array" if "items" in schema else "string"


def _is_kind(value: Any, kind: str) -> bool:
    if isinstance(value, bool):
        return kind == "boolean"
    checks: dict[str, type | tuple[type, ...]] = {
        "integer": int,
        "number": (int, float),
        "string": str,
        "object": dict,
        "array": list,
    }
    return kind not in checks or isinstance(value, checks[kind])


def _bounds(schema: Schema) -> tuple[float, float]:
    """Inclusive (low, high) from minimum/maximum, 3.0 boolean exclusives and int formats."""
    integral = _kind(schema) == "integer"
    low, high = _INT_BOUNDS.get(schema.get("format", ""), (-math.inf, math.inf))
    if "minimum" in schema:
        low = max(low, _inward(schema["minimum"], schema.get("exclusiveMinimum"), integral, +1))
    if "maximum" in schema:
        high = min(high, _inward(schema["maximum"], schema.get("exclusiveMaximum"), integral, -1))
    return low, high


def _inward(bound: float, exclusive: bool | None, integral: bool, direction: int) -> float:
    """The nearest allowed value at a bound, moving ``direction`` (+1 up, -1 down) if needed."""
    if integral:
        nearest = math.ceil(bound) if direction > 0 else math.floor(bound)
        return nearest + direction if exclusive and nearest == bound else nearest
    return math.nextafter(bound, direction * math.inf) if exclusive else bound


def _next_multiple(value: float, step: int | float) -> float:
    if isinstance(value, int) and isinstance(step, int):
        # Integer arithmetic: int64 bounds do not survive a trip through float.
        return -(-value // step) * step
    return math.ceil(value / step) * step


def _string_fits(text: str, schema: Schema) -> bool:
    if not schema.get("minLength", 0) <= len(text) <= schema.get("maxLength", len(text)):
        return False
    pattern = schema.get("pattern")
    # JSON Schema patterns are unanchored, so search rather than fullmatch.
    return pattern is None or re.search(pattern, text) is not None


def _literal_alternatives(pattern: str) -> list[str]:
    """Plain words from ``(A|B|C)`` groups, e.g. the member names of a flags-enum pattern."""
    groups = [*re.findall(r"\((?:\?:)?([^()]*)\)", pattern), pattern.strip("^$")]
    words = (word for group in groups for word in group.split("|"))
    return list(dict.fromkeys(w for w in words if w and not _REGEX_SYNTAX & set(w)))
