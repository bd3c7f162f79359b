"""The state file (``--state-file``): read at start, kept current, never half-written."""

from __future__ import annotations

import io
import json
import random
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import CliRunner
from flask.testing import FlaskClient
from helpers import AUTH
from helpers import Api
from helpers import mockso_process
from helpers import png
from PIL import Image

from mockso.app import create_app
from mockso.app import get_mock
from mockso.cli import cli
from mockso.core import persistence
from mockso.core.config import Settings
from mockso.core.mock import Mock
from mockso.core.persistence import Keeper
from mockso.core.snapshots import export_state


def _mock_and_api() -> tuple[Mock, Api, FlaskClient]:
    app = create_app({"seed": 1, "strict": True})
    client = app.test_client()
    return get_mock(app), Api(client, AUTH), client


def _states(mock: Mock) -> dict[str, Any]:
    return {space.name: export_state(mock, space.name) for space in mock.spaces.all()}


def _some_writes(api: Api) -> None:
    assert api.save("Person", 1, png(30, 20)).status_code == 200
    assert api.put_info("Person", 1, {"Description": "kept"}).status_code == 200
    assert api.save("Project", 3, png(10, 10)).status_code == 200
    assert api.delete("Project", 3).status_code == 204
    namespace = {"X-Mockso-Namespace": "ci-1"}
    assert api.save("Contact", 2, png(12, 8), headers=namespace).status_code == 200


def test_a_restart_gives_back_every_namespace_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "state.jsonl"
    mock, api, _ = _mock_and_api()
    keeper = Keeper.open(mock, path)
    _some_writes(api)
    keeper.close()

    again, _, _ = _mock_and_api()
    Keeper.open(again, path).close()

    assert _states(again) == _states(mock)
    assert set(_states(again)) == {"default", "ci-1"}
    assert _states(again)["default"]["pictures"][0]["info"]["Description"] == "kept"


def test_changes_are_appended_as_they_happen_and_compacted_at_start(tmp_path: Path) -> None:
    path = tmp_path / "state.jsonl"
    mock, api, _ = _mock_and_api()
    keeper = Keeper.open(mock, path)
    _some_writes(api)
    for _ in range(3):  # each look appends only what changed since the last
        api.save("Person", 1, png(31, 20))
        keeper.flush()
    lines = path.read_bytes().splitlines()
    keeper.close()

    records = [json.loads(line) for line in lines]
    assert records[0] == {"format": persistence.FORMAT}
    patches = [record for record in records[1:] if "state" not in record]
    assert len(patches) >= 3
    assert all(len(patch.get("pictures", [])) <= 1 for patch in patches[-3:])

    again, _, _ = _mock_and_api()
    Keeper.open(again, path).close()
    compacted = [json.loads(line) for line in path.read_bytes().splitlines()]
    assert [sorted(record) for record in compacted[1:]] == [["namespace", "state"]] * 2
    assert _states(again) == _states(mock)


def test_a_reset_of_every_namespace_forgets_them_in_the_file_too(tmp_path: Path) -> None:
    path = tmp_path / "state.jsonl"
    mock, api, client = _mock_and_api()
    keeper = Keeper.open(mock, path)
    _some_writes(api)
    keeper.flush()
    assert client.post("/__mockso/reset").status_code == 204
    keeper.close()

    again, _, _ = _mock_and_api()
    Keeper.open(again, path).close()

    assert set(_states(again)) == {"default"}
    assert _states(again)["default"]["pictures"] == []


def test_an_imported_state_with_known_ids_is_kept_whole(tmp_path: Path) -> None:
    path = tmp_path / "state.jsonl"
    mock, api, client = _mock_and_api()
    keeper = Keeper.open(mock, path)
    api.save("Person", 5, png())
    document = export_state(mock)
    document["entities"] = {"Person": [5, 6]}
    assert client.put("/__mockso/state", json=document).status_code == 204
    keeper.close()

    again, again_api, _ = _mock_and_api()
    Keeper.open(again, path).close()

    assert _states(again) == _states(mock)
    assert again_api.info("Person", 7).status_code == 404  # known ids kept: 7 does not exist


def test_the_log_is_compacted_once_it_outgrows_what_it_holds(tmp_path: Path) -> None:
    path = tmp_path / "state.jsonl"
    mock, api, _ = _mock_and_api()
    keeper = Keeper.open(mock, path)
    pictures = [png(900, 900), png(901, 900)]  # each save appends one picture's record
    for index in range(60):
        api.save("Person", 1, pictures[index % 2])
        keeper.flush()
    size = path.stat().st_size
    keeper.close()

    holds = len(json.dumps(export_state(mock)))
    assert size < 2 * holds + persistence.COMPACT_SLACK + 64 * 1024


def test_writes_during_a_compaction_reach_the_compacted_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The log is compacted by another thread while appends go on; what was appended
    meanwhile is in the file that replaces it, and nothing is lost at any moment."""
    path = tmp_path / "state.jsonl"
    mock, api, _ = _mock_and_api()
    keeper = Keeper(mock, path)  # no writer thread: this test decides when to look
    keeper.compact()
    begun, go_on = threading.Event(), threading.Event()
    write = Keeper._write_temporary

    def slow(self: Keeper, records: list[bytes]) -> tuple[Path, int]:
        begun.set()
        assert go_on.wait(timeout=20)
        return write(self, records)

    monkeypatch.setattr(Keeper, "_write_temporary", slow)
    monkeypatch.setattr(persistence, "COMPACT_SLACK", 0)
    api.save("Person", 1, png(20, 20))
    keeper.flush()  # appends, and begins a compaction in the background
    assert begun.wait(timeout=20)
    api.save("Person", 2, png(21, 20))
    api.delete("Person", 1)
    api.save("Contact", 3, png(22, 20), headers={"X-Mockso-Namespace": "ci-2"})
    keeper.flush()  # appended while the compaction writes
    during = _states(mock)
    go_on.set()
    keeper.close()

    again, _, _ = _mock_and_api()
    Keeper.open(again, path).close()
    assert _states(again) == during == _states(mock)


def test_a_torn_last_line_is_dropped_and_the_rest_read(tmp_path: Path) -> None:
    path = tmp_path / "state.jsonl"
    mock, api, _ = _mock_and_api()
    keeper = Keeper.open(mock, path)
    _some_writes(api)
    keeper.close()
    with path.open("ab") as handle:  # a crash in the middle of an append
        handle.write(b'{"namespace":"default","next_blob_id":9,"pictures":[{"entity":"Pe')

    again, _, _ = _mock_and_api()
    Keeper.open(again, path).close()

    assert _states(again) == _states(mock)
    assert path.read_bytes().endswith(b"\n")  # compacted at start: the torn line is gone


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"not json at all\n", "not a mockso state file"),
        (b'{"format": "mockso-state/1"}\n', "no 'mockso-state-file/1' line"),
        (
            b'{"format":"mockso-state-file/1"}\n{"namespace":"default","next_blob_id":1,'
            b'"pictures":[{"entity":"Person","id":1,"picture":"%%%","info":{}}]}\n',
            "namespace 'default'",
        ),
        (b'{"format":"mockso-state-file/1"}\n[1, 2]\n{"namespace":"x","forget":true}\n', "line 2"),
    ],
    ids=["garbage", "another-format", "bad-picture", "bad-record"],
)
def test_a_file_that_cannot_be_read_stops_the_mock_naming_it(
    tmp_path: Path, content: bytes, said: str
) -> None:
    path = tmp_path / "state.jsonl"
    path.write_bytes(content)

    result = CliRunner().invoke(cli, ["serve", "--port", "0", "--state-file", str(path)])

    assert result.exit_code == 1
    assert str(path) in result.output
    assert said in result.output
    assert path.read_bytes() == content  # never replaced by an empty state


def test_a_state_file_that_cannot_be_written_stops_the_mock_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "no-such-directory" / "state.jsonl"

    result = CliRunner().invoke(cli, ["serve", "--port", "0", "--state-file", str(path)])

    assert result.exit_code == 1
    assert f"{path}: cannot write the state file" in result.output


def test_the_state_file_is_a_setting_and_an_environment_variable(tmp_path: Path) -> None:
    path = tmp_path / "state.jsonl"
    path.write_bytes(b"garbage\n")

    result = CliRunner().invoke(cli, ["serve", "--port", "0"], env={"MOCKSO_STATE_FILE": str(path)})

    assert result.exit_code == 1
    assert str(path) in result.output


def _state_over_http(url: str, namespace: str) -> Any:
    answer = requests.get(f"{url}/__mockso/state", params={"namespace": namespace}, timeout=10)
    assert answer.status_code == 200
    return answer.json()


def _noise_png(side: int) -> bytes:
    """An incompressible PNG: ``side`` x ``side`` RGB noise (2600 gives about 20 MB)."""
    noise = Image.frombytes("RGB", (side, side), random.Random(side).randbytes(side * side * 3))
    out = io.BytesIO()
    noise.save(out, format="PNG", compress_level=1)
    return out.getvalue()


@pytest.mark.live
@pytest.mark.parametrize("side", [48, 2600], ids=["small", "20MB"])
def test_a_killed_serve_comes_back_with_everything_it_acknowledged(
    tmp_path: Path, side: int
) -> None:
    """SIGKILL one second after the last acknowledged write: nothing of it is lost, a picture
    of the largest size a client may send included."""
    path = tmp_path / "state.jsonl"
    picture = _noise_png(side)
    assert len(picture) <= Settings().max_upload
    namespace = {"X-Mockso-Namespace": "ci-1"}
    with mockso_process("serve", "--seed", "4", "--state-file", str(path)) as (process, url):
        person = f"{url}/api/v1/Person/1/Image"
        saved = requests.put(
            person, data=picture, headers={**AUTH, "Content-Type": "image/png"}, timeout=10
        )
        info = requests.put(
            f"{url}/api/v1/Contact/2/ImageInfo",
            json={"Description": "acknowledged"},
            headers={**AUTH, **namespace},
            timeout=10,
        )
        assert (saved.status_code, info.status_code) == (200, 200)
        before = {name: _state_over_http(url, name) for name in ("default", "ci-1")}
        time.sleep(1.0)  # the promise: writes answered a second before the crash are kept
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    with mockso_process("serve", "--seed", "4", "--state-file", str(path)) as (process, url):
        after = {name: _state_over_http(url, name) for name in ("default", "ci-1")}
        image = requests.get(f"{url}/api/v1/Person/1/Image", headers=AUTH, timeout=10)
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=20)

    assert after == before
    assert image.content == picture
    assert "mockso stopped" in output
