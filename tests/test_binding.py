"""Bodies bound as the real server's formatters bind them (core.binding), without a server."""

from __future__ import annotations

from typing import Any

import pytest
from helpers import CONTRACT

from mockso.core.binding import bind
from mockso.core.binding import in_order
from mockso.core.framework import Deviations

BLOB = (
    CONTRACT.operation("v1PersonEntity_PutImageInfo")
    .request_body.content[  # type: ignore[union-attr]
        "application/json"
    ]
    .schema
)
FORM = (
    CONTRACT.operation("v1PersonEntity_PutImageInfo")
    .request_body.content[  # type: ignore[union-attr]
        "application/x-www-form-urlencoded"
    ]
    .schema
)


def bound(value: Any, formatter: str = "json", schema: Any = BLOB) -> tuple[Any, list[str]]:
    deviations = Deviations()
    result = bind(schema, value, formatter, deviations)
    return result, [item.kind for item in deviations]


def test_an_exact_name_is_taken_as_it_is_and_notes_nothing() -> None:
    assert bound({"Description": "x", "IsZipped": True}) == (
        {"Description": "x", "IsZipped": True},
        [],
    )


def test_names_match_ignoring_case_in_json_and_forms_but_not_in_xml() -> None:
    assert bound({"description": "x"}) == ({"Description": "x"}, ["property-case"])
    assert bound({"description": "x"}, "form", FORM) == ({"Description": "x"}, ["property-case"])
    assert bound({"description": "x"}, "xml") == ({}, ["xml-unknown"])


def test_unknown_members_are_dropped_at_every_depth() -> None:
    value, kinds = bound({"Colour": "red", "CreatedBy": {"Nickname": "x", "Name": "y"}})

    assert value == {"CreatedBy": {"Name": "y"}}
    assert kinds == ["unknown-property", "unknown-property"]


def test_read_only_members_are_dropped_at_every_depth() -> None:
    value, kinds = bound(
        {"TableRight": None, "FieldProperties": {}, "UpdatedBy": {"TableRight": {}, "Rank": 1}}
    )

    assert value == {"UpdatedBy": {"Rank": 1}}
    assert kinds == ["read-only-property"] * 3


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({"IsZipped": "True"}, {"IsZipped": True}),
        ({"IsZipped": " false "}, {"IsZipped": False}),
        ({"IsZipped": 0}, {"IsZipped": False}),
        ({"BlobId": " +12 "}, {"BlobId": 12}),
        ({"Description": 1.5}, {"Description": "1.5"}),
        ({"Description": True}, {"Description": "true"}),
        ({"UpdatedBy": {"Type": "SYSTEMASSOCIATE"}}, {"UpdatedBy": {"Type": "SystemAssociate"}}),
        ({"UpdatedBy": {"Type": "1"}}, {"UpdatedBy": {"Type": "InternalAssociate"}}),
    ],
)
def test_json_primitives_are_converted_as_json_net_converts_them(
    given: dict[str, Any], expected: dict[str, Any]
) -> None:
    assert bound(given) == (expected, ["coercion"])


@pytest.mark.parametrize(
    "given",
    [
        {"IsZipped": None},
        {"IsZipped": "yes"},
        {"BlobId": 1.5},
        {"BlobId": True},
        {"CreatedDate": 5},
        {"UpdatedBy": {"Type": 6}},
        {"UpdatedBy": {"Type": "Robot"}},
    ],
)
def test_what_json_net_would_not_convert_is_left_for_the_contract_to_refuse(
    given: dict[str, Any],
) -> None:
    assert bound(given) == (given, [])


def test_form_values_stay_text_for_the_schema_to_type_but_enums_are_json_nets() -> None:
    assert bound({"IsZipped": "true"}, "form", FORM) == ({"IsZipped": "true"}, [])
    assert bound({"UpdatedBy": {"Type": "systemassociate"}}, "form", FORM) == (
        {"UpdatedBy": {"Type": "SystemAssociate"}},
        ["coercion"],
    )
    assert bound({"UpdatedBy": {"Type": "systemassociate"}}, "xml") == (
        {"UpdatedBy": {"Type": "systemassociate"}},
        [],
    )


def test_xml_members_are_read_in_the_contract_order() -> None:
    deviations = Deviations()

    value = in_order(
        BLOB,
        {
            "IsZipped": "true",
            "Description": "x",
            "Colour": "red",
            "UpdatedBy": {"Rank": "1", "Name": "n"},
        },
        deviations,
    )

    assert value == {"IsZipped": "true", "Colour": "red", "UpdatedBy": {"Rank": "1"}}
    texts = [item.text for item in deviations]
    assert texts[0].startswith(
        "Element 'Description' comes after 'IsZipped'; the contract orders BlobId, BlobSize,"
    )
    assert texts[1].startswith("Element 'UpdatedBy.Name' comes after 'UpdatedBy.Rank'")
    assert [item.kind for item in deviations] == ["xml-order", "xml-order"]
