"""bench.peers: WireMock's stubs and nginx's config give the ceiling's answers."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

# The bench is a folder of the repository, not part of the installed package: its root goes on
# sys.path for these imports only (left there, it changes how pytester finds the mockso plugin).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.apps import wsgi_const
from bench.peers import nginx_config
from bench.peers import nginx_string
from bench.peers import wiremock_stubs
from bench.scenarios import MIXED_STEPS
from bench.scenarios import SCENARIOS

sys.path.remove(str(Path(__file__).resolve().parents[1]))

INFO = b'{"Description":"it\'s $5 \\\\ off"}'


def _requests() -> list[tuple[str, str]]:
    """(method, path with query) of every request the scenarios send."""
    sent = [(s.method, s.path) for s in SCENARIOS if s.method != "MIXED"]
    return sent + [(method, path.format(id=1001)) for method, path, _, _ in MIXED_STEPS]


def _stub_for(stubs: list[dict[str, Any]], method: str, target: str) -> dict[str, Any]:
    """The stub WireMock picks: the matching one of lowest priority number."""
    path, _, query = target.partition("?")
    names = {pair.partition("=")[0] for pair in query.split("&") if pair}
    found = [
        stub
        for stub in stubs
        if stub["request"]["method"] in ("ANY", method)
        and re.fullmatch(stub["request"]["urlPathPattern"], path)
        and set(stub["request"].get("queryParameters", {})) <= names
    ]
    assert found, f"no stub for {method} {target}"
    return min(found, key=lambda stub: stub["priority"])


@pytest.mark.parametrize(("method", "target"), _requests())
def test_wiremock_answers_as_the_ceiling(
    method: str, target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Tell the ceiling's answers apart (without the bench's files both pictures are one).
    for name in ("INFO", "PICTURE", "SCALED"):
        monkeypatch.setattr(wsgi_const, name, name.encode())
    path, _, query = target.partition("?")
    status, kind, body = wsgi_const.answer(method, path, query)
    response = _stub_for(wiremock_stubs(INFO), method, target)["response"]
    assert response["status"] == int(status[:3])
    assert response.get("headers", {}).get("Content-Type") == kind
    files = {b"PICTURE": "png20k.png", b"SCALED": "png64.png"}
    if body in files:
        assert response["bodyFileName"] == files[body]
    else:
        assert response.get("body", "").encode() == (INFO if body == b"INFO" else body)


def test_nginx_string_escapes_quotes_backslashes_and_dollars() -> None:
    assert nginx_string("it's $5 \\ off") == "'it\\'s ${dollar}5 \\\\ off'"


def test_nginx_config_serves_on_loopback_with_the_answers(tmp_path: Path) -> None:
    pictures = {"png20k": tmp_path / "a.png", "png64": tmp_path / "b.png"}
    text = nginx_config(8123, tmp_path, INFO, pictures)
    assert "listen 127.0.0.1:8123;" in text
    assert "return 200 " + nginx_string(INFO.decode()) + ";" in text
    assert f"alias {pictures['png20k']};" in text
    assert f"alias {pictures['png64']};" in text


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed")
def test_nginx_accepts_the_config(tmp_path: Path) -> None:
    pictures = {"png20k": tmp_path / "a.png", "png64": tmp_path / "b.png"}
    config = tmp_path / "nginx.conf"
    config.write_text(nginx_config(8123, tmp_path, INFO, pictures), encoding="utf-8")
    checked = subprocess.run(
        ["nginx", "-t", "-p", str(tmp_path), "-e", str(tmp_path / "e.log"), "-c", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
