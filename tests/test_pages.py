"""Reading SuperOffice REST reference pages, in both renderings, into plain data.

The pages under ``tests/pages`` are written for these tests in the docs' own format: markdown
with ``id:`` or ``uid:`` front matter, the plain text scraped from the web page (with its
navigation chrome), pages that break the template (``malformed/``) and pages that are not
reference pages at all (``unknown/``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mockso.build.pages import KNOWN_COMPONENTS
from mockso.build.pages import DocType
from mockso.build.pages import Page
from mockso.build.pages import PageError
from mockso.build.pages import UnknownPage
from mockso.build.pages import derived_operation_id
from mockso.build.pages import known_component
from mockso.build.pages import parse_file
from mockso.build.pages import parse_text
from mockso.build.pages import parse_type

PAGES = Path(__file__).resolve().parent / "pages"
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/tiff")
JSON_AND_XML = ("application/json", "text/json", "application/xml", "text/xml")


def page(name: str) -> Page:
    return parse_file(PAGES / name)


def test_a_markdown_page_takes_its_operation_id_from_the_id_line() -> None:
    read = page("get_image.md")

    assert (read.operation_id, read.id_derived, read.rendering) == (
        "v1ContactEntity_GetImage",
        False,
        "markdown",
    )


def test_a_markdown_page_takes_its_operation_id_from_the_uid_line() -> None:
    read = page("get_imageinfo.md")

    assert (read.operation_id, read.id_derived) == ("v1ContactEntity_GetImageInfo", False)


def test_the_plain_rendering_gets_an_operation_id_made_from_method_and_path() -> None:
    read = page("put_imageinfo.txt")

    assert read.rendering == "plain"
    assert read.id_derived is True
    assert read.operation_id == "PUT_api_v1_Contact_contactId_ImageInfo"
    assert read.operation_id == derived_operation_id("PUT", "/api/v1/Contact/{contactId}/ImageInfo")


@pytest.mark.parametrize(
    ("name", "title", "method", "path"),
    [
        ("get_image.md", "GET Contact/{id}/Image", "GET", "/api/v1/Contact/{contactId}/Image"),
        (
            "put_imageinfo.txt",
            "PUT Contact/{id}/ImageInfo",
            "PUT",
            "/api/v1/Contact/{contactId}/ImageInfo",
        ),
        (
            "delete_image.md",
            "DELETE Contact/{id}/Image",
            "DELETE",
            "/api/v1/Contact/{contactId}/Image",
        ),
        (
            "post_image_person.md",
            "POST Person/{id}/Image",
            "POST",
            "/api/v1/Person/{personId}/Image",
        ),
    ],
)
def test_the_title_and_the_request_line_give_method_and_path(
    name: str, title: str, method: str, path: str
) -> None:
    read = page(name)

    assert (read.title, read.method, read.path) == (title, method, path)


@pytest.mark.parametrize("name", ["post_image_person.md", "put_imageinfo.txt"])
def test_the_first_paragraph_is_the_summary_and_the_rest_the_description(name: str) -> None:
    read = page(name)

    assert read.summary.startswith(("Save an image to", "Update the Blob that describes"))
    assert read.description.startswith(("Updating the image", "The actual bitmap"))
    assert "Path Part" not in read.description


@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("get_image.md", "Contact id"),  # **Required** at the end
        ("get_statistics.md", "Contact id"),  # **Required** at the start
        ("put_imageinfo.txt", "Contact id"),  # the plain rendering: the word at the end
    ],
)
def test_a_path_part_has_a_type_a_description_and_the_required_mark(
    name: str, description: str
) -> None:
    (part,) = page(name).path_parts

    assert (part.name, part.type, part.description, part.required) == (
        "contactId",
        DocType("scalar", "int32"),
        description,
        True,
    )


def test_query_string_parameters_are_read_with_types_and_the_example_request() -> None:
    read = page("get_image.md")

    assert [(f.name, f.type.kind, f.type.name, f.required) for f in read.query] == [
        ("w", "scalar", "int32", False),
        ("h", "scalar", "int32", False),
        ("type", "scalar", "string", False),
        ("ifBlank", "enum", "", False),
    ]
    assert read.query[3].type.members == (
        "Default",
        "ClearPixel",
        "SrNoPhoto",
        "SrNoPhotoWithBorder",
        "Null",
        "GenericFileIcon",
    )
    assert dict(read.query_example) == {
        "w": "478",
        "h": "853",
        "type": "PNG",
        "ifBlank": "ClearPixel",
    }


def test_a_required_query_parameter_and_array_types_are_read() -> None:
    query = {f.name: f for f in page("get_statistics.md").query}

    assert query["detailed"].required is True
    assert query["detailed"].description == "Include the details"
    assert query["formats"].type == DocType("scalar", "string", array=True)


@pytest.mark.parametrize(
    ("name", "content_types", "accept"),
    [
        ("post_image_person.md", (*IMAGE_TYPES, "multipart/form-data"), JSON_AND_XML),
        (
            "post_image_contact.txt",
            (*IMAGE_TYPES, "multipart/form-data"),
            JSON_AND_XML,
        ),
        ("put_imageinfo.txt", (*JSON_AND_XML, "application/x-www-form-urlencoded"), JSON_AND_XML),
        ("get_image.md", None, IMAGE_TYPES),
        ("delete_image.md", None, ()),
    ],
)
def test_the_content_type_and_accept_rows_list_media_types(
    name: str, content_types: tuple[str, ...] | None, accept: tuple[str, ...]
) -> None:
    read = page(name)

    content_type = read.header("Content-Type")
    assert (content_type.media_types if content_type else None) == content_types
    assert read.accept == accept


def test_header_rows_keep_their_descriptions() -> None:
    read = page("get_image.md")

    assert [row.name for row in read.headers] == [
        "Authorization",
        "X-XSRF-TOKEN",
        "Accept",
        "Accept-Language",
        "SO-AppToken",
    ]
    authorization = read.header("authorization")
    assert authorization is not None
    assert authorization.description.startswith("Supports 'Basic', 'SoTicket' and 'Bearer'")
    assert authorization.media_types == ()


@pytest.mark.parametrize("name", ["post_image_person.md", "post_image_contact.txt"])
def test_an_image_body_has_a_name_a_binary_type_and_the_content_types(name: str) -> None:
    body = page(name).body

    assert body is not None
    assert (body.name, body.type, body.properties) == ("image", DocType("scalar", "binary"), ())
    assert body.content_types == (*IMAGE_TYPES, "multipart/form-data")
    assert body.description.startswith(("Image bitmap", "Bitmap"))


def test_a_body_property_table_resolves_untyped_rows_by_property_name() -> None:
    body = page("put_imageinfo.txt").body

    assert body is not None
    assert (body.name, body.type) == ("imageInfo", None)
    types = {f.name: f.type for f in body.properties}
    assert len(types) == 13
    assert types["CreatedBy"] == DocType("component", "Associate", untyped=True)
    assert types["UpdatedBy"] == DocType("component", "Associate", untyped=True)
    assert types["CreatedDate"] == DocType("scalar", "date-time")
    assert types["IsZipped"] == DocType("scalar", "bool")


@pytest.mark.parametrize(
    ("prop", "expected"),
    [
        ("Count", DocType("scalar", "int64")),
        ("Ratio", DocType("scalar", "double")),
        ("Price", DocType("scalar", "decimal")),
        ("Sizes", DocType("scalar", "int32", array=True)),
        ("Formats", DocType("scalar", "string", array=True)),
        ("Kind", DocType("enum", members=("Photo", "Logo", "Icon"))),
        ("Taken", DocType("scalar", "date-time")),
        ("Public", DocType("scalar", "bool")),
        ("Extra", DocType("object")),
        ("Owner", DocType("object", untyped=True)),  # untyped, and no known type by that name
        ("UpdatedBy", DocType("component", "Associate", untyped=True)),
        ("Editors", DocType("component", "Associate", array=True)),
    ],
)
def test_every_kind_of_type_cell_is_read(prop: str, expected: DocType) -> None:
    properties = {f.name: f.type for f in page("get_statistics.md").response.properties}

    assert properties[prop] == expected


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        ("int32", "", DocType("scalar", "int32")),
        ("`string`", "", DocType("scalar", "string")),
        ("string[]", "", DocType("scalar", "string", array=True)),
        ("Integer", "", DocType("scalar", "Integer")),
        ("Enum: A, B,C", "", DocType("enum", members=("A", "B", "C"))),
        ("object", "", DocType("object")),
        ("TableRight", "", DocType("component", "TableRight")),
        ("", "TableRight", DocType("component", "TableRight", untyped=True)),
        ("", "Whatever", DocType("object", untyped=True)),
        ("integer32", "", None),
        ("SaleEntity", "", None),
        ("Enum:", "", None),
    ],
)
def test_parse_type_knows_the_docs_type_names(
    text: str, name: str, expected: DocType | None
) -> None:
    assert parse_type(text, name) == expected


@pytest.mark.parametrize("name", sorted(KNOWN_COMPONENTS))
def test_the_table_of_named_types_reads_like_a_page(name: str) -> None:
    fields = known_component(name)

    assert fields
    assert all(f.type.kind in ("scalar", "enum", "object", "component") for f in fields)


@pytest.mark.parametrize(
    ("name", "type_text", "codes", "body_type"),
    [
        (
            "post_image_person.md",
            "int32",
            (
                ("200", "The image blob id"),
                ("400", "Image bitmap is missing from body or person id is not valid."),
            ),
            "int32",
        ),
        ("put_imageinfo.txt", "object", (("200", "OK"),), "object"),
        ("delete_image.md", "", (("204", "No Content"),), "TimeZoneData"),
        ("get_statistics.md", "ImageStatistics", (("200", "OK"), ("400", "Bad request.")), None),
    ],
)
def test_the_response_section_gives_type_codes_and_body_type(
    name: str, type_text: str, codes: tuple[tuple[str, str], ...], body_type: str | None
) -> None:
    response = page(name).response

    assert response.type_text == type_text
    assert response.codes == codes
    assert response.body_type_text == (body_type or response.body_type_text)


def test_a_response_type_the_module_does_not_know_is_a_named_type() -> None:
    response = page("get_statistics.md").response

    assert response.type == DocType("component", "ImageStatistics")
    assert response.description == "The statistics."


@pytest.mark.parametrize("name", ["get_imageinfo.md", "put_imageinfo.txt"])
def test_the_response_property_table_is_read_in_both_renderings(name: str) -> None:
    response = page(name).response

    assert [f.name for f in response.properties] == [
        "BlobId",
        "BlobSize",
        "Description",
        "ExtraInfo",
        "IsEncrypted",
        "IsZipped",
        "MimeType",
        "OriginalSize",
        "CreatedDate",
        "UpdatedDate",
        "CreatedBy",
        "UpdatedBy",
        "ConceptualType",
        "TableRight",
        "FieldProperties",
    ]
    assert response.description.startswith("Carrier object for BlobEntity.")


def test_a_plain_sample_is_read_up_to_the_footer() -> None:
    read = page("put_imageinfo.txt")

    request, response = read.sample_request, read.sample_response
    assert request is not None
    assert response is not None
    assert (request.method, request.path, request.query) == ("PUT", read.path, {})
    assert ("Content-Type", "application/json; charset=utf-8") in request.headers
    assert request.body == {
        "Description": "Upgradable empowering function",
        "ConceptualType": "expedita",
    }
    assert (response.status, response.reason, response.has_body) == ("200", "OK", True)
    assert response.body["BlobId"] == 36


def test_a_markdown_sample_keeps_the_query_and_headers_of_the_request() -> None:
    request = page("get_image.md").sample_request

    assert request is not None
    assert request.path == "/api/v1/Contact/{contactId}/Image"
    assert request.query == {"w": "478", "h": "853", "type": "magni", "ifBlank": "SrNoPhoto"}
    assert request.headers[0] == ("Authorization", "Basic dGplMDpUamUw")
    assert (request.has_body, request.body) == (False, None)


def test_a_sample_response_without_its_own_heading_is_still_read() -> None:
    response = page("post_image_contact.md").sample_response

    assert response is not None
    assert (response.status, response.reason, response.body) == (
        "200",
        "The blob id for the image",
        336,
    )


def test_a_sample_body_that_is_not_json_stays_text() -> None:
    request = page("post_image_person.md").sample_request

    assert request is not None
    assert request.body == "GIF89....File contents as raw bytes..."


def test_a_null_sample_body_is_a_body() -> None:
    response = page("delete_image.md").sample_response

    assert response is not None
    assert (response.status, response.has_body, response.body) == ("204", True, None)


def test_the_two_renderings_of_one_page_say_the_same() -> None:
    markdown, plain = page("post_image_contact.md"), page("post_image_contact.txt")

    assert (markdown.method, markdown.path, markdown.summary) == (
        plain.method,
        plain.path,
        plain.summary,
    )
    assert markdown.path_parts == plain.path_parts
    assert markdown.body == plain.body
    assert markdown.response.codes == plain.response.codes
    assert markdown.accept == plain.accept
    assert [h.name for h in plain.headers] == ["Authorization", "Content-Type", "Accept"]


@pytest.mark.parametrize(
    ("name", "line", "expected"),
    [
        ("bad_cells.md", 14, "expected 3 cells, as in the header"),
        ("bad_type.md", 20, "expected a type (int32, int64,"),
        ("unclosed_fence.md", 24, "expected a closing ``` line for the ```http! block"),
        ("no_id.md", 1, "expected YAML front matter (---) with the operation's id: or uid:"),
        ("bad_status.md", 20, "expected an HTTP status code (3 digits)"),
        ("no_response.md", 6, "expected a 'Response: type' section"),
        ("wrong_path_part.md", 14, "expected a path part of /api/v1/Person/{personId}/Image"),
        ("unknown_section.md", 16, "expected a section heading: Query String Parameters"),
        ("bad_json.txt", 28, "expected a JSON body, as the sample's Content-Type says"),
        ("bad_header_line.txt", 16, "expected a header 'Name: value' or a blank line"),
    ],
)
def test_a_malformed_page_is_refused_naming_file_line_and_expectation(
    name: str, line: int, expected: str
) -> None:
    path = PAGES / "malformed" / name

    with pytest.raises(PageError) as raised:
        parse_file(path)

    assert raised.value.line == line
    assert str(raised.value).startswith(f"{path}:{line}: {expected}")


GOOD = (PAGES / "post_image_person.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("|-----------|------|-------------|\n", "", "a separator row (|---|---|)"),
        ("uid: v1PersonEntity_SaveImage_POST", "uid: v1 Person", "an operation id of letters"),
        ("\n---\n\n# POST", "\n\n# POST", "a closing '---' line for the front matter"),
        ("| 400 |", "| 200 |", "an HTTP status code (3 digits) not listed before"),
        (
            "| personId | int32 | Person id **Required** |",
            "| personId | int32 |  |\n" * 2,
            "not listed",
        ),
        ("/api/v1/Person/{personId}/Image\n```", "/api/v1/Person/{personId}/{x}\n```", "for {x}"),
        ("| Content-Type |", "| Content-Language |", "a Content-Type row in Request Headers"),
        ("HTTP/1.1 200 The image blob id", "HTTP 200", "a status line 'HTTP/1.1 200 Reason'"),
        ("```http!\nPOST", "```http!\nSEND", "a sample request line"),
        ("```http_", "```json", "one ```http! block (the request)"),
        ("## Response: int32", "## Response: int 32", "a response type"),
        ("## Request Body: image binary", "## Request Body: image bitmap", "'Request Body: name"),
        ("| Response | Description |", "| Status | Description |", "the response code table"),
        ("\n| 200 | The image blob id |\n| 400 |", "\n| 400 |", None),
    ],
)
def test_a_page_that_breaks_the_template_is_refused(
    old: str, new: str, expected: str | None
) -> None:
    assert old in GOOD
    text = GOOD.replace(old, new, 1)

    if expected is None:  # still a well-formed page
        assert parse_text(text, "page.md").response.codes[0][0] == "400"
        return
    with pytest.raises(PageError, match=r"^page\.md:\d+: expected ") as raised:
        parse_text(text, "page.md")
    assert expected in str(raised.value)


def test_a_second_property_table_in_the_response_is_refused() -> None:
    text = (PAGES / "get_imageinfo.md").read_text(encoding="utf-8")
    table = text[text.index("| Property Name") : text.index("## Sample request")]

    with pytest.raises(PageError, match="at most one property table"):
        parse_text(text.replace("## Sample request", table + "## Sample request"), "page.md")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ((PAGES / "unknown" / "howto.md").read_text(encoding="utf-8"), "first heading is not"),
        ((PAGES / "unknown" / "chrome.txt").read_text(encoding="utf-8"), "no title line"),
        ("", "no title line"),
        ("---\nuid: x\n---\n", "no heading"),
        ("# Changelog\n\n| a | b |\n| c |\n", "'# Changelog'"),
        ("```bash\n# GET Person/1\n```\n## GET Person/{id}\n", "'## GET Person/{id}'"),
    ],
)
def test_a_page_of_another_shape_is_reported_as_unknown_not_guessed(text: str, reason: str) -> None:
    with pytest.raises(UnknownPage) as raised:
        parse_text(text, "other.md")

    assert raised.value.source == "other.md"
    assert reason in str(raised.value)
    assert str(raised.value).startswith("other.md: not a REST reference page (")


def test_text_before_the_title_of_a_markdown_page_is_refused() -> None:
    text = GOOD.replace("# POST Person", "Stray words.\n\n# POST Person", 1)

    with pytest.raises(PageError, match="expected the title first"):
        parse_text(text, "page.md")
