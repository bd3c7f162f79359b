"""Operations no handler knows are answered from the contract; fixtures files are checked."""

from __future__ import annotations

import copy
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from helpers import AUTH
from helpers import CONTRACT
from helpers import Api
from helpers import assert_error
from helpers import opened
from helpers import png
from openapi_schema_validator import OAS30Validator

from mockso.app import create_app
from mockso.core.contract import Contract
from mockso.core.fixtures import load_fixtures

THING = {
    "type": "object",
    "additionalProperties": False,
    "required": ["ThingId", "Name"],
    "properties": {
        "ThingId": {"type": "integer", "format": "int32", "minimum": 1},
        "Name": {"type": "string", "maxLength": 40},
        "Kind": {"type": "string", "enum": ["Small", "Large"]},
        "Price": {"type": "number", "minimum": 0, "maximum": 1000},
        "Active": {"type": "boolean"},
        "Tags": {"type": "array", "items": {"type": "string"}, "maxItems": 3},
        "Owner": {"$ref": "#/components/schemas/Associate"},
        "Created": {"type": "string", "format": "date-time"},
    },
}
SUMMARY = {
    "type": "object",
    "properties": {
        "ThingId": {"type": "integer", "format": "int32"},
        "Name": {"type": "string", "nullable": True},
        "Owner": {"$ref": "#/components/schemas/Associate"},
    },
}
THING_EXAMPLE = {"ThingId": 3, "Name": "Sample thing", "Kind": "Small"}


def _thing_parameter() -> dict[str, Any]:
    return {"name": "thingId", "in": "path", "required": True, "schema": {"type": "integer"}}


def _json(schema: dict[str, Any], example: Any = None) -> dict[str, Any]:
    media: dict[str, Any] = {"schema": schema}
    if example is not None:
        media["example"] = example
    return {"application/json": media, "application/xml": {"schema": schema}}


THING_PATHS = {
    "/api/v1/Thing/{thingId}": {
        "get": {
            "operationId": "v1Thing_GetThing",
            "tags": ["Thing"],
            "parameters": [_thing_parameter()],
            "responses": {
                "200": {
                    "description": "The thing.",
                    "content": _json({"$ref": "#/components/schemas/Thing"}, THING_EXAMPLE),
                }
            },
        },
        "delete": {
            "operationId": "v1Thing_ForgetThing",
            "tags": ["Thing"],
            "parameters": [_thing_parameter()],
            "responses": {"204": {"description": "Gone."}},
        },
    },
    "/api/v1/Thing/{thingId}/Details": {
        "get": {
            "operationId": "v1Thing_GetDetails",
            "tags": ["Thing"],
            "parameters": [_thing_parameter()],
            "responses": {
                "200": {
                    "description": "The thing, generated.",
                    "content": _json({"$ref": "#/components/schemas/Thing"}),
                }
            },
        }
    },
    "/api/v1/Thing/{thingId}/Summary": {
        "get": {
            "operationId": "v1Thing_GetSummary",
            "tags": ["Thing"],
            "parameters": [_thing_parameter()],
            "responses": {
                "200": {
                    "description": "The thing in brief, generated.",
                    "content": _json({"$ref": "#/components/schemas/ThingSummary"}),
                }
            },
        }
    },
    "/api/v1/Thing/{thingId}/Picture": {
        "get": {
            "operationId": "v1Thing_GetPicture",
            "tags": ["Thing"],
            "parameters": [_thing_parameter()],
            "responses": {
                "200": {
                    "description": "A picture.",
                    "content": {"image/png": {"schema": {"type": "string", "format": "binary"}}},
                }
            },
        }
    },
}


def with_things() -> dict[str, Any]:
    """The bundled contract plus the Thing operations, which no handler knows."""
    document = copy.deepcopy(dict(CONTRACT.document))
    document["paths"].update(copy.deepcopy(THING_PATHS))
    document["components"]["schemas"]["Thing"] = copy.deepcopy(THING)
    document["components"]["schemas"]["ThingSummary"] = copy.deepcopy(SUMMARY)
    document["tags"].append({"name": "Thing"})
    return document


def things_only() -> dict[str, Any]:
    """A contract with only the Thing operations, no BlobEntity and no security."""
    return {
        "openapi": "3.0.3",
        "info": {"title": "Things", "version": "1"},
        "paths": copy.deepcopy(THING_PATHS),
        "components": {
            "schemas": {
                "Thing": copy.deepcopy(THING),
                "ThingSummary": copy.deepcopy(SUMMARY),
                "Associate": copy.deepcopy(CONTRACT.document["components"]["schemas"]["Associate"]),
                "TableRight": copy.deepcopy(
                    CONTRACT.document["components"]["schemas"]["TableRight"]
                ),
                "FieldProperty": copy.deepcopy(
                    CONTRACT.document["components"]["schemas"]["FieldProperty"]
                ),
                "FieldRight": copy.deepcopy(
                    CONTRACT.document["components"]["schemas"]["FieldRight"]
                ),
            }
        },
    }


@pytest.fixture
def contract() -> Contract:
    return Contract.from_dict(with_things())


@pytest.fixture
def api(contract: Contract) -> Api:
    return Api(create_app({"seed": 1}, contract=contract).test_client(), AUTH)


def validate(contract: Contract, operation_id: str, value: Any) -> None:
    schema = contract.operation(operation_id).success.content["application/json"].schema
    OAS30Validator(schema, format_checker=OAS30Validator.FORMAT_CHECKER).validate(value)


def test_an_operation_with_an_example_answers_the_example(api: Api) -> None:
    response = api.client.get("/api/v1/Thing/3", headers=AUTH)

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json() == THING_EXAMPLE


def test_an_operation_without_an_example_answers_a_valid_generated_payload(
    api: Api, contract: Contract
) -> None:
    response = api.client.get("/api/v1/Thing/3/Details", headers=AUTH)

    assert response.status_code == 200
    payload = response.get_json()
    validate(contract, "v1Thing_GetDetails", payload)
    assert set(payload) >= {"ThingId", "Name"}


@pytest.mark.parametrize("thing_id", [1, 3, 2147483647])
def test_the_generated_payload_is_the_same_for_the_same_seed(
    contract: Contract, thing_id: int
) -> None:
    path = f"/api/v1/Thing/{thing_id}/Details"
    answers = [
        create_app({"seed": 1}, contract=contract).test_client().get(path, headers=AUTH).get_data()
        for _ in range(2)
    ]

    assert answers[0] == answers[1]
    validate(contract, "v1Thing_GetDetails", json.loads(answers[0]))


def test_the_generated_payload_depends_on_the_seed(contract: Contract) -> None:
    answers = {
        create_app({"seed": seed}, contract=contract)
        .test_client()
        .get("/api/v1/Thing/3/Details", headers=AUTH)
        .get_data()
        for seed in (1, 2, 3)
    }

    assert len(answers) > 1


def test_a_generated_payload_is_answered_as_xml_when_asked(api: Api) -> None:
    json_answer = api.client.get("/api/v1/Thing/3/Summary", headers=AUTH).get_json()

    response = api.client.get(
        "/api/v1/Thing/3/Summary", headers={**AUTH, "Accept": "application/xml"}
    )

    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    root = ET.fromstring(response.get_data())
    assert root.tag == "ThingSummary"
    assert root.findtext("ThingId") == str(json_answer["ThingId"])


def test_a_generated_payload_with_an_array_is_answered_as_xml(api: Api) -> None:
    response = api.client.get(
        "/api/v1/Thing/3/Details", headers={**AUTH, "Accept": "application/xml"}
    )

    assert response.status_code == 200
    assert ET.fromstring(response.get_data()).tag == "Thing"


@pytest.mark.parametrize(
    ("accept", "fmt"), [(None, "PNG"), ("image/png", "PNG"), ("image/*", "PNG")]
)
def test_an_unknown_operation_with_a_picture_answer_gets_a_placeholder(
    api: Api, accept: str | None, fmt: str
) -> None:
    headers = {**AUTH, "Accept": accept} if accept else AUTH

    response = api.client.get("/api/v1/Thing/3/Picture", headers=headers)

    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert opened(response.get_data()).format == fmt


@pytest.mark.requests("strict")
def test_a_placeholder_is_converted_to_the_only_picture_type_offered() -> None:
    document = with_things()
    content = document["paths"]["/api/v1/Thing/{thingId}/Picture"]["get"]["responses"]["200"]
    content["content"] = {"image/gif": content["content"]["image/png"]}
    # The Thing operations document no 406: strict mode would (rightly) object to the one below.
    contract = Contract.from_dict(document)
    client = create_app({"seed": 1, "strict": False}, contract=contract).test_client()

    response = client.get("/api/v1/Thing/3/Picture", headers=AUTH)

    assert response.mimetype == "image/gif"
    assert opened(response.get_data()).format == "GIF"
    assert_error(
        client.get("/api/v1/Thing/3/Picture", headers={**AUTH, "Accept": "image/png"}), 406
    )


def test_an_unknown_operation_without_an_answer_body_gets_its_status(api: Api) -> None:
    response = api.client.delete("/api/v1/Thing/3", headers=AUTH)

    assert (response.status_code, response.get_data()) == (204, b"")


@pytest.mark.requests("strict")
def test_unknown_operations_are_still_checked_against_the_contract(contract: Contract) -> None:
    # The Thing operations document no 401 or 406: strict mode would (rightly) object to them.
    api = Api(create_app({"seed": 1, "strict": False}, contract=contract).test_client(), AUTH)
    assert_error(api.client.get("/api/v1/Thing/abc"), 401)
    assert_error(
        api.client.get("/api/v1/Thing/abc", headers=AUTH), 400, message_fragment="'thingId'"
    )
    assert_error(api.client.get("/api/v1/Thing/3", headers={**AUTH, "Accept": "text/html"}), 406)


def test_leniently_unknown_operations_answer_json_and_the_picture_whatever_accept_says() -> None:
    document = with_things()
    content = document["paths"]["/api/v1/Thing/{thingId}/Picture"]["get"]["responses"]["200"]
    content["content"] = {"image/gif": content["content"]["image/png"]}
    app = create_app({"seed": 1, "strict": False}, contract=Contract.from_dict(document))
    api = Api(app.test_client(), AUTH)

    data = api.client.get("/api/v1/Thing/3", headers={**AUTH, "Accept": "text/html"})
    picture = api.client.get("/api/v1/Thing/3/Picture", headers={**AUTH, "Accept": "image/png"})

    assert (data.status_code, data.mimetype) == (200, "application/json")
    assert (picture.status_code, picture.mimetype) == (200, "image/gif")
    first, second = api.deviations()
    assert first.startswith("Accept 'text/html' names no media type")
    assert "JSON" in first
    assert second.endswith(
        "the real server sends the picture as image/gif: a file answer skips negotiation"
    )


def test_the_image_operations_still_work_beside_unknown_ones(api: Api) -> None:
    assert api.save("Person", 1, png()).status_code == 200
    assert api.info("Person", 1).get_json()["BlobId"] == 1


def test_a_contract_without_image_operations_is_served() -> None:
    app = create_app({"seed": 1}, contract=Contract.from_dict(things_only()))
    client = app.test_client()

    assert client.get("/api/v1/Thing/3").get_json() == THING_EXAMPLE
    assert client.get("/api/v1/Thing/3/Details").status_code == 200
    assert_error(client.get("/api/v1/Person/1/ImageInfo"), 404)


# --- fixtures files ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("fixtures.yaml", "entities:\n  Person: [1, 2]\n  Contact: ['5']\n"),
        ("fixtures.yml", "entities: {Person: [1, 2], Contact: [5]}\n"),
        ("fixtures.json", '{"entities": {"Person": [1, 2], "Contact": [5]}}'),
    ],
)
def test_load_fixtures_reads_yaml_and_json(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")

    assert load_fixtures(path) == {"Person": frozenset({1, 2}), "Contact": frozenset({5})}


def test_an_empty_list_means_no_entity_of_that_type_exists(tmp_path: Path) -> None:
    path = tmp_path / "fixtures.yaml"
    path.write_text("entities:\n  Product: []\n", encoding="utf-8")
    api = Api(create_app({"seed": 1, "fixtures": str(path)}).test_client(), AUTH)

    assert_error(api.info("Product", 1), 404)
    assert api.info("Person", 1).status_code == 200


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "'entities' mapping"),
        ("[1, 2]", "'entities' mapping"),
        ("entities: [1, 2]\n", "'entities' mapping"),
        ("people:\n  Person: [1]\n", "'entities' mapping"),
        ("entities:\n  Person: [one]\n", "whole numbers"),
        ("entities:\n  Person: 5\n", "whole numbers"),
        ("entities:\n  Person: [1.5]\n", "whole numbers"),
        ("entities:\n  Person: [true]\n", "whole numbers"),
    ],
)
def test_load_fixtures_refuses_a_malformed_file_naming_it(
    tmp_path: Path, text: str, fragment: str
) -> None:
    path = tmp_path / "fixtures.yaml"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(ValueError, match=fragment) as error:
        load_fixtures(path)
    assert str(path) in str(error.value)


def test_load_fixtures_refuses_invalid_json(tmp_path: Path) -> None:
    path = tmp_path / "fixtures.json"
    path.write_text("{entities: }", encoding="utf-8")

    with pytest.raises(json.JSONDecodeError):
        load_fixtures(path)


def test_a_missing_fixtures_file_stops_the_app(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        create_app({"seed": 1, "fixtures": str(tmp_path / "nowhere.yaml")})


def test_a_fixtures_file_naming_an_entity_type_the_contract_lacks_stops_the_app(
    tmp_path: Path,
) -> None:
    fixtures = tmp_path / "fixtures.yaml"
    fixtures.write_text("entities:\n  Persons: [1]\n  Person: [2]\n", encoding="utf-8")

    with pytest.raises(ValueError, match="unknown entity type\\(s\\) Persons; the contract has"):
        create_app({"seed": 1, "fixtures": str(fixtures)})
