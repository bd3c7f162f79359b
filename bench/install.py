"""Finding, and unless ``--no-install`` installing, the tools a run needs.

wrk comes from apt, Prism 5 from npm into bench/work/node, gunicorn and py-spy from pip into the
venv. What cannot be had is reported as a reason string, and the servers or steps that need it
are left out of the run.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
from dataclasses import dataclass

from bench.common import NODE_DIR
from bench.common import PRISM
from bench.common import VENV_BIN
from bench.common import log
from bench.common import run
from bench.common import tail


@dataclass(frozen=True)
class Missing:
    """Why each optional tool cannot be used; None where it can."""

    prism: str | None
    gunicorn: str | None
    pyspy: str | None


def find_wrk(args: argparse.Namespace, notes: list[str]) -> str | None:
    """The wrk binary, installed with apt unless ``--no-install``; None when there is none."""
    return shutil.which("wrk") if args.no_install else ensure_wrk(notes)


def find_optional(args: argparse.Namespace, notes: list[str]) -> Missing:
    """Prism, gunicorn and py-spy, each installed only when the run uses it."""
    if args.no_install:
        return Missing(
            prism=None if PRISM.exists() else "Prism not installed (--no-install)",
            gunicorn=_venv_missing("gunicorn"),
            pyspy=_venv_missing("py-spy"),
        )
    return Missing(
        prism=ensure_prism(notes) if {"prism", "prism-silent"} & set(args.servers) else None,
        gunicorn=(
            ensure_pip("gunicorn", "gunicorn", notes) if "wsgi-gunicorn" in args.servers else None
        ),
        pyspy=None if args.no_profile else ensure_pip("py-spy", "py-spy", notes),
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
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        notes.append("wrk is missing and cannot be installed here (needs root and apt-get).")
        return None
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    policy = run(["apt-cache", "policy", "wrk"], env=env).stdout
    if not re.search(r"Candidate:\s*(?!\(none\))\S", policy):
        log("apt-get update (apt-cache policy wrk shows no candidate)")
        done = run(["apt-get", "update"], env=env)
        if done.returncode:
            notes.append(f"apt-get update failed: {tail(done.stderr)}")
    log("apt-get install -y wrk")
    done = run(["apt-get", "install", "-y", "wrk"], env=env)
    if done.returncode:
        notes.append(f"apt-get install -y wrk failed: {tail(done.stderr)}")
    return shutil.which("wrk")


def ensure_prism(notes: list[str]) -> str | None:
    """Install @stoplight/prism-cli@5 into bench/work/node; the reason it is missing, or None."""
    if PRISM.exists():
        return None
    npm = shutil.which("npm")
    if not npm:
        return "npm is not installed"
    NODE_DIR.mkdir(parents=True, exist_ok=True)
    log("npm install @stoplight/prism-cli@5 into bench/work/node")
    done = run(
        [
            npm,
            "install",
            "--no-audit",
            "--no-fund",
            "--prefix",
            str(NODE_DIR),
            "@stoplight/prism-cli@5",
        ]
    )
    if done.returncode or not PRISM.exists():
        reason = f"npm install @stoplight/prism-cli@5 failed: {tail(done.stderr or done.stdout)}"
        notes.append(reason)
        return reason
    return None


def ensure_pip(package: str, binary: str, notes: list[str]) -> str | None:
    """pip install ``package`` into the venv unless ``binary`` is there; the reason, or None."""
    if (VENV_BIN / binary).exists():
        return None
    log(f"pip install {package} into the venv")
    done = run([sys.executable, "-m", "pip", "install", "--quiet", package])
    if done.returncode or not (VENV_BIN / binary).exists():
        reason = f"pip install {package} failed: {tail(done.stderr or done.stdout)}"
        notes.append(reason)
        return reason
    return None
