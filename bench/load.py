"""Load with wrk: runs bounded in time (``wrk_run``) or in requests (``wrk_count``).

The Lua scripts in bench/lua print the figures of a run as one ``BENCH_JSON {...}`` line
(bench/lua/report.lua); a run is flagged when it had HTTP or socket errors.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import time
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

from bench.common import CLIENT_CPU
from bench.common import HOST
from bench.common import LUA
from bench.common import MIX_IDS
from bench.common import run
from bench.common import tail

# The error counters of a wrk run, as report.lua names them.
ERRORS = (
    ("status_errors", "HTTP errors (status >= 400)"),
    ("connect_errors", "connect errors"),
    ("read_errors", "read errors"),
    ("write_errors", "write errors"),
    ("timeouts", "timeouts"),
)


@dataclass
class Bench:
    """What every step of a run needs: the options, wrk, the pictures, pinning, the notes."""

    args: argparse.Namespace
    wrk: str
    pictures: dict[str, Path]
    taskset: str | None
    notes: list[str] = field(default_factory=list)

    def pin(self, cpu: str, argv: list[str]) -> list[str]:
        return [self.taskset, "-c", cpu, *argv] if self.taskset else argv

    def wrk_run(
        self,
        port: int,
        script: str,
        conns: int,
        seconds: float,
        threads: int | None = None,
        stop_after: int | None = None,
    ) -> dict[str, Any]:
        """One wrk run against 127.0.0.1:``port``; its figures and ``flag`` (None when clean)."""
        threads = threads or (1 if conns < 2 else 2)
        env = {
            **os.environ,
            "BENCH_PNG20K": str(self.pictures["png20k"]),
            "BENCH_JPEG2M": str(self.pictures["jpeg2m"]),
            "BENCH_MIX_IDS": str(MIX_IDS),
        }
        if stop_after:
            env["BENCH_STOP_AFTER"] = str(math.ceil(stop_after / threads))
        argv = self.pin(
            CLIENT_CPU,
            [
                self.wrk,
                f"-t{threads}",
                f"-c{conns}",
                f"-d{math.ceil(seconds)}s",  # wrk takes whole seconds only
                "--timeout",
                "30s",
                "-s",
                str(LUA / script),
                f"http://{HOST}:{port}/",
            ],
        )
        done = run(argv, timeout=math.ceil(seconds) + 120, env=env)
        found = re.search(r"^BENCH_JSON (\{.*\})$", done.stdout, re.MULTILINE)
        if not found:
            return {
                "requests": 0,
                "rps": 0.0,
                "flag": f"wrk gave no result (exit {done.returncode}): "
                f"{tail(done.stderr + done.stdout)}",
            }
        result: dict[str, Any] = json.loads(found.group(1))
        result["flag"] = _flag(result)
        return result

    def wrk_count(self, port: int, script: str, done: int, target: int) -> tuple[int, list[str]]:
        """Send requests until ``target`` have been answered in all; (answered, problems).

        wrk stops each thread after its share (BENCH_STOP_AFTER) but only exits at -d, so -d is
        estimated from the rate of the first chunk, and chunks repeat until the count is reached
        (each bounded by --mem-bound, all of them by ten times that).
        """
        problems: list[str] = []
        rate: float | None = None
        deadline = time.monotonic() + 10 * self.args.mem_bound
        while done < target and time.monotonic() < deadline:
            remaining = target - done
            seconds = 2.0 if rate is None else remaining / rate * 1.15 + 0.5
            seconds = min(self.args.mem_bound, max(1.0, seconds))
            result = self.wrk_run(port, script, 16, seconds, stop_after=remaining)
            done += result["requests"]
            if result["flag"]:
                problems.append(f"load run towards {target:,} requests: {result['flag']}")
            if not result["requests"]:
                break
            if done < target:  # the threads did not stop early: the rate is the real one
                rate = result["requests"] / seconds
        if done < target:
            problems.append(f"only {done:,} of {target:,} requests answered")
        return done, problems


def _flag(result: dict[str, Any]) -> str | None:
    """What went wrong in a run that gave figures, or None."""
    problems = [f"{result[key]} {label}" for key, label in ERRORS if result[key]]
    if not result["requests"]:
        problems.append("no request completed")
    return ", ".join(problems) or None
