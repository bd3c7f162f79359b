"""mockso under py-spy while wrk loads it, and the summary of the samples for the report."""

from __future__ import annotations

import re
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import CLIENT_CPU
from bench.common import SERVER_CPU
from bench.common import VENV_BIN
from bench.common import WORK
from bench.common import log
from bench.common import tail
from bench.load import Bench
from bench.processes import Proc
from bench.processes import first_200
from bench.processes import free_port
from bench.processes import fresh_log
from bench.processes import wait_idle
from bench.scenarios import BY_KEY
from bench.scenarios import prepare
from bench.servers import ServerSpec

# Frames that hold every stack (the command, the server loop): left out of the inclusive list.
EVERYWHERE = re.compile(r"\(mockso/(cli|web/server)\.py")
# A sample whose stack has no Python frame (granian's Rust holding the GIL).
NATIVE = "(no Python frame: native code holding the GIL)"
# A stack serving a request: under cheroot's connection handler, or in mockso's WSGI callables
# (granian calls the app from Rust, so no Python frame of the server sits above them).
SERVING = re.compile(r"HTTPConnection\.communicate|__call__ \(mockso/")


def profile_mockso(bench: Bench, spec: ServerSpec, env: dict[str, str]) -> dict[str, Any]:
    """Start mockso, then py-spy it under wrk -c16 per measured scenario; summaries by key."""
    port = free_port()
    log_path = fresh_log(f"{spec.name}-profile.log")
    proc = Proc(f"{spec.name}-profile", bench.pin(SERVER_CPU, spec.argv(port)), env, log_path)
    profiles: dict[str, Any] = {}
    try:
        if first_200(proc, port) is None:
            return {key: {"error": f"{spec.name} did not start"} for key in bench.args.scenarios}
        prepare(port, bench.pictures)
        for key in bench.args.scenarios:  # every scenario measured: each has a goal
            profiles[key] = profile_scenario(bench, proc, port, key)
    finally:
        proc.stop()
    return profiles


def profile_scenario(bench: Bench, proc: Proc, port: int, key: str) -> dict[str, Any]:
    """A warm-up, a wait until idle, then py-spy during a wrk run; the summary, or an error."""
    args = bench.args
    scenario = BY_KEY[key]
    bench.wrk_run(port, scenario.lua, 4, args.warmup, threads=1)
    wait_idle(proc.pid, args.idle_max)
    out = WORK / f"profile-{key}.txt"
    out.unlink(missing_ok=True)
    spy = subprocess.Popen(
        bench.pin(CLIENT_CPU, pyspy_argv(proc.pid, args.profile_seconds, out)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(0.5)
        result = bench.wrk_run(port, scenario.lua, 16, args.profile_seconds + 1)
        _, errors = spy.communicate(timeout=args.profile_seconds + 60)
    finally:
        if spy.poll() is None:
            spy.kill()
            spy.wait()
    if not out.exists():
        return {"error": f"py-spy wrote nothing: {tail(errors or '')}"}
    profile = summarize_profile(out)
    profile["rps_under_profiler"] = result["rps"]
    log(f"profiled {key}: {profile['samples']} samples")
    return profile


def pyspy_argv(pid: int, seconds: int, out: Path) -> list[str]:
    return [
        str(VENV_BIN / "py-spy"),
        "record",
        "--pid",
        str(pid),
        "--duration",
        str(seconds),
        "--rate",
        "250",
        "--gil",
        "--subprocesses",  # granian serves from a worker process
        "--function",
        "--format",
        "raw",
        "--output",
        str(out),
    ]


def summarize_profile(path: Path) -> dict[str, Any]:
    """Own and inclusive shares of the samples (each one the thread holding the GIL)."""
    total = 0
    request_path = 0
    own: Counter[str] = Counter()
    serving: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        # --subprocesses puts a "process PID:<command line>" frame at the root of each stack.
        frames = [frame for frame in stack.split(";") if not frame.startswith("process ")]
        frames = frames or [NATIVE]
        if any(SERVING.search(frame) for frame in frames):
            request_path += count
            serving[frames[-1]] += count
        own[frames[-1]] += count
        packages[_package(frames[-1])] += count
        for frame in set(frames):
            inclusive[frame] += count

    def share(
        counter: Counter[str], n: int, keep: Callable[[str], bool], of: int = 0
    ) -> list[list[Any]]:
        rows = [(k, v) for k, v in counter.most_common() if keep(k)][:n]
        return [[k, round(100 * v / max(of or total, 1), 1)] for k, v in rows]

    return {
        "samples": total,
        "request_path_samples": request_path,
        "self": share(own, 15, lambda _: True),
        "self_serving": share(serving, 15, lambda _: True, request_path),
        "inclusive_mockso": share(
            inclusive, 15, lambda k: "(mockso/" in k and not EVERYWHERE.search(k)
        ),
        "packages": share(packages, 12, lambda _: True),
    }


def _package(frame: str) -> str:
    found = re.search(r"\(([^):]*)(:\d+)?\)$", frame)  # "name (file:line)" or "name (file)"
    file = found.group(1) if found else ""
    if "/" not in file:
        return "python stdlib" if file.endswith(".py") else "other"
    top = file.split("/")[0]
    return {"werkzeug": "flask+werkzeug", "flask": "flask+werkzeug"}.get(top, top)
