"""Routing of contract paths: case-insensitive literals, 404 and 405 as error objects, HEAD."""

from __future__ import annotations

from types import SimpleNamespace
from typing import cast

import pytest
from flask import Flask
from flask.testing import FlaskClient
from helpers import AUTH
from helpers import CONTRACT
from helpers import ENTITIES
from helpers import Api
from helpers import assert_error
from helpers import gateway_of
from helpers import png

from mockso.core import errors
from mockso.core.contract import Operation
from mockso.core.contract import PathTemplate
from mockso.web.endpoint import Endpoint
from mockso.web.routing import Router


def matcher(*paths: str) -> Router:
    operations = [
        Operation(f"op{i}", "get", path, (), "", (), None, {}, ()) for i, path in enumerate(paths)
    ]
    return Router([cast(Endpoint, SimpleNamespace(operation=op)) for op in operations])


def test_a_template_reads_literals_and_parameters_and_writes_a_flask_rule() -> None:
    template = PathTemplate("/api/v1/Project/{projectId}/Image")

    assert template.segments == (
        ("api", False),
        ("v1", False),
        ("Project", False),
        ("projectId", True),
        ("Image", False),
    )
    assert template.rule() == "/api/v1/Project/<projectId>/Image"
    assert template.shape() == "/api/v1/project/{}/image"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/Project/12/Image",
        "/API/V1/PROJECT/12/IMAGE",
        "/api/v1/project/12/image",
        "/Api/v1/pRoJeCt/12/iMaGe",
    ],
)
def test_a_path_matches_its_literals_in_any_case(path: str) -> None:
    endpoint, values = matcher("/api/v1/Project/{projectId}/Image").resolve("GET", path)

    assert endpoint.operation.path == "/api/v1/Project/{projectId}/Image"
    assert values == {"projectId": "12"}


def test_an_exact_pattern_keeps_letter_case() -> None:
    pattern = PathTemplate("/api/v1/Project/{projectId}/Image").pattern(ignore_case=False)

    assert pattern.match("/api/v1/Project/12/Image")
    assert not pattern.match("/api/v1/project/12/Image")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/Project/12/Images",
        "/api/v1/Projects/12/Image",
        "/api/v2/Project/12/Image",
        "/api/v1/Project/12",
        "/api/v1/Project/12/Image/extra",
        "/api/v1/Project//Image",
        "/api/v1/Pro.ect/12/Image",
        "/api/v1/Project/12/Image/",
        "//api/v1/Project/12/Image",
    ],
)
def test_a_path_matches_nothing_but_its_literals(path: str) -> None:
    with pytest.raises(errors.NotFound):
        matcher("/api/v1/Project/{projectId}/Image").resolve("GET", path)


def test_a_literal_with_regex_characters_is_matched_literally() -> None:
    router = matcher("/api/v1.0/Thing+s/{id}")

    assert router.resolve("GET", "/API/V1.0/thing+S/3")[1]["id"] == "3"
    with pytest.raises(errors.NotFound):
        router.resolve("GET", "/api/v1x0/Thing+s/3")


def test_another_method_of_a_known_path_is_405_with_allow() -> None:
    with pytest.raises(errors.MethodNotAllowed) as raised:
        matcher("/api/v1/Project/{projectId}/Image").resolve("PUT", "/api/v1/project/1/image")

    assert raised.value.headers == {"Allow": "GET, HEAD"}


def test_every_contract_operation_is_routed(app: Flask) -> None:
    router = gateway_of(app).router
    for operation in CONTRACT:
        path = operation.path.replace("{", "").replace("}", "")  # a value for each parameter
        endpoint, _ = router.resolve(operation.method.upper(), path)
        assert endpoint.operation is operation or endpoint.operation == operation


def test_flask_serves_the_control_api_alone(app: Flask) -> None:
    assert all(rule.endpoint.startswith("mockso_control.") for rule in app.url_map.iter_rules())


@pytest.mark.parametrize(
    "path",
    [
        "/API/V1/person/1/IMAGE",
        "/api/v1/PERSON/1/image",
        "/api/v1/Contact/1/image",
        "/api/v1/product/1/Image",
        "/api/v1/project/1/image",
    ],
)
def test_routing_ignores_the_case_of_literal_segments(api: Api, path: str) -> None:
    api.save("Person", 1, png())

    response = api.client.get(path, headers=api.headers, query_string={"ifBlank": "ClearPixel"})

    assert response.status_code == 200
    assert response.mimetype == "image/png"


@pytest.mark.parametrize(
    ("entity", "spelling"),
    [
        ("Person", "ImageInfo"),
        ("Product", "ImageInfo"),
        *((entity, spelling) for entity in ENTITIES for spelling in ("imageinfo", "IMAGEINFO")),
    ],
)
def test_image_info_is_served_in_any_casing_the_contract_does_not_spell_for_another_path(
    api: Api, entity: str, spelling: str
) -> None:
    query = "?projectId=1" if entity == "Project" else ""

    put = api.client.put(
        f"/api/v1/{entity}/1/{spelling}{query}", headers=api.headers, json={"Description": spelling}
    )
    got = api.client.get(f"/api/v1/{entity}/1/{spelling}", headers=api.headers)

    assert put.status_code == 200, put.get_data()
    assert got.status_code == 200
    assert got.get_json()["Description"] == spelling


@pytest.mark.parametrize(
    ("method", "path", "allowed", "elsewhere"),
    [
        ("GET", "/api/v1/Contact/1/ImageInfo", {"PUT"}, "/api/v1/Contact/{contactId}/Imageinfo"),
        ("HEAD", "/api/v1/Contact/1/ImageInfo", {"PUT"}, None),
        (
            "PUT",
            "/api/v1/Contact/1/Imageinfo",
            {"GET", "HEAD"},
            "/api/v1/Contact/{contactId}/ImageInfo",
        ),
        ("GET", "/api/v1/Project/1/ImageInfo", {"PUT"}, "/api/v1/Project/{projectId}/Imageinfo"),
        (
            "PUT",
            "/api/v1/Project/1/Imageinfo?projectId=1",
            {"GET", "HEAD"},
            "/api/v1/Project/{id}/ImageInfo",
        ),
        ("OPTIONS", "/api/v1/Project/x/ImageInfo", {"PUT"}, None),
        ("DELETE", "/api/v1/Contact/1/Imageinfo", {"GET", "HEAD"}, None),
    ],
)
@pytest.mark.requests("strict")
def test_a_path_spelled_exactly_as_the_contract_spells_it_has_only_its_own_methods(
    api: Api, method: str, path: str, allowed: set[str], elsewhere: str | None
) -> None:
    # The contract has GET .../Imageinfo and PUT .../ImageInfo for Contact and Project: as
    # OpenAPI paths they differ, so GET .../ImageInfo is no operation (schemathesis checks it).
    response = api.client.open(path, method=method, headers=api.headers, json={"Description": "x"})

    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) == allowed
    if method != "HEAD":
        body = assert_error(response, 405, "HttpMethodNotAllowedException", f"{method} is not")
        if elsewhere is not None:
            assert f"{method} is at {elsewhere}" in body["ErrorMessage"]
    assert api.info("Contact", 1).get_json()["Description"] == ""


@pytest.mark.parametrize(
    ("entity", "get_path", "put_path"),
    [
        ("Contact", "/api/v1/Contact/3/ImageInfo", "/api/v1/Contact/3/Imageinfo"),
        ("Project", "/api/v1/Project/3/ImageInfo", "/api/v1/Project/3/Imageinfo?projectId=3"),
    ],
)
def test_leniently_both_spellings_of_a_twin_reach_both_methods_and_say_so(
    api: Api, entity: str, get_path: str, put_path: str
) -> None:
    # The real server's routing ignores letter case: GET .../ImageInfo is GET .../Imageinfo.
    read = api.client.get(get_path, headers=api.headers)
    written = api.client.put(put_path, headers=api.headers, json={"Description": "twin"})

    assert read.status_code == 200, read.get_data()
    assert written.status_code == 200, written.get_data()
    assert api.info(entity, 3).get_json()["Description"] == "twin"
    records = api.journal()[-3:-1]
    assert [len(record.deviations) for record in records] == [1, 1]
    assert all("letter case" in record.deviations[0] for record in records)


def test_a_path_part_that_is_no_integer_is_a_400_not_a_404(api: Api) -> None:
    response = api.client.get("/api/v1/Person/abc/Image", headers=api.headers)

    assert_error(response, 400, "ArgumentException", "'personId'")


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/api",
        "/api/v1",
        "/api/v1/Person",
        "/api/v1/Person/1",
        "/api/v1/Person/1/Images",
        "/api/v1/Sale/1/Image",
        "/api/v2/Person/1/Image",
        "/api/v1/Person/1/Image/content",
        pytest.param("/api/v1/Person/1/Image/", marks=pytest.mark.requests("strict")),
        "/api/v1/Person/1/Image//",
        "/api/v1//Person/1/Image",
        "//api/v1/Person/1/Image",
        "/api/v1/Person/1%2F2/Image",
    ],
)
def test_an_unknown_path_is_a_404_error_object(client: FlaskClient, path: str) -> None:
    response = client.get(path)

    body = assert_error(response, 404, "SoNotFoundException", "No operation of the contract")
    assert body["ErrorSource"] == "SuperOffice.WebApi"


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("POST", "/api/v1/Person/1/ImageInfo", {"GET", "HEAD", "PUT"}),
        ("DELETE", "/api/v1/Contact/1/imageinfo", {"GET", "HEAD", "PUT"}),
        ("PATCH", "/api/v1/Person/1/Image", {"GET", "HEAD", "PUT", "POST", "DELETE"}),
        ("OPTIONS", "/api/v1/Product/1/Image", {"GET", "HEAD", "PUT", "POST", "DELETE"}),
        ("PATCH", "/api/v1/Project/1/IMAGEINFO", {"GET", "HEAD", "PUT"}),
    ],
)
def test_a_method_the_contract_lacks_is_a_405_error_object_listing_the_allowed_ones(
    client: FlaskClient, auth: dict[str, str], method: str, path: str, allowed: set[str]
) -> None:
    response = client.open(path, method=method, headers=auth)

    body = assert_error(response, 405, "HttpMethodNotAllowedException", method)
    assert set(response.headers["Allow"].split(", ")) == allowed
    for name in allowed:
        assert name in body["ErrorMessage"]


def test_head_of_get_image_has_the_headers_of_get_and_no_body(api: Api) -> None:
    data = png()
    api.save("Person", 1, data)

    head = api.client.head("/api/v1/Person/1/Image", headers=api.headers)
    get = api.client.get("/api/v1/Person/1/Image", headers=api.headers)

    assert head.status_code == 200
    assert head.get_data() == b""
    assert head.headers["Content-Type"] == get.headers["Content-Type"] == "image/png"
    assert head.headers["Content-Length"] == get.headers["Content-Length"] == str(len(data))


def test_head_of_a_missing_picture_is_a_404_without_a_body(api: Api) -> None:
    response = api.client.head("/api/v1/Person/1/Image", headers=api.headers)

    assert response.status_code == 404
    assert response.get_data() == b""
    assert response.mimetype == "application/json"


def test_head_of_get_image_info_carries_last_modified(api: Api) -> None:
    api.save("Product", 1, png())

    response = api.client.head("/api/v1/Product/1/ImageInfo", headers=api.headers)

    assert response.status_code == 200
    assert response.get_data() == b""
    assert response.headers["Last-Modified"].endswith(" GMT")


def test_unknown_query_parameters_are_ignored(api: Api) -> None:
    data = png()
    api.save("Person", 1, data)

    response = api.client.get("/api/v1/Person/1/Image?cachebuster=123", headers=api.headers)

    assert response.get_data() == data


@pytest.mark.parametrize("code", [201, 299])
def test_a_prefer_code_below_300_the_operation_does_not_document_is_refused(
    client: FlaskClient, code: int
) -> None:
    response = client.get("/api/v1/Person/1/ImageInfo", headers={**AUTH, "Prefer": f"code={code}"})

    assert_error(response, 400, "ArgumentException", f"code={code} is not documented")


def test_a_prefer_code_of_the_operations_own_success_gives_the_normal_answer(
    client: FlaskClient,
) -> None:
    response = client.get("/api/v1/Person/1/ImageInfo", headers={**AUTH, "Prefer": "code=200"})

    assert response.status_code == 200
    assert response.get_json()["BlobId"] == 0
