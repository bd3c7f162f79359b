"""``mockso proxy``: calls passed to a target unchanged, its answers passed back unchanged,
checked for drift and recorded, against two stand-ins for a tenant over real sockets on
127.0.0.1: a mockso instance, and a small server below that drifts on purpose."""

from __future__ import annotations

import base64
import json
import signal
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import CliRunner
from helpers import AUTH
from helpers import BASIC_TJE0
from helpers import ENTITIES
from helpers import DriftingTenant
from helpers import drifting_tenant
from helpers import mockso_process
from helpers import multipart
from helpers import operation
from helpers import png
from helpers import url

from mockso.cli import cli
from mockso.core.contract import Operation
from mockso.testing import MockServer
from mockso.web.server import Server

pytestmark = pytest.mark.live

TENANT = "/Cust12345"  # https://<env>.superoffice.com/<tenant>: the target's own path
SECRET = "Bearer 8A:Cust12345.very-secret-token"
TIMEOUT = 10


@pytest.fixture
def drifting() -> Iterator[tuple[DriftingTenant, str]]:
    with drifting_tenant(TENANT) as running:
        yield running


@pytest.fixture
def tenant() -> Iterator[MockServer]:
    """A mockso instance standing in for a tenant that keeps its contract."""
    with MockServer({"seed": 5, "strict": True}) as server:
        yield server


def test_a_call_reaches_the_target_unchanged_and_its_answer_comes_back_unchanged(
    drifting: tuple[DriftingTenant, str],
) -> None:
    stand_in, target = drifting
    headers = {"Authorization": SECRET, "SO-AppToken": "app-secret", "Accept": "application/json"}
    with MockServer({"target": target}) as proxy:
        answer = requests.get(
            proxy.url_for("/api/v1/Person/7/ImageInfo?x=1&x=2"), headers=headers, timeout=TIMEOUT
        )
        teapot = requests.get(proxy.url_for("/api/v1/Person/7/Image"), headers=headers)
        body = png()
        saved = requests.put(
            proxy.url_for("/api/v1/Person/7/Image"),
            data=body,
            headers={**headers, "Content-Type": "image/png"},
            timeout=TIMEOUT,
        )

    got = stand_in.requests[0]
    assert got["method"] == "GET"
    assert got["target"] == f"{TENANT}/api/v1/Person/7/ImageInfo?x=1&x=2"
    assert got["headers"]["Authorization"] == SECRET
    assert got["headers"]["So-Apptoken"] == "app-secret"
    assert got["headers"]["Host"] == target.split("/")[2]
    assert answer.status_code == 200
    assert answer.content == stand_in.info
    assert answer.raw.headers.getlist("Set-Cookie") == ["a=1", "b=2"]
    assert (teapot.status_code, teapot.reason, teapot.content) == (
        418,
        "I'm a teapot",
        b"short and stout",
    )
    put = stand_in.requests[2]
    assert (put["method"], put["body"], put["headers"]["Content-Type"]) == (
        "PUT",
        body,
        "image/png",
    )
    assert saved.status_code == 404  # what the stand-in answers, passed back


def test_nothing_is_sent_anywhere_but_the_target(drifting: tuple[DriftingTenant, str]) -> None:
    """Whatever host a request names, in its Host header or in a request line in absolute form,
    it goes to the target; the credentials reach the target and nothing of mockso's own
    keeping."""
    stand_in, target = drifting
    elsewhere = {**AUTH, "Authorization": SECRET, "Host": "127.0.0.1:9"}
    with MockServer({"target": target}) as proxy:
        answer = requests.get(
            proxy.url_for("/api/v1/Person/3/ImageInfo"), headers=elsewhere, timeout=TIMEOUT
        )
        with socket.create_connection(("127.0.0.1", proxy.port), timeout=TIMEOUT) as raw:
            raw.sendall(
                b"GET http://127.0.0.1:9/api/v1/Person/3/ImageInfo HTTP/1.1\r\n"
                b"Host: 127.0.0.1:9\r\nConnection: close\r\n\r\n"
            )
            absolute = raw.recv(65536)
        journal = requests.get(proxy.url_for("/__mockso/journal"), timeout=TIMEOUT).text
        drift = requests.get(proxy.url_for("/__mockso/drift"), timeout=TIMEOUT).text

    assert answer.status_code == 200
    assert absolute.startswith(b"HTTP/1.1 200 ")
    assert [r["target"] for r in stand_in.requests] == [f"{TENANT}/api/v1/Person/3/ImageInfo"] * 2
    assert stand_in.requests[0]["headers"]["Host"] == target.split("/")[2]
    assert stand_in.requests[0]["headers"]["Authorization"] == SECRET
    assert SECRET.split()[1] not in journal + drift


def test_the_drift_report_names_each_drift_by_operation_and_kind(
    drifting: tuple[DriftingTenant, str],
) -> None:
    _, target = drifting
    with MockServer({"target": target}) as proxy:
        for entity_id in (1, 2):
            requests.get(proxy.url_for(f"/api/v1/Person/{entity_id}/ImageInfo"), headers=AUTH)
        requests.get(proxy.url_for("/api/v1/Person/1/Image"), headers=AUTH, timeout=TIMEOUT)
        requests.get(proxy.url_for("/api/v1/Nothing/here"), headers=AUTH, timeout=TIMEOUT)
        report = requests.get(proxy.url_for("/__mockso/drift"), timeout=TIMEOUT).json()

    assert report["target"] == target
    assert (report["exchanges"], report["findings"]) == (4, 8)
    by_operation = {row["operationId"]: row for row in report["operations"]}
    info = by_operation["v1PersonEntity_GetImageInfo"]
    kinds = {kind["kind"]: kind for kind in info["kinds"]}
    assert info["exchanges"] == 2
    assert {name: kind["count"] for name, kind in kinds.items()} == {
        "missing": 2,
        "type": 2,
        "extra": 2,
    }
    assert kinds["missing"]["places"] == ["CreatedDate"]
    assert kinds["type"]["places"] == ["BlobId"]
    assert kinds["extra"]["places"] == ["Secret"]
    assert kinds["type"]["example"]["request"] == "GET /api/v1/Person/1/ImageInfo"
    assert "'12' is not of type 'integer'" in kinds["type"]["example"]["message"]
    image = by_operation["v1PersonEntity_GetImage"]["kinds"]
    assert [(kind["kind"], kind["places"]) for kind in image] == [("status", ["418"])]
    unmatched = by_operation[None]
    assert [kind["kind"] for kind in unmatched["kinds"]] == ["operation"]
    assert SECRET not in json.dumps(report)


def test_the_control_api_works_on_the_proxy_as_on_serve(
    tenant: MockServer,
) -> None:
    with MockServer({"target": tenant.url}) as proxy:
        requests.get(proxy.url_for("/api/v1/Person/3/ImageInfo"), headers=AUTH, timeout=TIMEOUT)
        health = requests.get(proxy.url_for("/__mockso/health"), timeout=TIMEOUT)
        journal = requests.get(proxy.url_for("/__mockso/journal"), timeout=TIMEOUT).json()
        coverage = requests.get(proxy.url_for("/__mockso/coverage"), timeout=TIMEOUT).json()
        page = requests.get(proxy.url_for("/__mockso/ui"), timeout=TIMEOUT)
        drift = requests.get(proxy.url_for("/__mockso/drift"), timeout=TIMEOUT).json()

    assert health.json()["status"] == "ok"
    assert [(r["operationId"], r["status"]) for r in journal] == [
        ("v1PersonEntity_GetImageInfo", 200)
    ]
    covered = [(row["operationId"], row["status"]) for row in coverage["responses"] if row["count"]]
    assert covered == [("v1PersonEntity_GetImageInfo", "200")]
    assert page.status_code == 200
    assert (drift["exchanges"], drift["findings"]) == (1, 0)  # mockso keeps its contract
    assert len(tenant.journal()) == 1  # the control calls stayed on the proxy


def test_a_head_request_is_checked_without_a_body_and_not_recorded(
    tenant: MockServer, tmp_path: Path
) -> None:
    path = tmp_path / "recorded.json"
    with MockServer({"target": tenant.url, "record": str(path)}) as proxy:
        requests.put(
            proxy.url_for("/api/v1/Person/3/Image"),
            data=png(),
            headers={**AUTH, "Content-Type": "image/png"},
            timeout=TIMEOUT,
        )
        requests.get(proxy.url_for("/api/v1/Person/3/ImageInfo"), headers=AUTH, timeout=TIMEOUT)
        head = requests.head(proxy.url_for("/api/v1/Person/3/Image"), headers=AUTH)
        drift = requests.get(proxy.url_for("/__mockso/drift"), timeout=TIMEOUT).json()
        requests.post(proxy.url_for("/__mockso/record/flush"), timeout=TIMEOUT)

    assert (head.status_code, head.content) == (200, b"")
    assert head.headers["Content-Length"] == str(len(png()))  # the target's, for a HEAD
    assert (drift["exchanges"], drift["findings"]) == (3, 0)
    [item] = json.loads(path.read_text())["pictures"]
    assert base64.b64decode(item["picture"]) == png()  # not the HEAD answer's empty body


def test_a_mockso_tenant_drifts_nowhere_on_any_operation(tenant: MockServer) -> None:
    """mockso keeps its contract (strict mode), so every operation passed to it and back shows
    no drift: the check does not cry wolf."""
    with MockServer({"target": tenant.url}) as proxy:
        for entity in ENTITIES:
            for action in ("SaveImage", "GetImageInfo", "GetImage", "PutImageInfo"):
                _call(proxy, operation(entity, action))
            for action in ("DeleteImageContent", "GetImage", "SaveImage_POST", "GetImageInfo"):
                _call(proxy, operation(entity, action))
            _call(proxy, operation(entity, "GetImage"), entity_id=-1)  # a documented error
        report = requests.get(proxy.url_for("/__mockso/drift"), timeout=TIMEOUT).json()

    assert report["exchanges"] == len(ENTITIES) * 9
    assert report["findings"] == 0, report


def _call(server: MockServer, op: Operation, entity_id: int = 7) -> None:
    headers = dict(AUTH)
    data: bytes | None = None
    if op.request_body is not None and "image/png" in op.request_body.content:
        data, headers["Content-Type"] = png(), "image/png"
    elif op.request_body is not None:
        data, headers["Content-Type"] = b'{"Description": "x"}', "application/json"
    answer = requests.request(
        op.method, server.url_for(url(op, entity_id)), data=data, headers=headers, timeout=TIMEOUT
    )
    assert answer.status_code < 500, (op.operation_id, answer.text)


def test_a_failing_check_never_changes_what_the_client_gets(
    drifting: tuple[DriftingTenant, str],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    stand_in, target = drifting

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug in the drift check")

    with MockServer({"target": target}) as proxy:
        monkeypatch.setattr(proxy.mock.drift, "observe", broken)
        answer = requests.get(proxy.url_for("/api/v1/Person/1/ImageInfo"), headers=AUTH)

    assert (answer.status_code, answer.content) == (200, stand_in.info)
    assert "a bug in the drift check" in caplog.text


def test_an_unreachable_target_is_a_502_error_object_and_nothing_else_is_asked() -> None:
    with Server(lambda environ, start: [], "127.0.0.1", 0) as closed:
        url = closed.url
    with MockServer({"target": url}) as proxy:
        answer = requests.get(proxy.url_for("/api/v1/Person/3/ImageInfo"), headers=AUTH)
        journal = proxy.journal()

    assert answer.status_code == 502
    assert answer.json()["ErrorType"] == "BadGatewayException"
    assert [record.status for record in journal] == [502]


@pytest.mark.parametrize(
    "target", ["ftp://example.com", "example.com/x", "https://user:pw@example.com"]
)
def test_a_target_that_is_not_an_http_url_stops_the_proxy(target: str) -> None:
    result = CliRunner().invoke(cli, ["proxy", "--port", "0", "--target", target])

    assert result.exit_code == 1
    assert "target" in result.output


def test_serve_refuses_the_proxys_settings_and_proxy_needs_a_target() -> None:
    serving = CliRunner().invoke(cli, ["serve"], env={"MOCKSO_TARGET": "http://127.0.0.1:9"})
    proxying = CliRunner().invoke(cli, ["proxy", "--port", "0"])

    assert serving.exit_code == 1
    assert "for `mockso proxy`" in serving.output
    assert proxying.exit_code == 1
    assert "needs --target" in proxying.output


def _session(url: str) -> dict[str, Any]:
    """A client's session: saves (raw and multipart), reads, an ImageInfo without a picture,
    a delete; returns what it saw of each."""
    person, contact = png(40, 30), png(20, 10)
    raw = {**AUTH, "Content-Type": "image/png"}
    requests.put(f"{url}/api/v1/Person/1/Image", data=person, headers=raw, timeout=TIMEOUT)
    form, content_type = multipart(contact)
    requests.post(
        f"{url}/api/v1/Contact/2/Image",
        data=form,
        headers={**AUTH, "Content-Type": content_type},
        timeout=TIMEOUT,
    )
    requests.put(
        f"{url}/api/v1/Project/x/ImageInfo?projectId=3",
        json={"Description": "no picture"},
        headers=AUTH,
        timeout=TIMEOUT,
    )
    requests.put(f"{url}/api/v1/Product/4/Image", data=person, headers=raw, timeout=TIMEOUT)
    requests.delete(f"{url}/api/v1/Product/4/Image", headers=AUTH, timeout=TIMEOUT)
    requests.put(f"{url}/api/v1/Person/9/Image", data=person, headers=raw, timeout=TIMEOUT)
    seen = {}
    for path in (
        "/api/v1/Person/1/ImageInfo",
        "/api/v1/Contact/2/Imageinfo",
        "/api/v1/Project/3/Imageinfo",
        "/api/v1/Person/1/Image",
        "/api/v1/Contact/2/Image?ifBlank=ClearPixel",
    ):
        seen[path] = requests.get(f"{url}{path}", headers=AUTH, timeout=TIMEOUT).content
    return {"pictures": {"Person": person, "Contact": contact}, "seen": seen}


def test_a_recording_replays_offline_byte_for_byte(tenant: MockServer, tmp_path: Path) -> None:
    path = tmp_path / "recorded.json"
    with MockServer({"target": tenant.url, "record": str(path)}) as proxy:
        session = _session(proxy.url)
        flushed = requests.post(proxy.url_for("/__mockso/record/flush"), timeout=TIMEOUT)

    written = flushed.json()
    assert flushed.status_code == 200
    assert written["pictures"] == 3  # Person 1, Contact 2, and Project 3's ImageInfo alone
    assert written["entities"] == {"Contact": [2], "Person": [1, 9], "Product": [4], "Project": [3]}
    assert [(item["entity"], item["id"]) for item in written["unrecorded"]] == [("Person", 9)]
    assert "no ImageInfo" in written["unrecorded"][0]["reason"]
    text = path.read_text()
    assert BASIC_TJE0.split()[1] not in text

    with MockServer({"fixtures": str(path), "seed": 99}) as replay:
        for where, seen in session["seen"].items():
            again = requests.get(replay.url_for(where), headers=AUTH, timeout=TIMEOUT)
            assert again.content == seen, where
        unknown = requests.get(replay.url_for("/api/v1/Person/2/ImageInfo"), headers=AUTH)
    assert session["seen"]["/api/v1/Person/1/Image"] == session["pictures"]["Person"]
    assert unknown.status_code == 404  # only the ids the tenant knew exist offline


def test_a_recording_lists_what_the_state_format_cannot_hold(
    drifting: tuple[DriftingTenant, str], tmp_path: Path
) -> None:
    _, target = drifting
    path = tmp_path / "recorded.json"
    with MockServer({"target": target, "record": str(path)}) as proxy:
        requests.get(proxy.url_for("/api/v1/Person/5/ImageInfo"), headers=AUTH, timeout=TIMEOUT)
        written = requests.post(proxy.url_for("/__mockso/record/flush"), timeout=TIMEOUT).json()

    assert written["pictures"] == 0
    assert [(item["entity"], item["id"]) for item in written["unrecorded"]] == [("Person", 5)]
    assert "CreatedDate" in written["unrecorded"][0]["reason"]


def test_flush_without_record_is_a_404() -> None:
    with MockServer({"seed": 1}) as server:
        answer = requests.post(server.url_for("/__mockso/record/flush"), timeout=TIMEOUT)
        drift = requests.get(server.url_for("/__mockso/drift"), timeout=TIMEOUT).json()

    assert answer.status_code == 404
    assert drift == {"target": None, "exchanges": 0, "findings": 0, "operations": []}


def test_mockso_proxy_writes_its_drift_report_and_recording_on_sigterm(
    drifting: tuple[DriftingTenant, str], tmp_path: Path
) -> None:
    _, target = drifting
    report, record = tmp_path / "drift.json", tmp_path / "recorded.json"
    options = ["--drift-report", str(report), "--record", str(record)]
    with mockso_process("proxy", "--target", target, *options) as (process, url):
        requests.get(f"{url}/api/v1/Person/5/ImageInfo", headers=AUTH, timeout=TIMEOUT)
        live = requests.get(f"{url}/__mockso/drift", timeout=TIMEOUT).json()
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=20)

    assert json.loads(report.read_text()) == live
    assert json.loads(record.read_text())["entities"] == {"Person": [5]}
    assert "not recorded: Person 5" in output
    assert process.returncode == 0
