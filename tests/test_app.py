"""The app factory: defaults, settings from the environment, isolation between apps, crashes."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from helpers import AUTH
from helpers import Api
from helpers import assert_blob_id
from helpers import assert_error
from helpers import png
from helpers import tiff

import mockso
from mockso.app import create_app
from mockso.app import get_mock
from mockso.core.clock import FrozenClock
from mockso.core.config import Settings
from mockso.core.images import ImageService
from mockso.core.mock import Mock


def test_create_app_needs_no_arguments() -> None:
    app = create_app()

    api = Api(app.test_client(), AUTH)
    assert_blob_id(api.save("Person", 1, png()))
    assert api.info("Person", 1).get_json()["BlobId"] == 1
    assert isinstance(get_mock(app), Mock)
    assert isinstance(get_mock(app).seed, int)


def test_the_package_exports_the_factory() -> None:
    assert mockso.create_app is create_app


def test_a_settings_object_is_used_as_it_is() -> None:
    app = create_app(Settings(seed=3, auth="off"))

    assert get_mock(app).settings == Settings(seed=3, auth="off")
    assert Api(app.test_client()).info("Person", 1).status_code == 200


def test_a_seed_freezes_the_clock() -> None:
    assert isinstance(get_mock(create_app({"seed": 1})).clock, FrozenClock)


def test_two_apps_keep_their_own_state_and_settings() -> None:
    lenient = create_app({"seed": 1})
    open_app = create_app({"seed": 1, "auth": "off"})
    first, second = Api(lenient.test_client(), AUTH), Api(open_app.test_client())

    first_id = assert_blob_id(first.save("Person", 1, png()))
    second_id = assert_blob_id(second.save("Person", 2, tiff(), "image/tiff"))

    assert first_id == second_id == 1
    assert first.image("Person", 2).status_code == 404
    assert second.image("Person", 1).status_code == 404
    assert_error(Api(lenient.test_client()).info("Person", 1), 401)
    assert second.info("Person", 1).status_code == 200
    assert get_mock(lenient) is not get_mock(open_app)


@pytest.mark.parametrize(
    ("variable", "value", "attribute", "expected"),
    [
        ("MOCKSO_SEED", "42", "seed", 42),
        ("MOCKSO_AUTH", "off", "auth", "off"),
        ("MOCKSO_MAX_UPLOAD", "1_000", "max_upload", 1000),
        ("MOCKSO_TIMEZONE", "UTC", "timezone", "UTC"),
        ("MOCKSO_STRICT", "yes", "strict", True),
        ("MOCKSO_STRICT", "0", "strict", False),
    ],
)
def test_mockso_environment_variables_are_settings(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, attribute: str, expected: Any
) -> None:
    monkeypatch.setenv(variable, value)

    settings = get_mock(create_app()).settings

    assert getattr(settings, attribute) == expected


def test_environment_settings_change_behaviour(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOCKSO_AUTH", "off")
    monkeypatch.setenv("MOCKSO_MAX_UPLOAD", "1000")
    monkeypatch.setenv("MOCKSO_CLOCK", "2030-06-01T12:00:00Z")
    monkeypatch.setenv("MOCKSO_TIMEZONE", "UTC")
    api = Api(create_app().test_client())

    assert_error(api.save("Person", 1, tiff(40, 40), "image/tiff"), 413)
    assert_blob_id(api.save("Person", 1, png(4, 4)))
    assert api.info("Person", 1).get_json()["UpdatedDate"] == "2030-06-01T12:00:00+00:00"


def test_explicit_config_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOCKSO_AUTH", "off")
    monkeypatch.setenv("MOCKSO_MAX_UPLOAD", "1000")
    monkeypatch.setenv("MOCKSO_SEED", "5")

    app = create_app({"seed": 6, "auth": "lenient", "max_upload": 100_000})

    assert get_mock(app).seed == 6
    assert_error(Api(app.test_client()).info("Person", 1), 401)
    assert_blob_id(Api(app.test_client(), AUTH).save("Person", 1, tiff(40, 40), "image/tiff"))


def test_a_config_value_of_none_leaves_the_environment_in_charge(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MOCKSO_SEED", "5")

    assert get_mock(create_app({"seed": None})).seed == 5


def test_an_empty_or_unrelated_variable_is_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOCKSO_AUTH", "")
    monkeypatch.setenv("MOCKSO_NOT_A_SETTING", "1")

    assert get_mock(create_app({"seed": 1})).settings.auth == "lenient"


def test_the_environment_can_name_fixtures_and_credentials(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fixtures, credentials = tmp_path / "fixtures.yaml", tmp_path / "credentials.yaml"
    fixtures.write_text("entities:\n  Person: [1]\n", encoding="utf-8")
    credentials.write_text("users:\n  tje0: Tje0\n", encoding="utf-8")
    monkeypatch.setenv("MOCKSO_FIXTURES", str(fixtures))
    monkeypatch.setenv("MOCKSO_CREDENTIALS", str(credentials))
    monkeypatch.setenv("MOCKSO_AUTH", "strict")
    client = create_app({"seed": 1}).test_client()

    assert Api(client, AUTH).info("Person", 1).status_code == 200
    assert_error(Api(client, AUTH).info("Person", 2), 404)
    assert_error(Api(client, {"Authorization": "Basic YW5uYTp4"}).info("Person", 1), 401)


@pytest.mark.parametrize(
    ("variable", "value", "fragment"),
    [
        ("MOCKSO_SEED", "seven", "MOCKSO_SEED"),
        ("MOCKSO_MAX_UPLOAD", "0", "max_upload"),
        ("MOCKSO_AUTH", "maybe", "auth"),
        ("MOCKSO_AUTH", "strict", "credentials"),
        ("MOCKSO_CLOCK", "yesterday", "clock"),
    ],
)
def test_a_bad_environment_value_stops_the_app_with_a_clear_message(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, fragment: str
) -> None:
    monkeypatch.setenv(variable, value)

    with pytest.raises(ValueError, match=fragment):
        create_app()


def test_an_unknown_setting_is_refused() -> None:
    with pytest.raises(ValueError, match="max_uplaod"):
        create_app({"max_uplaod": 5})


def test_a_crash_in_a_handler_is_a_500_error_object(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def crash(self: ImageService, call: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(ImageService, "get_info", crash)
    api = Api(create_app({"seed": 1}).test_client(), AUTH)

    with caplog.at_level(logging.ERROR, logger="mockso"):
        response = api.info("Person", 1)

    body = assert_error(response, 500, "Exception", "RuntimeError: boom")
    assert body["ErrorSource"] == "SuperOffice.WebApi"
    assert any(record.exc_info for record in caplog.records)
    assert_blob_id(api.save("Person", 1, png()))


def test_a_crash_while_encoding_an_answer_is_a_500_error_object(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    api = Api(create_app({"seed": 1}).test_client(), AUTH)

    def crash(self: Mock, media: object, value: object) -> bytes:
        raise TypeError("cannot encode")

    monkeypatch.setattr(Mock, "_serialise", crash)

    assert_error(api.info("Person", 1), 500, "Exception", "TypeError: cannot encode")
