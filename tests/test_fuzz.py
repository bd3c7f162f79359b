"""Schemathesis against the contract: every operation, every check, valid and invalid data.

The app is mockso in strict mode (every answer is checked against the contract on the way out)
with strict credentials, so that schemathesis's authentication checks have something to find:
``tje0:Tje0`` is accepted, anything else is a 401. Checks, modes and credentials come from
``schemathesis.toml``, shared with ``make fuzz URL=...``; ``schemathesis_hooks`` tells
schemathesis what the contract's bodies look like on the wire.

Sizes follow the Hypothesis profile: a small budget under ``ci`` (``make test``), at least 1,000
examples per operation and long stateful runs under ``fuzz`` (``make fuzz``).
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
import schemathesis_hooks
from flask import Flask
from helpers import png
from hypothesis import settings
from schemathesis import Case
from schemathesis.core.failures import AcceptedNegativeData
from schemathesis.core.failures import FailureGroup
from schemathesis.core.transport import Response

from mockso.app import create_app
from mockso.app import get_mock
from mockso.core.config import Settings
from mockso.core.dates import ZONE_CODES

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = ROOT / "contracts" / "superoffice-images.yaml"
CONFIG = schemathesis.Config.from_path(ROOT / "schemathesis.toml")
CREDENTIALS = ROOT / "tests" / "fuzz-credentials.yaml"

DEEP = settings.get_current_profile_name() == "fuzz"
# Generated cases per operation (both modes together), on top of the examples and coverage phases.
EXAMPLES = settings.default.max_examples if DEEP else 25
# State machine: scenarios, and calls per scenario.
SCENARIOS = settings.default.max_examples // 4 if DEEP else 15
STEPS = settings.default.stateful_step_count if DEEP else 8

pytestmark = pytest.mark.fuzz


def fuzzed_app(requests: str = "strict") -> Flask:
    """Answers checked against the contract, strict credentials, requests read ``requests``ly;
    deaf to MOCKSO_* variables (it is built at import)."""
    config = {
        "seed": 1,
        "strict": True,
        "auth": "strict",
        "credentials": str(CREDENTIALS),
        "requests": requests,
    }
    return create_app(Settings.load(config, environ={}))


# By the contract's letter: every schema-violating request is refused.
APP = fuzzed_app("strict")
SCHEMA = schemathesis.openapi.from_path(CONTRACT, config=CONFIG)
SCHEMA.app = APP
# As the real server reads requests: what it takes must come with a journaled deviation
# (schemathesis_hooks.keep_failure), and a valid request must lean on nothing (below).
LENIENT_APP = fuzzed_app("lenient")
LENIENT_SCHEMA = schemathesis.openapi.from_path(CONTRACT, config=CONFIG)
LENIENT_SCHEMA.app = LENIENT_APP


# --- every operation ---------------------------------------------------------------------------


@SCHEMA.parametrize()
@settings(max_examples=EXAMPLES)
def test_every_operation_answers_valid_and_invalid_requests_as_the_contract_says(
    case: Case,
) -> None:
    case.call_and_validate()


@LENIENT_SCHEMA.parametrize()
@settings(max_examples=EXAMPLES)
def test_leniently_every_operation_takes_only_what_it_reports_and_valid_data_leans_on_nothing(
    case: Case,
) -> None:
    response = case.call_and_validate()

    if valid(case):
        leaned = schemathesis_hooks.deviations_of(case, response)
        assert leaned == (), f"{case.operation.label}: valid data leaned on {leaned}"


def valid(case: Case) -> bool:
    """A case that keeps to the contract: its own method, and no part generated invalid."""
    if case.meta is None or case.method.upper() != case.operation.method.upper():
        return False
    return not any(info.mode.is_negative for info in case.meta.components.values())


# --- stateful: along the contract's links, against a plain model --------------------------------

WRITABLE = ("Description", "ExtraInfo", "ConceptualType", "IsZipped", "IsEncrypted")
EMPTY = {"BlobId": 0, "Description": "", "ExtraInfo": "", "IsZipped": False, "IsEncrypted": False}


def entity_of(case: Case) -> tuple[str, int] | None:
    """(entity, id) a case works on, when its id is a valid one."""
    entity = case.operation.tags[0] if case.operation.tags else ""
    name = entity.lower() + "Id"
    value = (case.path_parameters or {}).get(name, (case.query or {}).get(name))
    return (entity, value) if isinstance(value, int) and not isinstance(value, bool) else None


def answer(response: Response) -> Any:
    """A JSON answer, or a blob id in XML, as data (None for anything else)."""
    media = (response.headers.get("content-type") or [""])[0].split(";")[0]
    if media.endswith("json"):
        return json.loads(response.content)
    if media.endswith("xml"):
        root = ET.fromstring(response.content)
        return int(root.text or "") if root.tag.endswith("}int") else None
    return None


def sent_picture(case: Case) -> bytes | None:
    """The picture bytes a save sent (a raw body or the form's image part)."""
    body = case.body
    if isinstance(body, dict):
        body = body.get("image")
    data = getattr(body, "data", body)
    return data if isinstance(data, bytes) else None


class Workflow:
    """Walks the links (save → read, info, update, delete; delete → read; update → info) with
    every check; and keeps a plain model of each entity that every ImageInfo read must match.
    Mixed into a state machine of one schema (its ``app`` is the mock under test)."""

    app: Flask

    def setup(self) -> None:
        get_mock(self.app).reset()
        self.model: dict[tuple[str, int], dict[str, Any]] = {}
        self.unknown: set[tuple[str, int]] = set()
        self.pictures: dict[tuple[str, int], bytes | None] = {}

    def after_call(self, response: Response, case: Case) -> None:
        super().after_call(response, case)
        key = entity_of(case)
        action = (case.operation.definition.raw.get("operationId") or "").split("_", 1)[-1]
        if key is None or response.status_code >= 300:
            return
        state = self.model.setdefault(key, dict(EMPTY))
        if action in ("SaveImage", "SaveImage_POST"):
            picture = sent_picture(case)
            state["BlobId"] = answer(response)
            state["BlobSize"] = len(picture) if picture is not None else None
            self.pictures[key] = picture
        elif action == "DeleteImageContent":
            self.model[key] = dict(EMPTY, BlobSize=0)
            self.unknown.discard(key)
        elif action == "PutImageInfo":
            try:  # what the server was sent, read as a server reads it
                sent = schemathesis_hooks.sent_body(case, response.request.body)
            except schemathesis_hooks.Unreadable:
                self.unknown.add(key)
                return
            if schemathesis_hooks.deviations_of(case, response):
                # Read leniently (names ignoring case, conversions): not what was sent, verbatim.
                self.unknown.add(key)
                return
            state.update((name, sent[name]) for name in WRITABLE if name in sent)
            if key not in self.unknown:
                self.check_info(key, answer(response))
        elif action == "GetImageInfo" and key not in self.unknown:
            self.check_info(key, answer(response))
        elif action == "GetImage" and key not in self.unknown and state["BlobId"] == 0:
            # No picture: only a placeholder may come back, never the picture that was deleted.
            assert schemathesis_hooks.asks_for_a_placeholder(case), (
                f"{key} has no picture, yet {case.operation.label} answered {response.status_code}"
            )
            assert response.content != self.pictures.get(key), f"{key}: the deleted picture"

    def check_info(self, key: tuple[str, int], info: Any) -> None:
        if not isinstance(info, dict) or "BlobId" not in info:
            return
        expected = self.model.get(key, EMPTY)
        seen = {name: info.get(name) for name in expected if name != "BlobSize"}
        wanted = {name: value for name, value in expected.items() if name != "BlobSize"}
        assert seen == wanted, f"{key}: ImageInfo {seen} != model {wanted}"
        if expected.get("BlobSize") is not None:
            assert info["BlobSize"] == expected["BlobSize"], (key, info["BlobSize"], expected)


class ImageWorkflow(Workflow, SCHEMA.as_state_machine()):  # type: ignore[misc]
    """The walk against the contract's letter (requests strict)."""

    app = APP


class LenientImageWorkflow(Workflow, LENIENT_SCHEMA.as_state_machine()):  # type: ignore[misc]
    """The walk as the real server reads requests: what it takes leniently is journaled, so
    the hooks let it pass, and the model stops trusting an entity a lenient update touched."""

    app = LENIENT_APP


def _sized(machine: Any) -> Any:
    test = machine.TestCase
    test.settings = settings(
        test.settings,
        max_examples=SCENARIOS,
        stateful_step_count=STEPS,
        derandomize=settings.default.derandomize,
    )
    return test


TestImageWorkflow = _sized(ImageWorkflow)
TestLenientImageWorkflow = _sized(LenientImageWorkflow)


# --- what the hooks teach schemathesis -----------------------------------------------------------


def test_the_so_timezone_pattern_admits_exactly_the_zones_mockso_knows() -> None:
    parameter = SCHEMA.raw_schema["components"]["parameters"]["SOTimeZone"]
    names = re.fullmatch(
        r"\^\((.*)\)\( \*, \*includeTZOffset\)\?\$", parameter["schema"]["pattern"]
    )

    assert names is not None
    assert set(names.group(1).split("|")) == {
        "UTC",
        *ZONE_CODES,
        *(zone for zone, _ in ZONE_CODES.values()),
    }


@pytest.mark.parametrize(
    ("date", "valid"),
    [
        ("2026-01-05T09:30:00.005+01:00", True),
        ("2026-01-05T09:30:00.005", True),  # SO-TimeZone without includeTZOffset
        ("2026-01-05T09:30:00", True),
        ("2026-01-05 09:30:00", False),
        ("2026-13-05T09:30:00", False),
        ("yesterday", False),
    ],
)
def test_response_conformance_takes_local_dates_and_still_refuses_broken_ones(
    date: str, valid: bool
) -> None:
    operation = SCHEMA["/api/v1/Person/{personId}/ImageInfo"]["GET"]
    case = operation.Case(path_parameters={"personId": 1})
    response = APP.test_client().get(
        "/api/v1/Person/1/ImageInfo", headers={"Authorization": "Basic dGplMDpUamUw"}
    )
    # The real answer, with the date schemathesis is to judge put in.
    response.set_data(json.dumps({**response.get_json(), "UpdatedDate": date}).encode())

    if valid:
        case.validate_response(response, checks=[schemathesis.checks.response_schema_conformance])
    else:
        with pytest.raises(FailureGroup, match="date-time"):
            case.validate_response(
                response, checks=[schemathesis.checks.response_schema_conformance]
            )


@pytest.mark.parametrize(
    ("body", "form"),
    [
        ({"Description": "a b", "IsZipped": True}, b"Description=a+b&IsZipped=true"),
        ({"UpdatedBy": {"Name": "x", "Rank": 2}}, b"UpdatedBy%5BName%5D=x&UpdatedBy%5BRank%5D=2"),
        (
            {"UpdatedBy": None, "Description": None, "BlobId": 3},
            b"UpdatedBy=&Description=&BlobId=3",
        ),
        ({"UpdatedBy": {}}, b"UpdatedBy="),
        ({}, b""),
        ([1, 2], b"[1, 2]"),
    ],
)
def test_form_bodies_go_out_with_bracketed_nested_fields_and_empty_nulls(
    body: Any, form: bytes
) -> None:
    assert schemathesis_hooks.form_body(body) == form


@pytest.mark.parametrize(
    ("value", "inner"),
    [([], b""), ([1, "a"], b"<item>1</item><item>a</item>"), (7, b"7"), ("", b"")],
)
def test_xml_bodies_that_are_no_object_still_go_out_as_one_root(value: Any, inner: bytes) -> None:
    data = schemathesis_hooks.datacontract_xml("R", None, value)

    assert data.startswith(b'<R xmlns:i="http://www.w3.org/2001/XMLSchema-instance">')
    assert data.endswith(inner + b"</R>")


def test_xml_bodies_go_out_as_datacontract_xml_with_nil_for_null() -> None:
    data = schemathesis_hooks.datacontract_xml(
        "BlobEntity", "urn:ns", {"Description": "a<b", "UpdatedBy": None, "IsZipped": True}
    )

    assert data == (
        b'<BlobEntity xmlns:i="http://www.w3.org/2001/XMLSchema-instance" xmlns="urn:ns">'
        b'<Description>a&lt;b</Description><UpdatedBy i:nil="true"/>'
        b"<IsZipped>true</IsZipped></BlobEntity>"
    )


BLOB_ENTITY = get_mock(APP).contract.operation("v1PersonEntity_PutImageInfo").request_body
XSI = schemathesis_hooks.XSI.encode()


@pytest.mark.parametrize(
    ("media_type", "body", "valid"),
    [
        # Text on the wire: what an XML or form reader makes of these bytes.
        ("application/xml", b"<BlobEntity><Description>-3506572</Description></BlobEntity>", True),
        ("application/xml", b"<BlobEntity><BlobId>12</BlobId></BlobEntity>", True),
        ("application/xml", b"<BlobEntity><BlobId>twelve</BlobId></BlobEntity>", False),
        ("application/xml", b"<BlobEntity><IsZipped>0</IsZipped></BlobEntity>", True),
        ("application/xml", b"<BlobEntity><IsZipped>True</IsZipped></BlobEntity>", False),
        ("application/xml", b"<BlobEntity><Colour>red</Colour></BlobEntity>", False),
        ("application/xml", b"<BlobEntity><Description><x/></Description></BlobEntity>", False),
        ("application/xml", b"<BlobEntity/>", True),
        ("application/xml", b"<BlobEntity>text</BlobEntity>", False),
        (
            "application/xml",
            b'<BlobEntity><UpdatedBy i:nil="true" xmlns:i="' + XSI + b'"/></BlobEntity>',
            True,
        ),
        ("application/xml", b"<BlobEntity><UpdatedBy/></BlobEntity>", True),
        ("application/x-www-form-urlencoded", b"UpdatedBy=", True),
        ("application/x-www-form-urlencoded", b"UpdatedBy=null", False),
        ("application/x-www-form-urlencoded", b"UpdatedBy%5BName%5D=x", True),
        ("application/x-www-form-urlencoded", b"IsZipped=", False),
        ("application/x-www-form-urlencoded", b"IsZipped=0", False),
        ("application/x-www-form-urlencoded", b"BlobId=5&BlobId=6", False),
        ("application/json", b'{"Description": 5}', False),  # JSON is typed: not for this rule
    ],
)
def test_a_body_as_sent_is_read_by_its_media_types_own_rules(
    media_type: str, body: bytes, valid: bool
) -> None:
    assert BLOB_ENTITY is not None
    schema = BLOB_ENTITY.content[media_type].schema

    assert schemathesis_hooks.body_as_sent_is_valid(media_type, schema, body) is valid


# --- `make fuzz URL=...` against a live server -------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(params=["lenient", "strict"])
def live_server(request: pytest.FixtureRequest) -> Iterator[str]:
    """``mockso serve`` as a user runs it for this check: strict, with strict credentials, in
    each request mode."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "mockso",
        "serve",
        "--port",
        str(port),
        "--seed",
        "1",
        "--strict",
        "--auth",
        "strict",
        "--credentials",
        str(CREDENTIALS),
        "--requests",
        request.param,
    ]
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MOCKSO_")}
    server = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=environment
    )
    try:
        assert server.stdout is not None
        banner = server.stdout.readline()
        assert "serving" in banner, banner
        # Drain what it prints (its access log) so that it never blocks on a full pipe.
        drain = threading.Thread(target=server.stdout.read, daemon=True)
        drain.start()
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)
        if server.stdout is not None:
            server.stdout.close()


@pytest.mark.live
def test_make_fuzz_with_a_url_runs_schemathesis_against_that_server(live_server: str) -> None:
    # `-o` keeps make from reinstalling the venv; FUZZ_ARGS narrows the run to keep it short.
    result = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-o",
            ".venv/.installed",
            "fuzz",
            f"URL={live_server}",
            "FUZZ_EXAMPLES=3",
            "FUZZ_ARGS=--include-tag Person --seed 1",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "Selected: 6/24" in result.stdout
    assert "No issues found" in result.stdout
    # A save through the same port afterwards: the server took all that and still works.
    put = requests.put(
        f"{live_server}/api/v1/Person/1/Image",
        data=png(),
        headers={"Authorization": "Basic dGplMDpUamUw", "Content-Type": "image/png"},
        timeout=10,
    )
    assert put.status_code == 200


def accepted(case: Case) -> AcceptedNegativeData:
    return AcceptedNegativeData(
        operation=case.operation.label, message="", status_code=200, expected_statuses=["400"]
    )


@pytest.mark.parametrize(
    ("schema", "kept"),
    [(LENIENT_SCHEMA, False), (SCHEMA, True)],
    ids=["lenient-journaled", "strict-refused"],
)
def test_an_accepted_schema_violation_passes_only_with_a_journaled_deviation(
    schema: Any, kept: bool
) -> None:
    operation = schema["/api/v1/Person/{personId}/Image"]["GET"]
    case = operation.Case(
        path_parameters={"personId": 1},
        query={"ifBlank": "clearpixel"},
        headers={"Authorization": "Basic dGplMDpUamUw"},
    )
    response = case.call()

    assert response.status_code == (200 if not kept else 400)
    assert schemathesis_hooks.keep_failure(None, accepted(case), case, response) is kept


def test_a_request_taken_silently_stays_a_failure() -> None:
    operation = LENIENT_SCHEMA["/api/v1/Person/{personId}/Image"]["GET"]
    case = operation.Case(
        path_parameters={"personId": 1},
        query={"ifBlank": "ClearPixel"},
        headers={"Authorization": "Basic dGplMDpUamUw"},
    )
    response = case.call()

    assert response.status_code == 200
    assert schemathesis_hooks.keep_failure(None, accepted(case), case, response) is True
