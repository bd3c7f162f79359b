"""The control API under /__mockso/, through the Flask test client.

The app runs in strict mode, so every control answer is also checked against
contracts/mockso-control.yaml on its way out (a violation would be a 500 here).
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from helpers import AUTH
from helpers import CONTRACT
from helpers import Api
from helpers import operation
from helpers import png
from openapi_spec_validator import validate
from werkzeug.test import TestResponse

from mockso import __version__
from mockso.app import create_app
from mockso.control.api import HANDLERS
from mockso.control.reports import escape_label
from mockso.core.contract import Contract
from mockso.core.mock import Mock
from mockso.core.snapshots import control_contract
from mockso.web import endpoint

CONTROL = control_contract()
GET_INFO = operation("Person", "GetImageInfo")
GET_IMAGE = operation("Person", "GetImage")


def in_namespace(name: str) -> dict[str, str]:
    return {**AUTH, "X-Mockso-Namespace": name}


def assert_control_error(response: TestResponse, status: int, fragment: str = "") -> str:
    """SuperOffice's error object, from mockso itself; returns the message."""
    assert response.status_code == status, (response.status_code, response.get_data())
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"Error", "ErrorType", "ErrorMessage", "ErrorSource"}
    assert body["Error"] is True
    assert body["ErrorSource"] == "mockso"
    assert fragment in body["ErrorMessage"], body
    return str(body["ErrorMessage"])


def add_rule(client: FlaskClient, namespace: str | None = None, **rule: Any) -> TestResponse:
    query = f"?namespace={namespace}" if namespace else ""
    return client.post(f"/__mockso/rules{query}", json=rule)


# --- the contract -----------------------------------------------------------------------------


def test_the_control_contract_is_a_valid_openapi_document() -> None:
    validate(dict(CONTROL.document))


def test_every_operation_of_the_control_contract_has_a_handler_and_no_handler_is_extra() -> None:
    assert set(HANDLERS) == {op.operation_id for op in CONTROL}


def test_every_control_path_lives_under_the_prefix_the_journal_skips() -> None:
    assert all(op.path.startswith("/__mockso/") for op in CONTROL)


def test_openapi_json_serves_the_control_contract(client: FlaskClient) -> None:
    response = client.get("/__mockso/openapi.json")

    assert response.status_code == 200
    assert response.get_json() == CONTROL.document


@pytest.mark.parametrize("op", list(CONTROL), ids=lambda op: op.operation_id)
def test_every_control_route_refuses_a_query_parameter_it_does_not_declare(
    client: FlaskClient, op: Any
) -> None:
    path = op.path.replace("{ruleId}", "1")
    response = client.open(f"{path}?namepsace=ci-1", method=op.method)

    message = assert_control_error(response, 400, "'namepsace'")
    declared = [p.name for p in op.parameters if p.location == "query"]
    assert message.endswith(", ".join(sorted(declared)) or "none")


@pytest.mark.parametrize(
    "path", ["/__mockso/reset?namespace=a%20b", "/__mockso/rules?namespace=-x"]
)
def test_a_bad_namespace_name_is_refused(client: FlaskClient, path: str) -> None:
    assert_control_error(client.post(path), 400, "namespace")


def test_an_unknown_control_path_is_a_404_error_object(client: FlaskClient) -> None:
    assert_control_error(client.get("/__mockso/nothing"), 404, "openapi.json")


def test_a_method_the_control_contract_lacks_is_a_405(client: FlaskClient) -> None:
    response = client.put("/__mockso/health")

    assert response.status_code == 405
    assert response.headers["Allow"]


def test_control_calls_are_not_journaled_or_counted(client: FlaskClient, mock: Mock) -> None:
    client.get("/__mockso/health")
    client.post("/__mockso/reset?namespace=default")

    assert len(mock.spaces.default.journal) == 0
    assert mock.spaces.default.coverage.unmatched() == {}


# --- health -----------------------------------------------------------------------------------


def test_health_says_ok_with_the_version_uptime_operations_and_namespaces(
    client: FlaskClient, api: Api
) -> None:
    api.info("Person", 1, headers={"X-Mockso-Namespace": "job-1"})

    body = client.get("/__mockso/health").get_json()

    assert body["status"] == "ok"
    assert body["version"] == __version__
    assert body["uptime_seconds"] >= 0
    assert body["operations"] == len(CONTRACT)
    assert body["namespaces"] == 2


# --- reset ------------------------------------------------------------------------------------


def test_reset_empties_every_namespace_and_forgets_all_but_default(
    client: FlaskClient, api: Api, mock: Mock
) -> None:
    api.save("Person", 1, png())
    api.save("Person", 1, png(), headers={"X-Mockso-Namespace": "job-1"})
    add_rule(client, operationId=GET_INFO.operation_id, code=404)

    response = client.post("/__mockso/reset")

    assert response.status_code == 204
    assert [space.name for space in mock.spaces.all()] == ["default"]
    assert client.get("/__mockso/journal").get_json() == []
    assert client.get("/__mockso/rules").get_json() == []
    assert client.get("/__mockso/coverage").get_json()["responses_covered"] == 0
    assert api.info("Person", 1).get_json()["BlobId"] == 0


def test_reset_of_one_namespace_leaves_the_others_alone(client: FlaskClient, api: Api) -> None:
    api.save("Person", 1, png(), headers={"X-Mockso-Namespace": "a"})
    api.save("Person", 1, png(), headers={"X-Mockso-Namespace": "b"})
    add_rule(client, "a", operationId=GET_IMAGE.operation_id, code=404)
    add_rule(client, "b", operationId=GET_IMAGE.operation_id, code=404)

    assert client.post("/__mockso/reset?namespace=a").status_code == 204

    assert client.get("/__mockso/journal?namespace=a").get_json() == []
    assert client.get("/__mockso/rules?namespace=a").get_json() == []
    assert len(client.get("/__mockso/journal?namespace=b").get_json()) == 1
    assert len(client.get("/__mockso/rules?namespace=b").get_json()) == 1
    assert api.info("Person", 1, headers={"X-Mockso-Namespace": "a"}).get_json()["BlobId"] == 0
    assert api.info("Person", 1, headers={"X-Mockso-Namespace": "b"}).get_json()["BlobId"] == 1


def test_reset_of_a_namespace_never_used_changes_nothing(client: FlaskClient, mock: Mock) -> None:
    assert client.post("/__mockso/reset?namespace=never").status_code == 204
    assert mock.spaces.find("never") is None


def test_reset_restarts_the_frozen_clock(client: FlaskClient, api: Api) -> None:
    def saved_at() -> str:
        api.save("Person", 1, png())
        return str(api.info("Person", 1).get_json()["UpdatedDate"])

    first = saved_at()
    client.post("/__mockso/reset")

    assert saved_at() == first


# --- state ------------------------------------------------------------------------------------


def test_state_exports_and_imports_between_namespaces(client: FlaskClient, api: Api) -> None:
    api.save("Person", 1, png())
    exported = client.get("/__mockso/state").get_data()

    response = client.put(
        "/__mockso/state?namespace=copy", data=exported, content_type="application/json"
    )

    assert response.status_code == 204
    assert client.get("/__mockso/state?namespace=copy").get_data() == exported
    copied = api.image("Person", 1, headers={"X-Mockso-Namespace": "copy"})
    assert copied.get_data() == api.image("Person", 1).get_data()


@pytest.mark.parametrize(
    ("content_type", "status"), [("text/plain", 415), ("application/xml", 415), (None, 415)]
)
def test_state_import_takes_json_only(
    client: FlaskClient, content_type: str | None, status: int
) -> None:
    response = client.put("/__mockso/state", data=b"{}", content_type=content_type)

    assert_control_error(response, status, "application/json")


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"", "empty"),
        (b"{", "JSON"),
        (b'{"format": "mockso-state/1", "format": "x"}', "repeats the key"),
        (b"[]", "body"),
        (b'{"format": "mockso-state/2"}', "format"),
        (b'{"format": "mockso-state/1", "extra": 1}', "extra"),
        (b'{"format": "mockso-state/1", "next_blob_id": 0}', "next_blob_id"),
    ],
)
def test_state_import_refuses_a_body_the_contract_does_not_allow(
    client: FlaskClient, api: Api, body: bytes, fragment: str
) -> None:
    api.save("Person", 1, png())
    before = client.get("/__mockso/state").get_data()

    response = client.put("/__mockso/state", data=body, content_type="application/json")

    assert_control_error(response, 400, fragment)
    assert client.get("/__mockso/state").get_data() == before


def test_state_import_past_the_store_cap_is_a_507_that_changes_nothing() -> None:
    picture = png(60, 40)
    cap = len(picture) * 3 // 2  # one picture fits, two do not; namespaces share the cap
    client = create_app({"seed": 1, "strict": True, "max_store_bytes": cap}).test_client()
    Api(client, AUTH).save("Person", 1, picture)
    document = client.get("/__mockso/state").get_json()
    before = client.get("/__mockso/state?namespace=other").get_data()

    response = client.put("/__mockso/state?namespace=other", json=document)

    assert_control_error(response, 507, "MOCKSO_MAX_STORE_BYTES")
    assert client.get("/__mockso/state?namespace=other").get_data() == before


def test_a_body_larger_than_any_state_can_be_is_a_413() -> None:
    client = create_app({"seed": 1, "max_store_bytes": 30, "max_upload": 10}).test_client()

    response = client.put("/__mockso/state", data=b" " * 100, content_type="application/json")

    assert_control_error(response, 413, "larger than")


# --- journal ----------------------------------------------------------------------------------


@pytest.fixture
def traffic(api: Api) -> list[TestResponse]:
    """Five requests in two namespaces, oldest first."""
    return [
        api.save("Person", 1, png()),
        api.info("Person", 1),
        api.info("Person", 2, headers={"X-Mockso-Namespace": "job-1"}),
        api.image("Person", 9),
        api.client.get("/api/v1/Nothing", headers=AUTH),
    ]


def test_the_journal_lists_every_namespace_newest_first(
    client: FlaskClient, traffic: list[TestResponse]
) -> None:
    records = client.get("/__mockso/journal").get_json()

    assert [r["status"] for r in records] == [r.status_code for r in reversed(traffic)]
    assert [r["namespace"] for r in records] == [
        "default",
        "default",
        "job-1",
        "default",
        "default",
    ]
    times = [r["time"] for r in records]
    assert times == sorted(times, reverse=True)


def test_a_journal_record_says_what_was_asked_and_answered(
    client: FlaskClient, traffic: list[TestResponse]
) -> None:
    record = client.get("/__mockso/journal?limit=1&status=404").get_json()[0]

    assert record["method"] == "GET"
    assert record["path"] == "/api/v1/Nothing"
    assert record["operationId"] is None
    assert "No operation of the contract matches" in record["error"]
    assert record["fault"] is None


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (f"operationId={GET_INFO.operation_id}", 2),
        ("method=get", 4),
        ("method=PUT", 1),
        ("path=/API/V1/PERSON/1/IMAGEINFO", 1),
        ("status=404", 2),
        ("namespace=job-1", 1),
        ("namespace=default&method=GET", 3),
        ("namespace=never", 0),
        ("limit=2", 2),
        ("status=200&limit=1", 1),
        ("since=2000-01-01T00:00:00Z", 5),
        ("until=2000-01-01T00:00:00%2B01:00", 0),
        ("since=2999-01-01T00:00:00", 0),
    ],
)
def test_the_journal_filters(
    client: FlaskClient, traffic: list[TestResponse], query: str, expected: int
) -> None:
    response = client.get(f"/__mockso/journal?{query}")

    assert response.status_code == 200
    assert len(response.get_json()) == expected


def test_the_journal_limit_keeps_the_newest(
    client: FlaskClient, traffic: list[TestResponse]
) -> None:
    everything = client.get("/__mockso/journal").get_json()

    assert client.get("/__mockso/journal?limit=3").get_json() == everything[:3]


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("status=600", "'status'"),
        ("status=abc", "'status'"),
        ("limit=0", "'limit'"),
        ("since=yesterday", "'since'"),
        ("until=2020-13-45T00:00:00Z", "'until'"),
        ("method=G%20T", "'method'"),
        ("status=200&status=404", "2 times"),
    ],
)
def test_the_journal_refuses_bad_filters(client: FlaskClient, query: str, fragment: str) -> None:
    assert_control_error(client.get(f"/__mockso/journal?{query}"), 400, fragment)


def test_deleting_the_journal_of_one_namespace_keeps_the_others(
    client: FlaskClient, traffic: list[TestResponse]
) -> None:
    assert client.delete("/__mockso/journal?namespace=default").status_code == 204

    assert [r["namespace"] for r in client.get("/__mockso/journal").get_json()] == ["job-1"]


def test_deleting_the_journal_clears_every_namespace(
    client: FlaskClient, traffic: list[TestResponse]
) -> None:
    assert client.delete("/__mockso/journal").status_code == 204

    assert client.get("/__mockso/journal").get_json() == []


# --- coverage ---------------------------------------------------------------------------------


def test_coverage_has_one_row_per_documented_response_of_the_mocked_contract(
    client: FlaskClient,
) -> None:
    report = client.get("/__mockso/coverage").get_json()

    expected = [
        (op.operation_id, op.method, op.path, key) for op in CONTRACT for key in op.responses
    ]
    rows = [(r["operationId"], r["method"], r["path"], r["status"]) for r in report["responses"]]
    assert rows == expected
    assert report["responses_total"] == len(expected)
    assert report["operations_total"] == len(CONTRACT)
    assert (report["responses_covered"], report["operations_covered"]) == (0, 0)
    assert report["percentage"] == 0.0
    assert report["undocumented"] == []


def test_coverage_counts_what_clients_saw(client: FlaskClient, traffic: list[TestResponse]) -> None:
    report = client.get("/__mockso/coverage").get_json()

    counts = {(r["operationId"], r["status"]): r["count"] for r in report["responses"]}
    save = operation("Person", "SaveImage").operation_id
    assert counts[(save, "200")] == 1
    assert counts[(GET_INFO.operation_id, "200")] == 2  # both namespaces summed
    assert counts[(GET_IMAGE.operation_id, "404")] == 1
    assert sum(counts.values()) == 4  # the unmatched path is no operation's
    assert report["responses_covered"] == 3
    assert report["operations_covered"] == 3
    assert report["percentage"] == round(100 * 3 / report["responses_total"], 1)
    described = {(r["operationId"], r["status"]): r["description"] for r in report["responses"]}
    assert described[(save, "200")] == operation("Person", "SaveImage").responses["200"].description


def test_coverage_of_one_namespace_counts_only_its_answers(
    client: FlaskClient, traffic: list[TestResponse]
) -> None:
    report = client.get("/__mockso/coverage?namespace=job-1").get_json()

    covered = [(r["operationId"], r["status"]) for r in report["responses"] if r["covered"]]
    assert report["namespace"] == "job-1"
    assert covered == [(GET_INFO.operation_id, "200")]


def test_coverage_lists_statuses_the_contract_does_not_document_apart(
    client: FlaskClient, mock: Mock
) -> None:
    undocumented = next(s for s in range(400, 600) if str(s) not in GET_INFO.responses)
    mock.spaces.get("job-2").coverage.count(GET_INFO.operation_id, undocumented)

    report = client.get("/__mockso/coverage").get_json()

    assert report["undocumented"] == [
        {
            "operationId": GET_INFO.operation_id,
            "method": GET_INFO.method,
            "path": GET_INFO.path,
            "status": str(undocumented),
            "count": 1,
        }
    ]
    assert report["responses_covered"] == 0


# --- rules ------------------------------------------------------------------------------------


def test_a_rule_is_answered_with_its_id_and_listed(client: FlaskClient) -> None:
    response = add_rule(client, operationId=GET_INFO.operation_id, code=404, times=2, delay=5)

    assert response.status_code == 201
    rule = response.get_json()
    assert rule == {
        "id": rule["id"],
        "operationId": GET_INFO.operation_id,
        "times": 2,
        "entityId": None,
        "code": 404,
        "delay": 5,
    }
    assert client.get("/__mockso/rules").get_json() == [rule]


@pytest.mark.parametrize("times", [1, 2, 3])
def test_a_rule_applies_times_times_and_then_stops(
    client: FlaskClient, api: Api, times: int
) -> None:
    add_rule(client, operationId=GET_INFO.operation_id, code=404, times=times)

    statuses = [api.info("Person", 1).status_code for _ in range(times + 2)]

    assert statuses == [404] * times + [200, 200]
    assert client.get("/__mockso/rules").get_json() == []


def test_a_rule_without_times_applies_until_deleted(client: FlaskClient, api: Api) -> None:
    rule = add_rule(client, operationId=GET_INFO.operation_id, code=404).get_json()

    assert [api.info("Person", 1).status_code for _ in range(3)] == [404, 404, 404]
    assert client.delete(f"/__mockso/rules/{rule['id']}").status_code == 204
    assert api.info("Person", 1).status_code == 200


def test_a_rule_for_an_entity_id_leaves_other_ids_alone(client: FlaskClient, api: Api) -> None:
    add_rule(client, operationId=GET_INFO.operation_id, code=404, entityId=7, times=1)

    assert api.info("Person", 8).status_code == 200
    assert api.info("Person", 7).status_code == 404
    assert api.info("Person", 7).status_code == 200


def test_rules_belong_to_their_namespace(client: FlaskClient, api: Api) -> None:
    add_rule(client, "job-1", operationId=GET_INFO.operation_id, code=404)

    assert api.info("Person", 1).status_code == 200
    assert api.info("Person", 1, headers={"X-Mockso-Namespace": "job-1"}).status_code == 404
    assert client.get("/__mockso/rules").get_json() == []
    assert len(client.get("/__mockso/rules?namespace=job-1").get_json()) == 1


def test_a_prefer_header_wins_over_a_rule(client: FlaskClient, api: Api) -> None:
    add_rule(client, operationId=GET_INFO.operation_id, code=404, times=1)

    response = api.info("Person", 1, headers={"Prefer": f"code={_other_error(404)}"})

    assert response.status_code == _other_error(404)
    assert client.get("/__mockso/rules").get_json() == []  # the rule was still used up


def _other_error(than: int) -> int:
    """A documented error status of GET ImageInfo other than ``than``."""
    return next(int(s) for s in GET_INFO.responses if s.isdigit() and 400 <= int(s) != than)


def test_a_rule_with_a_delay_sleeps_before_answering(
    client: FlaskClient, api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    slept: list[float] = []
    monkeypatch.setattr(endpoint.time, "sleep", slept.append)
    add_rule(client, operationId=GET_INFO.operation_id, delay=250)

    assert api.info("Person", 1).status_code == 200
    assert slept == [0.25]


def test_a_rule_with_a_seed_answers_the_same_generated_payload(
    client: FlaskClient, api: Api
) -> None:
    add_rule(client, operationId=GET_INFO.operation_id, dynamic=True, seed=0)

    first, second = api.info("Person", 1), api.info("Person", 2)

    assert first.status_code == second.status_code == 200
    assert first.get_data() == second.get_data()


@pytest.mark.parametrize(
    ("rule", "fragment"),
    [
        ({"operationId": "v1Nothing_Nothing", "code": 404}, "not an operation"),
        ({"operationId": GET_INFO.operation_id}, "says how to answer"),
        ({"operationId": GET_INFO.operation_id, "code": 404, "times": 0}, "'times'"),
        ({"operationId": GET_INFO.operation_id, "code": 99}, "'code'"),
        ({"operationId": GET_INFO.operation_id, "delay": 60_001}, "'delay'"),
        ({"operationId": GET_INFO.operation_id, "fault": "explode"}, "'fault'"),
        ({"operationId": GET_INFO.operation_id, "dynamic": "yes"}, "'dynamic'"),
        ({"operationId": GET_INFO.operation_id, "example": "nope"}, "no example 'nope'"),
        ({"operationId": GET_INFO.operation_id, "code": 404, "colour": 1}, "colour"),
        ({"code": 404}, "operationId"),
    ],
)
def test_a_bad_rule_is_refused(client: FlaskClient, rule: dict[str, Any], fragment: str) -> None:
    assert_control_error(add_rule(client, **rule), 400, fragment)
    assert client.get("/__mockso/rules").get_json() == []


@pytest.mark.parametrize("op", list(CONTRACT)[:6], ids=lambda op: op.operation_id)
def test_a_rule_with_a_code_the_operation_does_not_document_is_refused_naming_the_documented(
    client: FlaskClient, op: Any
) -> None:
    code = next(c for c in range(100, 600) if str(c) not in op.responses)

    message = assert_control_error(add_rule(client, operationId=op.operation_id, code=code), 400)

    assert f"code={code}" in message
    assert message.endswith(", ".join(sorted(op.responses)))


def test_a_rule_for_an_operation_without_an_entity_takes_no_entity_id() -> None:
    ping = {"operationId": "ping", "responses": {"200": {"description": "Pong."}}}
    document = {
        "openapi": "3.0.3",
        "info": {"title": "Ping", "version": "1"},
        "paths": {"/ping": {"get": ping}},
    }
    client = create_app({"seed": 1}, contract=Contract.from_dict(document)).test_client()

    response = add_rule(client, operationId="ping", code=200, entityId=3)

    assert_control_error(response, 400, "takes no entityId")
    assert add_rule(client, operationId="ping", code=200).status_code == 201


def test_a_rule_body_must_be_json(client: FlaskClient) -> None:
    response = client.post("/__mockso/rules", data="operationId=x", content_type="text/plain")

    assert_control_error(response, 415)


def test_deleting_an_unknown_rule_is_a_404(client: FlaskClient) -> None:
    assert_control_error(client.delete("/__mockso/rules/41"), 404, "no rule 41")
    assert_control_error(client.delete("/__mockso/rules/1?namespace=never"), 404, "'never'")
    assert_control_error(client.delete("/__mockso/rules/zero"), 400, "'ruleId'")


def test_deleting_rules_clears_only_that_namespace(client: FlaskClient) -> None:
    add_rule(client, operationId=GET_INFO.operation_id, code=404)
    add_rule(client, "job-1", operationId=GET_INFO.operation_id, code=404)

    assert client.delete("/__mockso/rules").status_code == 204

    assert client.get("/__mockso/rules").get_json() == []
    assert len(client.get("/__mockso/rules?namespace=job-1").get_json()) == 1


# --- metrics ----------------------------------------------------------------------------------

_SAMPLE = re.compile(r'^([a-z_]+)(?:\{((?:[a-z_]+="(?:[^"\\]|\\.)*",?)*)\})? (\S+)$')
_LABEL = re.compile(r'([a-z_]+)="((?:[^"\\]|\\.)*)"')


def parse_metrics(text: str) -> tuple[dict[str, str], dict[tuple[str, frozenset[Any]], float]]:
    """(type per family, value per (name, labels)) from the text format, line by line."""
    types: dict[str, str] = {}
    samples: dict[tuple[str, frozenset[Any]], float] = {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            types[name] = kind
        elif line.startswith("# HELP "):
            assert len(line.split(" ", 3)) == 4, line
        else:
            match = _SAMPLE.match(line)
            assert match, line
            labels = frozenset(_LABEL.findall(match.group(2) or ""))
            samples[(match.group(1), labels)] = float(match.group(3))
    return types, samples


def test_metrics_are_prometheus_text(client: FlaskClient, traffic: list[TestResponse]) -> None:
    response = client.get("/__mockso/metrics")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    types, samples = parse_metrics(response.get_data(as_text=True))
    assert types == {
        "mockso_requests_total": "counter",
        "mockso_unmatched_requests_total": "counter",
        "mockso_deviations_total": "counter",
        "mockso_stored_bytes": "gauge",
        "mockso_stored_pictures": "gauge",
        "mockso_journal_records": "gauge",
        "mockso_namespaces": "gauge",
        "mockso_uptime_seconds": "gauge",
    }
    info = {("operation_id", GET_INFO.operation_id), ("status", "200")}
    assert samples[("mockso_requests_total", frozenset({*info, ("namespace", "default")}))] == 1
    assert samples[("mockso_requests_total", frozenset({*info, ("namespace", "job-1")}))] == 1
    unmatched = frozenset({("status", "404"), ("namespace", "default")})
    assert samples[("mockso_unmatched_requests_total", unmatched)] == 1
    default = frozenset({("namespace", "default")})
    assert samples[("mockso_stored_bytes", default)] == len(png())
    assert samples[("mockso_stored_pictures", default)] == 1
    assert samples[("mockso_journal_records", default)] == 4
    assert samples[("mockso_namespaces", frozenset())] == 2
    assert samples[("mockso_uptime_seconds", frozenset())] >= 0


def test_metrics_sum_to_the_coverage_counts(
    client: FlaskClient, traffic: list[TestResponse]
) -> None:
    _, samples = parse_metrics(client.get("/__mockso/metrics").get_data(as_text=True))
    report = client.get("/__mockso/coverage").get_json()

    requests = sum(v for (name, _), v in samples.items() if name == "mockso_requests_total")
    assert requests == sum(row["count"] for row in report["responses"])


def test_metric_label_values_are_escaped() -> None:
    assert escape_label('a\\b"c\nd') == 'a\\\\b\\"c\\nd'


def test_control_answers_are_json_where_the_contract_says_so(
    client: FlaskClient, traffic: list[TestResponse]
) -> None:
    for path in ("/__mockso/health", "/__mockso/state", "/__mockso/coverage", "/__mockso/rules"):
        response = client.get(path)
        assert response.mimetype == "application/json", path
        json.loads(response.get_data())


def test_deviations_are_in_the_journal_coverage_and_metrics_by_operation_and_kind(
    client: FlaskClient, api: Api
) -> None:
    api.info("Person", 1, headers={"Accept": "aplication/json"})
    api.client.get("/api/v1/person/1/imageinfo/", headers=AUTH)
    api.info("Person", 1)

    leaned = client.get("/__mockso/journal?deviations=true").get_json()
    kept = client.get("/__mockso/journal?deviations=false").get_json()
    report = client.get("/__mockso/coverage").get_json()
    _, samples = parse_metrics(client.get("/__mockso/metrics").get_data(as_text=True))

    assert [len(record["deviations"]) for record in leaned] == [2, 1]
    assert leaned[1]["deviations"][0].endswith("the real server answers JSON")
    assert [record["deviations"] for record in kept] == [[]]
    assert report["deviations"] == [
        {"operationId": GET_INFO.operation_id, "kind": kind, "count": 1}
        for kind in ("accept", "path-case", "trailing-slash")
    ]
    labels = {("operation_id", GET_INFO.operation_id), ("namespace", "default")}
    assert samples[("mockso_deviations_total", frozenset({*labels, ("kind", "accept")}))] == 1
