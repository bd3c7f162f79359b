"""The servers compared, the snapshot of mockso/ they run from, and their environment."""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.common import APPS
from bench.common import CONTRACT
from bench.common import HOST
from bench.common import PRISM
from bench.common import ROOT
from bench.common import SNAPSHOT
from bench.common import VENV_BIN
from bench.common import log
from bench.common import run
from bench.common import tail

ALL_SERVERS = [
    "mockso", "prism", "prism-silent", "wsgi-cheroot", "flask-cheroot", "wsgi-gunicorn"
]  # fmt: skip


@dataclass
class ServerSpec:
    name: str
    what: str
    argv: Callable[[int], list[str]]  # the command line, given the port
    missing: str | None = None  # why it cannot run


def server_specs(prism_missing: str | None, gunicorn_missing: str | None) -> dict[str, ServerSpec]:
    prism = [str(PRISM), "mock", str(CONTRACT), "-h", HOST]
    gunicorn_flags = _gunicorn_flags() if not gunicorn_missing else []
    return {
        "mockso": ServerSpec(
            "mockso",
            "`mockso serve --seed 1` as users run it (cheroot, 16 threads, auth lenient)",
            lambda port: [str(VENV_BIN / "mockso"), "serve", "--port", str(port), "--seed", "1"],
        ),
        "prism": ServerSpec(
            "prism",
            "Prism 5 mocking the contract, default logging (to a file)",
            lambda port: [*prism, "-p", str(port)],
            prism_missing,
        ),
        "prism-silent": ServerSpec(
            "prism-silent",
            "the same with `-v silent`",
            lambda port: [*prism, "-p", str(port), "-v", "silent"],
            prism_missing,
        ),
        "wsgi-cheroot": ServerSpec(
            "wsgi-cheroot",
            "**ceiling**: `bench/apps/wsgi_const.py`, precomputed bytes, served by "
            "`mockso.web.server.Server` (cheroot, same thread count)",
            lambda port: [sys.executable, str(APPS / "wsgi_const.py"), "--port", str(port)],
        ),
        "flask-cheroot": ServerSpec(
            "flask-cheroot",
            "the Flask floor: the same answers from one bare Flask route "
            "(`bench/apps/flask_const.py`), same server stack",
            lambda port: [sys.executable, str(APPS / "flask_const.py"), "--port", str(port)],
        ),
        "wsgi-gunicorn": ServerSpec(
            "wsgi-gunicorn",
            "the same app under gunicorn gthread, 1 worker, 8 threads",
            lambda port: [
                str(VENV_BIN / "gunicorn"),
                "-w", "1", "-k", "gthread", "--threads", "8",
                "-b", f"{HOST}:{port}",
                "--chdir", str(APPS),
                *gunicorn_flags,
                "wsgi_const:app",
            ],
            gunicorn_missing,
        ),
    }  # fmt: skip


def _gunicorn_flags() -> list[str]:
    gunicorn = VENV_BIN / "gunicorn"
    if not gunicorn.exists():  # not asked for: not installed
        return []
    helptext = run([str(gunicorn), "--help"], timeout=60).stdout
    # Nothing written outside bench/.
    return ["--no-control-socket"] if "--no-control-socket" in helptext else []


def snapshot_tree() -> str | None:
    """Copy mockso/ and contracts/ into bench/work/snapshot; None, or why that copy is unusable.

    Others may edit the tree while a run goes on: every server of the run then uses the same
    code and contract (Prism would even restart, or die, when its contract file changes).
    mockso runs from the copy through PYTHONPATH, which comes before the editable install.
    """
    reason = None
    for attempt in range(6):
        if attempt:
            log(f"snapshot unusable ({reason}); trying again in 10 s")
            time.sleep(10)
        _copy_tree()
        reason = _snapshot_broken()
        if reason is None:
            return None
    return reason


def _copy_tree() -> None:
    shutil.rmtree(SNAPSHOT, ignore_errors=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "mockso", SNAPSHOT / "mockso", ignore=ignore)
    shutil.copytree(ROOT / "contracts", SNAPSHOT / "contracts", ignore=ignore)


def _snapshot_broken() -> str | None:
    """None when mockso imports from the snapshot and its contract parses; else why not."""
    check = run(
        [
            sys.executable,
            "-c",
            "import sys, yaml, mockso.cli, mockso.app; "
            "assert mockso.__file__.startswith(sys.argv[1]), mockso.__file__; "
            "yaml.safe_load(open(sys.argv[2], encoding='utf-8'))",
            str(SNAPSHOT),
            str(CONTRACT),
        ],
        timeout=120,
        cwd=SNAPSHOT,
        env={**os.environ, "PYTHONPATH": str(SNAPSHOT)},
    )
    return None if check.returncode == 0 else tail(check.stderr, 2)


def server_env(pictures: dict[str, Path]) -> dict[str, str]:
    # mockso runs with its defaults: no MOCKSO_* variable of the caller leaks in.
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOCKSO_")}
    env.update(
        PYTHONPATH=os.pathsep.join(filter(None, [str(SNAPSHOT), os.environ.get("PYTHONPATH")])),
        BENCH_CONTRACT=str(CONTRACT),
        BENCH_PNG20K=str(pictures["png20k"]),
        BENCH_PNG64=str(pictures["png64"]),
        PYTHONUNBUFFERED="1",
    )
    return env
