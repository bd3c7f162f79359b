"""The ``mockso`` command, as a user runs it."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner
from helpers import AUTH
from helpers import self_signed

from mockso.cli import cli
from mockso.core.contract import Contract


def test_routes_lists_every_operation_of_the_contract() -> None:
    result = CliRunner().invoke(cli, ["routes"])

    assert result.exit_code == 0
    lines = result.output.splitlines()
    contract = Contract.from_path()
    assert len(lines) == len(contract)
    for operation, line in zip(contract, lines, strict=True):
        assert line.split() == [operation.method, operation.path, operation.operation_id]


def test_routes_of_a_missing_contract_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["routes", "--contract", "no-such-file.yaml"])

    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_serve_refuses_a_bad_setting_with_a_clear_message() -> None:
    result = CliRunner().invoke(cli, ["serve", "--auth", "strict"])

    assert result.exit_code == 1
    assert "needs a credentials file" in result.output


def test_serve_reads_settings_from_the_environment() -> None:
    result = CliRunner().invoke(cli, ["serve"], env={"MOCKSO_MAX_UPLOAD": "lots"})

    assert result.exit_code == 1
    assert "MOCKSO_MAX_UPLOAD must be a whole number" in result.output


@pytest.fixture
def served() -> Iterator[tuple[subprocess.Popen[str], str]]:
    """``python -m mockso serve`` on a free port, as a user starts it; stopped afterwards."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOCKSO_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "mockso", "serve", "--port", "0", "--seed", "7"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        match = re.search(r"on (http://127\.0\.0\.1:\d+) \(seed 7", banner)
        assert match, banner
        yield process, match.group(1)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


@pytest.mark.live
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_serve_answers_over_http_and_stops_cleanly_on_a_signal(
    served: tuple[subprocess.Popen[str], str], stop: signal.Signals
) -> None:
    process, url = served

    answer = requests.get(
        f"{url}/api/v1/Project/3/Imageinfo",
        headers={"Authorization": "Basic dGplMDpUamUw"},
        timeout=10,
    )
    process.send_signal(stop)
    output, _ = process.communicate(timeout=20)

    assert answer.status_code == 200
    assert answer.json()["BlobId"] == 0
    assert process.returncode == 0
    assert "mockso stopped" in output


@pytest.mark.live
def test_serve_with_two_contracts_answers_the_operations_of_both(tmp_path: Path) -> None:
    things = Path(__file__).resolve().parent / "contracts" / "things.yaml"
    images = Path(__file__).resolve().parents[1] / "contracts" / "superoffice-images.yaml"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOCKSO_")}
    command = [sys.executable, "-m", "mockso", "serve", "--port", "0", "--seed", "3"]
    command += ["--contract", str(images), "--contract", str(things), "--strict"]
    command += ["--requests", "strict"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        url = re.search(r"on (http://127\.0\.0\.1:\d+)", banner)
        assert url, banner
        assert "serving 26 operations" in banner
        assert "auth lenient, requests strict)" in banner
        auth = {"Authorization": "Basic dGplMDpUamUw"}

        thing = requests.get(f"{url.group(1)}/api/v1/Thing/4", headers=auth, timeout=10)
        label = requests.get(f"{url.group(1)}/api/v1/Thing/4/Label", headers=auth, timeout=10)
        info = requests.get(f"{url.group(1)}/api/v1/Person/4/ImageInfo", headers=auth, timeout=10)
    finally:
        process.terminate()
        process.communicate(timeout=20)

    assert thing.status_code == 200
    assert set(thing.json()) == {"ThingId", "Name", "Weight"}
    assert label.json() == "Blue box"
    assert info.status_code == 200


@pytest.mark.live
@pytest.mark.parametrize(
    ("options", "environ", "logged"),
    [([], {}, True), (["--quiet"], {}, False), ([], {"MOCKSO_QUIET": "true"}, False)],
    ids=["default", "--quiet", "MOCKSO_QUIET"],
)
def test_serve_logs_one_json_line_per_request_on_stderr_unless_quiet(
    options: list[str], environ: dict[str, str], logged: bool
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOCKSO_")} | environ
    command = [sys.executable, "-m", "mockso", "serve", "--port", "0", "--seed", "7", *options]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    try:
        assert process.stdout is not None
        url = re.search(r"on (http://127\.0\.0\.1:\d+)", process.stdout.readline())
        assert url
        requests.get(f"{url.group(1)}/api/v1/Person/3/ImageInfo", headers=AUTH, timeout=10)
        requests.get(f"{url.group(1)}/__mockso/health", timeout=10)
    finally:
        process.terminate()
        _, errors = process.communicate(timeout=20)

    lines = [json.loads(line) for line in errors.splitlines() if line.startswith("{")]
    if not logged:
        assert lines == []
        return
    assert len(lines) == 1  # the control call is not logged
    assert lines[0]["operationId"] == "v1PersonEntity_GetImageInfo"
    assert (lines[0]["status"], lines[0]["namespace"], lines[0]["fault"]) == (200, "default", None)


@pytest.mark.live
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_serve_finishes_the_request_in_flight_when_stopped(
    served: tuple[subprocess.Popen[str], str], stop: signal.Signals
) -> None:
    process, url = served
    answers: list[requests.Response] = []

    def slow_call() -> None:
        headers = {**AUTH, "Prefer": "delay=3000"}
        answers.append(
            requests.get(f"{url}/api/v1/Person/3/ImageInfo", headers=headers, timeout=15)
        )

    slow = threading.Thread(target=slow_call)
    slow.start()
    time.sleep(1.0)  # the call is in the app by now, waiting out its delay
    process.send_signal(stop)
    slow.join(timeout=20)
    output, _ = process.communicate(timeout=20)

    assert [answer.status_code for answer in answers] == [200]
    assert process.returncode == 0
    assert "mockso stopped" in output


@pytest.mark.live
def test_serve_with_a_certificate_and_key_serves_https(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    # The certificate from the option, the key from the environment: both ways work.
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOCKSO_")}
    env["MOCKSO_TLS_KEY"] = str(key)
    command = [sys.executable, "-m", "mockso", "serve", "--port", "0", "--tls-cert", str(cert)]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env
    )
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        match = re.search(r"on (https://127\.0\.0\.1:\d+) ", banner)
        assert match, banner
        answer = requests.get(
            f"{match.group(1)}/api/v1/Person/3/ImageInfo",
            headers=AUTH,
            verify=str(cert),
            timeout=10,
        )
    finally:
        process.terminate()
        process.communicate(timeout=20)

    assert answer.status_code == 200
    assert answer.json()["BlobId"] == 0


def test_serve_refuses_a_certificate_without_its_key(tmp_path: Path) -> None:
    cert = tmp_path / "cert.pem"
    cert.write_text("not used\n")
    result = CliRunner().invoke(cli, ["serve", "--tls-cert", str(cert)], env={})

    assert result.exit_code == 1
    assert "needs both a certificate and its key" in result.output
