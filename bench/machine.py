"""The facts about the machine, the tree and the tools that the report ends with."""

from __future__ import annotations

import contextlib
import importlib.metadata
import os
import platform
import shutil
import subprocess
from pathlib import Path

from bench.common import PRISM
from bench.common import ROOT
from bench.common import VENV_BIN
from bench.common import run
from bench.install import Missing
from bench.install import wiremock_jar


def machine_facts(missing: Missing, wrk: str) -> dict[str, str]:
    """Read at the start of a run: mockso/ may change while it goes on."""
    jar = wiremock_jar()
    facts = {
        "mockso tree": _tree_state(),
        "nproc": str(os.cpu_count()),
        "CPU": _cpu_model(),
        "kernel": platform.release(),
        "Python": platform.python_version(),
        "granian": missing.granian or version([str(VENV_BIN / "granian"), "--version"]),
        "cheroot": _module_version("cheroot"),
        "wrk": version([wrk, "-v"]),
        "nginx": version(["nginx", "-v"]) if shutil.which("nginx") else "not installed",
        "java": version(["java", "-version"]) if shutil.which("java") else "not installed",
        "wiremock": jar.name if jar else "not installed",
        "node": version(["node", "--version"]) if shutil.which("node") else "not installed",
        "prism": missing.prism or version([str(PRISM), "--version"]),
    }
    if (VENV_BIN / "gunicorn").exists():
        facts["gunicorn"] = version([str(VENV_BIN / "gunicorn"), "--version"])
    if (VENV_BIN / "py-spy").exists():
        facts["py-spy"] = version([str(VENV_BIN / "py-spy"), "--version"])
    return facts


def version(argv: list[str]) -> str:
    """The first line a tool prints when asked for its version."""
    try:
        done = run(argv, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"unavailable ({error})"
    text = (done.stdout + done.stderr).strip().splitlines()
    return text[0].strip() if text else "unknown"


def _module_version(module: str) -> str:
    """A Python package's version in the venv, or "not installed"."""
    with contextlib.suppress(importlib.metadata.PackageNotFoundError):
        return importlib.metadata.version(module)
    return "not installed"


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "unknown"


def _tree_state() -> str:
    commit = run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], timeout=60)
    dirty = run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "mockso"], timeout=60)
    return (commit.stdout.strip() or "unknown") + (
        " + uncommitted changes in mockso/" if dirty.stdout.strip() else ""
    )
