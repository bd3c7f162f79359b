"""The contract document itself: valid OpenAPI 3.0.3, complete, and true to its own conventions.

mockso builds its routes, validation and answers from ``contracts/superoffice-images.yaml``, so
these tests pin the facts the server relies on (the 24 documented operations, their quirky
paths, one entity tag per operation, the ``<entity>Id`` parameter, the error object) and check
that every example in the document satisfies the schema it illustrates.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import yaml
from openapi_schema_validator import OAS30ReadValidator
from openapi_schema_validator import OAS30Validator
from openapi_schema_validator import OAS30WriteValidator
from openapi_schema_validator import oas30_format_checker
from openapi_spec_validator import validate
from referencing import Registry
from referencing import Resource
from referencing.jsonschema import DRAFT4

CONTRACT = Path(__file__).resolve().parent.parent / "contracts" / "superoffice-images.yaml"
DOCUMENT: dict[str, Any] = yaml.safe_load(CONTRACT.read_text(encoding="utf-8"))
BASE_URI = "urn:mockso:contract"
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")

# entity -> (operationId prefix, id parameter, casing of the GET ImageInfo route)
ENTITIES = {
    "Contact": ("v1ContactEntity", "contactId", "Imageinfo"),
    "Person": ("v1PersonEntity", "personId", "ImageInfo"),
    "Product": ("v1Product", "productId", "ImageInfo"),
    "Project": ("v1ProjectEntity", "projectId", "Imageinfo"),
}
CONCEPTUAL_TYPES = {
    "Contact": "CONTACTPHOTO",
    "Person": "PERSONPHOTO",
    "Product": "PRODUCTPHOTO",
    "Project": "PROJECTPHOTO",
}
HEADER_PARAMETERS = ["Accept-Language", "SO-Language", "SO-Culture", "SO-TimeZone", "SO-AppToken"]
JSON_AND_XML = [
    "application/json",
    "text/json",
    "application/xml",
    "text/xml",
    "application/json-patch+json",
    "application/merge-patch+json",
]


def expected_operations() -> dict[str, tuple[str, str]]:
    """operationId -> (method, path), exactly as the reference pages spell them."""
    table = {}
    for entity, (prefix, id_name, get_info) in ENTITIES.items():
        image = f"/api/v1/{entity}/{{{id_name}}}/Image"
        put_info = "/api/v1/Project/{id}/ImageInfo" if entity == "Project" else None
        table |= {
            f"{prefix}_GetImage": ("get", image),
            f"{prefix}_SaveImage": ("put", image),
            f"{prefix}_SaveImage_POST": ("post", image),
            f"{prefix}_DeleteImageContent": ("delete", image),
            f"{prefix}_GetImageInfo": ("get", f"/api/v1/{entity}/{{{id_name}}}/{get_info}"),
            f"{prefix}_PutImageInfo": (
                "put",
                put_info or f"/api/v1/{entity}/{{{id_name}}}/ImageInfo",
            ),
        }
    return table


def operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in DOCUMENT["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


OPERATIONS = {op["operationId"]: (path, method, op) for path, method, op in operations()}


def resolve(node: Any) -> Any:
    """Follow local ``$ref``s at the top of ``node`` (enough for parameters and responses)."""
    while isinstance(node, dict) and "$ref" in node:
        target: Any = DOCUMENT
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def parameters(operation_id: str) -> list[dict[str, Any]]:
    path, _, operation = OPERATIONS[operation_id]
    shared = DOCUMENT["paths"][path].get("parameters", [])
    return [resolve(p) for p in [*shared, *operation.get("parameters", [])]]


def pointer(*parts: str) -> str:
    return "".join("/" + part.replace("~", "~0").replace("/", "~1") for part in parts)


def find_examples(node: Any, at: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """(pointer to the schema, example value) for every example in the document.

    An ``example``/``examples`` next to a ``schema`` (media types, parameters, headers)
    illustrates that schema; an ``example`` without one sits in a schema object itself.
    Example values are not searched further: their keys are data, not OpenAPI.
    """
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from find_examples(item, (*at, str(index)))
        return
    if not isinstance(node, dict):
        return
    schema_at = (*at, "schema") if "schema" in node else at
    if "example" in node:
        yield schema_at, node["example"]
    for example in node.get("examples", {}).values():
        yield schema_at, resolve(example)["value"]
    for key, value in node.items():
        if key not in ("example", "examples"):
            yield from find_examples(value, (*at, key))


EXAMPLES = list(find_examples(DOCUMENT))
REGISTRY = Registry().with_resource(BASE_URI, Resource(contents=DOCUMENT, specification=DRAFT4))


def error_responses() -> Iterator[tuple[str, str]]:
    for operation_id, (_, _, operation) in OPERATIONS.items():
        for status in operation["responses"]:
            if int(status) >= 400:
                yield operation_id, str(status)


def test_the_contract_is_a_valid_openapi_3_0_3_document() -> None:
    assert DOCUMENT["openapi"] == "3.0.3"
    validate(DOCUMENT)


def test_the_contract_describes_exactly_the_24_documented_operations() -> None:
    found = {op_id: (method, path) for op_id, (path, method, _) in OPERATIONS.items()}
    assert len(list(operations())) == 24
    assert found == expected_operations()


@pytest.mark.parametrize(
    ("path", "methods"),
    [
        ("/api/v1/Contact/{contactId}/Imageinfo", {"get"}),
        ("/api/v1/Contact/{contactId}/ImageInfo", {"put"}),
        ("/api/v1/Person/{personId}/ImageInfo", {"get", "put"}),
        ("/api/v1/Product/{productId}/ImageInfo", {"get", "put"}),
        ("/api/v1/Project/{projectId}/Imageinfo", {"get"}),
        ("/api/v1/Project/{id}/ImageInfo", {"put"}),
    ],
)
def test_the_quirky_imageinfo_routes_keep_their_documented_casing(
    path: str, methods: set[str]
) -> None:
    assert set(DOCUMENT["paths"][path]) & set(METHODS) == methods


def test_project_put_imageinfo_takes_an_unused_string_id_and_a_required_query_project_id() -> None:
    by_name = {p["name"]: p for p in parameters("v1ProjectEntity_PutImageInfo")}
    assert by_name["id"]["in"] == "path"
    assert by_name["id"]["required"] is True
    assert by_name["id"]["schema"] == {"type": "string"}
    assert by_name["projectId"]["in"] == "query"
    assert by_name["projectId"]["required"] is True
    assert by_name["projectId"]["schema"] == {"type": "integer", "format": "int32", "minimum": 1}


@pytest.mark.parametrize("operation_id", sorted(OPERATIONS))
def test_every_operation_has_exactly_one_tag_and_it_is_its_entity(operation_id: str) -> None:
    path, _, operation = OPERATIONS[operation_id]
    assert len(operation["tags"]) == 1
    entity = operation["tags"][0]
    assert entity in ENTITIES
    assert path.startswith(f"/api/v1/{entity}/")
    assert operation_id.startswith(f"{ENTITIES[entity][0]}_")


@pytest.mark.parametrize("operation_id", sorted(OPERATIONS))
def test_every_operation_names_its_entity_id_after_the_entity(operation_id: str) -> None:
    entity = OPERATIONS[operation_id][2]["tags"][0]
    id_name = ENTITIES[entity][1]
    where = "query" if operation_id == "v1ProjectEntity_PutImageInfo" else "path"
    matches = [p for p in parameters(operation_id) if p["name"] == id_name]
    assert len(matches) == 1
    assert matches[0]["in"] == where
    assert matches[0]["required"] is True
    # int32 as documented; SuperOffice's keys start at 1, so 0 and below are refused up front.
    assert matches[0]["schema"] == {"type": "integer", "format": "int32", "minimum": 1}


@pytest.mark.parametrize("operation_id", sorted(OPERATIONS))
def test_every_operation_takes_the_documented_request_headers(operation_id: str) -> None:
    headers = [p["name"] for p in parameters(operation_id) if p["in"] == "header"]
    deleting = OPERATIONS[operation_id][1] == "delete"
    assert headers == (["SO-AppToken"] if deleting else HEADER_PARAMETERS)
    assert all(
        not p.get("required", False) for p in parameters(operation_id) if p["in"] == "header"
    )


def test_no_parameter_declares_a_header_that_openapi_or_the_security_schemes_own() -> None:
    reserved = {"authorization", "accept", "content-type", "x-xsrf-token"}
    for operation_id in OPERATIONS:
        names = {p["name"].lower() for p in parameters(operation_id) if p["in"] == "header"}
        assert not names & reserved, operation_id


@pytest.mark.parametrize(("entity", "conceptual_type"), sorted(CONCEPTUAL_TYPES.items()))
def test_each_entity_tag_is_declared_with_its_conceptual_type(
    entity: str, conceptual_type: str
) -> None:
    tags = {tag["name"]: tag for tag in DOCUMENT["tags"]}
    assert set(tags) == set(ENTITIES)
    assert tags[entity]["description"]
    assert tags[entity]["x-conceptual-type"] == conceptual_type


def test_the_four_security_schemes_are_alternatives_not_a_combination() -> None:
    schemes = DOCUMENT["components"]["securitySchemes"]
    assert schemes["Basic"] == schemes["Basic"] | {"type": "http", "scheme": "basic"}
    assert schemes["SOTicket"] == schemes["SOTicket"] | {"type": "http", "scheme": "SOTicket"}
    assert schemes["Bearer"] == schemes["Bearer"] | {"type": "http", "scheme": "bearer"}
    assert schemes["XsrfToken"] == schemes["XsrfToken"] | {
        "type": "apiKey",
        "in": "header",
        "name": "X-XSRF-TOKEN",
    }
    assert DOCUMENT["security"] == [
        {"Basic": []},
        {"SOTicket": []},
        {"Bearer": []},
        {"XsrfToken": []},
    ]


def test_if_blank_keeps_null_as_a_word_rather_than_a_yaml_null() -> None:
    enum = DOCUMENT["components"]["parameters"]["IfBlank"]["schema"]["enum"]
    assert enum == [
        "Default",
        "ClearPixel",
        "SrNoPhoto",
        "SrNoPhotoWithBorder",
        "Null",
        "GenericFileIcon",
    ]


@pytest.mark.parametrize("operation_id", sorted(OPERATIONS))
def test_every_json_or_xml_success_answer_offers_the_six_documented_media_types(
    operation_id: str,
) -> None:
    _, method, operation = OPERATIONS[operation_id]
    success = {s: resolve(r) for s, r in operation["responses"].items() if str(s).startswith("2")}
    assert len(success) == 1
    ((status, response),) = success.items()
    if method == "delete":
        assert status == "204"
        assert "content" not in response
    elif operation_id.endswith("_GetImage"):
        assert list(response["content"]) == ["image/png", "image/jpeg", "image/gif", "image/tiff"]
    else:
        assert list(response["content"]) == JSON_AND_XML


def expected_statuses(operation_id: str) -> set[str]:
    kind = operation_id.split("_", 1)[1]
    statuses = {
        "GetImage": {"200", "400", "401", "404", "406"},
        "SaveImage": {"200", "400", "401", "404", "406", "413", "415", "507"},
        "SaveImage_POST": {"200", "400", "401", "404", "406", "413", "415", "507"},
        "DeleteImageContent": {"204", "400", "401", "404"},
        "GetImageInfo": {"200", "400", "401", "404", "406"},
        "PutImageInfo": {"200", "400", "401", "404", "406", "413", "415"},
    }[kind]
    if operation_id.startswith("v1PersonEntity_SaveImage"):
        statuses = statuses - {"404"}  # the docs make an unknown person a 400 here
    return statuses


@pytest.mark.parametrize("operation_id", sorted(OPERATIONS))
def test_every_operation_declares_the_status_codes_mockso_answers_with(operation_id: str) -> None:
    assert set(map(str, OPERATIONS[operation_id][2]["responses"])) == expected_statuses(
        operation_id
    )


@pytest.mark.parametrize("operation_id", sorted(OPERATIONS))
def test_only_persons_picture_uploads_make_an_unknown_entity_a_bad_request(
    operation_id: str,
) -> None:
    status = OPERATIONS[operation_id][2].get("x-mockso-unknown-entity-status", 404)
    person_upload = operation_id.startswith("v1PersonEntity_SaveImage")
    assert status == (400 if person_upload else 404)


def test_put_imageinfo_may_only_write_keys_the_server_does_not_manage() -> None:
    blob_entity = DOCUMENT["components"]["schemas"]["BlobEntity"]
    writable = blob_entity["x-mockso-writable"]
    assert writable
    assert set(writable) <= set(blob_entity["properties"])
    assert not {name for name in writable if blob_entity["properties"][name].get("readOnly")}
    managed = {"BlobId", "BlobSize", "OriginalSize", "CreatedDate", "UpdatedDate", "CreatedBy"}
    assert not set(writable) & managed


def test_the_document_has_examples_to_check() -> None:
    assert len(EXAMPLES) >= 30  # guards against the walk silently finding nothing


@pytest.mark.parametrize(
    ("schema_at", "example"),
    EXAMPLES,
    ids=[pointer(*at) for at, _ in EXAMPLES],
)
def test_every_example_satisfies_the_schema_it_illustrates(
    schema_at: tuple[str, ...], example: Any
) -> None:
    assert "schema" in schema_at or schema_at[:2] == ("components", "schemas"), (
        "an example outside a media type, parameter, header or schema"
    )
    validator_class = OAS30Validator
    if "requestBody" in schema_at:
        validator_class = OAS30WriteValidator  # a request must not carry read-only keys
    elif "responses" in schema_at:
        validator_class = OAS30ReadValidator
    validator = validator_class(
        {"$ref": f"{BASE_URI}#{quote(pointer(*schema_at), safe='/~')}"},
        registry=REGISTRY,
        format_checker=oas30_format_checker,
    )
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(example)
    ]
    assert errors == []


@pytest.mark.parametrize(
    ("operation_id", "status"),
    list(error_responses()),
    ids=[f"{op}-{status}" for op, status in error_responses()],
)
def test_every_error_answer_is_the_error_object_as_json_only(
    operation_id: str, status: str
) -> None:
    response = resolve(OPERATIONS[operation_id][2]["responses"][status])
    assert list(response["content"]) == ["application/json"]
    media = response["content"]["application/json"]
    assert media["schema"] == {"$ref": "#/components/schemas/Error"}
    assert "example" in media
    assert response["description"]
