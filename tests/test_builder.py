"""Building one OpenAPI 3.0.3 document from reference pages, and merging it into a contract.

Built from the test pages in ``tests/pages`` (see test_pages.py): four Contact operations on
two paths, Person's picture upload, a made-up statistics page with one property per type, and a
plain-text page among the markdown ones.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_spec_validator import validate

from mockso.build.builder import BUILD_HEADING
from mockso.build.builder import DERIVED_ID
from mockso.build.builder import BuildError
from mockso.build.builder import build
from mockso.build.builder import dump
from mockso.build.builder import entity_of_path
from mockso.build.builder import merge
from mockso.build.builder import read_pages
from mockso.build.pages import Page
from mockso.build.pages import parse_text

PAGES = Path(__file__).resolve().parent / "pages"
GOOD = sorted(path for path in PAGES.glob("*.*") if path.name != "post_image_contact.txt")
IMAGE_TYPES = ["image/png", "image/jpeg", "image/gif", "image/tiff"]
JSON_AND_XML = ["application/json", "text/json", "application/xml", "text/xml"]
CONTACT_IMAGE = "/api/v1/Contact/{contactId}/Image"
STATISTICS = "/api/v1/Contact/{contactId}/ImageStatistics"


@functools.cache
def pages() -> tuple[Page, ...]:
    found, skipped = read_pages(GOOD)
    assert skipped == []
    return tuple(found)


@functools.cache
def _built() -> str:
    return dump(build(pages()))


def built() -> dict[str, Any]:
    """A fresh copy of the document built from the test pages."""
    document: dict[str, Any] = yaml.safe_load(_built())
    return document


def operation(path: str, method: str) -> dict[str, Any]:
    op: dict[str, Any] = built()["paths"][path][method]
    return op


def test_the_document_is_valid_openapi_3_0_3() -> None:
    document = built()

    validate(document)
    assert document["openapi"] == "3.0.3"
    assert document["info"]["version"] == "v1"


@pytest.mark.parametrize("path", GOOD, ids=lambda p: p.name)
def test_each_page_becomes_one_operation_with_its_operation_id(path: Path) -> None:
    page = next(p for p in pages() if p.source == str(path))

    op = operation(page.path, page.method.lower())

    assert op["operationId"] == page.operation_id
    assert op["tags"] == [entity_of_path(page.path)]
    assert op["summary"] == page.summary


def test_pages_of_one_path_share_one_path_item_in_a_stable_order() -> None:
    paths = built()["paths"]

    assert list(paths[CONTACT_IMAGE]) == ["get", "post", "delete"]
    assert list(paths) == sorted(paths)


def test_a_derived_operation_id_is_marked_on_its_operation() -> None:
    op = operation("/api/v1/Contact/{contactId}/ImageInfo", "put")

    assert op["operationId"] == "PUT_api_v1_Contact_contactId_ImageInfo"
    assert op[DERIVED_ID] is True
    assert DERIVED_ID not in operation(CONTACT_IMAGE, "get")


def test_path_and_query_parameters_keep_types_and_required_ness() -> None:
    parameters = {p["name"]: p for p in operation(STATISTICS, "get")["parameters"] if "name" in p}

    assert parameters["contactId"] == {
        "name": "contactId",
        "in": "path",
        "required": True,
        "description": "Contact id",
        "schema": {"type": "integer", "format": "int32"},
    }
    assert parameters["since"]["schema"] == {"type": "string", "format": "date-time"}
    assert parameters["since"]["required"] is False
    assert parameters["formats"]["schema"] == {"type": "array", "items": {"type": "string"}}
    assert parameters["detailed"]["required"] is True


def test_an_enum_query_parameter_and_the_query_example_are_kept() -> None:
    parameters = {
        p["name"]: p for p in operation(CONTACT_IMAGE, "get")["parameters"] if "name" in p
    }

    assert parameters["ifBlank"]["schema"]["enum"][4] == "Null"  # a string, not YAML's null
    assert parameters["w"]["example"] == 478
    assert parameters["type"]["example"] == "PNG"


def test_header_rows_become_shared_parameter_components() -> None:
    document = built()

    refs = [p["$ref"] for p in document["paths"][CONTACT_IMAGE]["get"]["parameters"] if "$ref" in p]
    assert refs == [
        "#/components/parameters/AcceptLanguage",
        "#/components/parameters/SOAppToken",
    ]
    names = {p["name"] for p in document["components"]["parameters"].values()}
    assert names == {"Accept-Language", "SO-AppToken", "SO-TimeZone"}
    assert list(document["components"]["parameters"]) == sorted(
        document["components"]["parameters"]
    )
    assert document["components"]["parameters"]["SOTimeZone"]["in"] == "header"


def test_authorization_accept_content_type_and_xsrf_are_no_parameters() -> None:
    for item in built()["paths"].values():
        for op in item.values():
            names = {p.get("name", "").lower() for p in op.get("parameters", [])}
            assert not names & {"authorization", "accept", "content-type", "x-xsrf-token"}


def test_the_authorization_and_xsrf_rows_become_alternative_security_schemes() -> None:
    document = built()

    assert document["security"] == [
        {"Basic": []},
        {"SoTicket": []},
        {"Bearer": []},
        {"XsrfToken": []},
    ]
    schemes = document["components"]["securitySchemes"]
    assert schemes["Basic"]["scheme"] == "basic"
    assert schemes["SoTicket"] == {
        "type": "http",
        "scheme": "SoTicket",
        "description": schemes["SoTicket"]["description"],
    }
    assert schemes["XsrfToken"]["type"] == "apiKey"
    assert schemes["XsrfToken"]["name"] == "X-XSRF-TOKEN"


def test_an_operation_with_other_schemes_states_its_own_security() -> None:
    assert operation(STATISTICS, "get")["security"] == [{"Basic": []}, {"SoTicket": []}]
    assert "security" not in operation(CONTACT_IMAGE, "get")


def test_an_image_body_is_binary_per_image_type_and_a_named_part_in_a_form() -> None:
    body = operation(CONTACT_IMAGE, "post")["requestBody"]

    assert list(body["content"]) == [*IMAGE_TYPES, "multipart/form-data"]
    assert body["content"]["image/gif"]["schema"] == {"type": "string", "format": "binary"}
    assert body["content"]["multipart/form-data"]["schema"] == {
        "type": "object",
        "properties": {"image": {"type": "string", "format": "binary"}},
    }
    assert body["description"] == "Bitmap (GIF, TIFF, PNG or JPG format)"
    assert "required" not in body  # the pages do not say


def test_a_request_table_within_the_carrier_refers_to_its_component() -> None:
    body = operation("/api/v1/Contact/{contactId}/ImageInfo", "put")["requestBody"]

    assert list(body["content"]) == [*JSON_AND_XML, "application/x-www-form-urlencoded"]
    for media in body["content"].values():
        assert media["schema"] == {"$ref": "#/components/schemas/BlobEntity"}


def test_a_sample_request_body_becomes_the_example_of_its_media_type() -> None:
    content = operation("/api/v1/Contact/{contactId}/ImageInfo", "put")["requestBody"]["content"]

    assert content["application/json"]["example"] == {
        "Description": "Upgradable empowering function",
        "ConceptualType": "expedita",
    }
    assert "example" not in content["text/json"]


def test_response_codes_are_sorted_and_keep_their_descriptions() -> None:
    responses = operation("/api/v1/Person/{personId}/Image", "post")["responses"]

    assert list(responses) == ["200", "400"]
    assert responses["400"] == {
        "description": "Image bitmap is missing from body or person id is not valid."
    }


def test_the_success_answer_has_the_media_types_of_the_accept_row() -> None:
    content = operation("/api/v1/Person/{personId}/Image", "post")["responses"]["200"]["content"]

    assert list(content) == JSON_AND_XML
    assert content["application/json"]["schema"] == {
        "type": "integer",
        "format": "int32",
        "description": "The image blob id",
    }
    assert content["application/json"]["example"] == 948


def test_an_image_answer_is_binary() -> None:
    content = operation(CONTACT_IMAGE, "get")["responses"]["200"]["content"]

    assert list(content) == IMAGE_TYPES
    assert all(m["schema"] == {"type": "string", "format": "binary"} for m in content.values())


def test_a_204_has_no_content() -> None:
    assert operation(CONTACT_IMAGE, "delete")["responses"] == {"204": {"description": "No Content"}}


def test_a_carrier_table_becomes_one_component_shared_by_its_pages() -> None:
    document = built()

    get = document["paths"]["/api/v1/Contact/{contactId}/Imageinfo"]["get"]
    put = document["paths"]["/api/v1/Contact/{contactId}/ImageInfo"]["put"]
    ref = {"$ref": "#/components/schemas/BlobEntity"}
    assert get["responses"]["200"]["content"]["application/json"]["schema"] == ref
    assert put["responses"]["200"]["content"]["text/xml"]["schema"] == ref
    blob = document["components"]["schemas"]["BlobEntity"]
    assert blob["description"].startswith("Carrier object for BlobEntity.")
    assert "BLOB Agent." in blob["description"]
    assert "<see" not in blob["description"]
    assert blob["properties"]["BlobId"] == {
        "type": "integer",
        "format": "int32",
        "description": "Primary key",
    }
    assert blob["properties"]["CreatedBy"] == {"$ref": "#/components/schemas/Associate"}
    assert blob["properties"]["TableRight"] == {"$ref": "#/components/schemas/TableRight"}
    assert blob["properties"]["FieldProperties"] == {"type": "object"}


def test_named_types_the_pages_leave_untyped_come_from_the_module_table() -> None:
    schemas = built()["components"]["schemas"]

    assert list(schemas) == ["Associate", "BlobEntity", "ImageStatistics", "TableRight"]
    associate = schemas["Associate"]["properties"]
    assert associate["AssociateId"]["format"] == "int32"
    assert associate["Type"]["enum"][-1] == "SystemAssociate"
    assert associate["TableRight"] == {"$ref": "#/components/schemas/TableRight"}


@pytest.mark.parametrize(
    ("prop", "schema"),
    [
        ("Count", {"type": "integer", "format": "int64"}),
        ("Ratio", {"type": "number", "format": "double"}),
        ("Price", {"type": "number"}),
        ("Sizes", {"type": "array", "items": {"type": "integer", "format": "int32"}}),
        ("Kind", {"type": "string", "enum": ["Photo", "Logo", "Icon"]}),
        ("Public", {"type": "boolean"}),
        ("Extra", {"type": "object"}),
        ("Owner", {"type": "object"}),
        ("UpdatedBy", {"$ref": "#/components/schemas/Associate"}),
        ("Editors", {"type": "array", "items": {"$ref": "#/components/schemas/Associate"}}),
    ],
)
def test_each_type_becomes_its_openapi_schema(prop: str, schema: dict[str, Any]) -> None:
    found = dict(built()["components"]["schemas"]["ImageStatistics"]["properties"][prop])
    found.pop("description", None)

    assert found == schema


@pytest.mark.parametrize(
    "fragment",
    [
        "Routes differ only in letter case: `/api/v1/*/{}/ImageInfo` in PUT "
        "/api/v1/Contact/{contactId}/ImageInfo; `/api/v1/*/{}/Imageinfo` in GET "
        "/api/v1/Contact/{contactId}/Imageinfo.",
        '400 of POST /api/v1/*/{}/Image is described differently per entity: Contact: "Image '
        'bitmap is missing from body."; Person: "Image bitmap is missing from body or person id '
        'is not valid.".',
        "DELETE /api/v1/Contact/{contactId}/Image: 'Response: ' but 'Response body: TimeZoneData'.",
        "GET /api/v1/Contact/{contactId}/Image: the sample response has a body as "
        "application/json, which the operation does not answer with",
        "DELETE /api/v1/Contact/{contactId}/Image: the sample response has a body for 204, "
        "which has no documented body",
    ],
)
def test_the_docs_inconsistencies_are_listed_in_the_description(fragment: str) -> None:
    description = built()["info"]["description"]

    assert description.startswith(BUILD_HEADING)
    assert fragment in " ".join(description.split())


@pytest.mark.parametrize(
    "fragment",
    [
        "`PUT_api_v1_Contact_contactId_ImageInfo` (PUT /api/v1/Contact/{contactId}/ImageInfo): "
        "the page's plain rendering shows no operation id",
        "CreatedBy → Associate, UpdatedBy → Associate, TableRight → TableRight",
        "Untyped properties with no known type are free-form objects: Owner.",
        "Each operation's tag is its entity",
        "read 7 SuperOffice REST reference pages (delete_image.md, get_image.md,",
    ],
)
def test_what_the_build_derived_is_listed_in_the_description(fragment: str) -> None:
    assert fragment in " ".join(built()["info"]["description"].split())


def test_the_output_does_not_depend_on_the_order_of_the_pages() -> None:
    assert dump(build(list(reversed(pages())))) == _built()


def test_the_output_has_no_yaml_anchors() -> None:
    text = _built()

    assert "&id" not in text
    assert "*id" not in text


def test_a_page_with_an_id_wins_over_the_plain_rendering_of_the_same_operation() -> None:
    found, _ = read_pages([PAGES / "post_image_contact.txt", PAGES / "post_image_contact.md"])

    document = build(found)

    assert document["paths"][CONTACT_IMAGE]["post"]["operationId"] == (
        "v1ContactEntity_SaveImage_POST"
    )
    assert build(list(reversed(found))) == document


def test_two_pages_of_one_operation_are_refused_naming_both_files() -> None:
    found, _ = read_pages([PAGES / "get_image.md", PAGES / "get_image.md"])

    with pytest.raises(BuildError, match=r"get_image\.md and .*get_image\.md both describe GET"):
        build(found)


def test_one_operation_id_on_two_operations_is_refused() -> None:
    text = (PAGES / "delete_image.md").read_text(encoding="utf-8")
    other = text.replace("/api/v1/Contact/{contactId}/Image\n", "/api/v1/Contact/{contactId}/Pic\n")

    with pytest.raises(BuildError, match="both use operationId v1ContactEntity_DeleteImageContent"):
        build([parse_text(text, "a.md"), parse_text(other, "b.md")])


def test_building_from_no_reference_page_is_refused() -> None:
    found, skipped = read_pages(sorted((PAGES / "unknown").iterdir()))

    assert found == []
    assert len(skipped) == 2
    with pytest.raises(BuildError, match="none of the inputs is a REST reference page"):
        build(found)


def test_a_named_type_no_page_describes_becomes_a_free_object() -> None:
    text = (PAGES / "post_image_person.md").read_text(encoding="utf-8")
    text = text.replace("## Response: int32", "## Response: SaveResult")

    document = build([parse_text(text, "page.md")])

    content = document["paths"]["/api/v1/Person/{personId}/Image"]["post"]["responses"]["200"]
    assert content["content"]["application/json"]["schema"]["type"] == "object"
    assert (
        "The type SaveResult is named but no page describes it" in document["info"]["description"]
    )
    validate(document)


@pytest.mark.parametrize(
    ("path", "entity"),
    [
        ("/api/v1/Project/{projectId}/Image", "Project"),
        ("/api/v1/Project/{id}/ImageInfo", "Project"),
        ("/api/v1/Agents/BLOB/GetPersonImage", "Agents"),
        ("/api/Person/{id}", "Person"),
        ("/api", "api"),
    ],
)
def test_the_entity_of_a_path_is_the_segment_after_the_version(path: str, entity: str) -> None:
    assert entity_of_path(path) == entity


# -- merging -------------------------------------------------------------------------------------


def existing_contract() -> dict[str, Any]:
    """A small hand-written contract: one operation the pages replace, one they do not know."""
    info_op = {
        "operationId": "v1ContactEntity_PutImageInfo",
        "tags": ["Contact"],
        "x-mockso-note": "hand-written",
        "responses": {"200": {"description": "Saved."}},
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "Hand-written", "version": "1", "description": "Ours."},
        "security": [{"Basic": []}, {"SOTicket": []}, {"Bearer": []}, {"XsrfToken": []}],
        "tags": [{"name": "Contact", "x-conceptual-type": "CONTACTPHOTO"}],
        "paths": {
            "/api/v1/Contact/{contactId}/ImageInfo": {"put": info_op},
            "/api/v1/Sale/{saleId}": {
                "get": {
                    "operationId": "v1SaleEntity_GetSale",
                    "parameters": [
                        {"name": "saleId", "in": "path", "required": True, "schema": {}}
                    ],
                    "responses": {"200": {"description": "A sale."}},
                }
            },
        },
        "components": {
            "schemas": {
                "BlobEntity": {
                    "type": "object",
                    "x-mockso-writable": ["Description"],
                    "properties": {"BlobId": {"type": "integer", "format": "int32"}},
                }
            },
            "securitySchemes": {
                "Basic": {"type": "http", "scheme": "basic"},
                "SOTicket": {"type": "http", "scheme": "SOTicket"},
                "Bearer": {"type": "http", "scheme": "bearer"},
                "XsrfToken": {"type": "apiKey", "in": "header", "name": "X-XSRF-TOKEN"},
            },
        },
    }


@functools.cache
def _merged() -> str:
    return dump(build(pages(), existing_contract()))


def merged() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(_merged())
    return document


def test_merging_keeps_operations_the_pages_do_not_describe() -> None:
    document = merged()

    validate(document)
    assert (
        document["paths"]["/api/v1/Sale/{saleId}"]["get"]["operationId"] == "v1SaleEntity_GetSale"
    )
    assert document["paths"][CONTACT_IMAGE]["get"]["operationId"] == "v1ContactEntity_GetImage"
    assert document["info"]["title"] == "Hand-written"


def test_merging_replaces_an_operation_but_keeps_its_id_and_extensions() -> None:
    op = merged()["paths"]["/api/v1/Contact/{contactId}/ImageInfo"]["put"]

    assert op["operationId"] == "v1ContactEntity_PutImageInfo"  # the plain page shows none
    assert DERIVED_ID not in op
    assert op["x-mockso-note"] == "hand-written"
    assert list(op["responses"]) == ["200"]
    assert op["responses"]["200"]["description"] == "OK"  # the page's
    assert "requestBody" in op


def test_merging_keeps_existing_components_and_adds_missing_ones() -> None:
    components = merged()["components"]

    assert components["schemas"]["BlobEntity"]["x-mockso-writable"] == ["Description"]
    assert {"Associate", "ImageStatistics", "TableRight"} <= set(components["schemas"])
    assert "AcceptLanguage" in components["parameters"]


def test_merging_reuses_the_existing_names_of_the_same_security_schemes() -> None:
    document = merged()

    assert list(document["components"]["securitySchemes"]) == [
        "Basic",
        "SOTicket",
        "Bearer",
        "XsrfToken",
    ]
    assert "security" not in document["paths"][CONTACT_IMAGE]["get"]
    statistics = document["paths"][STATISTICS]["get"]
    assert statistics["security"] == [{"Basic": []}, {"SOTicket": []}]


def test_merging_notes_what_it_kept_and_adds_new_tags() -> None:
    document = merged()

    description = " ".join(document["info"]["description"].split())
    assert description.startswith("Ours. " + BUILD_HEADING)
    assert "Merged into an existing contract:" in description
    assert "the existing `v1ContactEntity_PutImageInfo` is kept" in description
    assert "components.schemas.BlobEntity: the existing definition is kept" in description
    assert [t["name"] for t in document["tags"]] == ["Contact", "Person"]
    assert document["tags"][0]["x-conceptual-type"] == "CONTACTPHOTO"


def test_merging_twice_gives_the_same_document() -> None:
    again = dump(build(pages(), merged()))

    assert again == _merged()
    assert again.count(BUILD_HEADING) == 1


def test_merging_moves_an_operation_id_to_where_the_page_puts_it() -> None:
    existing = existing_contract()
    existing["paths"]["/api/v1/Contact/{id}/Image"] = {
        "get": {
            "operationId": "v1ContactEntity_GetImage",
            "responses": {"200": {"description": "x"}},
        }
    }

    document, notes = merge(existing, build(pages()))

    assert "/api/v1/Contact/{id}/Image" not in document["paths"]
    assert document["paths"][CONTACT_IMAGE]["get"]["operationId"] == "v1ContactEntity_GetImage"
    assert notes[0] == (
        "v1ContactEntity_GetImage moved from GET /api/v1/Contact/{id}/Image to GET "
        "/api/v1/Contact/{contactId}/Image, as the page says."
    )
