"""State export and import (mockso-state/1), and fixtures files that start a mock with a state."""

from __future__ import annotations

import base64
import copy
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient
from helpers import AUTH
from helpers import Api
from helpers import jpeg
from helpers import png

from mockso.app import create_app
from mockso.app import get_mock
from mockso.core.errors import BadRequest
from mockso.core.errors import InsufficientStorage
from mockso.core.mock import Mock
from mockso.core.snapshots import FORMAT
from mockso.core.snapshots import export_state
from mockso.core.snapshots import import_state

Document = dict[str, Any]


@pytest.fixture
def stocked(api: Api) -> Api:
    """Two pictures (one with a Description), and an ImageInfo written without a picture."""
    api.save("Person", 1, png())
    api.put_info("Person", 1, {"Description": "Portrait", "ExtraInfo": "æøå"})
    api.save("Contact", 3, jpeg())
    api.put_info("Project", 9, {"Description": "Site"})
    return api


def dumped(document: Document) -> bytes:
    return json.dumps(document, separators=(",", ":")).encode()


# --- export -----------------------------------------------------------------------------------


def test_an_export_holds_every_entry_in_order_with_its_picture_and_info(
    mock: Mock, stocked: Api
) -> None:
    document = export_state(mock)

    assert document["format"] == FORMAT
    assert document["next_blob_id"] == 3
    assert "entities" not in document  # no fixtures: every positive id exists
    entries = [(p["entity"], p["id"]) for p in document["pictures"]]
    assert entries == [("Contact", 3), ("Person", 1), ("Project", 9)]
    person = document["pictures"][1]
    assert base64.b64decode(person["picture"]) == png()
    assert person["info"] == {**stocked.info("Person", 1).get_json(), **_utc_dates(person)}
    assert document["pictures"][2]["picture"] is None


def _utc_dates(picture: Document) -> Document:
    """The two dates of an exported info, which are in UTC rather than the answer's zone."""
    return {name: picture["info"][name] for name in ("CreatedDate", "UpdatedDate")}


def test_exported_dates_are_utc_with_offset_and_full_precision() -> None:
    app = create_app({"seed": 1, "clock": "2026-03-01T12:00:00.123456+01:00"})
    Api(app.test_client(), AUTH).save("Person", 1, png())

    info = export_state(get_mock(app))["pictures"][0]["info"]

    assert info["CreatedDate"] == "2026-03-01T11:00:00.123456+00:00"


def test_a_namespace_never_used_exports_the_start_state(mock: Mock) -> None:
    assert export_state(mock, "fresh") == {"format": FORMAT, "next_blob_id": 1, "pictures": []}


# --- round trips ------------------------------------------------------------------------------


def test_export_import_export_is_byte_exact(client: FlaskClient, stocked: Api) -> None:
    exported = client.get("/__mockso/state").get_data()
    client.post("/__mockso/reset")

    assert client.put("/__mockso/state", data=exported, content_type="application/json")
    assert client.get("/__mockso/state").get_data() == exported


def test_a_state_moves_byte_exactly_to_another_mock(mock: Mock, stocked: Api) -> None:
    exported = dumped(export_state(mock))
    other = get_mock(create_app({"seed": 2, "timezone": "America/New_York"}))

    import_state(other, json.loads(exported))

    assert dumped(export_state(other)) == exported


def test_an_imported_state_is_what_the_mocked_api_serves(
    app: Flask, mock: Mock, stocked: Api
) -> None:
    document = export_state(mock)
    before = [stocked.state(entity, n) for entity, n in (("Person", 1), ("Project", 9))]
    other = create_app({"seed": 1, "strict": True})
    other_api = Api(other.test_client(), AUTH)

    import_state(get_mock(other), document)

    assert [other_api.state(e, n) for e, n in (("Person", 1), ("Project", 9))] == before
    assert other_api.save("Person", 2, png()).get_json() == document["next_blob_id"]


def test_an_import_replaces_what_was_there(mock: Mock, stocked: Api) -> None:
    import_state(mock, {"format": FORMAT})

    assert export_state(mock) == {"format": FORMAT, "next_blob_id": 1, "pictures": []}
    assert stocked.image("Person", 1).status_code == 404
    assert mock.store.total_bytes == 0


def test_next_blob_id_defaults_to_one_more_than_the_largest_blob_id(
    mock: Mock, stocked: Api
) -> None:
    document = export_state(mock)
    del document["next_blob_id"]
    document["pictures"][0]["info"]["BlobId"] = 41

    import_state(mock, document)

    assert stocked.save("Person", 5, png()).get_json() == 42


def test_a_state_with_entities_restricts_the_ids_that_exist(mock: Mock, api: Api) -> None:
    import_state(mock, {"format": FORMAT, "entities": {"Person": [1, 2]}})

    assert api.info("Person", 2).status_code == 200
    assert api.info("Person", 3).status_code == 404
    assert api.info("Contact", 3).status_code == 200
    assert export_state(mock)["entities"] == {"Person": [1, 2]}


def test_a_namespace_import_leaves_other_namespaces_alone(mock: Mock, stocked: Api) -> None:
    before = export_state(mock)

    import_state(mock, {"format": FORMAT, "entities": {"Person": [7]}}, "job-1")

    assert export_state(mock) == before
    assert export_state(mock, "job-1")["entities"] == {"Person": [7]}


# --- refused imports --------------------------------------------------------------------------


def _set(path: str, value: Any) -> Callable[[Document], None]:
    """A mutation: ``pictures.1.info.BlobSize`` = value."""

    def mutate(document: Document) -> None:
        *parents, last = path.split(".")
        node: Any = document
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[int(last) if last.isdigit() else last] = value

    return mutate


def _drop(key: str) -> Callable[[Document], None]:
    return lambda document: document["pictures"][1]["info"].pop(key)


def _twice(document: Document) -> None:
    document["pictures"].append(copy.deepcopy(document["pictures"][1]))


BAD_IMPORTS: list[tuple[str, Callable[[Document], None], str]] = [
    ("unknown format", _set("format", "mockso-state/0"), "'format'"),
    ("unknown key", _set("colour", "red"), "colour"),
    ("entity type", _set("pictures.1.entity", "Persons"), "pictures[1] (Persons 1)"),
    ("entities type", _set("entities", {"Persons": [1]}), "entities.Persons"),
    ("id zero", _set("pictures.1.id", 0), "'pictures[1].id'"),
    ("id as text", _set("pictures.1.id", "1"), "'pictures[1].id'"),
    ("listed twice", _twice, "pictures[3] (Person 1): Person 1 is listed twice"),
    ("id not known", _set("entities", {"Person": [2]}), "pictures[1] (Person 1): id 1"),
    ("not base64", _set("pictures.1.picture", "not base64!"), "not base64"),
    ("not a picture", _set("pictures.1.picture", "aGVsbG8="), "not a picture"),
    ("empty picture", _set("pictures.1.picture", ""), "not a picture"),
    ("missing info key", _drop("BlobId"), "info lacks BlobId"),
    ("info key type", _set("pictures.1.info.BlobSize", "77"), "info.BlobSize"),
    ("info extra key", _set("pictures.1.info.Colour", "red"), "Colour"),
    ("info enum", _set("pictures.1.info.CreatedBy.Type", "Robot"), "info.CreatedBy.Type"),
    ("info date", _set("pictures.1.info.UpdatedDate", "yesterday"), "info.UpdatedDate"),
    ("info not object", _set("pictures.1.info", []), "'pictures[1].info'"),
    ("next id too small", _set("next_blob_id", 2), "next_blob_id 2 must be larger"),
]


@pytest.mark.parametrize(
    ("mutate", "fragment"),
    [(mutate, fragment) for _, mutate, fragment in BAD_IMPORTS],
    ids=[name for name, _, _ in BAD_IMPORTS],
)
def test_a_bad_import_names_the_item_and_changes_nothing(
    mock: Mock, stocked: Api, mutate: Callable[[Document], None], fragment: str
) -> None:
    document = export_state(mock)
    before = dumped(document)
    mutate(document)

    with pytest.raises(BadRequest) as error:
        import_state(mock, document)

    assert fragment in error.value.message
    assert dumped(export_state(mock)) == before


def test_an_import_that_is_not_an_object_is_refused(mock: Mock) -> None:
    with pytest.raises(BadRequest, match="JSON object"):
        import_state(mock, ["format", FORMAT])


def test_an_import_past_the_store_cap_changes_nothing_not_even_known_ids() -> None:
    picture = png(60, 40)
    mock = get_mock(create_app({"seed": 1, "max_store_bytes": len(picture)}))
    document = {
        "format": FORMAT,
        "entities": {"Person": [1, 2]},
        "pictures": [_entry(mock, "Person", n, picture) for n in (1, 2)],
    }

    with pytest.raises(InsufficientStorage, match="MOCKSO_MAX_STORE_BYTES"):
        import_state(mock, document)

    assert export_state(mock) == {"format": FORMAT, "next_blob_id": 1, "pictures": []}


def _entry(mock: Mock, entity: str, entity_id: int, picture: bytes) -> Document:
    """A picture entry as another mock would export it."""
    source = create_app({"seed": 1})
    Api(source.test_client(), AUTH).save(entity, entity_id, picture)
    entry: Document = export_state(get_mock(source))["pictures"][0]
    return entry


# --- fixtures files ---------------------------------------------------------------------------


def _write(tmp_path: Path, document: Any, suffix: str) -> Path:
    path = tmp_path / f"fixtures{suffix}"
    text = json.dumps(document) if suffix == ".json" else yaml.safe_dump(document)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_a_state_fixtures_file_starts_the_mock_with_its_pictures_and_counters(
    tmp_path: Path, mock: Mock, stocked: Api, suffix: str
) -> None:
    import_state(mock, {**export_state(mock), "entities": {"Person": [1, 2]}})
    exported = export_state(mock)
    path = _write(tmp_path, exported, suffix)

    started = create_app({"seed": 1, "fixtures": str(path)})
    api = Api(started.test_client(), AUTH)

    assert export_state(get_mock(started)) == exported
    assert api.image("Person", 1).get_data() == png()
    assert api.info("Person", 3).status_code == 404
    assert api.save("Person", 2, png()).get_json() == exported["next_blob_id"]


def test_an_entities_only_fixtures_file_still_only_says_which_ids_exist(tmp_path: Path) -> None:
    path = _write(tmp_path, {"entities": {"Person": [1]}}, ".yaml")

    api = Api(create_app({"seed": 1, "fixtures": str(path)}).test_client(), AUTH)

    assert api.info("Person", 1).status_code == 200
    assert api.info("Person", 2).status_code == 404
    assert api.image("Person", 1).status_code == 404


def test_a_hand_written_yaml_state_may_leave_dates_unquoted(
    tmp_path: Path, mock: Mock, stocked: Api
) -> None:
    exported = export_state(mock)
    text = re.sub(r"'([0-9]{4}-[0-9]{2}-[0-9]{2}T[^']*)'", r"\1", yaml.safe_dump(exported))
    assert "UpdatedDate: 2026-" in text
    path = tmp_path / "fixtures.yaml"
    path.write_text(text, encoding="utf-8")

    started = create_app({"seed": 1, "fixtures": str(path)})

    assert export_state(get_mock(started)) == exported


def test_every_namespace_starts_from_the_fixtures_and_reset_goes_back_to_them(
    tmp_path: Path, mock: Mock, stocked: Api
) -> None:
    exported = export_state(mock)
    started = create_app({"seed": 1, "fixtures": str(_write(tmp_path, exported, ".json"))})
    client = started.test_client()
    api = Api(client, AUTH)
    api.delete("Person", 1)
    api.save("Contact", 4, png(), headers={"X-Mockso-Namespace": "job-1"})

    assert export_state(get_mock(started), "job-2") == exported
    client.post("/__mockso/reset?namespace=job-1")
    assert export_state(get_mock(started), "job-1") == exported
    client.post("/__mockso/reset")
    assert export_state(get_mock(started)) == exported


@pytest.mark.parametrize(
    ("document", "fragment"),
    [
        ({"format": "mockso-state/9"}, "'format'"),
        ({"format": FORMAT, "pictures": [{"entity": "Robot", "id": 1, "info": {}}]}, "Robot"),
        ({"format": FORMAT, "entities": {"Person": ["one"]}}, "entities.Person[0]"),
    ],
)
def test_a_bad_state_fixtures_file_stops_the_mock_naming_the_file(
    tmp_path: Path, document: Document, fragment: str
) -> None:
    path = _write(tmp_path, document, ".yaml")

    with pytest.raises(ValueError, match=r"fixtures\.yaml") as error:
        create_app({"seed": 1, "fixtures": str(path)})

    assert fragment in str(error.value)


def test_state_fixtures_larger_than_the_store_cap_stop_the_mock(
    tmp_path: Path, mock: Mock, stocked: Api
) -> None:
    path = _write(tmp_path, export_state(mock), ".json")

    with pytest.raises(ValueError, match="more than max_store_bytes"):
        create_app({"seed": 1, "fixtures": str(path), "max_store_bytes": 100})


def test_a_namespace_the_shared_cap_cannot_start_with_the_fixtures_is_refused(
    tmp_path: Path, mock: Mock, api: Api
) -> None:
    api.save("Person", 1, png())
    path = _write(tmp_path, export_state(mock), ".json")
    cap = len(png()) * 3 // 2  # room for the default namespace's copy only
    started = create_app({"seed": 1, "fixtures": str(path), "max_store_bytes": cap})

    response = Api(started.test_client(), AUTH).info(
        "Person", 1, headers={"X-Mockso-Namespace": "b"}
    )

    assert response.status_code == 400
    assert "cannot start with the fixtures' pictures" in response.get_json()["ErrorMessage"]
    assert get_mock(started).spaces.find("b") is None
