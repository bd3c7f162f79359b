"""mockso.core.config: defaults, then MOCKSO_* environment text, then explicit values."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from mockso.core.config import AUTH_MODES
from mockso.core.config import ENV_PREFIX
from mockso.core.config import Settings
from mockso.core.config import from_environ

NO_ENV: dict[str, str] = {}


def test_nothing_set_gives_the_defaults() -> None:
    settings = Settings.load(environ=NO_ENV)
    assert settings == Settings()
    assert (settings.host, settings.port) == ("127.0.0.1", 8080)
    assert settings.contract is None
    assert settings.contract_paths == []
    assert settings.seed is None
    assert settings.clock is None
    assert settings.timezone == "Europe/Oslo"
    assert settings.auth == "lenient"
    assert settings.strict is False
    assert settings.max_upload == 20 * 1024 * 1024
    assert settings.max_store_bytes == 512 * 1024 * 1024
    assert settings.max_pixels == 40_000_000
    assert settings.threads == 64
    assert (settings.tls_cert, settings.tls_key) == (None, None)


def test_settings_are_frozen() -> None:
    settings = Settings()
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.port = 1  # type: ignore[misc]


def test_load_reads_os_environ_when_no_environ_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOCKSO_PORT", "9123")
    assert Settings.load().port == 9123


@pytest.mark.parametrize(
    ("variable", "text", "field", "expected"),
    [
        ("MOCKSO_PORT", "9000", "port", 9000),
        ("MOCKSO_SEED", "42", "seed", 42),
        ("MOCKSO_SEED", "-7", "seed", -7),
        ("MOCKSO_MAX_UPLOAD", "5_242_880", "max_upload", 5_242_880),
        ("MOCKSO_THREADS", " 4 ", "threads", 4),
        ("MOCKSO_HOST", "0.0.0.0", "host", "0.0.0.0"),
        ("MOCKSO_CONTRACT", "/tmp/c.yaml", "contract", "/tmp/c.yaml"),
        ("MOCKSO_CLOCK", "2026-01-05T08:30:00Z", "clock", "2026-01-05T08:30:00Z"),
        ("MOCKSO_TIMEZONE", "UTC", "timezone", "UTC"),
        ("MOCKSO_AUTH", "off", "auth", "off"),
    ],
)
def test_environment_text_is_parsed_into_the_field_type(
    variable: str, text: str, field: str, expected: Any
) -> None:
    assert getattr(Settings.load(environ={variable: text}), field) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", True),
        ("true", True),
        ("TRUE", True),
        (" yes ", True),
        ("on", True),
        ("0", False),
        ("false", False),
        ("False", False),
        ("no", False),
        ("off", False),
    ],
)
def test_boolean_environment_text_is_parsed(text: str, expected: bool) -> None:
    assert Settings.load(environ={"MOCKSO_STRICT": text}).strict is expected


@pytest.mark.parametrize("text", ["ture", "2", "enabled", "-"])
def test_unrecognised_boolean_text_is_a_value_error_not_a_silent_false(text: str) -> None:
    with pytest.raises(ValueError, match="MOCKSO_STRICT must be true or false"):
        Settings.load(environ={"MOCKSO_STRICT": text})


@pytest.mark.parametrize("text", ["many", "8.5", "0x10", "1e3"])
def test_a_bad_whole_number_is_a_value_error_naming_the_variable(text: str) -> None:
    with pytest.raises(ValueError, match=r"^MOCKSO_PORT must be a whole number$"):
        Settings.load(environ={"MOCKSO_PORT": text})


def test_empty_environment_values_are_ignored() -> None:
    settings = Settings.load(environ={"MOCKSO_PORT": "", "MOCKSO_AUTH": ""})
    assert (settings.port, settings.auth) == (8080, "lenient")


def test_variables_without_the_prefix_or_with_unknown_names_are_ignored() -> None:
    environ = {"PORT": "1", "MOCKSO_NOT_A_SETTING": "x", "mockso_port": "2", "MOCKSO_": "3"}
    assert from_environ(environ) == {}
    assert Settings.load(environ=environ) == Settings()


def test_from_environ_keeps_values_as_text() -> None:
    environ = {"MOCKSO_PORT": "9000", "MOCKSO_STRICT": "yes", "HOME": "/root"}
    assert from_environ(environ) == {"port": "9000", "strict": "yes"}


def test_every_field_has_an_environment_variable() -> None:
    names = [f.name for f in dataclasses.fields(Settings)]
    environ = {f"{ENV_PREFIX}{name.upper()}": "x" for name in names}
    assert set(from_environ(environ)) == set(names)


def test_explicit_values_win_over_the_environment() -> None:
    environ = {"MOCKSO_PORT": "9000", "MOCKSO_HOST": "0.0.0.0", "MOCKSO_STRICT": "true"}
    settings = Settings.load({"port": 9100, "strict": False}, environ=environ)
    assert settings.port == 9100
    assert settings.strict is False
    assert settings.host == "0.0.0.0"  # not given explicitly: the environment's


def test_explicit_none_values_leave_the_environment_in_place() -> None:
    settings = Settings.load({"port": None, "seed": None}, environ={"MOCKSO_PORT": "9000"})
    assert settings.port == 9000
    assert settings.seed is None


def test_explicit_text_values_are_parsed_like_environment_text() -> None:
    settings = Settings.load({"port": "9200", "strict": "on"}, environ=NO_ENV)
    assert (settings.port, settings.strict) == (9200, True)


@pytest.mark.parametrize("values", [{"bogus": 1}, {"bogus": 1, "alpha": 2, "port": 1}])
def test_an_unknown_explicit_setting_is_a_value_error_listing_it(values: dict[str, Any]) -> None:
    expected = ", ".join(sorted(set(values) - {"port"}))
    with pytest.raises(ValueError, match=rf"^unknown setting\(s\): {expected}$"):
        Settings.load(values, environ=NO_ENV)


@pytest.mark.parametrize("mode", ["LENIENT", "none", "", "basic"])
def test_an_unknown_auth_mode_is_a_value_error_listing_the_modes(mode: str) -> None:
    with pytest.raises(ValueError, match=r"^auth must be one of ") as caught:
        Settings(auth=mode)
    assert str(caught.value) == f"auth must be one of {', '.join(AUTH_MODES)}, not {mode!r}"


def test_an_unknown_auth_mode_from_the_environment_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="auth must be one of lenient, off, strict"):
        Settings.load(environ={"MOCKSO_AUTH": "sometimes"})


def test_strict_auth_without_credentials_is_a_value_error() -> None:
    with pytest.raises(ValueError, match=r"auth 'strict' needs a credentials file"):
        Settings.load({"auth": "strict"}, environ=NO_ENV)


def test_strict_auth_with_credentials_is_accepted(tmp_path: Path) -> None:
    environ = {"MOCKSO_AUTH": "strict", "MOCKSO_CREDENTIALS": str(tmp_path / "c.yaml")}
    settings = Settings.load(environ=environ)
    assert (settings.auth, settings.credentials) == ("strict", str(tmp_path / "c.yaml"))


@pytest.mark.parametrize("given", [{"MOCKSO_TLS_CERT": "c.pem"}, {"MOCKSO_TLS_KEY": "k.pem"}])
def test_a_tls_certificate_without_its_key_or_the_reverse_is_a_value_error(
    given: dict[str, str],
) -> None:
    with pytest.raises(ValueError, match="MOCKSO_TLS_CERT, MOCKSO_TLS_KEY"):
        Settings.load(environ=given)


def test_the_tls_files_come_from_the_environment() -> None:
    settings = Settings.load(environ={"MOCKSO_TLS_CERT": "c.pem", "MOCKSO_TLS_KEY": "k.pem"})
    assert (settings.tls_cert, settings.tls_key) == ("c.pem", "k.pem")


@pytest.mark.parametrize("name", ["max_upload", "max_store_bytes", "max_pixels", "threads"])
@pytest.mark.parametrize("value", [0, -1])
def test_non_positive_limits_are_a_value_error_naming_the_limit(name: str, value: int) -> None:
    with pytest.raises(ValueError, match=rf"^{name} must be positive$"):
        Settings.load({name: value}, environ=NO_ENV)


def test_a_non_positive_limit_from_the_environment_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="max_store_bytes must be positive"):
        Settings.load(environ={"MOCKSO_MAX_STORE_BYTES": "0"})


def test_contract_path_is_the_contract_as_a_path() -> None:
    assert Settings(contract="contracts/x.yaml").contract_paths == [Path("contracts/x.yaml")]
    assert Settings(contract="a.yaml, b.yaml").contract_paths == [Path("a.yaml"), Path("b.yaml")]


def test_requests_are_read_leniently_unless_told_strict() -> None:
    assert Settings().requests == "lenient"
    assert Settings.load(environ={"MOCKSO_REQUESTS": "strict"}).requests == "strict"
    assert Settings.load(
        {"requests": "lenient"}, environ={"MOCKSO_REQUESTS": "strict"}
    ).requests == ("lenient")


def test_an_unknown_requests_mode_is_a_value_error() -> None:
    with pytest.raises(ValueError, match=r"^requests must be one of lenient, strict, not 'loose'$"):
        Settings.load(environ={"MOCKSO_REQUESTS": "loose"})
