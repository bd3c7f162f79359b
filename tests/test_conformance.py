"""Strict mode: answers the contract does not allow become loud failures."""

from __future__ import annotations

import json

import pytest

from mockso.core.conformance import ResponseChecker
from mockso.core.conformance import properties_off_contract
from mockso.core.contract import Contract

CONTRACT = Contract.from_path()
GET_INFO = CONTRACT.operation("v1PersonEntity_GetImageInfo")
SAVE = CONTRACT.operation("v1PersonEntity_SaveImage")
DELETE = CONTRACT.operation("v1PersonEntity_DeleteImageContent")
JSON = {"Content-Type": "application/json; charset=utf-8"}


def test_a_conforming_blob_id_answer_has_no_problems() -> None:
    assert ResponseChecker().problems(SAVE, 200, JSON, b"17") == []


def test_an_undocumented_status_is_named_with_the_documented_ones() -> None:
    problems = ResponseChecker().problems(SAVE, 418, JSON, b"17")

    assert len(problems) == 1
    assert "status 418 is not documented for v1PersonEntity_SaveImage" in problems[0]
    assert "200" in problems[0]


def test_a_crash_is_left_to_speak_for_itself_rather_than_hidden_behind_a_violation() -> None:
    crash = b'{"Error":true,"ErrorType":"Exception","ErrorMessage":"mockso failed: boom",'
    crash += b'"ErrorSource":"SuperOffice.WebApi"}'

    assert ResponseChecker().problems(SAVE, 500, JSON, crash) == []
    assert ResponseChecker().problems(SAVE, 502, JSON, crash) != []


def test_an_undocumented_media_type_is_a_problem() -> None:
    problems = ResponseChecker().problems(SAVE, 200, {"Content-Type": "text/plain"}, b"17")

    assert problems == [
        "Content-Type 'text/plain' is not documented here (application/json, text/json, "
        "application/xml, text/xml, application/json-patch+json, application/merge-patch+json)"
    ]


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b'"17"', "is not of type 'integer'"),
        (b"2147483648", "is not a 'int32'"),
        (b"{", "not JSON"),
    ],
)
def test_a_body_against_the_schema_is_a_problem(body: bytes, fragment: str) -> None:
    problems = ResponseChecker().problems(SAVE, 200, JSON, body)

    assert any(fragment in problem for problem in problems), problems


def test_an_error_answer_must_be_the_error_object() -> None:
    problems = ResponseChecker().problems(SAVE, 400, JSON, b'{"Message": "nope"}')

    assert any("'Error' is a required property" in p for p in problems)
    assert any("Additional properties are not allowed" in p for p in problems)


def test_a_body_on_a_bodyless_status_is_a_problem() -> None:
    assert ResponseChecker().problems(DELETE, 204, {}, b"null") == [
        "status 204 documents no body; got 4 bytes"
    ]


def test_a_missing_required_header_is_a_problem() -> None:
    body = b'{"Error":true,"ErrorType":"X","ErrorMessage":"m","ErrorSource":"s"}'

    problems = ResponseChecker().problems(GET_INFO, 401, JSON, body)

    assert problems == ["required header WWW-Authenticate is missing"]


def test_strict_mode_turns_a_violating_answer_into_a_500(monkeypatch: pytest.MonkeyPatch) -> None:
    from helpers import gateway_of

    from mockso import create_app
    from mockso.core.handlers import Reply

    app = create_app({"seed": 1, "strict": True})
    # Given a handler that answers a string where the contract says int32
    endpoint = gateway_of(app).router.endpoints["v1PersonEntity_SaveImage"]
    monkeypatch.setattr(endpoint, "handler", lambda call: Reply(value="not a number"))

    answer = app.test_client().put(
        "/api/v1/Person/1/Image",
        data=b"x",
        headers={"Authorization": "Basic dGplMDpUamUw", "Content-Type": "image/png"},
    )

    assert answer.status_code == 500
    assert answer.json["ErrorType"] == "ContractViolationException"
    assert "is not of type 'integer'" in answer.json["ErrorMessage"]


def _info(**changes: object) -> dict[str, object]:
    from mockso.core.payloads import PayloadGenerator

    schema = GET_INFO.success.content["application/json"].schema
    value = PayloadGenerator(CONTRACT.component_schemas, 1).generate(schema, key="info")
    assert isinstance(value, dict)
    value.update(changes)
    return value


def test_findings_sort_a_drifting_answer_by_kind_and_name_each_property() -> None:
    info = _info(BlobId="12", Secret="x")
    del info["CreatedDate"]
    body = json.dumps(info).encode()

    findings = ResponseChecker().findings(GET_INFO, 200, JSON, body, drift=True)

    assert sorted((f.kind, f.where) for f in findings) == [
        ("extra", "Secret"),
        ("missing", "CreatedDate"),
        ("type", "BlobId"),
    ]


def test_strict_mode_does_not_call_a_declared_but_absent_property_a_problem() -> None:
    info = _info()
    del info["CreatedDate"]  # requests are partial, so the schema requires nothing

    assert ResponseChecker().problems(GET_INFO, 200, JSON, json.dumps(info).encode()) == []


def test_properties_off_contract_look_inside_nested_objects_and_lists() -> None:
    schema = {
        "type": "object",
        "properties": {
            "a": {"type": "array", "items": {"properties": {"b": {"type": "integer"}}}},
            "free": {"type": "object"},
            "map": {"type": "object", "additionalProperties": {"properties": {"c": {}}}},
        },
    }
    value = {"a": [{"b": 1, "x": 2}], "free": {"y": 1}, "map": {"k": {"c": 1, "z": 0}}}

    assert sorted(properties_off_contract(schema, value)) == [
        ("extra", ("a", 0, "x")),
        ("extra", ("map", "k", "z")),
    ]
