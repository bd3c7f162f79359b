"""MockServer: a live mockso in a background thread, for any test framework."""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import yaml
from helpers import AUTH
from helpers import png
from helpers import self_signed

from mockso.core.contract import Contract
from mockso.testing import MockServer

pytestmark = pytest.mark.live

SAVE = "v1PersonEntity_SaveImage"
INFO = "v1PersonEntity_GetImageInfo"


@pytest.fixture(scope="module")
def shared() -> Iterator[MockServer]:
    # One server for the module: each test resets it, which is cheaper than a new one.
    with MockServer({"seed": 1}) as running:
        yield running


@pytest.fixture
def server(shared: MockServer) -> MockServer:
    shared.reset()
    return shared


def save(server: MockServer, person_id: int, headers: dict[str, str] | None = None) -> int:
    answer = requests.put(
        server.url_for(f"/api/v1/Person/{person_id}/Image"),
        data=png(),
        headers={**AUTH, "Content-Type": "image/png", **(headers or {})},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    blob_id: int = answer.json()
    return blob_id


def info_status(server: MockServer, person_id: int) -> int:
    url = server.url_for(f"api/v1/Person/{person_id}/ImageInfo")
    return requests.get(url, headers=AUTH, timeout=10).status_code


def refuses_connections(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


# -- lifecycle ------------------------------------------------------------------------------


def test_start_listens_on_a_free_port_and_stop_frees_it() -> None:
    server = MockServer({"seed": 1})
    assert not server.is_running
    assert server.port == 0

    server.start()
    port = server.port
    try:
        assert port > 0
        assert server.url == f"http://127.0.0.1:{port}"
        assert server.is_running
        assert info_status(server, 5) == 200
    finally:
        server.stop()

    assert not server.is_running
    assert refuses_connections(port)


def test_the_context_manager_starts_and_stops_the_server() -> None:
    with MockServer() as server:
        port = server.port
        assert info_status(server, 1) == 200

    assert not server.is_running
    assert refuses_connections(port)


def test_stop_twice_is_harmless_and_start_twice_is_an_error() -> None:
    with MockServer() as server, pytest.raises(RuntimeError, match="already serving"):
        server.start()
    server.stop()


def test_the_url_of_a_stopped_server_says_how_to_start_it() -> None:
    server = MockServer()

    with pytest.raises(RuntimeError, match="start"):
        _ = server.url
    assert repr(server) == "<MockServer not running>"


def test_app_and_mock_are_there_before_start() -> None:
    server = MockServer({"seed": 3})

    assert server.mock.seed == 3
    assert server.app.test_client().get("/api/v1/Person/1/ImageInfo", headers=AUTH).status == (
        "200 OK"
    )


def test_url_for_joins_paths_with_or_without_a_slash(server: MockServer) -> None:
    assert server.url_for("/api/v1/Person/1/Image") == server.url + "/api/v1/Person/1/Image"
    assert server.url_for("api/v1/Person/1/Image") == server.url + "/api/v1/Person/1/Image"
    assert server.url.startswith("http://127.0.0.1:")


def test_a_contract_object_is_served() -> None:
    things = Contract.from_path("tests/contracts/things.yaml")

    with MockServer(contract=things) as server:
        answer = requests.get(server.url_for("/api/v1/Thing/4"), headers=AUTH, timeout=10)

    assert answer.status_code == 200
    assert server.mock.contract is things


def test_the_port_comes_from_the_argument_not_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MOCKSO_PORT", "1")  # a service's port must not leak into a test server

    with MockServer() as server:
        assert server.mock.settings.port == 1
        assert info_status(server, 1) == 200


# -- reset and journal ----------------------------------------------------------------------


def test_reset_forgets_pictures_journal_and_rules(server: MockServer) -> None:
    save(server, 5)
    server.rule(INFO, code=404)

    server.reset()

    assert server.journal() == []
    assert info_status(server, 5) == 200
    assert server.mock.store.get("Person", 5) is None
    assert save(server, 5) == 1  # blob ids start again


def test_reset_of_one_namespace_keeps_the_others(server: MockServer) -> None:
    save(server, 5)
    save(server, 6, {"X-Mockso-Namespace": "job-2"})

    server.reset("job-2")

    assert server.mock.spaces.get("job-2").store.get("Person", 6) is None
    assert server.mock.store.get("Person", 5) is not None


def test_the_journal_lists_requests_newest_first_and_filters_them(server: MockServer) -> None:
    save(server, 5)
    info_status(server, 5)
    requests.get(server.url_for("/api/v1/Person/5/ImageInfo"), timeout=10)  # no credentials

    everything = server.journal()
    refused = server.journal(status=401)
    saves = server.journal(operation_id=SAVE, method="put")

    assert [r.operation_id for r in everything] == [INFO, INFO, SAVE]
    assert [r.status for r in everything] == [401, 200, 200]
    assert [r.path for r in refused] == ["/api/v1/Person/5/ImageInfo"]
    assert len(saves) == 1
    assert saves[0].request_type == "image/png"
    assert server.journal(limit=1) == everything[:1]
    assert server.journal(path="/API/V1/PERSON/5/IMAGE") == saves


def test_the_journal_spans_namespaces_unless_one_is_named(server: MockServer) -> None:
    save(server, 5)
    save(server, 6, {"X-Mockso-Namespace": "job-2"})

    assert [r.namespace for r in server.journal()] == ["job-2", "default"]
    assert [r.path for r in server.journal(namespace="job-2")] == ["/api/v1/Person/6/Image"]
    assert server.journal(namespace="never-used") == []


# -- rules ----------------------------------------------------------------------------------


def test_a_rule_bends_the_next_calls_and_is_returned(server: MockServer) -> None:
    rule = server.rule(INFO, code=404, times=2)

    statuses = [info_status(server, 5) for _ in range(3)]

    assert statuses == [404, 404, 200]
    assert rule.operation_id == INFO
    assert rule.directive.code == 404
    assert rule.times == 2


def test_a_rule_can_target_one_entity_and_one_namespace(server: MockServer) -> None:
    server.rule(INFO, code=404, entity_id=7, namespace="job-2")
    in_job_2 = {"X-Mockso-Namespace": "job-2", **AUTH}

    other_id = requests.get(server.url_for("/api/v1/Person/8/ImageInfo"), headers=in_job_2)
    default_space = info_status(server, 7)
    bent = requests.get(server.url_for("/api/v1/Person/7/ImageInfo"), headers=in_job_2)

    assert (other_id.status_code, default_space, bent.status_code) == (200, 200, 404)
    assert bent.json()["ErrorType"] == "SoNotFoundException"


def test_a_rule_can_inject_a_connection_fault(server: MockServer) -> None:
    server.rule(INFO, fault="reset", times=1)

    with pytest.raises(requests.ConnectionError):
        requests.get(server.url_for("/api/v1/Person/1/ImageInfo"), headers=AUTH, timeout=10)
    assert info_status(server, 1) == 200


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"operation_id": "v1Person_Nope", "code": 404}, "not an operation"),
        ({"operation_id": INFO}, "give one of code"),
        (
            {"operation_id": SAVE, "code": 201},
            "code=201 is not documented for v1PersonEntity_SaveImage",
        ),
        ({"operation_id": INFO, "delay": -1}, "delay=-1"),
        ({"operation_id": INFO, "example": "nope"}, "has no example 'nope'"),
        ({"operation_id": INFO, "fault": "explode"}, "fault='explode'"),
        ({"operation_id": INFO, "code": 404, "times": 0}, "at least once"),
        ({"operation_id": INFO, "code": 404, "namespace": "no spaces"}, "namespace name"),
    ],
)
def test_a_bad_rule_is_a_value_error_saying_why(
    server: MockServer, arguments: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        server.rule(**arguments)  # type: ignore[arg-type]
    assert server.mock.spaces.default.rules.rules() == []


# -- state and load -------------------------------------------------------------------------


def test_the_state_of_a_fresh_mock_has_no_pictures(server: MockServer) -> None:
    state = server.state()

    assert state["format"] == "mockso-state/1"
    assert state["next_blob_id"] == 1
    assert state["pictures"] == []


def test_state_and_load_round_trip_the_pictures(server: MockServer) -> None:
    save(server, 5)
    picture = requests.get(server.url_for("/api/v1/Person/5/Image"), headers=AUTH, timeout=10)
    info = requests.get(server.url_for("/api/v1/Person/5/ImageInfo"), headers=AUTH, timeout=10)
    state = server.state()

    server.reset()
    server.load(state)

    assert [(p["entity"], p["id"]) for p in state["pictures"]] == [("Person", 5)]
    again = requests.get(server.url_for("/api/v1/Person/5/Image"), headers=AUTH, timeout=10)
    info_again = requests.get(
        server.url_for("/api/v1/Person/5/ImageInfo"), headers=AUTH, timeout=10
    )
    assert again.content == picture.content
    assert info_again.json() == info.json()
    assert server.state() == state


def test_load_reads_a_json_or_yaml_file(server: MockServer, tmp_path: Path) -> None:
    save(server, 5)
    state = server.state()
    (tmp_path / "state.json").write_text(json.dumps(state))
    (tmp_path / "state.yaml").write_text(yaml.safe_dump(state))

    for name in ("state.json", "state.yaml"):
        server.reset()
        server.load(tmp_path / name)
        assert server.state() == state, name


def test_load_keeps_unquoted_yaml_dates_as_text_as_a_fixtures_file_does(
    server: MockServer, tmp_path: Path
) -> None:
    save(server, 5)
    state = server.state()
    text = re.sub(r"'([0-9]{4}-[0-9]{2}-[0-9]{2}T[^']*)'", r"\1", yaml.safe_dump(state))
    assert "UpdatedDate: 20" in text
    path = tmp_path / "state.yaml"
    path.write_text(text, encoding="utf-8")

    server.reset()
    server.load(path)

    assert server.state() == state


def test_state_and_load_work_per_namespace(server: MockServer) -> None:
    save(server, 6, {"X-Mockso-Namespace": "job-2"})
    state = server.state("job-2")

    server.load(state, namespace="job-3")

    assert server.state() == server.state("never-used")  # both empty
    assert server.state("job-3") == state
    assert [p["id"] for p in state["pictures"]] == [6]


def test_a_bad_state_document_is_a_value_error_and_changes_nothing(server: MockServer) -> None:
    save(server, 5)
    before = server.state()

    with pytest.raises(ValueError, match="not a picture"):
        server.load(
            {
                "format": "mockso-state/1",
                "pictures": [{"entity": "Person", "id": 1, "picture": "bm9wZQ==", "info": {}}],
            }
        )
    assert server.state() == before


def test_with_tls_settings_it_serves_https(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    with MockServer({"seed": 1, "tls_cert": str(cert), "tls_key": str(key)}) as served:
        answer = requests.get(
            served.url_for("/api/v1/Person/1/ImageInfo"), headers=AUTH, verify=str(cert), timeout=10
        )

        assert served.url.startswith("https://127.0.0.1:")
        assert answer.status_code == 200
        assert [record.status for record in served.journal()] == [200]


def test_deviations_say_where_the_client_leaned_on_the_real_server(server: MockServer) -> None:
    requests.get(
        server.url_for("/api/v1/person/5/imageinfo"),
        headers={**AUTH, "Accept": "aplication/json"},
        timeout=10,
    )
    server.assert_no_deviations(namespace="elsewhere")

    found = server.deviations()

    assert len(found) == 2
    assert found[0].startswith("GET /api/v1/person/5/imageinfo: Path '/api/v1/person/5/imageinfo'")
    assert found[1].endswith("; the real server answers JSON")
    with pytest.raises(AssertionError, match=r"leniency 2 time\(s\)") as caught:
        server.assert_no_deviations()
    assert found[1] in str(caught.value)


def test_a_client_keeping_to_the_contract_passes_assert_no_deviations(
    server: MockServer,
) -> None:
    save(server, 5)
    assert info_status(server, 5) == 200

    assert server.deviations() == []
    server.assert_no_deviations()


def test_a_rule_asks_for_an_outage_the_operation_does_not_document(server: MockServer) -> None:
    server.rule(SAVE, code=503, times=1)

    answer = requests.put(
        server.url_for("/api/v1/Person/5/Image"),
        data=png(),
        headers={**AUTH, "Content-Type": "image/png"},
        timeout=10,
    )

    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "1"
    assert answer.json()["ErrorType"] == "ServiceUnavailableException"
    assert server.journal()[0].undocumented is True
