"""Prefer directives and rules: parsing, precedence, the RuleBook, and faults on a real socket."""

from __future__ import annotations

import http.client
import json
import socket
from collections.abc import Iterator

import pytest
from helpers import AUTH

from mockso.app import create_app
from mockso.core.errors import BadRequest
from mockso.core.rules import Directive
from mockso.core.rules import Rule
from mockso.core.rules import RuleBook
from mockso.core.rules import directive_from
from mockso.core.rules import parse_prefer
from mockso.web.server import Server

INFO = "v1PersonEntity_GetImageInfo"

# --- parse_prefer -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ([], Directive()),
        (["code=404"], Directive(code=404)),
        (["code=404, delay=250"], Directive(code=404, delay_ms=250)),
        (["code=404", "delay=250"], Directive(code=404, delay_ms=250)),
        (["example=missing"], Directive(example="missing")),
        (['example="missing"'], Directive(example="missing")),
        (["dynamic=true, seed=7"], Directive(dynamic=True, seed=7)),
        (["dynamic"], Directive(dynamic=True)),
        (["dynamic=false"], Directive()),
        (["seed=0"], Directive(seed=0)),
        (["fault=RESET"], Directive(fault="reset")),
        (["CODE=404"], Directive(code=404)),
        ([" code = 404 "], Directive(code=404)),
        (["code=404; charset=x"], Directive(code=404)),
        (["code=404", "code=401"], Directive(code=401)),
        ([", ,code=404,,"], Directive(code=404)),
    ],
)
def test_parse_prefer_reads_the_directives(headers: list[str], expected: Directive) -> None:
    assert parse_prefer(headers) == expected


@pytest.mark.parametrize(
    "header",
    ["return=minimal", "respond-async", "wait=10", "handling=lenient", "colour=blue; x=y"],
)
def test_preferences_mockso_does_not_know_are_ignored(header: str) -> None:
    assert parse_prefer([header, "code=404"]) == Directive(code=404)
    assert not parse_prefer([header])


@pytest.mark.parametrize(
    ("header", "fragment"),
    [
        ("code=abc", "code='abc'"),
        ("code=99", "from 100 to 599"),
        ("code=600", "from 100 to 599"),
        ("code=4.0", "whole number"),
        ("code", "code='true'"),
        ("delay=-1", "delay='-1'"),
        ("delay=60001", "from 0 to 60000"),
        ("seed=1.5", "seed='1.5'"),
        ("seed=99999999999999999999", "seed="),
        ("dynamic=maybe", "true or false"),
        ("fault=explode", "reset, empty, malformed"),
    ],
)
def test_a_known_preference_with_a_bad_value_is_a_400(header: str, fragment: str) -> None:
    with pytest.raises(BadRequest) as error:
        parse_prefer([header])

    assert error.value.status == 400
    assert error.value.message.startswith("Prefer ")
    assert fragment in error.value.message


def test_a_rule_s_json_values_give_the_same_directive_as_prefer_text() -> None:
    values = {"code": 404, "delay": 250, "dynamic": True, "seed": 0, "fault": "empty"}

    assert directive_from(values, "rule") == parse_prefer(
        ["code=404, delay=250, dynamic=true, seed=0, fault=empty"]
    )


@pytest.mark.parametrize("value", [True, 404.0, "404x"])
def test_a_rule_code_must_be_a_whole_number(value: object) -> None:
    with pytest.raises(BadRequest, match="rule code="):
        directive_from({"code": value}, "rule")


# --- precedence -------------------------------------------------------------------------------


def test_prefer_wins_over_a_rule_field_by_field() -> None:
    prefer = Directive(code=401, seed=0)
    rule = Directive(code=404, delay_ms=250, seed=9, fault="empty")

    assert prefer.over(rule) == Directive(code=401, delay_ms=250, seed=0, fault="empty")


def test_an_empty_prefer_leaves_the_rule_as_it_is() -> None:
    rule = Directive(example="x", dynamic=True)

    assert Directive().over(rule) == rule


# --- RuleBook ---------------------------------------------------------------------------------


def test_a_rule_counts_down_and_is_gone_when_used_up() -> None:
    book = RuleBook()
    book.add(INFO, Directive(code=404), times=2)

    taken = [book.take(INFO, 1) for _ in range(3)]

    assert taken == [Directive(code=404), Directive(code=404), Directive()]
    assert book.rules() == []


def test_the_rule_list_shows_the_calls_left() -> None:
    book = RuleBook()
    book.add(INFO, Directive(code=404), times=3)
    book.take(INFO, 1)

    assert [rule.times for rule in book.rules()] == [2]


def test_a_rule_without_times_stays() -> None:
    book = RuleBook()
    book.add(INFO, Directive(code=404))

    assert all(book.take(INFO, n) == Directive(code=404) for n in range(5))
    assert len(book.rules()) == 1


def test_a_rule_applies_only_to_its_operation() -> None:
    book = RuleBook()
    book.add(INFO, Directive(code=404), times=1)

    assert book.take("v1PersonEntity_GetImage", 1) == Directive()
    assert book.take(INFO, 1) == Directive(code=404)


def test_a_rule_for_an_entity_id_skips_other_ids_and_calls_without_one() -> None:
    book = RuleBook()
    book.add(INFO, Directive(code=404), times=1, entity_id=7)

    assert book.take(INFO, 8) == Directive()
    assert book.take(INFO, None) == Directive()
    assert book.take(INFO, 7) == Directive(code=404)
    assert book.take(INFO, 7) == Directive()


def test_the_first_matching_rule_applies_first() -> None:
    book = RuleBook()
    book.add(INFO, Directive(code=401), times=1, entity_id=7)
    book.add(INFO, Directive(code=404), times=1)

    assert book.take(INFO, 8) == Directive(code=404)
    assert book.take(INFO, 7) == Directive(code=401)


def test_rule_ids_are_unique_and_deleting_removes_only_that_rule() -> None:
    book = RuleBook()
    first = book.add(INFO, Directive(code=401))
    second = book.add(INFO, Directive(code=404))

    assert second.id > first.id
    assert book.delete(first.id) is True
    assert book.delete(first.id) is False
    assert book.rules() == [second]
    assert book.take(INFO, 1) == Directive(code=404)


def test_clearing_the_book_removes_every_rule_and_ids_go_on() -> None:
    book = RuleBook()
    first = book.add(INFO, Directive(code=404))
    book.clear()

    assert book.rules() == []
    assert book.add(INFO, Directive(code=404)).id > first.id


def test_a_rule_as_json_writes_only_the_directives_it_sets() -> None:
    rule = Rule(3, INFO, Directive(code=404, delay_ms=250, seed=0), times=None, entity_id=7)

    assert rule.to_dict() == {
        "id": 3,
        "operationId": INFO,
        "times": None,
        "entityId": 7,
        "code": 404,
        "delay": 250,
        "seed": 0,
    }


# --- faults over a real socket ----------------------------------------------------------------


@pytest.fixture
def server() -> Iterator[Server]:
    with Server(create_app({"seed": 1}), port=0, threads=4) as running:
        yield running


def exchange(
    server: Server, method: str, path: str, body: str | None = None, **headers: str
) -> tuple[int, bytes]:
    """(status, whole body) of one request on its own connection, closed afterwards."""
    connection = http.client.HTTPConnection(server.host, server.port, timeout=10)
    try:
        connection.request(method, path, body, headers={**AUTH, **headers})
        answer = connection.getresponse()
        return answer.status, answer.read()
    finally:
        connection.close()


def still_serves(server: Server) -> bool:
    status, body = exchange(server, "GET", "/api/v1/Person/1/ImageInfo")
    return status == 200 and json.loads(body)["BlobId"] == 0


@pytest.mark.live
@pytest.mark.parametrize("fault", ["reset", "empty"])
def test_prefer_fault_drops_the_connection_without_an_answer(server: Server, fault: str) -> None:
    with pytest.raises(ConnectionError):  # RemoteDisconnected is a ConnectionResetError
        exchange(server, "GET", "/api/v1/Person/1/ImageInfo", Prefer=f"fault={fault}")

    assert still_serves(server)


@pytest.mark.live
@pytest.mark.parametrize("fault", ["reset", "empty"])
def test_not_a_byte_of_the_answer_reaches_the_client(server: Server, fault: str) -> None:
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        sock.sendall(
            b"GET /api/v1/Person/1/ImageInfo HTTP/1.1\r\nHost: x\r\n"
            b"Authorization: Basic dGplMDpUamUw\r\nPrefer: fault=" + fault.encode() + b"\r\n\r\n"
        )
        received = b""
        while chunk := sock.recv(65536):  # until the server closes (a FIN: no RST under granian)
            received += chunk

    assert received == b""


@pytest.mark.live
def test_prefer_fault_malformed_sends_a_truncated_answer(server: Server) -> None:
    with pytest.raises(http.client.IncompleteRead) as error:
        exchange(server, "GET", "/api/v1/Person/1/ImageInfo", Prefer="fault=malformed")

    assert error.value.partial.startswith(b"{")  # half of the real answer
    assert still_serves(server)


@pytest.mark.live
@pytest.mark.parametrize("fault", ["reset", "empty", "malformed"])
def test_a_rule_with_a_fault_breaks_the_next_call_only(server: Server, fault: str) -> None:
    rule = json.dumps({"operationId": INFO, "fault": fault, "times": 1})
    status, _ = exchange(
        server, "POST", "/__mockso/rules", rule, **{"Content-Type": "application/json"}
    )
    assert status == 201

    with pytest.raises((ConnectionError, http.client.IncompleteRead)):
        exchange(server, "GET", "/api/v1/Person/1/ImageInfo")

    assert still_serves(server)
