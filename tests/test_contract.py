"""mockso.core.contract: loading an OpenAPI 3.0 document into read-only operations, refs inlined."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from mockso.core.contract import DEFAULT_CONTRACT
from mockso.core.contract import Contract
from mockso.core.contract import MediaType
from mockso.core.errors import ContractError

BUNDLED: dict[str, Any] = yaml.safe_load(DEFAULT_CONTRACT.read_text(encoding="utf-8"))
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


def bundled_operation_ids() -> set[str]:
    return {
        spec["operationId"]
        for item in BUNDLED["paths"].values()
        for method, spec in item.items()
        if method in METHODS
    }


def small(**extra: Any) -> dict[str, Any]:
    """A one-operation document; ``extra`` replaces or adds top-level keys."""
    document: dict[str, Any] = {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/things/{thingId}": {
                "get": {
                    "operationId": "v1Thing_GetThing",
                    "tags": ["Thing"],
                    "parameters": [
                        {"name": "thingId", "in": "path", "schema": {"type": "integer"}}
                    ],
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Thing"}
                                }
                            },
                        }
                    },
                }
            }
        },
        "components": {
            "schemas": {
                "Thing": {
                    "type": "object",
                    "properties": {
                        "Owner": {"$ref": "#/components/schemas/Person"},
                        "Maker": {"$ref": "#/components/schemas/Person"},
                    },
                },
                "Person": {"type": "object", "properties": {"Name": {"type": "string"}}},
            }
        },
    }
    document.update(extra)
    return document


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# -- loading ----------------------------------------------------------------------------------


def test_from_path_without_a_path_loads_the_bundled_contract_with_its_24_operations() -> None:
    contract = Contract.from_path()
    assert len(contract) == 24
    assert {op.operation_id for op in contract} == bundled_operation_ids()
    assert contract.source == str(DEFAULT_CONTRACT)


def test_from_path_reads_a_json_file_as_well_as_yaml(tmp_path: Path) -> None:
    path = write(tmp_path, "small.json", json.dumps(small()))
    contract = Contract.from_path(path)
    assert [op.operation_id for op in contract] == ["v1Thing_GetThing"]
    assert contract.source == str(path)


def test_from_dict_reads_a_small_document_into_operations() -> None:
    contract = Contract.from_dict(small())
    (operation,) = contract.operations
    assert operation.operation_id == "v1Thing_GetThing"
    assert operation.method == "GET"
    assert operation.path == "/things/{thingId}"
    assert operation.tags == ("Thing",)
    assert contract.operation("v1Thing_GetThing") is operation
    assert contract.source == "<dict>"


def test_operation_with_an_unknown_id_is_a_key_error() -> None:
    with pytest.raises(KeyError, match="v1Nope"):
        Contract.from_dict(small()).operation("v1Nope")


def test_every_http_method_of_a_path_item_becomes_an_operation_in_method_order() -> None:
    document = small()
    item = document["paths"]["/things/{thingId}"]
    item["delete"] = {"operationId": "del", "responses": {"204": {"description": "gone"}}}
    item["put"] = {"operationId": "put", "responses": {"200": {"description": "ok"}}}
    item["x-note"] = "not an operation"
    contract = Contract.from_dict(document)
    assert [(op.method, op.operation_id) for op in contract] == [
        ("GET", "v1Thing_GetThing"),
        ("PUT", "put"),
        ("DELETE", "del"),
    ]


# -- resolving --------------------------------------------------------------------------------


def test_resolve_inlines_local_refs_and_keeps_the_raw_schema_beside_it() -> None:
    contract = Contract.from_dict(small())
    media = contract.operation("v1Thing_GetThing").success.content["application/json"]
    assert media.raw_schema == {"$ref": "#/components/schemas/Thing"}
    assert media.schema["properties"]["Owner"] == {
        "type": "object",
        "properties": {"Name": {"type": "string"}},
    }
    assert "$ref" not in str(media.schema)


def test_a_shared_ref_target_is_resolved_into_one_shared_object() -> None:
    contract = Contract.from_dict(small())
    thing = contract.schema("Thing")
    assert thing["properties"]["Owner"] is thing["properties"]["Maker"]
    assert contract.schema("Person") == thing["properties"]["Owner"]


def test_the_same_component_reached_from_two_operations_is_one_object() -> None:
    contract = Contract.from_path()
    first = contract.operation("v1ContactEntity_GetImageInfo").success.content["application/json"]
    second = contract.operation("v1Product_PutImageInfo").success.content["text/xml"]
    assert first.schema is second.schema


def test_resolve_follows_json_pointer_escapes_in_a_ref() -> None:
    document = small()
    document["components"]["schemas"]["a/b~c"] = {"type": "string"}
    contract = Contract.from_dict(document)
    assert contract.resolve({"$ref": "#/components/schemas/a~1b~0c"}, "#/x") == {"type": "string"}


def test_schema_of_an_unknown_component_is_a_contract_error() -> None:
    with pytest.raises(ContractError, match=r"<dict>: no component schema 'Nope'"):
        Contract.from_dict(small()).schema("Nope")


# -- refusing broken documents ----------------------------------------------------------------


@pytest.mark.parametrize("paths", [None, {}, [], "paths"])
def test_a_document_without_paths_is_a_contract_error(paths: Any) -> None:
    document = small(paths=paths)
    if paths is None:
        del document["paths"]
    with pytest.raises(ContractError, match=r"^<dict>: the contract has no paths$"):
        Contract.from_dict(document)


@pytest.mark.parametrize("operation_id", [None, ""])
def test_an_operation_without_an_operation_id_is_a_contract_error_naming_where(
    operation_id: str | None,
) -> None:
    document = small()
    get = document["paths"]["/things/{thingId}"]["get"]
    if operation_id is None:
        del get["operationId"]
    else:
        get["operationId"] = operation_id
    with pytest.raises(ContractError) as caught:
        Contract.from_dict(document)
    assert str(caught.value) == (
        "<dict>: #/paths/~1things~1{thingId}/get: every operation needs an operationId"
    )


def test_a_recursive_ref_is_a_contract_error_naming_the_ref() -> None:
    document = small()
    document["components"]["schemas"]["Person"]["properties"]["Boss"] = {
        "$ref": "#/components/schemas/Person"
    }
    with pytest.raises(ContractError) as caught:
        Contract.from_dict(document)
    message = str(caught.value)
    assert message.startswith("<dict>: #/components/schemas/Person/properties/Boss: ")
    assert "recursive $ref #/components/schemas/Person is not supported" in message


def test_a_mutually_recursive_pair_of_refs_is_a_contract_error() -> None:
    document = small()
    schemas = document["components"]["schemas"]
    schemas["A"] = {"properties": {"b": {"$ref": "#/components/schemas/B"}}}
    schemas["B"] = {"properties": {"a": {"$ref": "#/components/schemas/A"}}}
    contract = Contract.from_dict(document)  # no operation uses them: loading is fine
    with pytest.raises(ContractError) as caught:
        contract.schema("A")
    assert str(caught.value) == (
        "<dict>: #/components/schemas/A/properties/b: "
        "recursive $ref #/components/schemas/B is not supported"
    )


@pytest.mark.parametrize(
    "ref",
    ["other.yaml#/components/schemas/Person", "https://example.com/x.yaml", "Person"],
)
def test_an_external_ref_is_a_contract_error_naming_the_place(ref: str) -> None:
    document = small()
    document["components"]["schemas"]["Thing"]["properties"]["Owner"] = {"$ref": ref}
    with pytest.raises(ContractError) as caught:
        Contract.from_dict(document)
    # the place is where the $ref is written: inside the component the operation refers to
    assert str(caught.value) == (
        f"<dict>: #/components/schemas/Thing/properties/Owner: "
        f"only local $refs are supported: {ref}"
    )


def test_an_external_ref_written_in_an_operation_names_the_operation() -> None:
    document = small()
    document["paths"]["/things/{thingId}"]["get"]["parameters"].append({"$ref": "x.yaml#/p"})
    with pytest.raises(ContractError) as caught:
        Contract.from_dict(document)
    assert str(caught.value) == (
        "<dict>: #/paths/~1things~1{thingId}/get/parameters: "
        "only local $refs are supported: x.yaml#/p"
    )


@pytest.mark.parametrize(
    "ref",
    [
        "#/components/schemas/Nobody",
        "#/components/nothing/Person",
        "#/components/schemas/Person/properties/Name/type/deeper",
    ],
)
def test_a_ref_that_points_nowhere_is_a_contract_error_naming_the_ref(ref: str) -> None:
    document = small()
    document["paths"]["/things/{thingId}"]["get"]["parameters"].append({"$ref": ref})
    with pytest.raises(ContractError) as caught:
        Contract.from_dict(document)
    assert str(caught.value) == (
        f"<dict>: #/paths/~1things~1{{thingId}}/get/parameters: $ref {ref} points nowhere"
    )


def test_an_unreadable_file_is_a_contract_error_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    with pytest.raises(ContractError, match=r"missing\.yaml: cannot read the contract"):
        Contract.from_path(missing)


def test_a_directory_is_a_contract_error_not_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(ContractError, match="cannot read the contract"):
        Contract.from_path(tmp_path)


def test_invalid_yaml_is_a_contract_error_naming_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.yaml", "paths: {\n  - : [\n")
    with pytest.raises(ContractError) as caught:
        Contract.from_path(path)
    assert str(caught.value).startswith(f"{path}: not valid YAML: ")


@pytest.mark.parametrize("text", ["- a\n- b\n", "just text\n", "42\n", ""])
def test_a_top_level_that_is_not_a_mapping_is_a_contract_error(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, "odd.yaml", text)
    with pytest.raises(ContractError) as caught:
        Contract.from_path(path)
    assert str(caught.value) == f"{path}: the contract must be a mapping at the top level"


# -- operations -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        (["200", "400"], "200"),
        (["404", "204", "201"], "201"),
        ([401, 202], "202"),  # unquoted YAML status codes are ints
        (["default", "200"], "200"),
    ],
)
def test_success_is_the_lowest_documented_2xx_response(statuses: list[Any], expected: str) -> None:
    document = small()
    document["paths"]["/things/{thingId}"]["get"]["responses"] = {
        status: {"description": f"status {status}"} for status in statuses
    }
    operation = Contract.from_dict(document).operation("v1Thing_GetThing")
    assert operation.success.status == expected
    assert operation.success.description == f"status {expected}"


def test_success_without_a_2xx_response_is_a_contract_error() -> None:
    document = small()
    document["paths"]["/things/{thingId}"]["get"]["responses"] = {"404": {"description": "no"}}
    operation = Contract.from_dict(document).operation("v1Thing_GetThing")
    with pytest.raises(ContractError, match="v1Thing_GetThing documents no 2xx response"):
        _ = operation.success


def test_every_bundled_operation_documents_a_success() -> None:
    for operation in Contract.from_path():
        assert operation.success.status.startswith("2")


def test_parameter_finds_a_parameter_by_name_in_any_location() -> None:
    operation = Contract.from_path().operation("v1ProjectEntity_PutImageInfo")
    project_id = operation.parameter("projectId")
    assert project_id is not None
    assert (project_id.location, project_id.required) == ("query", True)
    assert project_id.schema == {"type": "integer", "format": "int32", "minimum": 1}
    time_zone = operation.parameter("SO-TimeZone")
    assert time_zone is not None
    assert (time_zone.location, time_zone.required) == ("header", False)
    assert operation.parameter("nope") is None


def test_a_parameter_ref_is_inlined_from_components_parameters() -> None:
    width = Contract.from_path().operation("v1Product_GetImage").parameter("w")
    assert width is not None
    assert width.location == "query"
    assert width.required is False
    assert width.schema == {"type": "integer", "format": "int32", "minimum": 1, "maximum": 4096}


@pytest.mark.parametrize(
    ("location", "required", "expected"),
    [("path", None, True), ("query", None, False), ("header", None, False), ("query", True, True)],
)
def test_required_defaults_to_true_only_for_path_parameters(
    location: str, required: bool | None, expected: bool
) -> None:
    spec: dict[str, Any] = {"name": "p", "in": location, "schema": {"type": "string"}}
    if required is not None:
        spec["required"] = required
    document = small()
    document["paths"]["/things/{thingId}"]["get"]["parameters"].append(spec)
    parameter = Contract.from_dict(document).operation("v1Thing_GetThing").parameter("p")
    assert parameter is not None
    assert parameter.required is expected


def test_path_level_parameters_merge_with_operation_ones_and_the_operation_wins() -> None:
    document = small()
    item = document["paths"]["/things/{thingId}"]
    item["parameters"] = [
        {"name": "thingId", "in": "path", "schema": {"type": "string"}},
        {"name": "shared", "in": "query", "schema": {"type": "string"}},
        {"name": "limit", "in": "query", "schema": {"type": "string"}},
        {"name": "limit", "in": "header", "schema": {"type": "string"}},
    ]
    item["get"]["parameters"].append(
        {"name": "limit", "in": "query", "required": True, "schema": {"type": "integer"}}
    )
    parameters = Contract.from_dict(document).operation("v1Thing_GetThing").parameters
    table = {(p.name, p.location): (p.required, p.schema.get("type")) for p in parameters}
    assert table == {
        ("thingId", "path"): (True, "integer"),  # the operation's own schema wins
        ("shared", "query"): (False, "string"),  # path-level only: inherited
        ("limit", "query"): (True, "integer"),  # same name and place: replaced
        ("limit", "header"): (False, "string"),  # same name, other place: both kept
    }
    assert len(parameters) == 4


def test_security_defaults_to_the_root_requirement() -> None:
    contract = Contract.from_path()
    root = tuple(BUNDLED["security"])
    assert root  # the bundled contract names its schemes at the root
    assert all(op.security == root for op in contract)


def test_an_operation_security_replaces_the_root_one_even_when_empty() -> None:
    document = small(security=[{"Basic": []}])
    item = document["paths"]["/things/{thingId}"]
    item["put"] = {
        "operationId": "open",
        "security": [],
        "responses": {"200": {"description": "ok"}},
    }
    item["post"] = {
        "operationId": "bearer",
        "security": [{"Bearer": []}],
        "responses": {"200": {"description": "ok"}},
    }
    contract = Contract.from_dict(document)
    assert contract.operation("v1Thing_GetThing").security == ({"Basic": []},)
    assert contract.operation("open").security == ()
    assert contract.operation("bearer").security == ({"Bearer": []},)


def test_a_document_without_root_security_gives_operations_no_security() -> None:
    assert Contract.from_dict(small()).operation("v1Thing_GetThing").security == ()


def test_extensions_keep_only_x_keys_of_the_operation() -> None:
    document = small()
    document["paths"]["/things/{thingId}"]["get"]["x-mockso-flag"] = 400
    operation = Contract.from_dict(document).operation("v1Thing_GetThing")
    assert operation.extensions == {"x-mockso-flag": 400}


def test_bundled_person_uploads_carry_the_unknown_entity_status_extension() -> None:
    contract = Contract.from_path()
    flagged = {
        op.operation_id for op in contract if "x-mockso-unknown-entity-status" in op.extensions
    }
    assert flagged == {"v1PersonEntity_SaveImage", "v1PersonEntity_SaveImage_POST"}


def test_response_refs_keep_the_component_name_of_their_media_types() -> None:
    info = Contract.from_path().operation("v1PersonEntity_GetImageInfo").success
    assert info.status == "200"
    assert set(info.content) == {
        "application/json",
        "text/json",
        "application/xml",
        "text/xml",
        "application/json-patch+json",
        "application/merge-patch+json",
    }
    assert {media.component for media in info.content.values()} == {"BlobEntity"}
    assert set(info.headers) == {"Last-Modified"}
    assert info.headers["Last-Modified"]["schema"] == {"type": "string"}
    assert info.headers["Last-Modified"]["required"] is False
    assert info.content["application/json"].example["BlobId"] == 36


def test_media_type_names_are_lower_cased() -> None:
    document = small()
    responses = document["paths"]["/things/{thingId}"]["get"]["responses"]
    responses["200"]["content"] = {"Application/JSON": {"schema": {"type": "string"}}}
    success = Contract.from_dict(document).operation("v1Thing_GetThing").success
    assert list(success.content) == ["application/json"]
    assert success.content["application/json"].name == "application/json"


def test_request_body_media_types_keep_their_component_and_requiredness() -> None:
    body = Contract.from_path().operation("v1ContactEntity_PutImageInfo").request_body
    assert body is not None
    assert body.required is True
    assert "application/x-www-form-urlencoded" in body.content
    assert {m.component for m in body.content.values()} == {"BlobEntity"}


def test_a_lone_all_of_around_a_ref_keeps_the_component_name() -> None:
    # How OpenAPI 3.0 adds a keyword to a component: PUT ImageInfo's form has minProperties 1.
    body = Contract.from_path().operation("v1PersonEntity_PutImageInfo").request_body
    assert body is not None
    form = body.content["application/x-www-form-urlencoded"]

    assert form.raw_schema["allOf"] == [{"$ref": "#/components/schemas/BlobEntity"}]
    assert form.component == "BlobEntity"
    assert form.schema["minProperties"] == 1


def test_an_operation_without_a_request_body_has_none() -> None:
    assert Contract.from_path().operation("v1ContactEntity_GetImage").request_body is None


def test_a_request_body_ref_keeps_the_component_name_of_its_schema() -> None:
    document = small()
    document["components"]["requestBodies"] = {
        "ThingBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}},
        }
    }
    document["paths"]["/things/{thingId}"]["put"] = {
        "operationId": "v1Thing_PutThing",
        "requestBody": {"$ref": "#/components/requestBodies/ThingBody"},
        "responses": {"200": {"description": "ok"}},
    }
    body = Contract.from_dict(document).operation("v1Thing_PutThing").request_body
    assert body is not None
    assert body.required is True
    media = body.content["application/json"]
    assert media.component == "Thing"
    assert media.schema["properties"]["Owner"]["properties"]["Name"] == {"type": "string"}


@pytest.mark.parametrize(
    ("raw_schema", "component"),
    [
        ({"$ref": "#/components/schemas/BlobEntity"}, "BlobEntity"),
        ({"$ref": "#/components/parameters/X"}, None),
        ({"$ref": "other.yaml#/components/schemas/X"}, None),
        ({"type": "string", "format": "binary"}, None),
        ({}, None),
    ],
)
def test_media_type_component_is_the_name_of_a_component_schema_ref(
    raw_schema: dict[str, Any], component: str | None
) -> None:
    media = MediaType(name="application/json", schema={}, raw_schema=raw_schema)
    assert media.component == component


# -- read-only views --------------------------------------------------------------------------


def test_component_schemas_and_security_schemes_are_read_as_written() -> None:
    contract = Contract.from_path()
    assert set(contract.component_schemas) == set(BUNDLED["components"]["schemas"])
    assert contract.component_schemas["BlobEntity"]["properties"]["CreatedBy"] == {
        "$ref": "#/components/schemas/Associate"
    }
    assert contract.security_schemes == BUNDLED["components"]["securitySchemes"]


def test_a_document_without_components_has_no_schemas_and_no_schemes() -> None:
    document = small()
    del document["components"]
    document["paths"]["/things/{thingId}"]["get"]["responses"]["200"].pop("content")
    contract = Contract.from_dict(document)
    assert contract.component_schemas == {}
    assert contract.security_schemes == {}


@pytest.mark.parametrize(
    ("name", "conceptual_type"),
    [("Contact", "CONTACTPHOTO"), ("Person", "PERSONPHOTO"), ("Nope", None)],
)
def test_tag_is_the_top_level_tag_object_or_empty(name: str, conceptual_type: str | None) -> None:
    tag = Contract.from_path().tag(name)
    assert tag.get("x-conceptual-type") == conceptual_type


def test_loading_does_not_change_the_document() -> None:
    document = small()
    before = copy.deepcopy(document)
    contract = Contract.from_dict(document)
    contract.schema("Thing")
    assert document == before


THINGS = Path(__file__).resolve().parent / "contracts" / "things.yaml"


def test_combined_contracts_serve_every_operation_of_each() -> None:
    images, things = Contract.from_path(), Contract.from_path(THINGS)

    combined = Contract.combine([images, things])

    assert {op.operation_id for op in combined} == {op.operation_id for op in [*images, *things]}
    assert set(combined.component_schemas) == {
        *images.component_schemas,
        *things.component_schemas,
    }
    assert combined.source == f"{images.source} + {things.source}"


def test_combining_one_contract_gives_it_back() -> None:
    images = Contract.from_path()

    assert Contract.combine([images]) is images


def test_combining_two_contracts_with_the_same_operation_is_refused() -> None:
    things = Contract.from_path(THINGS)

    with pytest.raises(ContractError, match="GET /api/v1/Thing/\\{thingId\\} is already defined"):
        Contract.combine([things, Contract.from_path(THINGS)])


def test_combining_contracts_whose_component_differs_is_refused() -> None:
    things = Contract.from_path(THINGS)
    other = copy.deepcopy(dict(things.document))
    other["paths"] = {"/other": {"get": {"operationId": "other", "responses": {"200": {}}}}}
    other["components"]["schemas"]["Thing"]["required"] = ["ThingId"]

    with pytest.raises(ContractError, match=r"components\.schemas\.Thing differs"):
        Contract.combine([things, Contract.from_dict(other)])
