"""The README and docs/ keep true: their curl sessions run command by command against a live mock,
their Python examples run, their other examples parse, and every relative link leads somewhere."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import fields
from itertools import takewhile
from pathlib import Path

import pytest
import yaml

from mockso import create_app
from mockso.config import Settings
from mockso.web.server import Server

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
PAGES = [README, *sorted(DOCS.glob("*.md"))]
EXAMPLE = ROOT / "tests" / "examples" / "test_client_example.py"
MAX_README_LINES = 250
FIRST_SCREEN = 60  # lines: the pytest example ends within them

needs_curl = pytest.mark.skipif(shutil.which("curl") is None, reason="the sessions use curl")


def name(page: Path) -> str:
    return page.relative_to(ROOT).as_posix()


# -- reading markdown ----------------------------------------------------------------------------


def fences(page: Path) -> list[tuple[str, int, int, str]]:
    """The fenced code blocks of a page: (language, first line, last line, text), lines 1-based
    (the fences' own)."""
    found: list[tuple[str, int, int, str]] = []
    opened: tuple[str, int] | None = None
    body: list[str] = []
    for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.startswith("```"):
            if opened is not None:
                body.append(line)
        elif opened is None:
            opened, body = (line[3:].strip(), number), []
        else:
            found.append((opened[0], opened[1], number, "".join(f"{b}\n" for b in body)))
            opened = None
    assert opened is None, f"{name(page)}: the block opened on line {opened[1]} is never closed"
    return found


def outside_code(page: Path) -> str:
    """The page with its fenced code blocks blanked out (lines keep their numbers)."""
    lines = page.read_text(encoding="utf-8").splitlines()
    for _, first, last, _ in fences(page):
        lines[first - 1 : last] = [""] * (last - first + 1)
    return "\n".join(lines)


def prose(page: Path) -> str:
    """The page without any code: fenced blocks blanked out, inline code spans made a word."""
    return re.sub(r"`[^`]*`", "code", outside_code(page))


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower().replace("`", "")).replace(" ", "-")


def headings(page: Path) -> list[tuple[int, str]]:
    """(level, text) of every heading outside code blocks."""
    return [
        (len(hashes), text)
        for hashes, text in re.findall(r"^(#{1,6}) +(.+?) *#*$", outside_code(page), re.M)
    ]


def anchors(page: Path) -> set[str]:
    seen: dict[str, int] = {}
    found = set()
    for _, text in headings(page):
        base = slug(text)
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def links(page: Path) -> list[str]:
    """The targets of the page's inline links ``[text](target)``, outside code."""
    return re.findall(r"\[[^\]]*\]\(([^()\s]+)\)", prose(page))


def is_relative(target: str) -> bool:
    return re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*:", target) is None


# -- the curl sessions ---------------------------------------------------------------------------

SESSION = re.compile(r"<!-- ([\w-]+) -->\n```console\n(.*?)```\n<!-- /\1 -->", re.S)


def sessions() -> list[tuple[Path, str]]:
    """Every ``<!-- name -->`` console block of the README and docs/, as (page, name)."""
    return [
        (page, match.group(1))
        for page in PAGES
        for match in SESSION.finditer(page.read_text(encoding="utf-8"))
    ]


def session(page: Path, marker: str) -> list[tuple[str, str]]:
    """(command, expected output) pairs from the block between the ``marker`` comments."""
    blocks = [m for m in SESSION.finditer(page.read_text(encoding="utf-8")) if m[1] == marker]
    assert len(blocks) == 1, f"{name(page)} has no single <!-- {marker} --> block"
    steps: list[tuple[str, list[str]]] = []
    for line in blocks[0].group(2).splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        else:
            steps[-1][1].append(line)
    return [(command, "\n".join(output)) for command, output in steps]


def test_the_sessions_are_where_the_pages_say() -> None:
    found = {(name(page), marker) for page, marker in sessions()}

    assert found >= {("README.md", "session"), ("docs/control-api.md", "control")}


@pytest.fixture
def server() -> Iterator[Server]:
    with Server(create_app(), port=0, threads=4) as running:
        yield running


# Each block runs against a fresh mock: the blob ids and journals they show start from nothing.
@pytest.mark.live
@needs_curl
@pytest.mark.parametrize(
    ("page", "marker"), sessions(), ids=[f"{name(p)}:{m}" for p, m in sessions()]
)
def test_every_command_of_a_session_prints_what_the_page_shows(
    server: Server, tmp_path: Path, page: Path, marker: str
) -> None:
    for command, expected in session(page, marker):
        live = command.replace("127.0.0.1:8080", f"127.0.0.1:{server.port}")
        result = subprocess.run(
            ["bash", "-c", live], cwd=tmp_path, capture_output=True, text=True, timeout=30
        )
        assert result.returncode == 0, (command, result.stderr)
        assert result.stdout.rstrip("\n") == expected, command


# -- the README's shape --------------------------------------------------------------------------


def test_the_readme_is_short() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()

    assert len(lines) <= MAX_README_LINES, f"README.md has {len(lines)} lines"


def test_the_readme_opens_with_the_pytest_example() -> None:
    python = [block for block in fences(README) if block[0] == "python"]

    assert python, "README.md has no ```python block"
    _, _, last, text = python[0]
    assert text == EXAMPLE.read_text(encoding="utf-8"), "the example is not the example file"
    assert last <= FIRST_SCREEN, f"the pytest example ends on line {last}, past the first screen"


def test_the_readme_names_the_commands_that_work_on_a_fresh_machine() -> None:
    text = README.read_text(encoding="utf-8")

    assert "make run" in text
    assert "make test" in text


def test_the_readme_and_the_index_link_every_docs_page() -> None:
    pages = {page.name for page in DOCS.glob("*.md")}

    for index, prefix in ((README, "docs/"), (DOCS / "index.md", "")):
        linked = {target.split("#")[0] for target in links(index)}
        missing = {page for page in pages - {"index.md"} if prefix + page not in linked}
        assert not missing, f"{name(index)} does not link {sorted(missing)}"


# -- links ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES, ids=name)
def test_every_relative_link_leads_to_a_file_and_its_heading(page: Path) -> None:
    for target in filter(is_relative, links(page)):
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        assert linked.exists(), f"{name(page)}: {target} leads nowhere"
        assert linked.is_relative_to(ROOT), f"{name(page)}: {target} leaves the repository"
        if anchor and linked.suffix == ".md":
            assert anchor in anchors(linked), f"{name(page)}: {target} names no heading"


TOPICS = [page for page in sorted(DOCS.glob("*.md")) if page.name != "index.md"]


@pytest.mark.parametrize("page", TOPICS, ids=name)
def test_a_docs_page_opens_with_its_table_of_contents(page: Path) -> None:
    """Every docs page but the index (a table of contents itself) lists its sections first."""
    text = prose(page)
    top = text.split("\n## ", 1)[0]
    listed = {target[1:] for target in re.findall(r"^\* \[[^\]]*\]\((#[^)]+)\)", top, re.M)}
    sections = {slug(text) for level, text in headings(page) if level == 2}

    assert listed == sections, f"{name(page)}: its contents list {sorted(listed)}"


# -- the other examples --------------------------------------------------------------------------


def blocks_in(language: str) -> list[tuple[Path, int, str]]:
    return [
        (page, first, text)
        for page in PAGES
        for kind, first, _, text in fences(page)
        if kind == language
    ]


@pytest.mark.parametrize(
    ("page", "line", "text"),
    blocks_in("python"),
    ids=[f"{name(p)}:{n}" for p, n, _ in blocks_in("python")],
)
def test_every_python_example_compiles(page: Path, line: int, text: str) -> None:
    compile(text, f"{name(page)}:{line}", "exec")


DATA = [
    (page, line, text, kind) for kind in ("yaml", "json") for page, line, text in blocks_in(kind)
]


@pytest.mark.parametrize(
    ("page", "line", "text", "kind"), DATA, ids=[f"{name(p)}:{n}" for p, n, _, _ in DATA]
)
def test_every_yaml_and_json_example_parses(page: Path, line: int, text: str, kind: str) -> None:
    document = yaml.safe_load(text) if kind == "yaml" else json.loads(text)

    assert document, f"{name(page)}:{line} is empty"


@pytest.mark.live
def test_the_mockserver_example_runs_with_the_pytest_example() -> None:
    [snippet] = [text for _, _, text in blocks_in("python") if "MockServer(" in text]
    scope: dict[str, object] = {}
    exec(compile(EXAMPLE.read_text(encoding="utf-8"), str(EXAMPLE), "exec"), scope)

    exec(compile(snippet, "docs/pytest.md", "exec"), scope)


def synopsis() -> dict[tuple[str, ...], set[str]]:
    """The options each command of the ``mockso serve`` synopsis in docs/running.md shows."""
    [text] = [text for _, _, text in blocks_in("console") if text.startswith("mockso serve [")]
    commands: dict[tuple[str, ...], set[str]] = {}
    current: set[str] = set()
    for line in text.splitlines():
        line = line.split("#")[0]
        if line.startswith("mockso "):
            words = line.split()[1:]
            command = tuple(takewhile(lambda word: re.fullmatch(r"[a-z]+", word), words))
            current = commands.setdefault(command, set())
        elif not line.startswith(" "):
            continue  # python -m mockso: the same commands
        current |= set(re.findall(r"(?<![\w-])(--?[a-z][a-z-]*)", line))
    return commands


def test_the_synopsis_shows_options_the_commands_have() -> None:
    commands = synopsis()

    assert ("serve",) in commands
    for command, options in commands.items():
        result = subprocess.run(
            [sys.executable, "-m", "mockso", *command, "--help"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, (command, result.stderr)
        for option in options:
            assert re.search(rf"(?<![\w-]){option}\b", result.stdout), (command, option)


def test_every_mockso_variable_named_is_a_setting() -> None:
    settings = {f"MOCKSO_{field.name.upper()}" for field in fields(Settings)}
    named = {v for page in PAGES for v in re.findall(r"MOCKSO_[A-Z_]*[A-Z]", page.read_text())}

    assert named - settings == set()


def test_every_pytest_option_named_is_the_plugins(pytestconfig: pytest.Config) -> None:
    named = {o for page in PAGES for o in re.findall(r"--mockso-[a-z-]+", page.read_text())}

    assert named
    for option in named:
        pytestconfig.getoption(option)  # ValueError when no plugin registered it
