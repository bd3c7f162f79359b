"""The README's curl session, run command by command against a live mock."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from mockso import create_app
from mockso.server import Server

README = Path(__file__).resolve().parents[1] / "README.md"
pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(shutil.which("curl") is None, reason="the README session uses curl"),
]


def session() -> list[tuple[str, str]]:
    """(command, expected output) pairs from the block between the session markers."""
    text = README.read_text(encoding="utf-8")
    block = re.search(r"<!-- session -->\n```console\n(.*?)```\n<!-- /session -->", text, re.S)
    assert block, "README.md has no <!-- session --> block"
    steps: list[tuple[str, list[str]]] = []
    for line in block.group(1).splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        else:
            steps[-1][1].append(line)
    return [(command, "\n".join(output)) for command, output in steps]


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with Server(create_app(), port=0, threads=4) as running:
        yield running


def test_every_command_of_the_readme_session_prints_what_the_readme_shows(
    server: Server, tmp_path: Path
) -> None:
    for command, expected in session():
        live = command.replace("127.0.0.1:8080", f"127.0.0.1:{server.port}")
        result = subprocess.run(
            ["bash", "-c", live], cwd=tmp_path, capture_output=True, text=True, timeout=30
        )
        assert result.returncode == 0, (command, result.stderr)
        assert result.stdout.rstrip("\n") == expected, command
