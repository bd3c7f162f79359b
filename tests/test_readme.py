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


def session(marker: str = "session") -> list[tuple[str, str]]:
    """(command, expected output) pairs from the block between the ``marker`` comments."""
    text = README.read_text(encoding="utf-8")
    pattern = f"<!-- {marker} -->\n```console\n(.*?)```\n<!-- /{marker} -->"
    block = re.search(pattern, text, re.S)
    assert block, f"README.md has no <!-- {marker} --> block"
    steps: list[tuple[str, list[str]]] = []
    for line in block.group(1).splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        else:
            steps[-1][1].append(line)
    return [(command, "\n".join(output)) for command, output in steps]


@pytest.fixture
def server() -> Iterator[Server]:
    with Server(create_app(), port=0, threads=4) as running:
        yield running


# Each block runs against a fresh mock: the blob ids and journals they show start from nothing.
@pytest.mark.parametrize("marker", ["session", "control"])
def test_every_command_of_a_readme_session_prints_what_the_readme_shows(
    server: Server, tmp_path: Path, marker: str
) -> None:
    for command, expected in session(marker):
        live = command.replace("127.0.0.1:8080", f"127.0.0.1:{server.port}")
        result = subprocess.run(
            ["bash", "-c", live], cwd=tmp_path, capture_output=True, text=True, timeout=30
        )
        assert result.returncode == 0, (command, result.stderr)
        assert result.stdout.rstrip("\n") == expected, command
