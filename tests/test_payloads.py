"""Generated payloads are schema-valid, docs-like and deterministic per (seed, key)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from faker.providers.company.en_US import Provider as Company
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from jsonschema import FormatChecker
from openapi_schema_validator import OAS30Validator
from openapi_schema_validator import oas30_format_checker
from referencing import Registry
from referencing.jsonschema import DRAFT4

from mockso.core.payloads import PayloadGenerator
from mockso.core.payloads import full_name_from


def ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable_ref(name: str, **extra: Any) -> dict[str, Any]:
    return {"nullable": True, "allOf": [ref(name)], **extra}


INT32 = {"type": "integer", "format": "int32"}
TEXT = {"type": "string", "nullable": True}
TABLE_RIGHTS = (
    "None|Select|Update|Insert|Delete|Filtering|RestrictedUpdate|Unused1|Uninitialized"
    "|FULL|WRITE|URU|UDR|UR|URI|R|RI|RF|F|FI"
)
FIELD_RIGHTS = (
    "None|Read|Write|Update|Unused1|Unused2|Unused3|Unused4|UIHintMandatory|UIHintReadOnly"
    "|FULL|UIHints|Nullable"
)
FIELD_PROPERTIES = {
    "type": "object",
    "nullable": True,
    "readOnly": True,
    "additionalProperties": ref("FieldProperty"),
}

# Modelled on the research notes §2 (BlobEntity, Associate, TableRight, FieldRight/Property).
COMPONENTS: dict[str, dict[str, Any]] = {
    "BlobEntity": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "BlobId": INT32,
            "BlobSize": {**INT32, "minimum": 0},
            "Description": TEXT,
            "ExtraInfo": TEXT,
            "IsEncrypted": {"type": "boolean"},
            "IsZipped": {"type": "boolean"},
            "MimeType": TEXT,
            "OriginalSize": {**INT32, "minimum": 0},
            "CreatedDate": {"type": "string", "format": "date-time"},
            "UpdatedDate": {"type": "string", "format": "date-time"},
            "CreatedBy": nullable_ref("Associate", readOnly=True),
            "UpdatedBy": nullable_ref("Associate"),
            "ConceptualType": TEXT,
            "TableRight": nullable_ref("TableRight", readOnly=True),
            "FieldProperties": FIELD_PROPERTIES,
        },
    },
    "Associate": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "AssociateId": INT32,
            "Name": TEXT,
            "PersonId": INT32,
            "Rank": INT32,
            "Tooltip": TEXT,
            "Type": {
                "type": "string",
                "enum": [
                    "Unknown",
                    "InternalAssociate",
                    "ResourceAssociate",
                    "ExternalAssociate",
                    "AnonymousAssociate",
                    "SystemAssociate",
                ],
            },
            "GroupIdx": INT32,
            "FullName": TEXT,
            "FormalName": TEXT,
            "Deleted": {"type": "boolean"},
            "EjUserId": INT32,
            "UserName": TEXT,
            "TableRight": nullable_ref("TableRight", readOnly=True),
            "FieldProperties": FIELD_PROPERTIES,
        },
    },
    "TableRight": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "Mask": {"type": "string", "pattern": f"^({TABLE_RIGHTS})(, ({TABLE_RIGHTS}))*$"},
            "Reason": TEXT,
        },
    },
    "FieldRight": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "Mask": {"type": "string", "pattern": f"^({FIELD_RIGHTS})(, ({FIELD_RIGHTS}))*$"},
            "Reason": TEXT,
        },
    },
    "FieldProperty": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "FieldRight": nullable_ref("FieldRight"),
            "FieldType": TEXT,
            "FieldLength": INT32,
        },
    },
}

BLOB = ref("BlobEntity")
ASSOCIATE_KEYS = [
    "AssociateId", "Name", "PersonId", "Rank", "Tooltip", "Type", "GroupIdx", "FullName",
    "FormalName", "Deleted", "EjUserId", "UserName", "TableRight", "FieldProperties",
]  # fmt: skip
DOCS_DATE = re.compile(r"\d{4}-\d{2}-\d{2}T(\d{2}:\d{2}:\d{2}(?:\.\d{1,7})?)[+-]\d{2}:\d{2}")
CONTRACT_URI = "urn:mockso:test-contract"


@pytest.fixture(scope="module")
def generator() -> PayloadGenerator:
    return PayloadGenerator(COMPONENTS, seed=2017)


def validator(schema: Mapping[str, Any], components: Mapping[str, Any] = COMPONENTS) -> Any:
    """An OAS 3.0 validator that resolves #/components/schemas/... against ``components``."""
    contract = DRAFT4.create_resource({"components": {"schemas": components}})
    registry: Registry[Any] = Registry().with_resource(CONTRACT_URI, contract)
    rooted = json.loads(json.dumps(schema).replace('"#/components', f'"{CONTRACT_URI}#/components'))
    return OAS30Validator(rooted, registry=registry, format_checker=_FORMATS)


# OpenAPI's format checks, but "binary" is any string: JSON and XML bodies carry octets as text,
# and openapi-schema-validator 0.6 (which mockso holds to) would want bytes.
_FORMATS = FormatChecker()
_FORMATS.checkers = {**oas30_format_checker.checkers, "binary": (lambda value: True, ())}


def assert_valid(value: Any, schema: Mapping[str, Any]) -> None:
    errors = [error.message for error in validator(schema).iter_errors(value)]
    assert errors == [], json.dumps(value, indent=1)


@pytest.mark.parametrize("name", sorted(COMPONENTS))
def test_every_component_generates_a_valid_value(generator: PayloadGenerator, name: str) -> None:
    for key in ("a", "b", "c"):
        assert_valid(generator.generate(ref(name), key=key), ref(name))


@settings(max_examples=40, deadline=None)
@given(key=st.text(), seed=st.integers())
def test_blob_entities_are_valid_for_any_seed_and_key(key: str, seed: int) -> None:
    value = PayloadGenerator(COMPONENTS, seed).generate(BLOB, key=key)
    assert_valid(value, BLOB)


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "integer", "minimum": 5000, "maximum": 5002},
        {"type": "integer", "maximum": -10, "exclusiveMaximum": True},
        {"type": "integer", "minimum": 3, "maximum": 4, "exclusiveMinimum": True},
        {"type": "integer", "minimum": 10, "multipleOf": 7},
        {"type": "integer", "format": "int64", "minimum": 2**40},
        {"type": "number", "minimum": 0.1, "maximum": 0.2, "exclusiveMaximum": True},
        {"type": "number", "minimum": 2000.5},
        {"type": "string", "minLength": 40, "maxLength": 45},
        {"type": "string", "maxLength": 2},
        {"type": "string", "pattern": "^[0-9]+$"},
        {"type": "string", "pattern": "^(?:JPEG|PNG|GIF)$"},
        {"type": "string", "enum": [None, "Default", "Null"], "nullable": True},
        {"type": "string", "format": "date-time"},
        {"type": "string", "format": "binary"},
        {"type": "array", "items": ref("FieldRight"), "minItems": 3, "maxItems": 3},
        {"type": "array", "items": INT32, "maxItems": 0},
        {"properties": {"A": INT32}, "required": ["A", "B"]},
        {"type": "object", "additionalProperties": {"type": "boolean"}},
        {"type": "object", "properties": {"Description": INT32, "Mask": {"enum": [1, 2]}}},
        {"type": "object", "properties": {"Name": {"type": "string", "maxLength": 3}}},
        {"allOf": [ref("FieldRight"), {"required": ["Mask"]}]},
        {"oneOf": [ref("TableRight"), INT32]},
    ],
)
def test_constraints_are_honoured(generator: PayloadGenerator, schema: dict[str, Any]) -> None:
    for key in map(str, range(20)):
        assert_valid(generator.generate(schema, key=key), schema)


def test_objects_carry_every_declared_property_in_order(generator: PayloadGenerator) -> None:
    value = generator.generate(BLOB, key="Person/1")
    assert list(value) == list(COMPONENTS["BlobEntity"]["properties"])
    assert list(value["CreatedBy"]) == ASSOCIATE_KEYS
    assert None not in value.values()


def test_maps_get_the_docs_single_field_name_key(generator: PayloadGenerator) -> None:
    value = generator.generate(BLOB, key="Person/1")
    assert list(value["FieldProperties"]) == ["fieldName"]
    assert value["FieldProperties"]["fieldName"]["FieldRight"] == {"Mask": "FULL", "Reason": ""}


def test_table_right_masks_are_valid_flag_names(generator: PayloadGenerator) -> None:
    masks = {generator.generate(BLOB, key=str(key))["TableRight"]["Mask"] for key in range(40)}
    assert masks <= set(TABLE_RIGHTS.split("|"))
    assert len(masks) > 1


def test_a_mask_without_a_recipe_takes_a_name_from_its_pattern(
    generator: PayloadGenerator,
) -> None:
    schema = {
        "type": "object",
        "properties": {"Flags": COMPONENTS["FieldRight"]["properties"]["Mask"]},
    }
    flags = {generator.generate(schema, key=str(key))["Flags"] for key in range(40)}
    assert flags <= set(FIELD_RIGHTS.split("|"))
    assert len(flags) > 3


def test_same_seed_and_key_give_the_same_payload_whatever_came_before() -> None:
    first = PayloadGenerator(COMPONENTS, seed=1)
    second = PayloadGenerator(COMPONENTS, seed=1)
    second.generate(BLOB, key="something else")
    second.associate(key="x")
    assert first.generate(BLOB, key="k") == second.generate(BLOB, key="k")


@pytest.mark.parametrize(
    ("seed_a", "key_a", "seed_b", "key_b"),
    [(1, "k", 1, "K"), (1, "k", 2, "k"), (1, "1k", 11, "k"), (1, "", 1, " ")],
)
def test_a_different_seed_or_key_gives_a_different_payload(
    seed_a: int, key_a: str, seed_b: int, key_b: str
) -> None:
    a = PayloadGenerator(COMPONENTS, seed_a).generate(BLOB, key=key_a)
    b = PayloadGenerator(COMPONENTS, seed_b).generate(BLOB, key=key_b)
    assert a != b


def test_payloads_do_not_depend_on_the_process_hash_seed(generator: PayloadGenerator) -> None:
    script = (
        "import json, sys; from tests.test_payloads import COMPONENTS, BLOB;"
        "from mockso.core.payloads import PayloadGenerator;"
        "print(json.dumps(PayloadGenerator(COMPONENTS, 2017).generate(BLOB, key='Person/1')))"
    )
    environment = {**os.environ, "PYTHONHASHSEED": "12345"}
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        env=environment,
        cwd=Path(__file__).parents[1],
    )
    assert json.loads(result.stdout) == generator.generate(BLOB, key="Person/1")


def test_eight_threads_at_once_give_the_sequential_results() -> None:
    keys = [f"Project/{number}/ImageInfo" for number in range(200)]
    expected = [PayloadGenerator(COMPONENTS, 5).generate(BLOB, key=key) for key in keys]
    shared = PayloadGenerator(COMPONENTS, 5)
    with ThreadPoolExecutor(max_workers=8) as pool:
        actual = list(pool.map(lambda key: shared.generate(BLOB, key=key), keys))
    assert actual == expected


def test_dates_look_like_the_docs_and_share_a_time_of_day(generator: PayloadGenerator) -> None:
    for key in map(str, range(20)):
        value = generator.generate(BLOB, key=key)
        created = DOCS_DATE.fullmatch(value["CreatedDate"])
        updated = DOCS_DATE.fullmatch(value["UpdatedDate"])
        assert created, value["CreatedDate"]
        assert updated, value["UpdatedDate"]
        assert created[1] == updated[1]


def test_description_is_a_three_part_catch_phrase(generator: PayloadGenerator) -> None:
    first, second, third = Company.catch_phrase_words
    # Faker's middle list has a few two-word entries ("zero tolerance"), so match by parts.
    phrases = {f"{a} {b} ": set(third) for a in first for b in second}
    for key in map(str, range(20)):
        description = generator.generate(BLOB, key=key)["Description"]
        assert any(
            description.startswith(head) and description[len(head) :] in tails
            for head, tails in phrases.items()
        ), description


def test_associate_has_the_shape_of_the_docs_sample(generator: PayloadGenerator) -> None:
    value = generator.associate(key="Person/1/CreatedBy")
    assert list(value) == ASSOCIATE_KEYS
    assert value["Type"] == "AnonymousAssociate"
    assert value["TableRight"] == {}
    assert list(value["FieldProperties"]) == ["fieldName"]
    field = value["FieldProperties"]["fieldName"]
    assert field["FieldRight"] == {"Mask": "FULL", "Reason": ""}
    assert field["FieldType"] in ("System.String", "System.Int32")
    assert 1 <= field["FieldLength"] <= 1000
    assert_valid(value, ref("Associate"))


def test_associate_is_deterministic_per_key(generator: PayloadGenerator) -> None:
    assert generator.associate(key="a") == generator.associate(key="a")
    assert generator.associate(key="a") != generator.associate(key="b")


@pytest.mark.parametrize(
    ("user_name", "full_name"),
    [
        ("tje0", "Tje0"),
        ("jane.doe@example.com", "Jane Doe"),
        ("SOFTWARE\\ola_nordmann", "Ola Nordmann"),
        ("anne-marie", "Anne Marie"),
        ("...", "..."),
    ],
)
def test_associate_for_a_login_name_names_that_user(
    generator: PayloadGenerator, user_name: str, full_name: str
) -> None:
    value = generator.associate(key="k", user_name=user_name)
    assert (value["Name"], value["UserName"], value["FullName"]) == (
        user_name,
        user_name,
        full_name,
    )
    assert full_name_from(user_name) == full_name
    assert_valid(value, ref("Associate"))


def test_a_component_passed_directly_is_generated_like_its_ref(
    generator: PayloadGenerator,
) -> None:
    assert generator.generate(COMPONENTS["Associate"], key="k") == generator.generate(
        ref("Associate"), key="k"
    )


def test_associate_finds_a_swagger_style_qualified_component_name() -> None:
    prefixed = {f"SuperOffice.CRM.Services.{name}": schema for name, schema in COMPONENTS.items()}
    text = json.dumps(prefixed).replace("schemas/", "schemas/SuperOffice.CRM.Services.")
    qualified = json.loads(text)
    value = PayloadGenerator(qualified, 3).associate(key="k")
    assert (value["Type"], value["TableRight"]) == ("AnonymousAssociate", {})


def test_a_recursive_schema_stops_at_a_nullable_reference() -> None:
    components = {"Node": {"type": "object", "properties": {"Next": nullable_ref("Node")}}}
    value = PayloadGenerator(components, 1).generate(ref("Node"), key="k")
    assert value == {"Next": None}


@pytest.mark.parametrize(
    ("components", "schema", "error", "message"),
    [
        ({"N": {"properties": {"Next": ref("N")}}}, ref("N"), ValueError, "refers to itself"),
        ({}, ref("Missing"), KeyError, "no such component"),
        ({}, {"$ref": "other.yaml#/Thing"}, ValueError, "only local"),
        ({}, {"type": "string", "pattern": "^[a-f]{9}$"}, ValueError, "cannot generate"),
        ({}, {"type": "integer", "minimum": 5, "maximum": 4}, ValueError, "no integer"),
    ],
)  # fmt: skip
def test_impossible_schemas_raise_instead_of_giving_invalid_output(
    components: dict[str, Any], schema: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        PayloadGenerator(components, 1).generate(schema, key="k")


def test_associate_needs_an_associate_component() -> None:
    with pytest.raises(KeyError, match="no Associate schema"):
        PayloadGenerator({}, 1).associate(key="k")
