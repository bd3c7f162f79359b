"""The dashboard's routes through the Flask test client: the page, its files, the picture listing
and the picture route. The app runs in strict mode, so every answer is also checked against
contracts/mockso-control.yaml. What the page does with them is test_browser.py's concern.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask import render_template
from flask.testing import FlaskClient
from helpers import AUTH
from helpers import Api
from helpers import opened
from helpers import png
from helpers import tiff
from werkzeug.test import TestResponse

from mockso.app import create_app
from mockso.control import dashboard
from mockso.core.mock import Mock

CREDENTIALS = Path(__file__).with_name("fuzz-credentials.yaml")


def in_namespace(name: str) -> dict[str, str]:
    return {"X-Mockso-Namespace": name}


def assert_control_error(response: TestResponse, status: int, fragment: str) -> None:
    assert response.status_code == status, (response.status_code, response.get_data())
    body = response.get_json()
    assert set(body) == {"Error", "ErrorType", "ErrorMessage", "ErrorSource"}
    assert body["ErrorSource"] == "mockso"
    assert fragment in body["ErrorMessage"], body


# --- the page --------------------------------------------------------------------------------


def test_the_page_is_html_with_a_policy_that_allows_only_this_mock(client: FlaskClient) -> None:
    response = client.get("/__mockso/ui")

    assert response.status_code == 200
    assert response.mimetype == "text/html"
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    page = response.get_data(as_text=True)
    assert '<script type="module" src="/__mockso/ui/dashboard.js"></script>' in page
    assert '<link rel="stylesheet" href="/__mockso/ui/dashboard.css">' in page


def test_the_page_has_no_inline_script_or_style_and_loads_nothing_from_elsewhere(
    client: FlaskClient,
) -> None:
    page = client.get("/__mockso/ui").get_data(as_text=True)

    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == []
    assert " style=" not in page
    assert not re.search(r"<[^>]*\son[a-z]+\s*=", page)  # no inline event handlers
    for text in (page, *(path.read_text() for path in dashboard.static_files().values())):
        assert not re.search(r"(?:src|href)=\"?(?:https?:)?//", text)
        assert "@import" not in text
        assert re.findall(r"url\((?!\s*[\"']?/)", text) == []


def test_the_script_never_writes_markup_from_data() -> None:
    source = (dashboard.STATIC / "dashboard.js").read_text()
    script = re.sub(r"^\s*//.*$", "", source, flags=re.MULTILINE)  # the comments may name them

    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in script


def test_the_template_escapes_what_it_is_given(app: Flask) -> None:
    with app.test_request_context("/__mockso/ui"):
        html = render_template(
            "dashboard.html",
            namespace='"><script>alert(1)</script>',
            entities=["<b>Person</b>"],
            version="1",
        )

    assert "<script>alert(1)" not in html
    assert "&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;Person&lt;/b&gt;" in html


def test_the_page_shows_the_namespace_it_is_asked_for(client: FlaskClient) -> None:
    page = client.get("/__mockso/ui?namespace=ci-1").get_data(as_text=True)

    assert 'value="ci-1"' in page


def test_the_page_offers_every_entity_type_of_the_mocked_contract(
    client: FlaskClient, mock: Mock
) -> None:
    page = client.get("/__mockso/ui").get_data(as_text=True)

    for entity in mock.entity_types:
        assert f"<option>{entity}</option>" in page or f"<option selected>{entity}</option>" in page


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("namespace=-x", "'namespace'"),
        ("namespace=a%20b", "'namespace'"),
        ("namepsace=x", "'namepsace'"),
    ],
)
def test_the_page_refuses_a_bad_query(client: FlaskClient, query: str, fragment: str) -> None:
    assert_control_error(client.get(f"/__mockso/ui?{query}"), 400, fragment)


def test_looking_at_the_dashboard_is_not_journaled(client: FlaskClient, api: Api) -> None:
    api.save("Person", 1, png())
    client.get("/__mockso/ui")
    client.get("/__mockso/ui/dashboard.js")
    client.get("/__mockso/pictures")
    client.get("/__mockso/pictures/Person/1/image?fit=16")

    journal = client.get("/__mockso/journal").get_json()
    assert [record["operationId"] for record in journal] == ["v1PersonEntity_SaveImage"]


# --- its files -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "media_type"),
    [
        ("dashboard.js", "text/javascript"),
        ("dashboard.css", "text/css"),
        ("favicon.svg", "image/svg+xml"),
    ],
)
def test_the_page_files_are_served_with_their_media_type(
    client: FlaskClient, name: str, media_type: str
) -> None:
    response = client.get(f"/__mockso/ui/{name}")

    assert response.status_code == 200
    assert response.mimetype == media_type
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.get_data() == (dashboard.STATIC / name).read_bytes()


@pytest.mark.parametrize("name", ["nothing.js", "dashboard.html", "dashboard.py"])
def test_a_file_the_page_does_not_have_is_a_404(client: FlaskClient, name: str) -> None:
    assert_control_error(client.get(f"/__mockso/ui/{name}"), 404, "")


@pytest.mark.parametrize("path", ["..%2Fapp.py", "..%2F..%2Fsetup.cfg", "static%2Fdashboard.js"])
def test_no_path_reaches_outside_the_static_files(client: FlaskClient, path: str) -> None:
    response = client.get(f"/__mockso/ui/{path}")

    assert response.status_code in (400, 404)
    assert response.get_json()["Error"] is True


def test_a_file_name_the_contract_does_not_allow_is_a_400(client: FlaskClient) -> None:
    assert_control_error(client.get("/__mockso/ui/.hidden.js"), 400, "'file'")


# --- the listing -----------------------------------------------------------------------------


def test_an_empty_mock_lists_no_pictures(client: FlaskClient, mock: Mock) -> None:
    listing = client.get("/__mockso/pictures").get_json()

    assert listing == {
        "namespace": "default",
        "namespaces": ["default"],
        "entities": sorted(mock.entity_types),
        "pictures": [],
    }


def test_the_listing_groups_by_entity_type_newest_first_without_bytes(
    client: FlaskClient, api: Api
) -> None:
    api.save("Person", 1, png(40, 20))
    api.save("Contact", 7, png(10, 30))
    api.save("Person", 2, png(8, 8))

    pictures = client.get("/__mockso/pictures").get_json()["pictures"]

    assert [(p["entity"], p["id"], p["blobId"]) for p in pictures] == [
        ("Contact", 7, 2),
        ("Person", 2, 3),
        ("Person", 1, 1),
    ]
    first = pictures[2]
    assert first["mimeType"] == "image/png"
    assert (first["width"], first["height"]) == (40, 20)
    assert first["size"] == len(png(40, 20))
    assert "picture" not in first
    assert "data" not in first


def test_a_listed_picture_carries_the_image_info_the_api_answers(
    client: FlaskClient, api: Api
) -> None:
    api.save("Person", 1, png())
    api.put_info("Person", 1, {"Description": "<b>Site</b> photo"})

    [listed] = client.get("/__mockso/pictures").get_json()["pictures"]

    info = api.info("Person", 1).get_json()
    assert listed["info"] == info
    assert listed["info"]["Description"] == "<b>Site</b> photo"  # JSON; the page escapes it
    assert (listed["created"], listed["updated"]) == (info["CreatedDate"], info["UpdatedDate"])


def test_an_image_info_without_a_picture_is_not_listed(client: FlaskClient, api: Api) -> None:
    api.put_info("Person", 1, {"Description": "no picture yet"})

    assert client.get("/__mockso/pictures").get_json()["pictures"] == []


def test_the_listing_is_of_one_namespace_and_names_them_all(client: FlaskClient, api: Api) -> None:
    api.save("Person", 1, png(), headers=in_namespace("ci-1"))

    default = client.get("/__mockso/pictures").get_json()
    other = client.get("/__mockso/pictures?namespace=ci-1").get_json()

    assert default["pictures"] == []
    assert default["namespaces"] == other["namespaces"] == ["default", "ci-1"]
    assert [(p["entity"], p["id"]) for p in other["pictures"]] == [("Person", 1)]


def test_listing_a_namespace_never_used_does_not_make_it(client: FlaskClient, mock: Mock) -> None:
    listing = client.get("/__mockso/pictures?namespace=never").get_json()

    assert listing["pictures"] == []
    assert mock.spaces.find("never") is None


def test_the_dashboard_routes_need_no_credentials_whatever_the_auth_mode() -> None:
    app = create_app({"seed": 1, "strict": True, "auth": "strict", "credentials": str(CREDENTIALS)})
    client = app.test_client()
    Api(client, AUTH).save("Person", 1, png())

    assert client.get("/api/v1/Person/1/Image").status_code == 401
    assert len(client.get("/__mockso/pictures").get_json()["pictures"]) == 1
    assert client.get("/__mockso/pictures/Person/1/image").status_code == 200


# --- one picture -----------------------------------------------------------------------------


def test_a_picture_is_served_as_stored(client: FlaskClient, api: Api) -> None:
    stored = png(40, 20)
    api.save("Person", 1, stored)

    response = client.get("/__mockso/pictures/Person/1/image")

    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.get_data() == stored
    assert response.headers["Cache-Control"] == "no-store"  # ids come back after a reset


def test_fit_scales_into_a_square_keeping_the_aspect_ratio(client: FlaskClient, api: Api) -> None:
    api.save("Person", 1, png(40, 20))

    response = client.get("/__mockso/pictures/Person/1/image?fit=10")

    assert response.mimetype == "image/png"
    assert opened(response.get_data()).size == (10, 5)


def test_fit_never_enlarges(client: FlaskClient, api: Api) -> None:
    stored = png(40, 20)
    api.save("Person", 1, stored)

    assert client.get("/__mockso/pictures/Person/1/image?fit=400").get_data() == stored


def test_a_tiff_is_served_as_stored_but_its_thumbnail_is_a_png(
    client: FlaskClient, api: Api
) -> None:
    api.save("Project", 9, tiff(30, 60), "image/tiff")

    stored = client.get("/__mockso/pictures/Project/9/image")
    thumbnail = client.get("/__mockso/pictures/Project/9/image?fit=4096")

    assert stored.mimetype == "image/tiff"
    assert thumbnail.mimetype == "image/png"
    assert opened(thumbnail.get_data()).size == (30, 60)


def test_a_thumbnail_is_the_apis_scaling_and_is_kept_in_the_stores_cache(
    client: FlaskClient, api: Api, mock: Mock
) -> None:
    api.save("Person", 1, png(40, 20))

    thumbnail = client.get("/__mockso/pictures/Person/1/image?fit=10").get_data()

    assert len(mock.store.scaled) == 1
    assert thumbnail == api.image("Person", 1, w=10, h=5).get_data()


def test_a_picture_of_another_namespace_is_asked_for_by_name(client: FlaskClient, api: Api) -> None:
    api.save("Person", 1, png(), headers=in_namespace("ci-1"))

    assert client.get("/__mockso/pictures/Person/1/image?namespace=ci-1").status_code == 200
    assert_control_error(
        client.get("/__mockso/pictures/Person/1/image"), 404, "Namespace 'default' has no picture"
    )


@pytest.mark.parametrize(
    ("path", "status", "fragment"),
    [
        ("/__mockso/pictures/Person/2/image", 404, "has no picture of Person 2"),
        ("/__mockso/pictures/Person/1/image?namespace=never", 404, "'never'"),
        ("/__mockso/pictures/Nobody/1/image", 404, "not an entity type"),
        ("/__mockso/pictures/Person/0/image", 400, "'id'"),
        ("/__mockso/pictures/Person/x/image", 400, "'id'"),
        ("/__mockso/pictures/Person/1/image?fit=0", 400, "'fit'"),
        ("/__mockso/pictures/Person/1/image?w=10", 400, "'w'"),
    ],
)
def test_a_picture_that_is_not_there_or_a_bad_ask_is_an_error_object(
    client: FlaskClient, api: Api, path: str, status: int, fragment: str
) -> None:
    api.save("Person", 1, png())

    assert_control_error(client.get(path), status, fragment)
