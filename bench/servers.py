"""The servers compared, the snapshot of mockso/ they run from, and their environment.

mockso runs as users run it (``mockso serve``, whatever server stack that uses); the ceiling is a
plain WSGI callable on granian; nginx answering constant bytes is the HTTP limit for scale;
WireMock and Prism are the peers. The old cheroot ceiling, a bare Flask route and gunicorn can be
added with --servers.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.apps import wsgi_const
from bench.common import APPS
from bench.common import CONTRACT
from bench.common import HOST
from bench.common import PRISM
from bench.common import ROOT
from bench.common import SNAPSHOT
from bench.common import VENV_BIN
from bench.common import WIREMOCK_ROOT
from bench.common import WORK
from bench.common import log
from bench.common import run
from bench.common import tail
from bench.install import Missing
from bench.install import wiremock_jar
from bench.peers import nginx_config

# Every server the bench knows, in the report's order; DEFAULT_SERVERS are run unless --servers.
ALL_SERVERS = [
    "mockso", "wsgi-granian", "flask-granian", "nginx", "wiremock", "prism-silent", "prism",
    "wsgi-cheroot", "mockso-granian", "flask-cheroot", "wsgi-gunicorn",
]  # fmt: skip
OPT_IN = ("mockso-granian", "flask-cheroot", "wsgi-gunicorn")
DEFAULT_SERVERS = [name for name in ALL_SERVERS if name not in OPT_IN]


@dataclass
class ServerSpec:
    name: str
    what: str
    argv: Callable[[int], list[str]]  # the command line, given the port (may write its config)
    missing: str | None = None  # why it cannot run


def server_specs(missing: Missing, pictures: dict[str, Path]) -> dict[str, ServerSpec]:
    prism = [str(PRISM), "mock", str(CONTRACT), "-h", HOST]
    gunicorn_flags = _gunicorn_flags() if not missing.gunicorn else []
    cheroot_app = [sys.executable, str(APPS / "wsgi_const.py")]
    return {
        "mockso": ServerSpec(
            "mockso",
            "`mockso serve --seed 1` as users run it (its own server stack; auth lenient)",
            lambda port: [str(VENV_BIN / "mockso"), "serve", "--port", str(port), "--seed", "1"],
        ),
        "wsgi-granian": ServerSpec(
            "wsgi-granian",
            "**ceiling**: `bench/apps/wsgi_const.py`, a plain WSGI callable answering "
            "precomputed bytes, on granian (WSGI interface, 1 worker, 8 blocking threads)",
            lambda port: _granian(port, "wsgi_const:app"),
            missing.granian,
        ),
        "flask-granian": ServerSpec(
            "flask-granian",
            "the Flask floor: the same answers from one bare Flask route "
            "(`bench/apps/flask_const.py`), same granian setup",
            lambda port: _granian(port, "flask_const:create_app", "--factory"),
            missing.granian,
        ),
        "nginx": ServerSpec(
            "nginx",
            "the HTTP limit, for scale: nginx answering the same constant bytes "
            "(`return 200` bodies, the pictures as files; 1 worker, no access log; "
            "config written by `bench/peers.py`)",
            lambda port: _nginx(port, pictures),
            missing.nginx,
        ),
        "wiremock": ServerSpec(
            "wiremock",
            "WireMock 3 standalone (npm `wiremock`'s jar on Debian's Java), stubs for the same "
            "answers written by `bench/peers.py`, request journal off",
            lambda port: _wiremock(port),
            missing.wiremock,
        ),
        "prism-silent": ServerSpec(
            "prism-silent",
            "Prism 5 mocking the contract with `-v silent`",
            lambda port: [*prism, "-p", str(port), "-v", "silent"],
            missing.prism,
        ),
        "prism": ServerSpec(
            "prism",
            "the same with its default logging (to a file)",
            lambda port: [*prism, "-p", str(port)],
            missing.prism,
        ),
        "wsgi-cheroot": ServerSpec(
            "wsgi-cheroot",
            "the old ceiling: the same WSGI callable on cheroot, 16 threads",
            lambda port: [*cheroot_app, "--port", str(port)],
            missing.cheroot,
        ),
        "mockso-granian": ServerSpec(
            "mockso-granian",
            "mockso's `create_app()` served by granian directly, set up as the ceiling "
            "(for comparison while `mockso serve` uses another server)",
            lambda port: _granian(port, "mockso.app:create_app", "--factory"),
            missing.granian,
        ),
        "flask-cheroot": ServerSpec(
            "flask-cheroot",
            "the Flask floor on cheroot, 16 threads",
            lambda port: [sys.executable, str(APPS / "flask_const.py"), "--port", str(port)],
            missing.cheroot,
        ),
        "wsgi-gunicorn": ServerSpec(
            "wsgi-gunicorn",
            "the same WSGI callable under gunicorn gthread, 1 worker, 8 threads",
            lambda port: [
                str(VENV_BIN / "gunicorn"),
                "-w", "1", "-k", "gthread", "--threads", "8",
                "-b", f"{HOST}:{port}",
                "--chdir", str(APPS),
                *gunicorn_flags,
                "wsgi_const:app",
            ],
            missing.gunicorn,
        ),
    }  # fmt: skip


def _granian(port: int, target: str, *flags: str) -> list[str]:
    """granian as the research measured it: WSGI, 1 worker, 8 blocking threads."""
    return [
        str(VENV_BIN / "granian"),
        "--interface", "wsgi",
        "--host", HOST,
        "--port", str(port),
        "--workers", "1",
        "--blocking-threads", "8",
        "--working-dir", str(APPS),
        *flags,
        target,
    ]  # fmt: skip


def _gunicorn_flags() -> list[str]:
    gunicorn = VENV_BIN / "gunicorn"
    if not gunicorn.exists():  # not asked for: not installed
        return []
    helptext = run([str(gunicorn), "--help"], timeout=60).stdout
    # Nothing written outside bench/.
    return ["--no-control-socket"] if "--no-control-socket" in helptext else []


def _nginx(port: int, pictures: dict[str, Path]) -> list[str]:
    """Write this port's config under bench/work/nginx; nginx's command line for it."""
    prefix = WORK / "nginx"
    prefix.mkdir(parents=True, exist_ok=True)
    config = prefix / f"nginx-{port}.conf"
    info = wsgi_const.blob_entity(CONTRACT)
    config.write_text(nginx_config(port, prefix, info, pictures), encoding="utf-8")
    nginx = shutil.which("nginx") or "nginx"
    return [nginx, "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", str(config)]


def _wiremock(port: int) -> list[str]:
    jar = wiremock_jar()
    return [
        shutil.which("java") or "java",
        "-jar", str(jar),
        "--port", str(port),
        "--bind-address", HOST,
        "--root-dir", str(WIREMOCK_ROOT),
        "--no-request-journal",
        "--disable-banner",
    ]  # fmt: skip


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
