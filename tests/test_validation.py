"""mockso.core.validation: URL and header text coerced and checked, bodies checked, clear errors."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockso.core.contract import Contract
from mockso.core.errors import BadRequest
from mockso.core.framework import Deviations
from mockso.core.validation import FORMAT_CHECKER
from mockso.core.validation import RequestValidator
from mockso.core.validation import coerce
from mockso.core.validation import describe

CONTRACT = Contract.from_path()
INTEGER = {"type": "integer", "format": "int32"}
NUMBER = {"type": "number"}
BOOLEAN = {"type": "boolean"}
STRING = {"type": "string"}
IF_BLANK = ["Default", "ClearPixel", "SrNoPhoto", "SrNoPhotoWithBorder", "Null", "GenericFileIcon"]


def validator(operation_id: str) -> RequestValidator:
    return RequestValidator(CONTRACT.operation(operation_id))


def refused(
    checker: RequestValidator,
    path: dict[str, str],
    query: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
) -> str:
    with pytest.raises(BadRequest) as caught:
        checker.parameters(path, query or {}, headers or {})
    return caught.value.message


def body_refused(operation_id: str, value: Any, media_type: str = "application/json") -> str:
    with pytest.raises(BadRequest) as caught:
        validator(operation_id).body(media_type, value)
    return caught.value.message


# -- coerce -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "schema", "expected"),
    [
        ("12", INTEGER, 12),
        ("-12", INTEGER, -12),
        ("0", INTEGER, 0),
        ("-0", INTEGER, 0),
        ("007", INTEGER, 7),
        ("2147483648", INTEGER, 2147483648),  # coerced; the format check refuses it later
        ("9" * 20, INTEGER, int("9" * 20)),
        ("9" * 21, INTEGER, "9" * 21),  # longer than any int64: left as text
        ("+5", INTEGER, "+5"),  # no sign but minus: refused as not an integer
        ("١٢", INTEGER, "١٢"),  # Arabic-Indic digits: int() would take them, we do not
        ("\uff11\uff12", INTEGER, "\uff11\uff12"),  # full-width digits
        ("12\n", INTEGER, "12\n"),
        (" 12", INTEGER, " 12"),
        ("12 ", INTEGER, "12 "),
        ("1_000", INTEGER, "1_000"),
        ("1.0", INTEGER, "1.0"),
        ("", INTEGER, ""),
        ("-", INTEGER, "-"),
        ("1.5", NUMBER, 1.5),
        ("-2", NUMBER, -2.0),
        ("2e3", NUMBER, 2000.0),
        ("2.5E-1", NUMBER, 0.25),
        (".5", NUMBER, ".5"),
        ("1.", NUMBER, "1."),
        ("nan", NUMBER, "nan"),
        ("inf", NUMBER, "inf"),
        ("\uff11.\uff15", NUMBER, "\uff11.\uff15"),
        ("true", BOOLEAN, True),
        ("True", BOOLEAN, True),
        ("TRUE", BOOLEAN, True),
        ("1", BOOLEAN, True),
        ("false", BOOLEAN, False),
        ("False", BOOLEAN, False),
        ("0", BOOLEAN, False),
        ("yes", BOOLEAN, "yes"),
        ("", BOOLEAN, ""),
        ("12", STRING, "12"),
        ("true", STRING, "true"),
        ("12", {}, "12"),
    ],
)
def test_coerce_turns_text_into_the_declared_type_only_when_it_fits(
    text: str, schema: dict[str, Any], expected: Any
) -> None:
    value = coerce(text, schema)
    assert value == expected
    assert type(value) is type(expected)


@given(st.integers(min_value=-(10**20) + 1, max_value=10**20 - 1))
def test_coerce_reads_back_every_integer_written_in_ascii(number: int) -> None:
    assert coerce(str(number), INTEGER) == number


@given(st.text(alphabet=st.characters(categories=["Nd"]), min_size=1, max_size=5))
def test_coerce_never_reads_non_ascii_digits_as_an_integer(digits: str) -> None:
    value = coerce(digits, INTEGER)
    assert (type(value) is int) == digits.isascii()


# -- describe ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        ({"type": "integer", "format": "int32", "minimum": 1, "maximum": 4096},
         "integer (int32) from 1 to 4096"),
        ({"type": "integer", "format": "int32"}, "integer (int32)"),
        ({"type": "integer", "minimum": 0}, "integer of at least 0"),
        ({"type": "integer", "maximum": 0}, "integer of at most 0"),
        ({"type": "string", "enum": ["A", "B"]}, "string one of A, B"),
        ({"type": "string"}, "string"),
        ({}, "value"),
    ],
)  # fmt: skip
def test_describe_says_what_a_schema_admits(schema: dict[str, Any], expected: str) -> None:
    assert describe(schema) == expected


# -- parameters -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "operation_id",
    [
        "v1ContactEntity_GetImage",
        "v1PersonEntity_SaveImage",
        "v1Product_DeleteImageContent",
        "v1ProjectEntity_GetImageInfo",
    ],
)
@pytest.mark.parametrize("text", ["1", "2147483647"])
def test_an_entity_id_in_the_int32_range_is_accepted(operation_id: str, text: str) -> None:
    checker = validator(operation_id)
    name = next(p.name for p in checker.operation.parameters if p.location == "path")
    assert checker.parameters({name: text}, {}, {}) == {name: int(text)}


@pytest.mark.parametrize("text", ["2147483648", "-2147483649", "99999999999999999999"])
def test_an_entity_id_outside_int32_is_refused(text: str) -> None:
    message = refused(validator("v1ContactEntity_GetImage"), {"contactId": text})
    assert message.startswith(
        f"Path part 'contactId' must be integer (int32) of at least 1; got {text!r} ("
    )
    assert "is not a 'int32'" in message or "is less than the minimum of 1" in message


@pytest.mark.parametrize("text", ["0", "-1", "-2147483648"])
def test_an_entity_id_below_one_is_refused(text: str) -> None:
    message = refused(validator("v1ContactEntity_GetImage"), {"contactId": text})
    assert message == (
        f"Path part 'contactId' must be integer (int32) of at least 1; got {text!r} "
        f"({text} is less than the minimum of 1)"
    )


@pytest.mark.parametrize("text", ["abc", "+5", "1.0", "١٢", "\uff11\uff12", "", " 1"])
def test_an_entity_id_that_is_not_ascii_digits_is_refused(text: str) -> None:
    message = refused(validator("v1PersonEntity_GetImage"), {"personId": text})
    assert message.startswith(
        f"Path part 'personId' must be integer (int32) of at least 1; got {text!r} ("
    )
    assert "is not of type 'integer'" in message


def test_a_missing_path_parameter_is_refused_as_required() -> None:
    message = refused(validator("v1ContactEntity_GetImage"), {})
    assert message == "Path part 'contactId' is required: integer (int32) of at least 1"


@pytest.mark.parametrize(
    ("name", "text", "problem"),
    [
        ("w", "0", "0 is less than the minimum of 1"),
        ("w", "-3", "-3 is less than the minimum of 1"),
        ("h", "4097", "4097 is greater than the maximum of 4096"),
        ("h", "2147483648", "2147483648 is not a 'int32'"),
    ],
)
def test_width_and_height_outside_their_range_name_the_parameter_and_the_range(
    name: str, text: str, problem: str
) -> None:
    message = refused(validator("v1Product_GetImage"), {"productId": "1"}, {name: [text]})
    assert message.startswith(f"Query parameter '{name}' must be integer (int32) from 1 to 4096; ")
    assert f"got {text!r}" in message
    assert problem in message


@pytest.mark.parametrize(("w", "h"), [("1", "1"), ("4096", "4096"), ("478", "853")])
def test_width_and_height_in_range_are_typed(w: str, h: str) -> None:
    values = validator("v1Product_GetImage").parameters(
        {"productId": "7"}, {"w": [w], "h": [h]}, {}
    )
    assert values == {"productId": 7, "w": int(w), "h": int(h)}


@pytest.mark.parametrize("value", IF_BLANK)
def test_every_documented_if_blank_value_is_accepted(value: str) -> None:
    values = validator("v1ContactEntity_GetImage").parameters(
        {"contactId": "1"}, {"ifBlank": [value]}, {}
    )
    assert values["ifBlank"] == value


@pytest.mark.parametrize("value", ["null", "clearpixel", "None", ""])
def test_an_if_blank_value_outside_the_enum_is_refused_listing_the_enum(value: str) -> None:
    message = refused(
        validator("v1ContactEntity_GetImage"), {"contactId": "1"}, {"ifBlank": [value]}
    )
    assert message.startswith(
        f"Query parameter 'ifBlank' must be string one of {', '.join(IF_BLANK)}; got {value!r}"
    )


def test_type_is_a_free_string() -> None:
    values = validator("v1ContactEntity_GetImage").parameters(
        {"contactId": "1"}, {"type": ["BMP"]}, {}
    )
    assert values["type"] == "BMP"


def test_the_project_put_image_info_needs_the_project_id_in_the_query() -> None:
    checker = validator("v1ProjectEntity_PutImageInfo")
    assert refused(checker, {"id": "anything"}) == (
        "Query parameter 'projectId' is required: integer (int32) of at least 1"
    )
    assert refused(checker, {"id": "x"}, {"projectId": []}) == (
        "Query parameter 'projectId' is required: integer (int32) of at least 1"
    )
    assert checker.parameters({"id": "x"}, {"projectId": ["12"]}, {}) == {
        "id": "x",
        "projectId": 12,
    }


def test_the_project_id_segment_of_the_project_put_image_info_is_any_text() -> None:
    values = validator("v1ProjectEntity_PutImageInfo").parameters(
        {"id": "123abc"}, {"projectId": ["1"]}, {}
    )
    assert values["id"] == "123abc"


@pytest.mark.parametrize("name", ["w", "ifBlank", "type"])
def test_a_query_parameter_given_twice_is_refused(name: str) -> None:
    message = refused(validator("v1ContactEntity_GetImage"), {"contactId": "1"}, {name: ["1", "1"]})
    assert message == f"Query parameter '{name}' is given 2 times; send it once"


def test_unknown_query_parameters_and_headers_are_ignored() -> None:
    values = validator("v1ContactEntity_GetImage").parameters(
        {"contactId": "1"}, {"x": ["1", "2"], "W": ["0"]}, {"X-Other": "y"}
    )
    assert values == {"contactId": 1}


def test_header_parameters_are_read_from_the_headers_and_absent_ones_left_out() -> None:
    headers = {"SO-TimeZone": "NO, includeTZOffset", "Accept-Language": "en", "SO-AppToken": "t"}
    values = validator("v1PersonEntity_GetImageInfo").parameters({"personId": "5"}, {}, headers)
    assert values == {
        "personId": 5,
        "SO-TimeZone": "NO, includeTZOffset",
        "Accept-Language": "en",
        "SO-AppToken": "t",
    }


def test_a_required_header_parameter_is_refused_when_missing() -> None:
    document = {
        "paths": {
            "/x": {
                "get": {
                    "operationId": "x",
                    "parameters": [
                        {"name": "X-Count", "in": "header", "required": True, "schema": INTEGER}
                    ],
                    "responses": {"200": {"description": "ok"}},
                }
            }
        }
    }
    checker = RequestValidator(Contract.from_dict(document).operation("x"))
    with pytest.raises(BadRequest, match=r"^Header 'X-Count' is required: integer \(int32\)$"):
        checker.parameters({}, {}, {})
    with pytest.raises(BadRequest, match=r"^Header 'X-Count' must be integer \(int32\); got 'a'"):
        checker.parameters({}, {}, {"X-Count": "a"})
    assert checker.parameters({}, {}, {"X-Count": "3"}) == {"X-Count": 3}


def test_every_bundled_operation_accepts_its_entity_id_alone_or_with_project_id() -> None:
    for operation in CONTRACT:
        checker = RequestValidator(operation)
        path = {p.name: "1" for p in operation.parameters if p.location == "path"}
        query = {
            p.name: ["1"] for p in operation.parameters if p.location == "query" and p.required
        }
        values = checker.parameters(path, query, {})
        assert all(values[name] in (1, "1") for name in [*path, *query])


# -- bodies -----------------------------------------------------------------------------------

PUT_INFO = "v1ContactEntity_PutImageInfo"


def sample_request() -> Any:
    media = CONTRACT.operation(PUT_INFO).request_body
    assert media is not None
    return media.content["application/json"].example


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"Description": "new", "ExtraInfo": "x", "IsZipped": True, "ConceptualType": "PERSONPHOTO"},
        {"Description": None, "ExtraInfo": None, "MimeType": None, "ConceptualType": None},
        {"CreatedBy": None, "UpdatedBy": None},
        {"CreatedDate": "2017-11-21T09:40:59.4086656+01:00"},
        {"BlobId": -2147483648, "BlobSize": 2147483647},
    ],
)
def test_a_body_that_fits_blob_entity_is_accepted(body: dict[str, Any]) -> None:
    validator(PUT_INFO).body("application/json", body)


def test_the_contract_request_example_is_accepted() -> None:
    validator(PUT_INFO).body("application/json", sample_request())


def test_an_unknown_property_is_refused_saying_every_allowed_one_is_listed() -> None:
    message = body_refused(PUT_INFO, {"Description": "x", "Colour": "red"})
    assert message == (
        "The body does not match the contract: the body: Additional properties are not allowed "
        "('Colour' was unexpected) (the contract lists every allowed property)"
    )


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"BlobId": "36"}, "'BlobId': '36' is not of type 'integer'"),
        ({"BlobSize": -1}, "'BlobSize': -1 is less than the minimum of 0"),
        ({"BlobId": 2147483648}, "'BlobId': 2147483648 is not a 'int32'"),
        ({"IsZipped": "false"}, "'IsZipped': 'false' is not of type 'boolean'"),
        ({"Description": 5}, "'Description': 5 is not of type 'string'"),
        ({"CreatedDate": "yesterday"}, "'CreatedDate': 'yesterday' is not a 'date-time'"),
    ],
)
def test_a_property_of_the_wrong_type_is_refused_naming_it(
    body: dict[str, Any], problem: str
) -> None:
    assert body_refused(PUT_INFO, body) == f"The body does not match the contract: {problem}"


@pytest.mark.parametrize("value", [{}, {"Mask": "FULL", "Reason": ""}, None])
def test_read_only_table_right_is_refused(value: Any) -> None:
    message = body_refused(PUT_INFO, {"TableRight": value})
    assert message.startswith("The body does not match the contract: 'TableRight': ")
    assert "read-only" in message


def test_read_only_field_properties_are_refused() -> None:
    message = body_refused(PUT_INFO, {"FieldProperties": {}})
    assert message.startswith("The body does not match the contract: 'FieldProperties': ")
    assert "read-only" in message


@pytest.mark.parametrize("name", ["IsZipped", "IsEncrypted", "BlobId", "CreatedDate"])
def test_null_is_refused_for_properties_that_are_not_nullable(name: str) -> None:
    message = body_refused(PUT_INFO, {name: None})
    assert f"'{name}': None for not nullable" in message


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"CreatedBy": {"AssociateId": "x"}}, "'CreatedBy.AssociateId'"),
        ({"UpdatedBy": {"Type": "Robot"}}, "'UpdatedBy.Type'"),
        ({"CreatedBy": {"TableRight": {}}}, "'CreatedBy.TableRight'"),
        ({"UpdatedBy": {"Nope": 1}}, "'UpdatedBy'"),
    ],
)
def test_nested_errors_name_the_path_into_the_body(body: dict[str, Any], where: str) -> None:
    message = body_refused(PUT_INFO, body)
    assert message.startswith(f"The body does not match the contract: {where}: ")


def test_every_problem_is_listed_but_no_more_than_ten() -> None:
    body = {f"Unknown{i}": i for i in range(3)} | {"BlobId": "a", "BlobSize": "b"}
    message = body_refused(PUT_INFO, body)
    assert "'BlobId'" in message
    assert "'BlobSize'" in message
    many = dict.fromkeys(("BlobId", "BlobSize", "OriginalSize", "IsZipped"), "text")
    many |= {"CreatedBy": dict.fromkeys(("AssociateId", "PersonId", "Rank", "GroupIdx"), "t")}
    many |= {"UpdatedBy": dict.fromkeys(("AssociateId", "PersonId", "Rank", "GroupIdx"), "t")}
    assert body_refused(PUT_INFO, many).count("is not of type") == 10


@pytest.mark.parametrize("body", [[], "text", None, 5])
def test_a_body_that_is_not_an_object_is_refused(body: Any) -> None:
    assert body_refused(PUT_INFO, body).startswith(
        "The body does not match the contract: the body: "
    )


@pytest.mark.parametrize(
    "media_type",
    ["text/json", "application/xml", "application/x-www-form-urlencoded", "text/xml"],
)
def test_every_body_media_type_of_put_image_info_is_checked(media_type: str) -> None:
    assert "'BlobId'" in body_refused(PUT_INFO, {"BlobId": "x"}, media_type)


def test_a_media_type_without_a_schema_to_check_is_not_checked() -> None:
    checker = validator("v1ContactEntity_GetImage")  # no request body at all
    checker.body("application/json", {"anything": "goes"})
    validator(PUT_INFO).body("image/png", b"bytes")


def operation_ids_with(predicate: Any) -> list[str]:
    return [op.operation_id for op in CONTRACT if predicate(op)]


@pytest.mark.parametrize(
    "operation_id",
    operation_ids_with(lambda op: op.operation_id.endswith("PutImageInfo")),
)
def test_every_put_image_info_refuses_a_read_only_table_right(operation_id: str) -> None:
    assert "'TableRight'" in body_refused(operation_id, {"TableRight": {}})


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("2026-01-05T09:30:00.005+01:00", True),
        ("2026-01-05T09:30:00.0050001", True),  # local, as written under SO-TimeZone
        ("2026-01-05T09:30:00", True),
        ("2024-02-29T23:59:59", True),
        ("2026-13-05T09:30:00", False),
        ("2026-02-30T09:30:00", False),
        ("2026-01-05T25:30:00", False),
        ("2026-01-05T09:61:00", False),
        ("2026-01-05 09:30:00", False),
        ("2026-01-05T09:30:00.12345678", False),
    ],
)
def test_a_local_date_time_must_name_a_real_day_and_time(text: str, valid: bool) -> None:
    assert FORMAT_CHECKER.conforms(text, "date-time") is valid


@pytest.mark.parametrize(
    ("query", "expected", "kinds"),
    [
        ({"ifBlank": ["SrNoPhoto"]}, {"ifBlank": "SrNoPhoto"}, []),
        ({"IfBlank": ["SrNoPhoto"]}, {"ifBlank": "SrNoPhoto"}, ["query-name-case"]),
        ({"ifBlank": ["srnophoto"]}, {"ifBlank": "SrNoPhoto"}, ["enum-case"]),
        ({"ifBlank": ["0"]}, {"ifBlank": "Default"}, ["enum-number"]),
        ({"ifBlank": ["5"]}, {"ifBlank": "GenericFileIcon"}, ["enum-number"]),
        ({"W": ["10"], "w": ["20"]}, {"w": 20}, []),  # the exact spelling first
        ({"w": ["10", "20"]}, {"w": 10}, ["repeated-query"]),
    ],
)
def test_lenient_parameters_are_bound_as_the_real_server_binds_them(
    query: dict[str, list[str]], expected: dict[str, object], kinds: list[str]
) -> None:
    deviations = Deviations()

    values = validator("v1PersonEntity_GetImage").parameters(
        {"personId": "1"}, query, {}, True, deviations
    )

    assert {key: values[key] for key in expected} == expected
    assert [item.kind for item in deviations] == kinds


@pytest.mark.parametrize("raw", ["6", "-1", "Clear Pixel", ""])
def test_an_enum_value_the_real_server_cannot_read_is_still_refused(raw: str) -> None:
    with pytest.raises(BadRequest, match="'ifBlank'"):
        validator("v1PersonEntity_GetImage").parameters(
            {"personId": "1"}, {"ifBlank": [raw]}, {}, True, Deviations()
        )


def test_strict_parameters_keep_to_the_contract_spelling() -> None:
    values = validator("v1PersonEntity_GetImage").parameters(
        {"personId": "1"}, {"IfBlank": ["SrNoPhoto"]}, {}
    )
    assert "ifBlank" not in values
    with pytest.raises(BadRequest, match="'ifBlank'"):
        validator("v1PersonEntity_GetImage").parameters(
            {"personId": "1"}, {"ifBlank": ["srnophoto"]}, {}
        )
