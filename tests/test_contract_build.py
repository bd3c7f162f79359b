"""``mockso contract build`` on the five seed pages, against the hand-written contract.

Every fact a seed page states (method, path, operationId, parameters with their types and
required-ness, request media types, documented status codes and their causes, answer media
types, samples, the BlobEntity table) must agree with ``contracts/superoffice-images.yaml``;
what the hand-written contract adds (mockso's extra status codes, nullable, minimum) is not
checked here. The built contract must also be servable by mockso as it stands.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from helpers import AUTH
from helpers import png
from openapi_spec_validator import validate

import mockso
from mockso.build.builder import DERIVED_ID
from mockso.build.builder import build
from mockso.build.builder import dump
from mockso.build.builder import read_pages
from mockso.cli import cli
from mockso.core.contract import DEFAULT_CONTRACT
from mockso.core.contract import Contract
from mockso.core.contract import Operation

SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"
PAGES = Path(__file__).resolve().parent / "pages"
pytestmark = pytest.mark.skipif(
    not SEEDS.is_dir(), reason=f"the seed reference pages are not there: {SEEDS}"
)

HAND = Contract.from_path()
# The seeds' operations, by operationId as the hand-written contract names them.
SEED_OPERATIONS = (
    "v1ProjectEntity_SaveImage_POST",
    "v1ProjectEntity_SaveImage",  # the plain rendering: its id is derived
    "v1PersonEntity_SaveImage_POST",
    "v1Product_SaveImage",
    "v1ProjectEntity_PutImageInfo",
)
HEADERS = ("Accept-Language", "SO-Language", "SO-Culture", "SO-TimeZone", "SO-AppToken")


def seed_files() -> list[Path]:
    return sorted(SEEDS.iterdir())


@functools.cache
def built_text() -> str:
    found, skipped = read_pages(seed_files())
    assert skipped == []
    return dump(build(found))


def built_document() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(built_text())
    return document


@functools.cache
def built() -> Contract:
    return Contract.from_dict(built_document())


def pair(operation_id: str) -> tuple[Operation, Operation]:
    """(built, hand-written) operation: found by method and path, as the page states them."""
    hand = HAND.operation(operation_id)
    ours = next(op for op in built() if (op.method, op.path) == (hand.method, hand.path))
    return ours, hand


def typed(schema: Any) -> tuple[Any, ...]:
    return schema.get("type"), schema.get("format"), schema.get("$ref"), schema.get("enum")


@pytest.mark.parametrize("operation_id", SEED_OPERATIONS)
def test_each_seed_operation_has_the_hand_written_method_path_and_operation_id(
    operation_id: str,
) -> None:
    ours, hand = pair(operation_id)

    assert (ours.method, ours.path) == (hand.method, hand.path)
    if ours.extensions.get(DERIVED_ID):  # the plain rendering states no id
        assert ours.operation_id == "PUT_api_v1_Project_projectId_Image"
    else:
        assert ours.operation_id == hand.operation_id
    assert ours.tags == hand.tags


def test_the_seeds_describe_five_operations() -> None:
    assert len(built()) == len(SEED_OPERATIONS)


@pytest.mark.parametrize("operation_id", SEED_OPERATIONS)
def test_path_and_query_parameters_agree_in_name_type_and_required_ness(operation_id: str) -> None:
    ours, hand = pair(operation_id)

    def facts(op: Operation) -> set[tuple[Any, ...]]:
        return {
            (p.name, p.location, p.required, typed(p.schema))
            for p in op.parameters
            if p.location in ("path", "query")
        }

    assert facts(ours) == facts(hand)


@pytest.mark.parametrize("operation_id", SEED_OPERATIONS)
def test_header_parameters_agree(operation_id: str) -> None:
    ours, hand = pair(operation_id)

    def headers(op: Operation) -> list[str]:
        return [p.name for p in op.parameters if p.location == "header"]

    assert headers(ours) == headers(hand) == list(HEADERS)


@pytest.mark.parametrize("operation_id", SEED_OPERATIONS)
def test_request_media_types_agree(operation_id: str) -> None:
    ours, hand = pair(operation_id)

    assert ours.request_body is not None
    assert hand.request_body is not None
    assert list(ours.request_body.content) == list(hand.request_body.content)


@pytest.mark.parametrize("operation_id", SEED_OPERATIONS)
def test_every_documented_status_code_is_in_the_hand_written_contract(operation_id: str) -> None:
    ours, hand = pair(operation_id)

    assert set(ours.responses) <= set(hand.responses)
    assert set(ours.responses) == {"200", "400"}


@pytest.mark.parametrize("operation_id", SEED_OPERATIONS)
def test_the_hand_written_400_quotes_the_documented_cause(operation_id: str) -> None:
    ours, hand = pair(operation_id)

    cause = ours.responses["400"].description.removeprefix("Bad request. ")
    assert cause in hand.responses["400"].description


@pytest.mark.parametrize("operation_id", SEED_OPERATIONS)
def test_the_success_answer_agrees_in_media_types_and_sample(operation_id: str) -> None:
    ours, hand = pair(operation_id)

    assert list(ours.success.content) == list(hand.success.content)
    assert ours.success.content["application/json"].example == (
        hand.success.content["application/json"].example
    )
    schema = ours.success.content["application/json"].raw_schema
    assert typed(schema) == typed(hand.success.content["application/json"].raw_schema)


def test_the_sample_request_body_is_the_hand_written_example() -> None:
    ours, hand = pair("v1ProjectEntity_PutImageInfo")

    assert ours.request_body is not None
    assert hand.request_body is not None
    assert ours.request_body.content["application/json"].example == (
        hand.request_body.content["application/json"].example
    )


@pytest.mark.parametrize("name", ["BlobEntity", "Associate", "TableRight"])
def test_named_types_agree_in_property_names_and_types(name: str) -> None:
    ours = built().component_schemas[name]["properties"]
    hand = HAND.component_schemas[name]["properties"]

    assert list(ours) == list(hand)
    assert {k: typed(v) for k, v in ours.items()} == {k: typed(v) for k, v in hand.items()}


def test_the_security_schemes_agree_up_to_the_letter_case_of_soticket() -> None:
    def identities(contract: Contract) -> set[tuple[str, str]]:
        return {
            (str(s["type"]), str(s.get("scheme") or s.get("name")).lower())
            for s in contract.security_schemes.values()
        }

    assert identities(built()) == identities(HAND)
    assert "SoTicket" in built().security_schemes  # as the pages spell it
    assert "SOTicket" in HAND.security_schemes


@pytest.mark.parametrize(
    "fragment",
    [
        '400 of POST /api/v1/*/{}/Image is described differently per entity: Person: "Image '
        'bitmap is missing from body or person id is not valid."; Project: "Image bitmap is '
        'missing from body.".',
        "Project is named by different path parts: `{id}` in PUT /api/v1/Project/{id}/ImageInfo; "
        "`{projectId}` in PUT /api/v1/Project/{projectId}/Image, POST "
        "/api/v1/Project/{projectId}/Image (PUT /api/v1/Project/{id}/ImageInfo takes "
        "`projectId` as a query parameter).",
        "PUT /api/v1/Project/{id}/ImageInfo: the sample request leaves out the required query "
        "parameter projectId.",
        "`PUT_api_v1_Project_projectId_Image` (PUT /api/v1/Project/{projectId}/Image): the "
        "page's plain rendering shows no operation id",
    ],
)
def test_the_docs_inconsistencies_are_listed_in_the_description(fragment: str) -> None:
    description = built_document()["info"]["description"]

    assert fragment in " ".join(description.split())


def test_two_builds_are_byte_identical() -> None:
    found, _ = read_pages(reversed(seed_files()))

    assert dump(build(found)) == built_text()


def test_the_built_contract_is_valid_openapi() -> None:
    validate(built_document())


# -- the command -------------------------------------------------------------------------------


def test_the_command_writes_the_same_file(tmp_path: Path) -> None:
    out = tmp_path / "built.yaml"

    result = CliRunner().invoke(cli, ["contract", "build", *map(str, seed_files()), "-o", str(out)])

    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == built_text()
    assert result.stdout == ""


def test_the_command_prints_to_stdout_without_an_output_file() -> None:
    result = CliRunner().invoke(cli, ["contract", "build", *map(str, seed_files())])

    assert result.exit_code == 0, result.output
    assert result.stdout == built_text()
    assert result.stderr == ""


def test_the_command_warns_about_and_skips_a_page_of_another_shape() -> None:
    howto = PAGES / "unknown" / "howto.md"

    result = CliRunner().invoke(cli, ["contract", "build", str(howto), *map(str, seed_files())])

    assert result.exit_code == 0, result.output
    assert result.stderr == (
        f"warning: {howto}: not a REST reference page (the first heading is not "
        "'# METHOD Entity/...': \"# How to update a person's image\"); skipped\n"
    )
    assert yaml.safe_load(result.stdout)["paths"] == built_document()["paths"]


def test_the_command_fails_on_a_malformed_page_naming_file_and_line(tmp_path: Path) -> None:
    bad = PAGES / "malformed" / "bad_type.md"
    out = tmp_path / "built.yaml"

    result = CliRunner().invoke(
        cli, ["contract", "build", *map(str, seed_files()), str(bad), "-o", str(out)]
    )

    assert result.exit_code == 1
    assert f"Error: {bad}:20: expected a type (int32," in result.stderr
    assert not out.exists()


def test_the_command_fails_when_no_input_is_a_reference_page() -> None:
    result = CliRunner().invoke(cli, ["contract", "build", str(PAGES / "unknown" / "chrome.txt")])

    assert result.exit_code == 1
    assert "Error: none of the inputs is a REST reference page" in result.stderr


def test_the_command_refuses_a_merge_file_that_is_no_contract(tmp_path: Path) -> None:
    other = tmp_path / "list.yaml"
    other.write_text("- a\n- b\n", encoding="utf-8")

    result = CliRunner().invoke(
        cli, ["contract", "build", *map(str, seed_files()), "--merge", str(other)]
    )

    assert result.exit_code == 1
    assert "a contract is a mapping at the top level" in result.stderr


@functools.cache
def merged_text() -> str:
    args = ["contract", "build", *map(str, seed_files()), "--merge", str(DEFAULT_CONTRACT)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_merging_into_the_hand_written_contract_keeps_its_24_operations() -> None:
    document = yaml.safe_load(merged_text())

    validate(document)
    merged = Contract.from_dict(document)
    assert sorted(op.operation_id for op in merged) == sorted(op.operation_id for op in HAND)
    person = merged.operation("v1PersonEntity_SaveImage_POST")
    assert person.extensions["x-mockso-unknown-entity-status"] == 400
    assert list(person.responses) == ["200", "400"]  # the page's codes replace mockso's


# -- serving what was built --------------------------------------------------------------------


def request_for(operation: Operation) -> dict[str, Any]:
    """A well-formed request for an operation of the built contract."""
    path, query = operation.path, {}
    for parameter in operation.parameters:
        value = "7" if parameter.schema.get("type") == "integer" else "ignored"
        if parameter.location == "path":
            path = path.replace("{" + parameter.name + "}", value)
        elif parameter.location == "query" and parameter.required:
            query[parameter.name] = value
    kwargs: dict[str, Any] = {"method": operation.method, "query_string": query}
    body = operation.request_body
    if body is not None and "image/png" in body.content:
        kwargs |= {"data": png(), "content_type": "image/png"}
    elif body is not None:
        example = body.content["application/json"].example
        kwargs |= {"data": json.dumps(example), "content_type": "application/json"}
    return {"path": path, **kwargs}


@pytest.mark.parametrize("operation_id", SEED_OPERATIONS)
@pytest.mark.parametrize("source", ["built", "merged"])
def test_a_contract_built_from_the_seeds_answers_each_operation(
    operation_id: str, source: str
) -> None:
    contract = built() if source == "built" else Contract.from_dict(yaml.safe_load(merged_text()))
    hand = HAND.operation(operation_id)
    operation = next(op for op in contract if (op.method, op.path) == (hand.method, hand.path))
    client = mockso.create_app({"seed": 1}, contract=contract).test_client()

    request = request_for(operation)
    response = client.open(request.pop("path"), headers=AUTH, **request)

    assert 200 <= response.status_code < 300, response.get_data()
    assert response.mimetype == "application/json"


def test_an_operation_without_a_stateful_handler_answers_with_its_sample() -> None:
    client = mockso.create_app({"seed": 1}, contract=built()).test_client()

    response = client.put(
        "/api/v1/Project/7/Image", data=png(), content_type="image/png", headers=AUTH
    )

    assert (response.status_code, response.get_json()) == (200, 59)


def test_a_picture_saved_through_the_built_contract_is_counted_in_its_image_info() -> None:
    client = mockso.create_app({"seed": 1}, contract=built()).test_client()
    client.post("/api/v1/Project/7/Image", data=png(), content_type="image/png", headers=AUTH)

    response = client.put(
        "/api/v1/Project/x/ImageInfo?projectId=7",
        json={"Description": "Site photo"},
        headers=AUTH,
    )

    assert response.status_code == 200
    assert (response.get_json()["BlobId"], response.get_json()["MimeType"]) == (1, "image/png")
