"""mockso.web.cache: a read's answer is given again only while nothing it came from has changed.

The app-level tests count the calls that reach an endpoint: a kept answer must skip the endpoint,
and every change (a write, another header, a rule, a reset, an import, another namespace) must
reach it again and show its effect. Every request is journalled, kept answer or not.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from helpers import AUTH
from helpers import gateway_of
from helpers import png

from mockso.app import get_mock
from mockso.core.answers import Answer
from mockso.web.cache import AnswerCache
from mockso.web.cache import Kept
from mockso.web.endpoint import Endpoint

INFO = "/api/v1/Person/1/ImageInfo"
IMAGE = "/api/v1/Person/1/Image"


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The operationIds of the requests that reached an endpoint."""
    seen: list[str] = []
    respond = Endpoint.respond

    def counting(self: Endpoint, req: Any, values: dict[str, str]) -> Answer:
        seen.append(self.operation.operation_id)
        return respond(self, req, values)

    monkeypatch.setattr(Endpoint, "respond", counting)
    return seen


def _get(client: FlaskClient, path: str = INFO, **headers: str) -> tuple[int, bytes]:
    response = client.get(path, headers={**AUTH, **headers})
    return response.status_code, response.get_data()


def _save(client: FlaskClient, picture: bytes, namespace: str | None = None) -> None:
    headers = {**AUTH, "Content-Type": "image/png"}
    if namespace:
        headers["X-Mockso-Namespace"] = namespace
    assert client.put(IMAGE, data=picture, headers=headers).status_code == 200


# --- kept and given again ---------------------------------------------------------------------


def test_a_repeated_read_is_answered_once_and_journalled_every_time(
    app: Flask, client: FlaskClient, calls: list[str]
) -> None:
    _save(client, png())
    calls.clear()
    first = _get(client)
    assert [_get(client) for _ in range(3)] == [first] * 3
    assert len(calls) == 1
    records = [r for r in get_mock(app).spaces.default.journal.find() if r.operation_id == calls[0]]
    assert len(records) == 4
    assert all(r.status == 200 and r.response_bytes == len(first[1]) for r in records)


def test_a_kept_answer_has_the_same_status_headers_and_body(
    client: FlaskClient, calls: list[str]
) -> None:
    _save(client, png())
    first = client.get(INFO, headers=AUTH)
    second = client.get(INFO, headers=AUTH)
    assert len(calls) == 2  # the save, then one read
    assert second.status_code == first.status_code
    assert sorted(second.headers.items()) == sorted(first.headers.items())
    assert second.get_data() == first.get_data()


def test_errors_are_kept_too_until_the_state_changes(client: FlaskClient, calls: list[str]) -> None:
    assert _get(client, IMAGE)[0] == 404
    assert _get(client, IMAGE)[0] == 404
    assert len(calls) == 1
    _save(client, png())
    assert _get(client, IMAGE)[0] == 200


# --- what makes a kept answer stale -----------------------------------------------------------


@pytest.mark.parametrize("write", ["save", "info", "delete"])
def test_every_write_to_the_namespace_is_seen_by_the_next_read(
    client: FlaskClient, calls: list[str], write: str
) -> None:
    _save(client, png(40, 20))
    before = _get(client)
    if write == "save":
        _save(client, png(80, 20))
    elif write == "info":
        response = client.put(INFO, json={"Description": "changed"}, headers=AUTH)
        assert response.status_code == 200
    else:
        assert client.delete(IMAGE, headers=AUTH).status_code == 204
    after = _get(client)
    assert after != before
    assert calls.count(calls[-1]) >= 2  # the read reached its endpoint again


def test_a_write_to_another_entity_also_makes_the_next_read_ask_again(
    client: FlaskClient, calls: list[str]
) -> None:
    _save(client, png())
    first = _get(client)
    client.put("/api/v1/Contact/9/Image", data=png(), headers={**AUTH, "Content-Type": "image/png"})
    reads = len(calls)
    assert _get(client) == first
    assert len(calls) == reads + 1


@pytest.mark.parametrize(
    "headers",
    [
        {"Accept": "application/xml"},
        {"SO-TimeZone": "UTC"},
        {"Authorization": "Basic YW5vdGhlcjp1c2Vy"},
        {"X-Test": "any header at all"},
    ],
)
def test_another_header_is_another_read(
    client: FlaskClient, calls: list[str], headers: dict[str, str]
) -> None:
    _save(client, png())
    _get(client)
    reads = len(calls)
    _get(client, **headers)
    assert len(calls) == reads + 1


def test_another_query_and_head_are_other_reads(client: FlaskClient, calls: list[str]) -> None:
    _save(client, png(40, 20))
    whole = _get(client, IMAGE)
    scaled = _get(client, IMAGE + "?w=8&h=8")
    assert whole != scaled
    head = client.head(IMAGE, headers=AUTH)
    assert head.status_code == 200
    assert head.get_data() == b""
    assert _get(client, IMAGE) == whole
    assert len(calls) == 1 + 3


def test_namespaces_do_not_share_kept_answers(client: FlaskClient) -> None:
    _save(client, png(40, 20))
    _save(client, png(80, 20), namespace="ci-2")
    default = _get(client)
    other = _get(client, **{"X-Mockso-Namespace": "ci-2"})
    assert default != other
    assert _get(client) == default
    assert _get(client, **{"X-Mockso-Namespace": "ci-2"}) == other


@pytest.mark.parametrize("everything", [False, True])
def test_a_reset_is_seen_by_the_next_read(client: FlaskClient, everything: bool) -> None:
    _save(client, png())
    assert _get(client, IMAGE)[0] == 200
    query = "" if everything else "?namespace=default"
    assert client.post(f"/__mockso/reset{query}").status_code in (200, 204)
    assert _get(client, IMAGE)[0] == 404


def test_an_imported_state_is_seen_by_the_next_read(client: FlaskClient) -> None:
    exported = client.get("/__mockso/state").get_data()  # nothing stored yet
    _save(client, png())
    assert _get(client, IMAGE)[0] == 200
    response = client.put("/__mockso/state", data=exported, content_type="application/json")
    assert response.status_code in (200, 204)
    assert _get(client, IMAGE)[0] == 404


# --- what is never kept -----------------------------------------------------------------------


def test_a_prefer_header_is_never_kept(client: FlaskClient, calls: list[str]) -> None:
    _save(client, png())
    assert _get(client, Prefer="code=404")[0] == 404
    assert _get(client, Prefer="code=404")[0] == 404
    assert _get(client)[0] == 200
    assert len(calls) == 1 + 3


def test_rules_bend_reads_and_their_countdown_is_honoured(
    client: FlaskClient, calls: list[str]
) -> None:
    _save(client, png())
    assert _get(client)[0] == 200
    rule = {"operationId": calls[-1], "code": 404, "times": 2}
    assert client.post("/__mockso/rules", json=rule).status_code == 201
    assert [_get(client)[0] for _ in range(4)] == [404, 404, 200, 200]
    assert len(calls) == 1 + 1 + 3  # the two bent reads, then one read kept


def test_a_rule_added_later_is_applied_to_a_read_already_kept(
    app: Flask, client: FlaskClient
) -> None:
    _save(client, png())
    assert _get(client)[0] == 200
    assert len(gateway_of(app).answers) == 1
    operation_id = get_mock(app).spaces.default.journal.find()[0].operation_id
    get_mock(app).spaces.default.rules.add(operation_id, _directive(code=404), times=1)
    assert _get(client)[0] == 404
    assert _get(client)[0] == 200


def _directive(**fields: Any) -> Any:
    from mockso.core.rules import Directive

    return Directive(**fields)


def test_requests_with_a_body_are_never_kept(app: Flask, client: FlaskClient) -> None:
    response = client.get(INFO, data=b"x", headers={**AUTH, "Content-Type": "text/plain"})
    assert response.status_code in (200, 400, 415)
    assert len(gateway_of(app).answers) == 0


def test_crashes_are_never_kept(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: Endpoint, req: Any, values: dict[str, str]) -> Answer:
        raise RuntimeError("boom")

    monkeypatch.setattr(Endpoint, "respond", broken)
    assert _get(client)[0] == 500
    assert len(gateway_of(app).answers) == 0


# --- the cache's own bounds -------------------------------------------------------------------


class _Space:
    def __init__(self) -> None:
        self.rules: list[Any] = []
        self.store = type("S", (), {"generation": 0})()


def _kept(space: _Space, body: bytes = b"x", status: int = 200) -> Kept:
    return Kept(space, space.store.generation, Answer(status, {}, body), "op")


def _environ(method: str = "GET", **extra: str) -> dict[str, Any]:
    return {"REQUEST_METHOD": method, "PATH_INFO": "/p", "QUERY_STRING": "", **extra}


@pytest.mark.parametrize(
    "environ",
    [
        _environ("PUT"),
        _environ("POST"),
        _environ("DELETE"),
        _environ(CONTENT_LENGTH="3"),
        _environ(HTTP_TRANSFER_ENCODING="chunked"),
        _environ(HTTP_PREFER="code=500"),
    ],
)
def test_only_plain_reads_have_a_key(environ: dict[str, Any]) -> None:
    assert AnswerCache.key(environ) is None


def test_a_key_covers_method_path_query_and_every_header() -> None:
    base = AnswerCache.key(_environ(HTTP_ACCEPT="a"))
    assert base is not None
    assert AnswerCache.key(_environ(HTTP_ACCEPT="a")) == base
    for other in (
        _environ("HEAD", HTTP_ACCEPT="a"),
        {**_environ(HTTP_ACCEPT="a"), "PATH_INFO": "/q"},
        {**_environ(HTTP_ACCEPT="a"), "QUERY_STRING": "w=1"},
        _environ(HTTP_ACCEPT="b"),
        _environ(HTTP_ACCEPT="a", HTTP_X_ANY="1"),
    ):
        assert AnswerCache.key(other) != base


def test_a_kept_answer_lapses_when_the_generation_moves_or_a_rule_waits() -> None:
    cache, space = AnswerCache(), _Space()
    cache.put(("k",), _kept(space))
    assert cache.get(("k",), space) is not None
    assert cache.get(("k",), _Space()) is None  # another namespace (or a new one of that name)
    space.rules.append("rule")
    assert cache.get(("k",), space) is None
    space.rules.clear()
    space.store.generation = 1
    assert cache.get(("k",), space) is None


def test_the_cache_empties_itself_when_full() -> None:
    cache, space = AnswerCache(max_answers=3, max_bytes=10, max_body=6), _Space()
    for index in range(3):
        cache.put((index,), _kept(space))
    assert len(cache) == 3
    cache.put((3,), _kept(space))
    assert len(cache) == 1
    assert cache.get((3,), space) is not None
    cache.put((4,), _kept(space, b"123456"))
    cache.put((5,), _kept(space, b"123456"))  # 1 + 6 + 6 bytes would pass 10
    assert len(cache) == 1
    assert cache.get((5,), space) is not None


def test_big_bodies_server_errors_and_bent_namespaces_are_not_kept() -> None:
    cache, space = AnswerCache(max_body=4), _Space()
    cache.put(("big",), _kept(space, b"12345"))
    cache.put(("500",), _kept(space, status=500))
    ruled = _Space()
    ruled.rules.append("rule")
    cache.put(("ruled",), _kept(ruled))
    assert len(cache) == 0


def test_replacing_an_answer_gives_its_bytes_back() -> None:
    cache, space = AnswerCache(max_answers=10, max_bytes=8), _Space()
    for _ in range(5):
        cache.put(("same",), _kept(space, b"1234567"))
    assert len(cache) == 1
    cache.clear()
    assert len(cache) == 0
