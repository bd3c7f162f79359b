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

    assert value == {"IsZipped": True, "Colour": "red", "UpdatedBy": {"Rank": "1"}}
    texts = [item.text for item in deviations]
    assert texts[0].startswith(
        "Element 'Description' comes after 'IsZipped'; the contract orders BlobId, BlobSize,"
    )
    assert texts[1].startswith("Element 'UpdatedBy.Name' comes after 'UpdatedBy.Rank'")
    assert [item.kind for item in deviations] == ["xml-order", "xml-order"]


@pytest.mark.parametrize(
    ("word", "value"), [("true", True), ("1", True), ("0", False), ("\n false ", False)]
)
def test_xml_booleans_are_read_by_xml_schema_words_without_a_deviation(
    word: str, value: bool
) -> None:
    deviations = Deviations()

    assert in_order(BLOB, {"IsZipped": word}, deviations) == {"IsZipped": value}
    assert deviations == []


@pytest.mark.parametrize("word", ["True", "yes", "2", ""])
def test_other_xml_boolean_text_is_left_for_the_contract_to_refuse(word: str) -> None:
    assert in_order(BLOB, {"IsZipped": word}, Deviations()) == {"IsZipped": word}


def test_form_booleans_in_another_letter_case_are_json_nets_words() -> None:
    assert bound({"IsZipped": "TRUE"}, "form", FORM) == ({"IsZipped": True}, ["coercion"])
    assert bound({"IsZipped": "1"}, "form", FORM) == ({"IsZipped": "1"}, [])


@pytest.mark.parametrize("formatter", ["json", "form"])
def test_dates_json_net_reads_are_rewritten_in_the_contract_form(formatter: str) -> None:
    schema = BLOB if formatter == "json" else FORM

    assert bound({"CreatedDate": "2017-11-21"}, formatter, schema) == (
        {"CreatedDate": "2017-11-21T00:00:00+00:00"},
        ["date-text"],
    )
    assert bound({"CreatedDate": "2017-11-21T09:40:59+01:00"}, formatter, schema) == (
        {"CreatedDate": "2017-11-21T09:40:59+01:00"},
        [],
    )
    assert bound({"CreatedDate": "someday"}, formatter, schema) == (
        {"CreatedDate": "someday"},
        [],
    )


def test_xml_dates_are_xml_schemas_only() -> None:
    assert bound({"CreatedDate": "2017-11-21"}, "xml") == ({"CreatedDate": "2017-11-21"}, [])
