"""What every part of the bench shares: where things are, fixed settings, logging, subprocesses."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
WORK = BENCH / "work"
LUA = BENCH / "lua"
APPS = BENCH / "apps"
LOGS = WORK / "logs"
NODE_DIR = WORK / "node"
PRISM = NODE_DIR / "node_modules" / ".bin" / "prism"
WIREMOCK_DIR = NODE_DIR / "node_modules" / "wiremock"  # the npm package carries the jar
VENV_BIN = Path(sys.executable).parent
SNAPSHOT = WORK / "snapshot"  # mockso/ and contracts/ as they were when the run started
CONTRACT = SNAPSHOT / "contracts" / "superoffice-images.yaml"
HOST = "127.0.0.1"
AUTH = "Basic dGplMDpUamUw"  # tje0:Tje0
SERVER_CPU = "0"
CLIENT_CPU = "1"
WIREMOCK_ROOT = WORK / "wiremock"  # the stub mappings a run writes (bench.peers)
CEILING = "wsgi-granian"
PRISM_SILENT = "prism-silent"
WIREMOCK = "wiremock"
NGINX = "nginx"
PEERS = (WIREMOCK, PRISM_SILENT, "prism")  # the mock servers mockso must outrun 5x
MIX_IDS = 4  # persons per wrk thread in the mixed sequence
STORE_ID0 = 5001  # first person id of the "per stored MB" pictures
START = time.monotonic()


def log(message: str) -> None:
    print(f"[bench {time.monotonic() - START:7.1f}s] {message}", flush=True)


def run(argv: list[str], timeout: float = 900, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """Run a command to its end (bounded by ``timeout``), its output captured as text."""
    return subprocess.run(
        argv, capture_output=True, text=True, timeout=timeout, check=False, **kwargs
    )


def tail(text: str, lines: int = 3) -> str:
    """The last non-blank ``lines`` of a command's output, on one line."""
    return " / ".join(line.strip() for line in text.strip().splitlines()[-lines:] if line.strip())
