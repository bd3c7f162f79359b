"""Calls written against the real SuperOffice WebAPI, sent as their clients send them.

Each test runs the same call leniently (the default: as the real server's framework reads it,
every leniency journaled as a deviation) and, where the contract's letter refuses it, strictly
(``@pytest.mark.requests("strict")``: today's refusals and messages). The rules are in
``mockso.core.framework``; docs/fidelity.md lists them with their sources.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest
from helpers import AUTH
from helpers import BLOB_ENTITY_KEYS
from helpers import DATA_CONTRACT_NS
from helpers import SERIALIZATION_NS
from helpers import Api
from helpers import assert_error
from helpers import multipart
from helpers import opened
from helpers import png

STRICT = pytest.mark.requests("strict")
# What Chromium sends with a form post (the page's own Accept list, not the API's).
BROWSER_ACCEPT = (
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
    "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"
)


def xml(inner: str, namespace: str | None = DATA_CONTRACT_NS) -> bytes:
    xmlns = f' xmlns="{namespace}"' if namespace else ""
    return f"<BlobEntity{xmlns}>{inner}</BlobEntity>".encode()


def kinds(api: Api) -> list[str]:
    """The deviation lines of the newest record."""
    return list(api.journal()[-1].deviations)


# --- content negotiation -------------------------------------------------------------------


def test_a_misspelled_accept_gets_json_and_says_so(api: Api) -> None:
    # A published Python SDK for SuperOffice sends this on every call.
    response = api.info("Person", 1, headers={"Accept": "aplication/json"})

    assert (response.status_code, response.mimetype) == (200, "application/json")
    [line] = kinds(api)
    assert line.startswith("Accept 'aplication/json' names no media type of this operation (")
    assert line.endswith("; the real server answers JSON")


@STRICT
def test_strictly_a_misspelled_accept_is_a_406(api: Api) -> None:
    response = api.info("Person", 1, headers={"Accept": "aplication/json"})

    assert_error(response, 406, "NotAcceptableException", "None of the media types in Accept")
    assert kinds(api) == []


def test_an_accept_naming_nothing_falls_back_on_the_request_content_type(api: Api) -> None:
    response = api.put_info(
        "Person",
        1,
        xml("<Description>x</Description>"),
        "application/xml",
        headers={"Accept": "text/html"},
    )

    assert (response.status_code, response.mimetype) == (200, "application/xml")
    assert kinds(api)[0].endswith(
        "the real server answers application/xml, the request's Content-Type"
    )


def test_without_accept_the_answer_is_in_the_request_content_type(api: Api) -> None:
    response = api.put_info("Person", 1, xml("<Description>x</Description>"), "text/xml")

    assert (response.status_code, response.mimetype) == (200, "text/xml")
    assert kinds(api) == []  # no Accept: the contract allows any of its types


@STRICT
def test_strictly_without_accept_the_answer_is_the_first_offered_type(api: Api) -> None:
    response = api.put_info("Person", 1, xml("<Description>x</Description>"), "text/xml")

    assert (response.status_code, response.mimetype) == (200, "application/json")


@pytest.mark.parametrize("accept", ["application/json", "text/html", "image/webp", "*/json"])
def test_get_image_answers_the_picture_whatever_accept_says(api: Api, accept: str) -> None:
    # The GET Image reference page's own sample request sends Accept: application/json.
    api.save("Person", 1, png())

    response = api.image("Person", 1, headers={"Accept": accept})

    assert (response.status_code, response.mimetype) == (200, "image/png")
    assert opened(response.get_data()).format == "PNG"
    [line] = kinds(api)
    assert line.endswith(
        "the real server sends the picture as image/png: a file answer skips negotiation"
    )


def test_get_image_converts_when_accept_asks_for_another_image_type(api: Api) -> None:
    api.save("Person", 1, png())

    response = api.image("Person", 1, headers={"Accept": "application/json, image/gif"})

    assert (response.status_code, response.mimetype) == (200, "image/gif")
    assert kinds(api) == []


def test_a_type_accept_refuses_is_sent_and_noted(api: Api) -> None:
    api.save("Person", 1, png())

    response = api.image("Person", 1, type="gif", headers={"Accept": "image/png"})

    assert (response.status_code, response.mimetype) == (200, "image/gif")
    assert "the real server sends the picture as image/gif" in kinds(api)[0]


@STRICT
def test_strictly_get_image_with_a_json_accept_is_a_406(api: Api) -> None:
    api.save("Person", 1, png())

    assert_error(api.image("Person", 1, headers={"Accept": "application/json"}), 406)


@pytest.mark.parametrize("mode", ["lenient", pytest.param("strict", marks=STRICT)])
def test_a_browser_form_post_with_the_browser_accept_list_works_in_both_modes(
    api: Api, mode: str
) -> None:
    body, content_type = multipart(png(), "projectimg", "me.png")

    response = api.save("Project", 1, body, content_type, headers={"Accept": BROWSER_ACCEPT})

    # application/xml;q=0.9 is the best the API offers: the blob id comes as DataContract XML.
    assert (response.status_code, response.mimetype) == (200, "application/xml")
    root = ET.fromstring(response.get_data())
    assert root.tag == f"{{{SERIALIZATION_NS}}}int"
    assert int(root.text or "") >= 1
    assert kinds(api) == []


# --- routing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "lines"),
    [
        ("/api/v1/person/1/imageinfo", ["letter case"]),
        ("/api/v1/Person/1/ImageInfo/", ["ends in a slash"]),
        ("/API/V1/PERSON/1/IMAGEINFO/", ["letter case", "ends in a slash"]),
        ("/api/v1/Project/1/ImageInfo", ["letter case"]),  # the spelling every PUT uses
    ],
)
def test_lower_case_paths_twins_and_trailing_slashes_are_served_and_noted(
    api: Api, path: str, lines: list[str]
) -> None:
    response = api.client.get(path, headers=AUTH)

    assert response.status_code == 200, response.get_data()
    assert tuple(response.get_json()) == BLOB_ENTITY_KEYS
    found = kinds(api)
    assert len(found) == len(lines)
    assert all(part in line for part, line in zip(lines, found, strict=True))


@STRICT
def test_strictly_a_lower_case_path_is_still_served_and_noted(api: Api) -> None:
    response = api.client.get("/api/v1/person/1/imageinfo", headers=AUTH)

    assert response.status_code == 200
    [line] = kinds(api)
    assert "letter case" in line


def test_a_kept_answer_is_journaled_with_its_deviations_again(api: Api) -> None:
    for _ in range(2):
        assert api.client.get("/api/v1/person/1/imageinfo", headers=AUTH).status_code == 200

    assert [len(record.deviations) for record in api.journal()] == [1, 1]


@STRICT
@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/v1/Person/1/ImageInfo/", 404),
        ("GET", "/api/v1/Project/1/ImageInfo", 405),
        ("PUT", "/api/v1/Contact/1/Imageinfo", 405),
    ],
)
def test_strictly_twins_and_trailing_slashes_are_refused(
    api: Api, method: str, path: str, status: int
) -> None:
    response = api.client.open(path, method=method, headers=AUTH, json={"Description": "x"})

    assert_error(response, status)


# --- query parameters ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "noted"),
    [
        ("IfBlank=ClearPixel", ["query names ignoring case"]),
        ("ifBlank=clearpixel", ["reads it as ClearPixel"]),
        ("IFBLANK=CLEARPIXEL", ["query names ignoring case", "reads it as ClearPixel"]),
        ("ifBlank=1", ["reads it as ClearPixel (numbers follow the contract's listing order"]),
    ],
)
def test_query_names_and_enum_values_are_read_as_the_real_server_reads_them(
    api: Api, query: str, noted: list[str]
) -> None:
    response = api.client.get(f"/api/v1/Person/3/Image?{query}", headers=AUTH)

    assert response.status_code == 200, response.get_data()
    assert opened(response.get_data()).size == (1, 1)  # ClearPixel
    found = kinds(api)
    assert all(part in line for part, line in zip(noted, found, strict=True))


def test_ifblank_2_is_srnophoto_by_listing_order(api: Api) -> None:
    # ART2015's own sample used ifBlank=2; the docs give no numbers.
    numbered = api.client.get("/api/v1/Person/3/Image?ifBlank=2", headers=AUTH)
    named = api.client.get("/api/v1/Person/3/Image?ifBlank=SrNoPhoto", headers=AUTH)

    assert numbered.get_data() == named.get_data()


def test_a_repeated_query_value_binds_the_first(api: Api) -> None:
    api.save("Person", 1, png())

    response = api.client.get("/api/v1/Person/1/Image?w=10&w=20", headers=AUTH)

    assert opened(response.get_data()).size[0] == 10
    assert "binds the first value, '10'" in kinds(api)[0]


@STRICT
@pytest.mark.parametrize(
    ("query", "status"),
    [("IfBlank=ClearPixel", 404), ("ifBlank=clearpixel", 400), ("ifBlank=2", 400)],
)
def test_strictly_query_names_and_enums_are_the_contract_spelling(
    api: Api, query: str, status: int
) -> None:
    # IfBlank is no parameter of the contract, so it is ignored: no picture, no placeholder.
    assert_error(api.client.get(f"/api/v1/Person/3/Image?{query}", headers=AUTH), status)


# --- JSON bodies -----------------------------------------------------------------------------


def test_read_modify_write_of_imageinfo_works(api: Api) -> None:
    api.save("Person", 1, png())
    info = api.info("Person", 1).get_json()
    info["Description"] = "Changed by a client that sends everything back"

    response = api.put_info("Person", 1, info)

    assert response.status_code == 200, response.get_data()
    answer = response.get_json()
    assert answer["Description"] == info["Description"]
    assert answer["TableRight"] == info["TableRight"]  # the server's own, not the body's
    found = kinds(api)
    assert found
    assert all("is read-only in the contract" in line for line in found)
    assert any(line.startswith("Member 'TableRight' ") for line in found)


def test_read_only_members_are_read_and_the_server_keeps_its_own(api: Api) -> None:
    before = api.info("Person", 1).get_json()

    response = api.put_info("Person", 1, {"TableRight": {"Mask": "None", "Reason": "mine"}})

    assert response.status_code == 200
    assert response.get_json()["TableRight"] == before["TableRight"]


@STRICT
def test_strictly_read_modify_write_of_imageinfo_is_a_400(api: Api) -> None:
    api.save("Person", 1, png())
    info = api.info("Person", 1).get_json()
    info["Description"] = "x"

    response = api.put_info("Person", 1, info)

    assert_error(response, 400, "ArgumentException", "read")
    assert api.info("Person", 1).get_json()["Description"] == ""


@pytest.mark.parametrize(
    ("body", "stored", "noted"),
    [
        ({"description": "x"}, {"Description": "x"}, "spelled 'Description'"),
        ({"DESCRIPTION": "x", "Colour": "red"}, {"Description": "x"}, "not in the contract"),
        ({"IsZipped": "true"}, {"IsZipped": True}, "converts it to true"),
        ({"IsEncrypted": 1}, {"IsEncrypted": True}, "converts it to true"),
        ({"ExtraInfo": 12}, {"ExtraInfo": "12"}, 'converts it to "12"'),
        ({"ExtraInfo": False}, {"ExtraInfo": "false"}, 'converts it to "false"'),
        ({"BlobId": "7"}, {}, "converts it to 7"),
        ({"UpdatedBy": {"Type": "internalassociate"}}, {}, 'converts it to "InternalAssociate"'),
        ({"UpdatedBy": {"Type": 5}}, {}, 'converts it to "SystemAssociate"'),
    ],
)
def test_json_bodies_are_bound_as_json_net_binds_them(
    api: Api, body: dict[str, Any], stored: dict[str, Any], noted: str
) -> None:
    response = api.put_info("Person", 1, body)

    assert response.status_code == 200, response.get_data()
    answer = response.get_json()
    assert {key: answer[key] for key in stored} == stored
    assert any(noted in line for line in kinds(api)), kinds(api)


def test_the_last_of_two_spellings_of_one_member_wins(api: Api) -> None:
    response = api.put_info("Person", 1, {"Description": "first", "description": "second"})

    assert response.get_json()["Description"] == "second"


@pytest.mark.parametrize(
    "body", [{"IsZipped": None}, {"IsZipped": "yes"}, {"BlobId": 1.5}, {"Description": ["a"]}]
)
def test_what_json_net_cannot_convert_is_still_refused(api: Api, body: dict[str, Any]) -> None:
    assert_error(api.put_info("Person", 1, body), 400, "ArgumentException")


@STRICT
@pytest.mark.parametrize(
    "body", [{"description": "x"}, {"Colour": "red"}, {"IsZipped": "true"}, {"ExtraInfo": 12}]
)
def test_strictly_json_bodies_keep_to_the_contract(api: Api, body: dict[str, Any]) -> None:
    assert_error(api.put_info("Person", 1, body), 400, "ArgumentException")


def test_a_form_body_matches_names_ignoring_case_and_drops_unknown_fields(api: Api) -> None:
    response = api.put_info(
        "Person", 1, b"description=from+a+form&Colour=red", "application/x-www-form-urlencoded"
    )

    assert response.status_code == 200, response.get_data()
    assert response.get_json()["Description"] == "from a form"
    assert len(kinds(api)) == 2


@pytest.mark.parametrize(
    ("sent", "read"),
    [
        ("2017-11-21", "2017-11-21T00:00:00+00:00"),
        ("2017-11-21 09:40:59", "2017-11-21T09:40:59+00:00"),
        ("2017-11-21T09:40", "2017-11-21T09:40:00+00:00"),
        ("11/21/2017 9:40 PM", "2017-11-21T21:40:00+00:00"),
        ("Tue, 21 Nov 2017 08:40:59 GMT", "2017-11-21T08:40:59+00:00"),
        ("/Date(1511253659408+0100)/", "2017-11-21T08:40:59.408+00:00"),
    ],
)
def test_a_date_in_a_form_json_net_reads_is_taken_and_noted(api: Api, sent: str, read: str) -> None:
    # Read-modify-write from a client whose serializer writes dates its own way: the server
    # reads CreatedDate (and keeps its own), so the call works.
    response = api.put_info("Person", 1, {"Description": "x", "CreatedDate": sent})

    assert response.status_code == 200, response.get_data()
    assert response.get_json()["Description"] == "x"
    [line] = kinds(api)
    assert line.startswith("Member 'CreatedDate' is a date-time (yyyy-MM-ddTHH:mm:ss")
    assert line.endswith(f'the real server\'s Json.NET reads it as "{read}"')


@pytest.mark.parametrize("mode", ["lenient", pytest.param("strict", marks=STRICT)])
@pytest.mark.parametrize("sent", ["yesterday", "2017-11-31", "21.11.2017", ""])
def test_a_date_json_net_cannot_read_is_refused(api: Api, mode: str, sent: str) -> None:
    response = api.put_info("Person", 1, {"Description": "x", "CreatedDate": sent})

    assert_error(response, 400, "ArgumentException", "CreatedDate")
    assert api.info("Person", 1).get_json()["Description"] == ""


@pytest.mark.parametrize("mode", ["lenient", pytest.param("strict", marks=STRICT)])
def test_a_form_date_before_the_first_instant_is_clamped_not_a_crash(api: Api, mode: str) -> None:
    # Found by the stateful fuzzing: year 1 at +01:01 is before 0001-01-01 in UTC. Json.NET
    # clamps it to DateTime.MinValue; the server keeps its own dates anyway.
    body = b"Description=x&CreatedDate=0001-01-01T00%3A00%3A00%2B01%3A01"

    response = api.put_info("Person", 1, body, "application/x-www-form-urlencoded")

    assert response.status_code == 200, response.get_data()
    assert api.info("Person", 1).get_json()["Description"] == "x"


@STRICT
def test_strictly_a_date_keeps_to_the_contract_format(api: Api) -> None:
    response = api.put_info("Person", 1, {"Description": "x", "CreatedDate": "2017-11-21"})

    assert_error(response, 400, "ArgumentException", "CreatedDate")


def test_a_form_boolean_in_any_letter_case_is_read_as_json_net_reads_it(api: Api) -> None:
    form = "application/x-www-form-urlencoded"

    exact = api.put_info("Person", 1, b"IsZipped=true", form)
    assert (exact.status_code, kinds(api)) == (200, [])
    capital = api.put_info("Person", 1, b"IsZipped=False&CreatedDate=2017-11-21", form)

    assert capital.status_code == 200, capital.get_data()
    assert capital.get_json()["IsZipped"] is False
    assert [line.split(";")[1].strip() for line in kinds(api)] == [
        "the real server converts it to false",
        'the real server\'s Json.NET reads it as "2017-11-21T00:00:00+00:00"',
    ]


@pytest.mark.parametrize("mode", ["lenient", pytest.param("strict", marks=STRICT)])
def test_a_form_boolean_json_net_cannot_read_is_refused(api: Api, mode: str) -> None:
    # bool.TryParse knows the two words only: "1" is no boolean in a form, unlike in XML.
    response = api.put_info("Person", 1, b"IsZipped=1", "application/x-www-form-urlencoded")

    assert_error(response, 400, "ArgumentException", "IsZipped")


@STRICT
def test_strictly_a_form_boolean_is_true_or_false_in_lower_case(api: Api) -> None:
    response = api.put_info("Person", 1, b"IsZipped=True", "application/x-www-form-urlencoded")

    assert_error(response, 400, "ArgumentException", "IsZipped")


# --- XML bodies ------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["lenient", pytest.param("strict", marks=STRICT)])
@pytest.mark.parametrize("namespace", [None, "http://example.com/wrong"])
def test_an_xml_body_outside_the_data_contract_namespace_is_refused(
    api: Api, mode: str, namespace: str | None
) -> None:
    response = api.put_info(
        "Person", 1, xml("<Description>x</Description>", namespace), "application/xml"
    )

    assert_error(response, 400, "ArgumentException", DATA_CONTRACT_NS)
    assert api.info("Person", 1).get_json()["Description"] == ""


@pytest.mark.parametrize("mode", ["lenient", pytest.param("strict", marks=STRICT)])
def test_an_xml_member_out_of_order_is_skipped_and_noted(api: Api, mode: str) -> None:
    # DataContractSerializer reads Description, ExtraInfo, ... in order: IsZipped came first.
    body = xml("<IsZipped>true</IsZipped><Description>late</Description>")

    response = api.put_info(
        "Person", 1, body, "application/xml", headers={"Accept": "application/json"}
    )

    assert response.status_code == 200, response.get_data()
    answer = response.get_json()
    assert (answer["IsZipped"], answer["Description"]) == (True, "")
    [line] = kinds(api)
    assert line.startswith("Element 'Description' comes after 'IsZipped'")
    assert line.endswith("reads members in the contract's order and skips it")


@pytest.mark.parametrize("mode", ["lenient", pytest.param("strict", marks=STRICT)])
@pytest.mark.parametrize(("word", "value"), [("1", True), ("0", False), (" true ", True)])
def test_xml_booleans_are_xml_schema_words_including_1_and_0(
    api: Api, mode: str, word: str, value: bool
) -> None:
    # XmlConvert.ToBoolean reads true, false, 1 and 0 (xs:boolean): the contract's XML form.
    body = xml(f"<IsEncrypted>{word}</IsEncrypted><IsZipped>{word}</IsZipped>")

    response = api.put_info(
        "Person", 1, body, "application/xml", headers={"Accept": "application/json"}
    )

    assert response.status_code == 200, response.get_data()
    assert (response.get_json()["IsZipped"], response.get_json()["IsEncrypted"]) == (value,) * 2
    assert kinds(api) == []


@pytest.mark.parametrize("mode", ["lenient", pytest.param("strict", marks=STRICT)])
@pytest.mark.parametrize("word", ["True", "yes", "2"])
def test_an_xml_boolean_outside_xml_schema_is_refused(api: Api, mode: str, word: str) -> None:
    body = xml(f"<Description>x</Description><IsZipped>{word}</IsZipped>")

    response = api.put_info("Person", 1, body, "application/xml")

    assert_error(response, 400, "ArgumentException", "IsZipped")
    assert api.info("Person", 1).get_json()["Description"] == ""


def test_an_unknown_xml_element_is_ignored_and_noted(api: Api) -> None:
    body = xml("<Description>x</Description><Colour>red</Colour><extrainfo>y</extrainfo>")

    response = api.put_info("Person", 1, body, "text/xml", headers={"Accept": "application/json"})

    assert response.status_code == 200, response.get_data()
    assert (response.get_json()["Description"], response.get_json()["ExtraInfo"]) == ("x", "")
    assert [line.split(";")[1].strip() for line in kinds(api)] == [
        "DataContractSerializer ignores it"
    ] * 2


@STRICT
def test_strictly_an_unknown_xml_element_is_refused(api: Api) -> None:
    body = xml("<Description>x</Description><Colour>red</Colour>")

    assert_error(api.put_info("Person", 1, body, "text/xml"), 400, "ArgumentException", "Colour")


# --- a client that keeps to the contract -----------------------------------------------------


@pytest.mark.parametrize("mode", ["lenient", pytest.param("strict", marks=STRICT)])
def test_a_client_keeping_to_the_contract_leans_on_nothing(api: Api, mode: str) -> None:
    api.save("Person", 1, png())
    api.image("Person", 1, w=10, headers={"Accept": "image/png"})
    api.put_info("Person", 1, {"Description": "x", "IsZipped": False})
    api.info("Person", 1, headers={"Accept": "application/xml"})
    api.delete("Person", 1)

    assert [record.status for record in api.journal()] == [200, 200, 200, 200, 204]
    assert api.deviations() == []


# --- errors any production server can answer -----------------------------------------------


@pytest.mark.parametrize(
    ("code", "error_type", "retry"),
    [
        (500, "Exception", None),
        (502, "BadGatewayException", None),
        (503, "ServiceUnavailableException", "1"),
        (504, "GatewayTimeoutException", None),
        (429, "TooManyRequestsException", "1"),
        (418, "HttpException", None),
    ],
)
@pytest.mark.parametrize("action", ["GetImage", "SaveImage", "DeleteImageContent"])
def test_prefer_asks_for_any_error_status_the_operation_does_not_document(
    api: Api, action: str, code: int, error_type: str, retry: str | None
) -> None:
    # The app checks its answers against the contract (strict): an error asked for on purpose
    # is sent as asked, not turned into a ContractViolation.
    response = api.perform("Person", action, 1, headers={"Prefer": f"code={code}"})

    body = assert_error(response, code, error_type, f"does not document {code}")
    assert body["ErrorSource"] == "SuperOffice.WebApi"
    assert response.headers.get("Retry-After") == retry
    [record] = api.journal()
    assert (record.status, record.undocumented, record.deviations) == (code, True, ())
    assert api.image("Person", 1).status_code == 404  # nothing was stored


def test_a_documented_error_status_answers_as_documented(api: Api) -> None:
    response = api.info("Person", 1, headers={"Prefer": "code=404"})

    assert_error(response, 404, "SoNotFoundException")
    assert api.journal()[-1].undocumented is False


def test_a_rule_asks_for_an_outage_and_coverage_lists_it_apart(api: Api) -> None:
    rule = {"operationId": "v1PersonEntity_GetImageInfo", "code": 503, "times": 2}
    assert api.client.post("/__mockso/rules", json=rule).status_code == 201

    statuses = [api.info("Person", 1).status_code for _ in range(3)]

    assert statuses == [503, 503, 200]
    report = api.client.get("/__mockso/coverage").get_json()
    [row] = report["undocumented"]
    assert (row["operationId"], row["status"], row["count"]) == (rule["operationId"], "503", 2)


@pytest.mark.parametrize("code", [201, 302, 100])
def test_success_and_redirect_statuses_stay_limited_to_what_is_documented(
    api: Api, code: int
) -> None:
    response = api.info("Person", 1, headers={"Prefer": f"code={code}"})

    assert_error(response, 400, "ArgumentException", f"code={code} is not documented")


def test_an_undocumented_status_has_no_example_to_ask_for(api: Api) -> None:
    rule = {"operationId": "v1PersonEntity_GetImageInfo", "code": 500, "example": "x"}

    response = api.client.post("/__mockso/rules", json=rule)

    assert response.status_code == 400
    assert "does not document 500, so it has no example 'x'" in response.get_json()["ErrorMessage"]


def test_a_rule_for_one_project_finds_it_however_the_query_spells_projectid(api: Api) -> None:
    rule = {"operationId": "v1ProjectEntity_PutImageInfo", "code": 503, "entityId": 7}
    assert api.client.post("/__mockso/rules", json=rule).status_code == 201

    other = api.client.put("/api/v1/Project/x/ImageInfo?ProjectId=8", headers=AUTH, json={})
    this = api.client.put("/api/v1/Project/x/ImageInfo?PROJECTID=7", headers=AUTH, json={})

    assert (other.status_code, this.status_code) == (200, 503)
