"""mockso.core.auth: the contract's security schemes in lenient, strict and off mode."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from mockso.core.auth import ANONYMOUS
from mockso.core.auth import CHALLENGE
from mockso.core.auth import Authenticator
from mockso.core.auth import Credentials
from mockso.core.auth import Principal
from mockso.core.contract import Contract
from mockso.core.errors import Unauthorized

SCHEMES = Contract.from_path().security_schemes
CHALLENGE_HEADERS = {"WWW-Authenticate": 'Basic realm="SuperOffice Username or Ticket"'}

CREDENTIALS = Credentials(
    users={"ada": "s3cret", "bob": ""},
    tickets=frozenset({"7T:ticket"}),
    tokens=frozenset({"8A:Cust1.token"}),
    xsrf_tokens=frozenset({"xsrf-1"}),
)


def basic(text: str) -> str:
    return "Basic " + base64.b64encode(text.encode("utf-8")).decode("ascii")


@pytest.fixture
def lenient() -> Authenticator:
    return Authenticator(SCHEMES)


@pytest.fixture
def strict() -> Authenticator:
    return Authenticator(SCHEMES, mode="strict", credentials=CREDENTIALS)


def refusal(authenticator: Authenticator, headers: dict[str, str]) -> Unauthorized:
    with pytest.raises(Unauthorized) as caught:
        authenticator.authenticate(headers)
    assert caught.value.headers == CHALLENGE_HEADERS
    assert caught.value.status == 401
    return caught.value


def test_the_bundled_contract_declares_the_four_superoffice_schemes() -> None:
    assert set(SCHEMES) == {"Basic", "SOTicket", "Bearer", "XsrfToken"}
    assert CHALLENGE == 'Basic realm="SuperOffice Username or Ticket"'


# -- lenient ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "user"),
    [
        (basic("ada:s3cret"), "ada"),
        (basic("ada:"), "ada"),  # an empty password is still user:password
        (basic("ada:pass:with:colons"), "ada"),
        (basic("Åse Ødegård:pw"), "Åse Ødegård"),
        ("basic " + basic("ada:x")[6:], "ada"),
        ("BASIC " + basic("ada:x")[6:], "ada"),
        ("  Basic   " + basic("ada:x")[6:] + "  ", "ada"),
    ],
)
def test_lenient_accepts_basic_credentials_and_extracts_the_user_name(
    lenient: Authenticator, header: str, user: str
) -> None:
    principal = lenient.authenticate({"Authorization": header})
    assert (principal.scheme, principal.user_name) == ("basic", user)


@pytest.mark.parametrize(
    ("header", "scheme"),
    [
        ("SOTicket 7T:anything", "soticket"),
        ("soticket 7T:anything", "soticket"),
        ("SOTICKET 7T:anything", "soticket"),
        ("Bearer 8A:Cust1.anything", "bearer"),
        ("bearer 8A:Cust1.anything", "bearer"),
        ("BEARER 8A:Cust1.anything", "bearer"),
    ],
)
def test_lenient_accepts_any_token_of_a_declared_scheme_in_any_case(
    lenient: Authenticator, header: str, scheme: str
) -> None:
    principal = lenient.authenticate({"Authorization": header})
    assert principal.scheme == scheme
    assert principal.user_name is None
    assert principal.fingerprint


def test_lenient_accepts_an_xsrf_token_alone(lenient: Authenticator) -> None:
    principal = lenient.authenticate({"X-XSRF-TOKEN": "any-value"})
    assert principal.scheme == "x-xsrf-token"
    assert principal.user_name is None


def test_an_authorization_header_is_preferred_over_an_xsrf_token(lenient: Authenticator) -> None:
    headers = {"Authorization": "Bearer t", "X-XSRF-TOKEN": "x"}
    assert lenient.authenticate(headers).scheme == "bearer"


def test_lenient_refuses_a_request_without_credentials_saying_what_to_send(
    lenient: Authenticator,
) -> None:
    error = refusal(lenient, {"Accept": "application/json"})
    assert error.message == (
        "No credentials were sent; send one of: Authorization: Basic …, "
        "Authorization: SOTicket …, Authorization: Bearer …, X-XSRF-TOKEN: …"
    )


@pytest.mark.parametrize(
    "headers",
    [{"Authorization": ""}, {"X-XSRF-TOKEN": ""}, {"Authorization": "", "X-XSRF-TOKEN": ""}],
)
def test_empty_headers_are_no_credentials(lenient: Authenticator, headers: dict[str, str]) -> None:
    assert refusal(lenient, headers).message.startswith("No credentials were sent")


@pytest.mark.parametrize("scheme", ["Digest", "Negotiate", "Token", "XsrfToken", "X-XSRF-TOKEN"])
def test_lenient_refuses_an_undeclared_authorization_scheme(
    lenient: Authenticator, scheme: str
) -> None:
    error = refusal(lenient, {"Authorization": f"{scheme} abc"})
    assert error.message.startswith(f"The Authorization scheme {scheme!r} is not supported; ")


@pytest.mark.parametrize(
    ("header", "kind"),
    [("Basic", "basic"), ("Basic   ", "basic"), ("SOTicket", "SOTicket"), ("bearer ", "bearer")],
)
def test_lenient_refuses_a_scheme_without_a_token(
    lenient: Authenticator, header: str, kind: str
) -> None:
    error = refusal(lenient, {"Authorization": header})
    assert error.message == f"The Authorization header has no {kind} credentials after the scheme"


@pytest.mark.parametrize(
    "token",
    [
        "not base64!",
        "YWRhOnM",  # bad padding
        "YWRh OnM=",
        base64.b64encode(b"ada-without-colon").decode(),
        base64.b64encode(b":password-without-user").decode(),
        base64.b64encode(b"\xff\xfe:latin").decode(),  # not UTF-8
        "YWRhOnMzY3JldA==é",  # non-ASCII text in the header
        "\uff39\uff37\uff32\uff48\uff2f\uff4e\uff2d=",  # full-width letters
    ],
)
def test_lenient_refuses_basic_credentials_that_are_not_base64_of_user_colon_password(
    lenient: Authenticator, token: str
) -> None:
    error = refusal(lenient, {"Authorization": f"Basic {token}"})
    assert error.message == "Basic credentials must be base64 of 'user:password' in UTF-8"


# -- strict -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "scheme", "user"),
    [
        ({"Authorization": basic("ada:s3cret")}, "basic", "ada"),
        ({"Authorization": basic("bob:")}, "basic", "bob"),
        ({"Authorization": "SOTicket 7T:ticket"}, "soticket", None),
        ({"Authorization": "Bearer 8A:Cust1.token"}, "bearer", None),
        ({"X-XSRF-TOKEN": "xsrf-1"}, "x-xsrf-token", None),
    ],
)
def test_strict_accepts_the_credentials_of_its_file(
    strict: Authenticator, headers: dict[str, str], scheme: str, user: str | None
) -> None:
    principal = strict.authenticate(headers)
    assert (principal.scheme, principal.user_name) == (scheme, user)


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({"Authorization": basic("ada:wrong")}, "Unknown user name or wrong password for 'ada'"),
        ({"Authorization": basic("ada:")}, "Unknown user name or wrong password for 'ada'"),
        ({"Authorization": basic("eve:s3cret")}, "Unknown user name or wrong password for 'eve'"),
        (
            {"Authorization": "SOTicket 7T:other"},
            "The SOTicket credentials are not known to this mock",
        ),
        (
            {"Authorization": "SOTicket 8A:Cust1.token"},  # a bearer token is not a ticket
            "The SOTicket credentials are not known to this mock",
        ),
        (
            {"Authorization": "Bearer 7T:ticket"},  # and a ticket is not a bearer token
            "The bearer credentials are not known to this mock",
        ),
        ({"X-XSRF-TOKEN": "xsrf-2"}, "The X-XSRF-TOKEN value is not known to this mock"),
        ({}, None),
    ],
)
def test_strict_refuses_credentials_not_in_its_file(
    strict: Authenticator, headers: dict[str, str], message: str | None
) -> None:
    error = refusal(strict, headers)
    if message is not None:
        assert error.message == message


def test_strict_without_credentials_refuses_everything() -> None:
    authenticator = Authenticator(SCHEMES, mode="strict")
    refusal(authenticator, {"Authorization": basic("ada:s3cret")})
    refusal(authenticator, {"Authorization": "Bearer x"})
    refusal(authenticator, {"X-XSRF-TOKEN": "x"})


@pytest.mark.parametrize(
    ("app_token", "accepted"),
    [("app-1", True), ("app-2", True), ("app-3", False), ("", False), (None, False)],
)
def test_strict_soticket_needs_a_known_app_token_when_app_tokens_are_configured(
    app_token: str | None, accepted: bool
) -> None:
    credentials = Credentials(
        tickets=frozenset({"7T:t"}),
        tokens=frozenset({"8A:b"}),
        app_tokens=frozenset({"app-1", "app-2"}),
    )
    authenticator = Authenticator(SCHEMES, mode="strict", credentials=credentials)
    headers = {"Authorization": "SOTicket 7T:t"}
    if app_token is not None:
        headers["SO-AppToken"] = app_token
    if accepted:
        assert authenticator.authenticate(headers).scheme == "soticket"
    else:
        error = refusal(authenticator, headers)
        assert error.message == "A SOTicket must come with a known SO-AppToken header"
    # bearer tokens never need an app token
    assert authenticator.authenticate({"Authorization": "Bearer 8A:b"}).scheme == "bearer"


def test_strict_soticket_needs_no_app_token_when_none_are_configured(
    strict: Authenticator,
) -> None:
    assert strict.authenticate({"Authorization": "SOTicket 7T:ticket"}).scheme == "soticket"


def test_lenient_ignores_app_tokens() -> None:
    credentials = Credentials(app_tokens=frozenset({"app-1"}))
    authenticator = Authenticator(SCHEMES, credentials=credentials)
    assert authenticator.authenticate({"Authorization": "SOTicket 7T:x"}).scheme == "soticket"


# -- off and per operation --------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Digest x"}, {"Authorization": "Basic !!!"}, {"X-XSRF-TOKEN": ""}],
)
def test_off_accepts_anything_as_anonymous(headers: dict[str, str]) -> None:
    authenticator = Authenticator(SCHEMES, mode="off", credentials=CREDENTIALS)
    assert authenticator.authenticate(headers) is ANONYMOUS


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Digest x"}])
def test_an_operation_without_security_accepts_anything(
    strict: Authenticator, headers: dict[str, str]
) -> None:
    assert strict.for_operation(()).authenticate(headers) is ANONYMOUS


def test_for_operation_limits_the_schemes_to_those_the_operation_names(
    lenient: Authenticator,
) -> None:
    bearer_only = lenient.for_operation(({"Bearer": []},))
    assert bearer_only.authenticate({"Authorization": "Bearer t"}).scheme == "bearer"
    error = refusal(bearer_only, {"Authorization": basic("ada:x")})
    assert error.message == (
        "The Authorization scheme 'Basic' is not supported; send one of: Authorization: Bearer …"
    )
    refusal(bearer_only, {"X-XSRF-TOKEN": "x"})


def test_for_operation_keeps_mode_and_credentials(strict: Authenticator) -> None:
    limited = strict.for_operation(({"Basic": []}, {"XsrfToken": []}))
    assert (limited.mode, limited.credentials) == ("strict", CREDENTIALS)
    assert set(limited.schemes) == {"Basic", "XsrfToken"}
    refusal(limited, {"X-XSRF-TOKEN": "unknown"})


def test_for_operation_of_every_bundled_operation_keeps_all_four_schemes(
    lenient: Authenticator,
) -> None:
    for operation in Contract.from_path():
        assert set(lenient.for_operation(operation.security).schemes) == set(SCHEMES)


# -- fingerprints -----------------------------------------------------------------------------


def test_the_fingerprint_is_stable_and_differs_between_secrets(lenient: Authenticator) -> None:
    first = lenient.authenticate({"Authorization": "Bearer 8A:secret-token"})
    again = Authenticator(SCHEMES).authenticate({"Authorization": "Bearer 8A:secret-token"})
    other = lenient.authenticate({"Authorization": "Bearer 8A:secret-tokeN"})
    assert first.fingerprint == again.fingerprint
    assert first.fingerprint != other.fingerprint
    assert len(first.fingerprint) == 16
    int(first.fingerprint, 16)  # hex


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Bearer 8A:secret-token"},
        {"Authorization": "SOTicket 7T:secret-token"},
        {"X-XSRF-TOKEN": "secret-token"},
    ],
)
def test_the_fingerprint_does_not_contain_the_secret(
    lenient: Authenticator, headers: dict[str, str]
) -> None:
    principal = lenient.authenticate(headers)
    assert "secret" not in principal.fingerprint
    assert "token" not in principal.fingerprint


def test_the_basic_fingerprint_names_the_user_not_the_password(lenient: Authenticator) -> None:
    one = lenient.authenticate({"Authorization": basic("ada:one")})
    two = lenient.authenticate({"Authorization": basic("ada:two")})
    assert one.fingerprint == two.fingerprint
    assert "one" not in one.fingerprint


def test_a_principal_has_no_user_name_or_fingerprint_by_default() -> None:
    assert Principal(scheme="basic") == Principal("basic", None, "")
    assert ANONYMOUS.scheme == "none"


# -- credentials files ------------------------------------------------------------------------

FILE_CONTENT: dict[str, Any] = {
    "users": {"ada": "s3cret", "bob": 1234},
    "tickets": ["7T:ticket"],
    "tokens": ["8A:Cust1.token"],
    "xsrf_tokens": ["xsrf-1", 42],
    "app_tokens": ["app-1"],
}
EXPECTED = Credentials(
    users={"ada": "s3cret", "bob": "1234"},
    tickets=frozenset({"7T:ticket"}),
    tokens=frozenset({"8A:Cust1.token"}),
    xsrf_tokens=frozenset({"xsrf-1", "42"}),
    app_tokens=frozenset({"app-1"}),
)


def test_credentials_are_read_from_yaml(tmp_path: Path) -> None:
    path = tmp_path / "credentials.yaml"
    path.write_text(
        "users:\n  ada: s3cret\n  bob: 1234\n"
        "tickets: ['7T:ticket']\ntokens: ['8A:Cust1.token']\n"
        "xsrf_tokens: [xsrf-1, 42]\napp_tokens: [app-1]\n",
        encoding="utf-8",
    )
    assert Credentials.from_path(path) == EXPECTED


def test_credentials_are_read_from_json(tmp_path: Path) -> None:
    path = tmp_path / "credentials.json"
    path.write_text(json.dumps(FILE_CONTENT), encoding="utf-8")
    assert Credentials.from_path(str(path)) == EXPECTED


@pytest.mark.parametrize("text", ["users: {ada: x}\n", "users: {ada: x}\ntickets:\ntokens: []\n"])
def test_missing_or_empty_credentials_keys_are_empty(tmp_path: Path, text: str) -> None:
    path = tmp_path / "credentials.yaml"
    path.write_text(text, encoding="utf-8")
    assert Credentials.from_path(path) == Credentials(users={"ada": "x"})


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("c.yaml", "- ada\n", "a credentials file is a mapping"),
        ("c.yaml", "", "a credentials file is a mapping"),
        ("c.json", "[]", "a credentials file is a mapping"),
        ("c.yaml", "passwords: []\nroles: []\n", "unknown credentials keys: passwords, roles"),
        ("c.yaml", "users: [ada, bob]\n", "'users' must map user names to passwords"),
        ("c.yaml", "tickets: 7T:ticket\n", "'tickets' must be a list"),
        ("c.yaml", "tokens: {a: b}\n", "'tokens' must be a list"),
        ("c.yaml", "users: {ada: [unclosed\n", "not valid YAML"),
        ("c.json", '{"users": {"ada": }', "not valid JSON"),
    ],
)  # fmt: skip
def test_a_bad_credentials_file_is_a_value_error_naming_the_file(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=message) as caught:
        Credentials.from_path(path)
    assert str(caught.value).startswith(f"{path}: ")


def test_a_missing_credentials_file_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(OSError, match=r"nope\.yaml"):
        Credentials.from_path(tmp_path / "nope.yaml")
