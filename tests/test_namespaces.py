"""Namespaces: names, the limit, isolation of state, journal, coverage and rules, and resets."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from helpers import AUTH
from helpers import Api
from helpers import assert_error
from helpers import png

from mockso.app import create_app
from mockso.app import get_mock
from mockso.core.errors import BadRequest
from mockso.core.namespaces import DEFAULT
from mockso.core.namespaces import HEADER
from mockso.core.namespaces import Spaces
from mockso.core.namespaces import check_name
from mockso.core.rules import Directive
from mockso.core.store import Budget
from mockso.core.store import Store


def spaces(limit: int = 4, max_bytes: int = 1000) -> Spaces:
    budget = Budget(max_bytes)
    return Spaces(lambda: Store(max_bytes=max_bytes, budget=budget), journal_size=5, limit=limit)


def api_in(client: FlaskClient, namespace: str | None) -> Api:
    return Api(client, {**AUTH, HEADER: namespace} if namespace else AUTH)


GOOD = ["a", "job-1", "CI_run.42", "0", "x" * 64, "default"]
BAD = ["-job", ".hidden", "_x", "a b", "a/b", "x" * 65, "café", "a\n", "٣", "a:b", ""]


# --- names ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", GOOD)
def test_good_names_are_accepted(name: str) -> None:
    check_name(name)


@pytest.mark.parametrize("name", BAD)
def test_bad_names_are_refused_naming_the_rule(name: str) -> None:
    with pytest.raises(BadRequest, match="1 to 64 letters, digits"):
        check_name(name)


@pytest.mark.parametrize("name", GOOD + BAD)
def test_the_control_api_takes_exactly_the_good_names(client: FlaskClient, name: str) -> None:
    control = client.get("/__mockso/journal", query_string={"namespace": name})

    assert (control.status_code == 200) is (name in GOOD)


@pytest.mark.parametrize("name", [n for n in GOOD + BAD if n and "\n" not in n])
def test_the_header_takes_exactly_the_good_names(client: FlaskClient, name: str) -> None:
    answer = api_in(client, name).info("Person", 1)

    assert (answer.status_code == 200) is (name in GOOD)


# --- Spaces -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [None, "", DEFAULT])
def test_no_name_means_the_default_namespace(name: str | None) -> None:
    made = spaces()

    assert made.get(name) is made.default
    assert made.default.name == DEFAULT


def test_a_namespace_is_made_on_first_use_and_then_kept() -> None:
    made = spaces()

    assert made.find("job-1") is None
    first = made.get("job-1")
    assert made.get("job-1") is first
    assert made.find("job-1") is first
    assert [space.name for space in made.all()] == [DEFAULT, "job-1"]


def test_the_number_of_namespaces_is_limited() -> None:
    made = spaces(limit=3)
    made.get("a")
    made.get("b")

    with pytest.raises(BadRequest, match="already holds 3 namespaces"):
        made.get("c")
    assert made.find("c") is None


def test_namespaces_have_their_own_store_journal_rules_and_coverage() -> None:
    made = spaces()
    a, b = made.get("a"), made.get("b")

    a.rules.add("op", Directive(code=404))
    a.coverage.count("op", 200)

    assert a.store is not b.store
    assert a.journal is not b.journal
    assert b.rules.rules() == []
    assert b.coverage.counts() == {}


def test_resetting_one_namespace_keeps_the_others() -> None:
    made = spaces()
    a, b = made.get("a"), made.get("b")
    a.rules.add("op", Directive(code=404))
    b.rules.add("op", Directive(code=404))

    made.reset("a")

    assert a.rules.rules() == []
    assert len(b.rules.rules()) == 1
    assert made.find("a") is a  # kept, emptied


def test_resetting_all_forgets_every_namespace_but_default() -> None:
    made = spaces()
    made.get("a").rules.add("op", Directive(code=404))
    made.default.rules.add("op", Directive(code=404))

    made.reset()

    assert made.all() == [made.default]
    assert made.default.rules.rules() == []


def test_resetting_a_namespace_never_used_does_not_make_it() -> None:
    made = spaces()
    made.reset("never")

    assert made.find("never") is None


# --- through the mocked API -------------------------------------------------------------------


def test_pictures_saved_in_one_namespace_are_not_seen_in_another(client: FlaskClient) -> None:
    api_in(client, "a").save("Person", 1, png())

    assert api_in(client, "a").image("Person", 1).status_code == 200
    assert api_in(client, "b").image("Person", 1).status_code == 404
    assert api_in(client, None).image("Person", 1).status_code == 404


def test_blob_ids_count_per_namespace(client: FlaskClient) -> None:
    assert api_in(client, "a").save("Person", 1, png()).get_json() == 1
    assert api_in(client, "b").save("Person", 1, png()).get_json() == 1
    assert api_in(client, "a").save("Person", 2, png()).get_json() == 2


def test_a_bad_namespace_header_is_a_400_that_makes_nothing(
    app: Flask, client: FlaskClient
) -> None:
    response = api_in(client, "a b").info("Person", 1)

    assert_error(response, 400, message_fragment=HEADER)
    assert [space.name for space in get_mock(app).spaces.all()] == [DEFAULT]


def test_namespaces_share_one_byte_cap() -> None:
    picture = png(60, 40)
    client = create_app({"seed": 1, "max_store_bytes": len(picture) * 3 // 2}).test_client()
    api_in(client, "a").save("Person", 1, picture)

    response = api_in(client, "b").save("Person", 1, picture)

    assert_error(response, 507, message_fragment="MOCKSO_MAX_STORE_BYTES")


def test_a_reset_frees_the_shared_cap() -> None:
    picture = png(60, 40)
    client = create_app({"seed": 1, "max_store_bytes": len(picture) * 3 // 2}).test_client()
    api_in(client, "a").save("Person", 1, picture)

    client.post("/__mockso/reset?namespace=a")

    assert api_in(client, "b").save("Person", 1, picture).status_code == 200


def test_the_namespace_limit_applies_to_the_mocked_api() -> None:
    client = create_app({"seed": 1, "max_namespaces": 2}).test_client()
    assert api_in(client, "a").info("Person", 1).status_code == 200

    response = api_in(client, "b").info("Person", 1)

    assert_error(response, 400, message_fragment="MOCKSO_MAX_NAMESPACES")
