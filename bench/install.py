"""Finding, and unless ``--no-install`` installing, the tools a run needs.

wrk, nginx and Java come from apt; Prism 5 and WireMock 3 (the npm package ``wiremock`` carries
its standalone jar) from npm into bench/work/node; granian, cheroot, gunicorn and py-spy from pip
into the venv. What cannot be had is reported as a reason string, and the servers or steps that
need it are left out of the run.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.common import NODE_DIR
from bench.common import PRISM
from bench.common import VENV_BIN
from bench.common import WIREMOCK_DIR
from bench.common import log
from bench.common import run
from bench.common import tail


@dataclass(frozen=True)
class Missing:
    """Why each optional tool cannot be used; None where it can."""

    prism: str | None
    gunicorn: str | None
    pyspy: str | None
    granian: str | None = None
    cheroot: str | None = None
    wiremock: str | None = None
    nginx: str | None = None


# granian as the research measured it (2.8); mockso serve may bring its own copy.
GRANIAN = "granian>=2.8,<3"


def find_wrk(args: argparse.Namespace, notes: list[str]) -> str | None:
    """The wrk binary, installed with apt unless ``--no-install``; None when there is none."""
    return shutil.which("wrk") if args.no_install else ensure_wrk(notes)


def find_optional(args: argparse.Namespace, notes: list[str]) -> Missing:
    """The peers' and ceilings' tools and py-spy, each installed only when the run uses it."""
    wanted = set(args.servers)
    if args.no_install:
        return Missing(
            prism=None if PRISM.exists() else "Prism not installed (--no-install)",
            gunicorn=_venv_missing("gunicorn"),
            pyspy=_venv_missing("py-spy"),
            granian=_venv_missing("granian"),
            cheroot=None if _importable("cheroot") else "cheroot not installed (--no-install)",
            wiremock=_wiremock_missing(),
            nginx=None if shutil.which("nginx") else "nginx not installed (--no-install)",
        )
    return Missing(
        prism=ensure_prism(notes) if {"prism", "prism-silent"} & wanted else None,
        gunicorn=(ensure_pip("gunicorn", "gunicorn", notes) if "wsgi-gunicorn" in wanted else None),
        pyspy=None if args.no_profile else ensure_pip("py-spy", "py-spy", notes),
        granian=(
            ensure_pip(GRANIAN, "granian", notes)
            if {"wsgi-granian", "flask-granian", "mockso-granian"} & wanted
            else None
        ),
        cheroot=ensure_cheroot(notes) if "wsgi-cheroot" in wanted else None,
        wiremock=ensure_wiremock(notes) if "wiremock" in wanted else None,
        nginx=ensure_apt("nginx", "nginx", notes) if "nginx" in wanted else None,
    )


def find_taskset(notes: list[str]) -> str | None:
    """taskset, to pin servers and wrk to their CPUs; notes say when pinning cannot help."""
    taskset = shutil.which("taskset")
    if not taskset:
        notes.append("taskset is missing: servers and wrk ran unpinned.")
    if (os.cpu_count() or 1) < 2:
        notes.append("fewer than 2 CPUs: server and wrk share a core.")
    return taskset


def _venv_missing(binary: str) -> str | None:
    return None if (VENV_BIN / binary).exists() else f"{binary} not installed (--no-install)"


def ensure_wrk(notes: list[str]) -> str | None:
    return None if ensure_apt("wrk", "wrk", notes) else shutil.which("wrk")


def ensure_apt(package: str, binary: str, notes: list[str]) -> str | None:
    """apt-get install ``package`` unless ``binary`` is on PATH; the reason it is missing, or None.

    Debian's policy-rc.d (or the lack of an init system) keeps a service package such as nginx
    from being started by its install: the bench starts its own, on 127.0.0.1 only.
    """
    if shutil.which(binary):
        return None
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        reason = f"{binary} is missing and cannot be installed here (needs root and apt-get)"
        notes.append(reason + ".")
        return reason
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    policy = run(["apt-cache", "policy", package], env=env).stdout
    if not re.search(r"Candidate:\s*(?!\(none\))\S", policy):
        log(f"apt-get update (apt-cache policy {package} shows no candidate)")
        done = run(["apt-get", "update"], env=env)
        if done.returncode:
            notes.append(f"apt-get update failed: {tail(done.stderr)}")
    log(f"apt-get install -y --no-install-recommends {package}")
    done = run(["apt-get", "install", "-y", "--no-install-recommends", package], env=env)
    if done.returncode or not shutil.which(binary):
        reason = f"apt-get install -y {package} failed: {tail(done.stderr or done.stdout)}"
        notes.append(reason)
        return reason
    return None


def ensure_prism(notes: list[str]) -> str | None:
    """Install @stoplight/prism-cli@5 into bench/work/node; the reason it is missing, or None."""
    return None if PRISM.exists() else ensure_npm("@stoplight/prism-cli@5", notes, PRISM.exists)


def ensure_wiremock(notes: list[str]) -> str | None:
    """WireMock 3's standalone jar from npm and a Java runtime from apt; the reason, or None."""
    java = ensure_apt("default-jre-headless", "java", notes)
    if java:
        return java
    if wiremock_jar():
        return None
    return ensure_npm("wiremock@3", notes, lambda: wiremock_jar() is not None)


def wiremock_jar() -> Path | None:
    """The standalone jar the npm package ``wiremock`` carries, or None."""
    jars = sorted(WIREMOCK_DIR.rglob("wiremock-standalone*.jar")) if WIREMOCK_DIR.exists() else []
    return jars[-1] if jars else None


def _wiremock_missing() -> str | None:
    if not shutil.which("java"):
        return "java not installed (--no-install)"
    return None if wiremock_jar() else "WireMock not installed (--no-install)"


def ensure_npm(spec: str, notes: list[str], installed: Callable[[], bool]) -> str | None:
    """npm install ``spec`` into bench/work/node; the reason it is missing, or None."""
    npm = shutil.which("npm")
    if not npm:
        return "npm is not installed"
    NODE_DIR.mkdir(parents=True, exist_ok=True)
    log(f"npm install {spec} into bench/work/node")
    done = run([npm, "install", "--no-audit", "--no-fund", "--prefix", str(NODE_DIR), spec])
    if done.returncode or not installed():
        reason = f"npm install {spec} failed: {tail(done.stderr or done.stdout)}"
        notes.append(reason)
        return reason
    return None


def ensure_cheroot(notes: list[str]) -> str | None:
    """cheroot for the old ceiling; mockso itself may no longer depend on it."""
    if _importable("cheroot"):
        return None
    return ensure_pip("cheroot", "", notes, lambda: _importable("cheroot"))


def _importable(module: str) -> bool:
    probe = run([sys.executable, "-c", f"import {module}"], timeout=60)
    return probe.returncode == 0


def ensure_pip(
    package: str, binary: str, notes: list[str], installed: Callable[[], bool] | None = None
) -> str | None:
    """pip install ``package`` into the venv unless ``binary`` is there; the reason, or None."""
    there = installed or (VENV_BIN / binary).exists
    if there():
        return None
    log(f"pip install {package} into the venv")
    done = run([sys.executable, "-m", "pip", "install", "--quiet", package])
    if done.returncode or not there():
        reason = f"pip install {package} failed: {tail(done.stderr or done.stdout)}"
        notes.append(reason)
        return reason
    return None
