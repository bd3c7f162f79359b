"""The service container, without a Docker engine: the Dockerfile is read, and its command, its
environment and its health check are run here; the package is built into a wheel from what the
Dockerfile copies and installed into a fresh venv outside the repository, as the image does."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import pytest
import requests
from helpers import AUTH
from helpers import png
from helpers import self_signed

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "Dockerfile"
BANNER = re.compile(r"serving (\d+) operations of (\S+) on (https?)://[^:]+:(\d+) ")


# -- reading the Dockerfile -----------------------------------------------------------------


@dataclass
class Stage:
    """One FROM ... stage: its instructions as (KEYWORD, arguments), continuation lines joined."""

    base: str
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def last(self, keyword: str) -> str:
        found = [args for name, args in self.instructions if name == keyword]
        assert found, f"the stage from {self.base} has no {keyword}"
        return found[-1]

    @property
    def env(self) -> dict[str, str]:
        """Every ENV of the stage (``ENV A=1 B=2`` form), later ones winning."""
        pairs = (
            word.split("=", 1)
            for name, args in self.instructions
            if name == "ENV"
            for word in shlex.split(args)
        )
        return dict(pairs)

    @property
    def copied(self) -> list[str]:
        """What COPY takes from the build context (not from another stage)."""
        sources: list[str] = []
        for name, args in self.instructions:
            words = args.split()
            if name == "COPY" and not any(word.startswith("--from") for word in words):
                sources += words[:-1]
        return sources


def stages(text: str) -> list[Stage]:
    logical: list[str] = []
    pending = ""
    for line in text.splitlines():
        if line.lstrip().startswith("#") or not line.strip():
            continue  # comments may sit between continuation lines, as Docker allows
        pending += line.rstrip()
        if pending.endswith("\\"):
            pending = pending[:-1] + " "
            continue
        logical.append(pending)
        pending = ""
    found: list[Stage] = []
    for line in logical:
        keyword, _, args = line.strip().partition(" ")
        if keyword.upper() == "FROM":
            found.append(Stage(base=args.split()[0]))
        else:
            found[-1].instructions.append((keyword.upper(), args.strip()))
    return found


STAGES = stages(DOCKERFILE.read_text(encoding="utf-8"))
IMAGE = STAGES[-1]


def exec_form(args: str) -> list[str]:
    command = json.loads(args)
    assert isinstance(command, list), f"not the exec (JSON) form: {args}"
    return [str(word) for word in command]


def healthcheck() -> tuple[str, list[str]]:
    """The HEALTHCHECK's options and its command."""
    options, _, command = IMAGE.last("HEALTHCHECK").partition("CMD ")
    return options, exec_form(command)


# -- what the image is ----------------------------------------------------------------------


def test_the_image_runs_mockso_serve_from_python_311_slim() -> None:
    assert IMAGE.base == "python:3.11-slim"
    assert exec_form(IMAGE.last("CMD")) == ["mockso", "serve"]


def test_the_image_listens_on_8080_on_every_interface() -> None:
    assert IMAGE.env["MOCKSO_HOST"] == "0.0.0.0"
    assert IMAGE.env["MOCKSO_PORT"] == "8080"
    assert IMAGE.last("EXPOSE").split() == ["8080"]


def test_the_image_runs_as_a_user_without_privileges() -> None:
    user = IMAGE.last("USER")
    assert user not in ("root", "0", "0:0")
    runs = [args for name, args in IMAGE.instructions if name == "RUN"]
    assert any("useradd" in args and user in args for args in runs)
    # The switch comes after the installs (which need root) and before the command.
    names = [name for name, _ in IMAGE.instructions]
    assert names.index("USER") > max(i for i, name in enumerate(names) if name == "RUN")


def test_the_health_check_asks_the_health_endpoint_with_python() -> None:
    options, command = healthcheck()

    assert command[:2] == ["python", "-c"]
    assert "/__mockso/health" in command[2]
    assert "--interval=" in options
    assert "--timeout=" in options


def test_the_build_context_holds_what_the_dockerfile_copies() -> None:
    allowed = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    copied = [source for stage in STAGES for source in stage.copied]

    assert set(copied) >= {"setup.cfg", "pyproject.toml", "README.md", "mockso/", "contracts/"}
    for source in copied:
        assert (ROOT / source).exists(), source
        assert f"!{source}" in allowed, f".dockerignore leaves {source} out of the context"


# -- running the image's command here -------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def clean_environ() -> dict[str, str]:
    """This process's environment without mockso settings or an import path of its own."""
    return {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("MOCKSO_") and name != "PYTHONPATH"
    }


def image_environ(bin_dir: Path, port: int) -> dict[str, str]:
    """The image's ENV on top of ours, on ``port``, with ``bin_dir`` first on PATH."""
    environ = {**clean_environ(), **IMAGE.env, "MOCKSO_PORT": str(port)}
    environ["PATH"] = os.pathsep.join([str(bin_dir), environ.get("PATH", "")])
    return environ


@dataclass
class Running:
    process: subprocess.Popen[str]
    url: str
    environ: dict[str, str]
    banner: str


def launch(command: list[str], environ: dict[str, str], cwd: Path) -> Running:
    executable = shutil.which(command[0], path=environ["PATH"])
    assert executable, f"{command[0]} is not on PATH"
    process = subprocess.Popen(
        [executable, *command[1:]],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=environ,
        cwd=cwd,
    )
    assert process.stdout is not None
    banner = process.stdout.readline()
    match = BANNER.search(banner)
    if match is None:
        process.kill()
        rest, _ = process.communicate(timeout=10)
        pytest.fail(f"no banner from {command}: {banner}{rest}")
    return Running(process, f"{match.group(3)}://127.0.0.1:{match.group(4)}", environ, banner)


def stop(running: Running) -> tuple[int, str]:
    """SIGTERM, as ``docker stop`` sends; (exit status, what it printed after the banner)."""
    if running.process.poll() is None:
        running.process.send_signal(signal.SIGTERM)
    output, _ = running.process.communicate(timeout=20)
    return running.process.returncode, output


@pytest.fixture
def container(tmp_path: Path) -> Iterator[Running]:
    """The image's CMD with the image's ENV (on a free port), from this venv."""
    environ = image_environ(Path(sys.executable).parent, free_port())
    running = launch(exec_form(IMAGE.last("CMD")), environ, tmp_path)
    try:
        yield running
    finally:
        if running.process.poll() is None:
            running.process.kill()
        running.process.communicate(timeout=10)  # reaps it and closes its pipe


@pytest.mark.live
def test_the_command_serves_the_bundled_contract_and_stops_on_sigterm(
    container: Running,
) -> None:
    assert container.banner.split(" on ")[-1].startswith("http://0.0.0.0:")
    saved = requests.put(
        f"{container.url}/api/v1/Person/5/Image",
        data=png(),
        headers={**AUTH, "Content-Type": "image/png"},
        timeout=10,
    )
    info = requests.get(f"{container.url}/api/v1/Person/5/ImageInfo", headers=AUTH, timeout=10)

    status, output = stop(container)

    assert " serving 24 operations " in container.banner
    assert saved.status_code == 200
    assert info.json()["MimeType"] == "image/png"
    assert status == 0
    assert output.splitlines()[-1] == "mockso stopped"


@pytest.mark.live
def test_the_health_check_passes_against_the_running_command(container: Running) -> None:
    health = requests.get(f"{container.url}/__mockso/health", timeout=10)
    if health.status_code == 404:
        pytest.skip("GET /__mockso/health is not served yet (the control API adds it)")
    _, command = healthcheck()

    check = subprocess.run(
        command, env=container.environ, capture_output=True, text=True, timeout=30, check=False
    )

    assert check.returncode == 0, check.stderr


@pytest.mark.live
def test_the_health_check_passes_over_https_when_a_certificate_is_set(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    environ = image_environ(Path(sys.executable).parent, free_port())
    environ |= {"MOCKSO_TLS_CERT": str(cert), "MOCKSO_TLS_KEY": str(key)}
    running = launch(exec_form(IMAGE.last("CMD")), environ, tmp_path)
    try:
        _, command = healthcheck()
        check = subprocess.run(
            command, env=environ, capture_output=True, text=True, timeout=30, check=False
        )
    finally:
        status, _ = stop(running)

    assert running.url.startswith("https://")
    assert check.returncode == 0, check.stderr
    assert status == 0


@pytest.mark.live
def test_the_health_check_fails_when_nothing_listens(tmp_path: Path) -> None:
    _, command = healthcheck()
    environ = image_environ(Path(sys.executable).parent, free_port())

    check = subprocess.run(
        command, env=environ, capture_output=True, text=True, timeout=30, check=False, cwd=tmp_path
    )

    assert check.returncode != 0
    assert "Connection refused" in check.stderr


# -- the package as the image installs it ---------------------------------------------------


def build_wheel(tmp_path: Path) -> Path:
    """A wheel built from exactly what the Dockerfile copies into its build stage."""
    context = tmp_path / "context"
    for source in STAGES[0].copied:
        target = context / source
        if (ROOT / source).is_dir():
            shutil.copytree(ROOT / source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / source, target)
    dist = tmp_path / "dist"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet"]
    run([*pip, "wheel", "--no-deps", "--wheel-dir", str(dist), str(context)], tmp_path)
    [wheel] = dist.glob("mockso-*.whl")
    return wheel


def fresh_venv(tmp_path: Path, wheel: Path) -> Path:
    """A new venv holding the wheel; its dependencies are borrowed from this venv by a .pth
    line (which adds the folder only: this venv's editable-install hook does not run there)."""
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)], tmp_path)
    python = venv / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet"]
    run([*pip, "--python", str(python), "install", "--no-deps", "--no-index", str(wheel)], tmp_path)
    site = run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], tmp_path
    )
    borrowed = sysconfig.get_path("purelib")
    (Path(site.strip()) / "borrowed-dependencies.pth").write_text(borrowed + "\n")
    return venv


def run(command: list[str], cwd: Path) -> str:
    done = subprocess.run(
        command, cwd=cwd, env=clean_environ(), capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"{shlex.join(command)}:\n{done.stdout}{done.stderr}"
    return done.stdout


@pytest.mark.live
def test_a_wheel_installed_outside_the_repository_serves_its_bundled_contracts(
    tmp_path: Path,
) -> None:
    venv = fresh_venv(tmp_path, build_wheel(tmp_path))
    python = str(venv / "bin" / "python")
    code = "import mockso.core.contract as c; print(c.DEFAULT_CONTRACT)"
    where = run([python, "-c", code], tmp_path)
    installed = Path(where.strip()).parent

    running = launch(["mockso", "serve"], image_environ(venv / "bin", 0), tmp_path)
    try:
        answer = requests.get(f"{running.url}/api/v1/Contact/3/Imageinfo", headers=AUTH, timeout=10)
        # The dashboard's template and static files travel in the wheel too.
        page = requests.get(f"{running.url}/__mockso/ui", timeout=10)
        script = requests.get(f"{running.url}/__mockso/ui/dashboard.js", timeout=10)
    finally:
        status, _ = stop(running)

    assert installed.is_relative_to(venv), installed
    assert sorted(p.name for p in installed.glob("*.yaml")) == sorted(
        p.name for p in (ROOT / "contracts").glob("*.yaml")
    )
    assert str(installed) in running.banner
    assert answer.status_code == 200
    assert (page.status_code, script.status_code) == (200, 200)
    assert status == 0
