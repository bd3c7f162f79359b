#!/usr/bin/env python3
"""``make bench``: mockso measured side by side with Prism and plain-WSGI ceilings.

One invocation installs what it needs (wrk with apt, Prism 5 with npm into bench/work/node,
gunicorn and py-spy into the venv), makes incompressible pictures with Pillow, then, one server
at a time (pinned to CPU 0, wrk pinned to CPU 1, loopback only), measures:

* startup: process start to the first 200 on GET ImageInfo (polled every 10 ms);
* RSS (summed over the process tree): idle after start, after 10,000 and 100,000 requests of the
  mixed sequence, and per MB of stored pictures;
* six scenarios at 1 and 16 connections (req/s, p50, p99, HTTP errors, socket errors), each run
  preceded by a warm-up and a wait until the server is idle.

Rounds rotate the server order; the report gives medians and ratios to the plain-WSGI ceiling
(same cheroot stack as mockso) and to Prism silent, writes bench/results.md and the raw figures
to bench/work/results.json. Afterwards mockso is profiled with py-spy under load.
"""

# ruff: noqa: RUF001  (the report uses the multiplication sign and the en dash on purpose)
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import io
import json
import math
import os
import platform
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
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
VENV_BIN = Path(sys.executable).parent
SNAPSHOT = WORK / "snapshot"  # mockso/ and contracts/ as they were when the run started
CONTRACT = SNAPSHOT / "contracts" / "superoffice-images.yaml"
HOST = "127.0.0.1"
AUTH = "Basic dGplMDpUamUw"  # tje0:Tje0
SERVER_CPU = "0"
CLIENT_CPU = "1"
CEILING = "wsgi-cheroot"
PRISM_SILENT = "prism-silent"
MIX_IDS = 4  # persons per wrk thread in the mixed sequence
STORE_ID0 = 5001  # first person id of the "per stored MB" pictures
START = time.monotonic()


def log(message: str) -> None:
    print(f"[bench {time.monotonic() - START:7.1f}s] {message}", flush=True)


# --------------------------------------------------------------------------------------------
# What is measured


@dataclass(frozen=True)
class Scenario:
    key: str
    title: str
    lua: str
    method: str
    path: str
    body: str | None = None  # key into the pictures dict
    content_type: str | None = None
    small: bool = True  # counts for the "p99 at 16 connections <= 10 ms" goal
    quick: bool = False  # part of --quick


SCENARIOS = [
    Scenario(
        "info",
        "GET ImageInfo (stored picture)",
        "get_imageinfo.lua",
        "GET",
        "/api/v1/Person/1/ImageInfo",
        quick=True,
    ),
    Scenario(
        "image", "GET Image (stored 20 KB PNG)", "get_image.lua", "GET", "/api/v1/Person/1/Image"
    ),
    Scenario(
        "scaled",
        "GET Image ?w=64&h=64 (scaled, cached)",
        "get_image_scaled.lua",
        "GET",
        "/api/v1/Person/1/Image?w=64&h=64",
    ),
    Scenario(
        "put20k",
        "PUT Image 20 KB PNG",
        "put_image_20k.lua",
        "PUT",
        "/api/v1/Person/2/Image",
        "png20k",
        "image/png",
        quick=True,
    ),
    Scenario(
        "post2m",
        "POST Image 2 MB JPEG",
        "post_image_2m.lua",
        "POST",
        "/api/v1/Person/3/Image",
        "jpeg2m",
        "image/jpeg",
        small=False,
        quick=True,
    ),
    Scenario(
        "mixed",
        "Mixed CI-like sequence (save, ImageInfo, Image, PUT ImageInfo, DELETE)",
        "mixed.lua",
        "MIXED",
        "/api/v1/Person/1000+",
        quick=True,
    ),
]
BY_KEY = {s.key: s for s in SCENARIOS}

# The mixed sequence as plain requests, for the smoke check (mirrors bench/lua/mixed.lua).
MIXED_STEPS = [
    ("PUT", "/api/v1/Person/{id}/Image", "png20k", "image/png"),
    ("GET", "/api/v1/Person/{id}/ImageInfo", None, None),
    ("GET", "/api/v1/Person/{id}/Image?ifBlank=ClearPixel", None, None),
    ("PUT", "/api/v1/Person/{id}/ImageInfo", "info_json", "application/json"),
    ("DELETE", "/api/v1/Person/{id}/Image", None, None),
]


@dataclass
class ServerSpec:
    name: str
    what: str
    argv: Callable[[int], list[str]]
    missing: str | None = None  # why it cannot run


# --------------------------------------------------------------------------------------------
# Installing


def _run(argv: list[str], timeout: float = 900, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, capture_output=True, text=True, timeout=timeout, check=False, **kwargs
    )


def _tail(text: str, lines: int = 3) -> str:
    return " / ".join(line.strip() for line in text.strip().splitlines()[-lines:] if line.strip())


def ensure_wrk(notes: list[str]) -> str | None:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        notes.append("wrk is missing and cannot be installed here (needs root and apt-get).")
        return None
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    policy = _run(["apt-cache", "policy", "wrk"], env=env).stdout
    if not re.search(r"Candidate:\s*(?!\(none\))\S", policy):
        log("apt-get update (apt-cache policy wrk shows no candidate)")
        done = _run(["apt-get", "update"], env=env)
        if done.returncode:
            notes.append(f"apt-get update failed: {_tail(done.stderr)}")
    log("apt-get install -y wrk")
    done = _run(["apt-get", "install", "-y", "wrk"], env=env)
    if done.returncode:
        notes.append(f"apt-get install -y wrk failed: {_tail(done.stderr)}")
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
    done = _run(
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
        reason = f"npm install @stoplight/prism-cli@5 failed: {_tail(done.stderr or done.stdout)}"
        notes.append(reason)
        return reason
    return None


def ensure_pip(package: str, binary: str, notes: list[str]) -> str | None:
    """pip install ``package`` into the venv unless ``binary`` is there; the reason, or None."""
    if (VENV_BIN / binary).exists():
        return None
    log(f"pip install {package} into the venv")
    done = _run([sys.executable, "-m", "pip", "install", "--quiet", package])
    if done.returncode or not (VENV_BIN / binary).exists():
        reason = f"pip install {package} failed: {_tail(done.stderr or done.stdout)}"
        notes.append(reason)
        return reason
    return None


# --------------------------------------------------------------------------------------------
# Pictures


def _noise_picture(fmt: str, target: int, seed: int, bytes_per_pixel: float) -> bytes:
    """Random pixels (so they do not compress), sized so the file is close to ``target`` bytes."""
    from PIL import Image

    rng = random.Random(seed)
    width = max(8, round(math.sqrt(target / bytes_per_pixel)))
    height = width
    best = b""
    for _ in range(10):
        pixels = rng.randbytes(width * height * 3)
        out = io.BytesIO()
        picture = Image.frombytes("RGB", (width, height), pixels)
        if fmt == "JPEG":
            picture.save(out, "JPEG", quality=90)
        else:
            picture.save(out, fmt)
        data = out.getvalue()
        if not best or abs(len(data) - target) < abs(len(best) - target):
            best = data
        if abs(len(data) - target) <= target * 0.003:
            break
        height = max(1, round(height * target / len(data)))
    return best


def make_pictures() -> dict[str, Path]:
    from PIL import Image

    WORK.mkdir(parents=True, exist_ok=True)
    wanted = {
        "png20k": ("PNG", 20_000, 2_000, 3.0, "png20k.png"),
        "png1m": ("PNG", 1_000_000, 20_000, 3.0, "png1m.png"),
        "jpeg2m": ("JPEG", 2_000_000, 40_000, 0.9, "jpeg2m.jpg"),
    }
    paths: dict[str, Path] = {}
    for key, (fmt, target, tolerance, bpp, name) in wanted.items():
        path = WORK / name
        if not path.exists() or abs(path.stat().st_size - target) > tolerance:
            path.write_bytes(
                _noise_picture(fmt, target, seed=len(key) * 7919 + target, bytes_per_pixel=bpp)
            )
        paths[key] = path
    small = WORK / "png64.png"  # what the constant app answers to a scaled GET
    if not small.exists():
        with Image.open(paths["png20k"]) as picture:
            picture.resize((64, 64)).save(small, "PNG")
    paths["png64"] = small
    info = WORK / "imageinfo.json"
    info.write_text('{"Description": "bench", "ExtraInfo": "mixed"}', encoding="utf-8")
    paths["info_json"] = info
    return paths


# --------------------------------------------------------------------------------------------
# Processes


def _stat(pid: int) -> tuple[int, int] | None:
    """(parent pid, CPU ticks) of a process, or None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return int(fields[1]), int(fields[11]) + int(fields[12])


def process_tree(root: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            info = _stat(int(entry))
            if info:
                parents.setdefault(info[0], []).append(int(entry))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(parents.get(pid, []))
    return tree


def tree_ticks(root: int) -> int:
    return sum(info[1] for pid in process_tree(root) if (info := _stat(pid)))


def tree_rss_kb(root: int) -> int:
    total = 0
    for pid in process_tree(root):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


class Proc:
    """A server we started, in its own process group, stopped by its pid."""

    running: list[Proc] = []

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log_path: Path) -> None:
        self.name = name
        self.log_path = log_path
        self._log = log_path.open("ab")
        self.started = time.perf_counter()
        self.popen = subprocess.Popen(
            argv,
            cwd=SNAPSHOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.pid = self.popen.pid
        Proc.running.append(self)

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self) -> None:
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                log(f"{self.name} ignored SIGTERM for 10 s: SIGKILL")
        # Whatever is left of the group we created (e.g. gunicorn workers) is killed too.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=10)
        self._log.close()
        if self in Proc.running:
            Proc.running.remove(self)

    @classmethod
    def stop_all(cls) -> None:
        for proc in list(cls.running):
            proc.stop()


def wait_idle(pid: int, limit: float) -> tuple[float, bool]:
    """Wait until the tree uses at most 1 CPU tick per 300 ms; (seconds waited, reached idle)."""
    start = time.monotonic()
    last = tree_ticks(pid)
    while True:
        time.sleep(0.3)
        now = tree_ticks(pid)
        if now - last <= 1:
            return time.monotonic() - start, True
        last = now
        if time.monotonic() - start >= limit:
            return time.monotonic() - start, False


def request(
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    content_type: str | None = None,
    timeout: float = 60,
) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        headers = {"Authorization": AUTH}
        if content_type:
            headers["Content-Type"] = content_type
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def first_200(proc: Proc, port: int, limit: float = 120) -> float | None:
    """Seconds from process start to the first 200 on GET ImageInfo, polling every 10 ms."""
    while time.perf_counter() - proc.started < limit and proc.alive():
        with contextlib.suppress(OSError, http.client.HTTPException):
            status, _ = request(port, "GET", "/api/v1/Person/1/ImageInfo", timeout=2)
            if status == 200:
                return time.perf_counter() - proc.started
        time.sleep(0.01)
    return None


# --------------------------------------------------------------------------------------------
# wrk


@dataclass
class Bench:
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
        done = _run(argv, timeout=math.ceil(seconds) + 120, env=env)
        found = re.search(r"^BENCH_JSON (\{.*\})$", done.stdout, re.MULTILINE)
        if not found:
            return {
                "requests": 0,
                "rps": 0.0,
                "flag": f"wrk gave no result (exit {done.returncode}): "
                f"{_tail(done.stderr + done.stdout)}",
            }
        result: dict[str, Any] = json.loads(found.group(1))
        problems = [
            f"{result[key]} {label}"
            for key, label in (
                ("status_errors", "HTTP errors (status >= 400)"),
                ("connect_errors", "connect errors"),
                ("read_errors", "read errors"),
                ("write_errors", "write errors"),
                ("timeouts", "timeouts"),
            )
            if result[key]
        ]
        if not result["requests"]:
            problems.append("no request completed")
        result["flag"] = ", ".join(problems) or None
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


# --------------------------------------------------------------------------------------------
# One server, one round


def smoke(port: int, scenario: Scenario, pictures: dict[str, Path]) -> list[str]:
    """Send the scenario's requests once; the ones not answered 2xx, described."""
    if scenario.key == "mixed":
        steps = [(m, p.format(id=999), b, c) for m, p, b, c in MIXED_STEPS]
    else:
        steps = [(scenario.method, scenario.path, scenario.body, scenario.content_type)]
    refused = []
    for method, path, body_key, content_type in steps:
        body = pictures[body_key].read_bytes() if body_key else None
        try:
            status, answer = request(port, method, path, body, content_type)
        except (OSError, http.client.HTTPException) as error:
            refused.append(f"{method} {path}: {error!r}")
            continue
        if not 200 <= status < 300:
            refused.append(f"{method} {path} -> {status} {answer[:300].decode(errors='replace')}")
    return refused


def prepare(port: int, pictures: dict[str, Path]) -> list[str]:
    """The state every scenario needs: Person 1 has the 20 KB PNG, its 64x64 copy is cached."""
    problems = []
    for method, path, body_key, content_type in (
        ("PUT", "/api/v1/Person/1/Image", "png20k", "image/png"),
        ("PUT", "/api/v1/Person/2/Image", "png20k", "image/png"),
        ("GET", "/api/v1/Person/1/Image?w=64&h=64", None, None),
    ):
        body = pictures[body_key].read_bytes() if body_key else None
        status, answer = request(port, method, path, body, content_type)
        if not 200 <= status < 300:
            problems.append(f"{method} {path} -> {status} {answer[:200].decode(errors='replace')}")
    return problems


def measure_server(
    bench: Bench, spec: ServerSpec, round_no: int, scenarios: list[Scenario], env: dict[str, str]
) -> dict[str, Any]:
    args = bench.args
    record: dict[str, Any] = {"server": spec.name, "round": round_no, "runs": [], "problems": []}
    port = free_port()
    LOGS.mkdir(parents=True, exist_ok=True)
    log_path = LOGS / f"{spec.name}-round{round_no}.log"
    log_path.unlink(missing_ok=True)
    argv = bench.pin(SERVER_CPU, spec.argv(port))
    record["command"] = " ".join(argv)
    proc = Proc(spec.name, argv, env, log_path)
    try:
        startup = first_200(proc, port)
        if startup is None:
            record["problems"].append(f"no 200 on GET ImageInfo within 120 s (log: {log_path})")
            return record
        record["startup_s"] = startup
        log(f"{spec.name}: first 200 after {startup * 1000:.0f} ms (pid {proc.pid})")
        record["idle_wait_after_start_s"] = wait_idle(proc.pid, args.idle_max)[0]
        record["rss_idle_kb"] = tree_rss_kb(proc.pid)

        # Memory: the mixed sequence up to 10,000 and then 100,000 requests.
        memory = round_no <= args.mem_rounds
        if args.mem_requests and memory:
            checkpoint = args.mem_requests // 10
            reached = 0
            for target in (checkpoint, args.mem_requests):
                reached, problems = bench.wrk_count(port, "mixed.lua", reached, target)
                record["problems"].extend(problems)
                wait_idle(proc.pid, args.idle_max)
                record[f"rss_after_{target}_kb"] = tree_rss_kb(proc.pid)
                record[f"requests_at_{target}"] = reached
            record["mem_checkpoints"] = [checkpoint, args.mem_requests]
            log(
                f"{spec.name}: RSS idle {record['rss_idle_kb'] / 1024:.1f} MB, after {reached:,} "
                f"requests {record[f'rss_after_{args.mem_requests}_kb'] / 1024:.1f} MB"
            )

        # Memory per stored MB: N pictures of 1 MB under different ids.
        if args.store_mb and memory:
            wait_idle(proc.pid, args.idle_max)
            before = tree_rss_kb(proc.pid)
            picture = bench.pictures["png1m"].read_bytes()
            stored = 0
            for index in range(args.store_mb):
                status, answer = request(
                    port, "PUT", f"/api/v1/Person/{STORE_ID0 + index}/Image", picture, "image/png"
                )
                if 200 <= status < 300:
                    stored += len(picture)
                else:
                    record["problems"].append(
                        f"storing 1 MB picture {index}: {status} {answer[:200]!r}"
                    )
                    break
            wait_idle(proc.pid, args.idle_max)
            after = tree_rss_kb(proc.pid)
            record.update(rss_store_before_kb=before, rss_store_after_kb=after, stored_bytes=stored)
            if stored:
                record["rss_per_stored_mb"] = (after - before) * 1024 / stored

        record["problems"].extend(prepare(port, bench.pictures))
        for scenario in scenarios:
            refused = smoke(port, scenario, bench.pictures)
            if refused:
                record["problems"].extend(f"[{scenario.key}] {line}" for line in refused)
            for conns in args.conns:
                bench.wrk_run(port, scenario.lua, 4, args.warmup, threads=1)
                waited, idle = wait_idle(proc.pid, args.idle_max)
                load = float(Path("/proc/loadavg").read_text().split()[0])
                result = bench.wrk_run(port, scenario.lua, conns, args.duration)
                result.update(
                    loadavg=load,
                    server=spec.name,
                    round=round_no,
                    scenario=scenario.key,
                    conns=conns,
                    idle_wait_s=round(waited, 2),
                    idle_reached=idle,
                )
                record["runs"].append(result)
                log(
                    f"{spec.name} {scenario.key} c{conns}: {result['rps']:,.0f} req/s, "
                    f"p50 {result.get('p50_us', 0) / 1000:.2f} ms, "
                    f"p99 {result.get('p99_us', 0) / 1000:.2f} ms"
                    + (f"  FLAGGED: {result['flag']}" if result["flag"] else "")
                )
        record["rss_end_kb"] = tree_rss_kb(proc.pid)
        return record
    finally:
        proc.stop()


# --------------------------------------------------------------------------------------------
# Profile


def profile_mockso(bench: Bench, spec: ServerSpec, env: dict[str, str]) -> dict[str, Any]:
    pyspy = VENV_BIN / "py-spy"
    args = bench.args
    port = free_port()
    log_path = LOGS / "mockso-profile.log"
    log_path.unlink(missing_ok=True)
    proc = Proc("mockso-profile", bench.pin(SERVER_CPU, spec.argv(port)), env, log_path)
    profiles: dict[str, Any] = {}
    try:
        if first_200(proc, port) is None:
            return {"error": "mockso did not start"}
        prepare(port, bench.pictures)
        for key in ("info", "put20k"):
            scenario = BY_KEY[key]
            bench.wrk_run(port, scenario.lua, 4, args.warmup, threads=1)
            wait_idle(proc.pid, args.idle_max)
            out = WORK / f"profile-{key}.txt"
            out.unlink(missing_ok=True)
            spy = subprocess.Popen(
                bench.pin(
                    CLIENT_CPU,
                    [
                        str(pyspy),
                        "record",
                        "--pid",
                        str(proc.pid),
                        "--duration",
                        str(args.profile_seconds),
                        "--rate",
                        "250",
                        "--gil",
                        "--function",
                        "--format",
                        "raw",
                        "--output",
                        str(out),
                    ],
                ),
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
                profiles[key] = {"error": f"py-spy wrote nothing: {_tail(errors or '')}"}
                continue
            profiles[key] = summarize_profile(out)
            profiles[key]["rps_under_profiler"] = result["rps"]
            log(f"profiled {key}: {profiles[key]['samples']} samples")
    finally:
        proc.stop()
    return profiles


def _package(frame: str) -> str:
    found = re.search(r"\(([^)]*)\)$", frame)
    file = found.group(1) if found else ""
    if "/" not in file:
        return "python stdlib" if file.endswith(".py") else "other"
    top = file.split("/")[0]
    return {"werkzeug": "flask+werkzeug", "flask": "flask+werkzeug"}.get(top, top)


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
        frames = stack.split(";")
        if any("HTTPConnection.communicate" in frame for frame in frames):
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
            inclusive,
            15,  # the command and server loop frames hold every stack: left out
            lambda k: "(mockso/" in k and not re.search(r"\(mockso/(cli|server)\.py", k),
        ),
        "packages": share(packages, 12, lambda _: True),
    }


# --------------------------------------------------------------------------------------------
# Report


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def aggregate(records: list[dict[str, Any]]) -> dict[str, Any]:
    cells: dict[tuple[str, str, int], dict[str, Any]] = {}
    grouped: dict[tuple[str, str, int], list[dict[str, Any]]] = {}
    for record in records:
        for run in record["runs"]:
            grouped.setdefault((run["server"], run["scenario"], run["conns"]), []).append(run)
    for key, runs in grouped.items():
        clean = [run for run in runs if not run["flag"]]
        use = clean or runs
        rps = [run["rps"] for run in use]
        cells[f"{key[0]}|{key[1]}|{key[2]}"] = {
            "rps": _median(rps),
            "p50_ms": _median([run.get("p50_us", 0) / 1000 for run in use]),
            "p99_ms": _median([run.get("p99_us", 0) / 1000 for run in use]),
            "spread": (max(rps) - min(rps)) / statistics.median(rps)
            if len(rps) > 1 and statistics.median(rps)
            else None,
            "rounds": len(runs),
            "flagged": len(runs) - len(clean),
            "all_flagged": not clean,
        }
    servers: dict[str, dict[str, Any]] = {}
    for record in records:
        servers.setdefault(record["server"], {}).setdefault("records", []).append(record)
    for entry in servers.values():
        recs = entry.pop("records")

        def med(key: str, recs: list[dict[str, Any]] = recs) -> float | None:
            return _median([r[key] for r in recs if r.get(key) is not None])

        entry["startup_ms"] = (v * 1000) if (v := med("startup_s")) is not None else None
        entry["rss_idle_mb"] = (v / 1024) if (v := med("rss_idle_kb")) is not None else None
        checkpoints = next((r["mem_checkpoints"] for r in recs if "mem_checkpoints" in r), None)
        if checkpoints:
            low, high = checkpoints
            entry["checkpoints"] = checkpoints
            entry["rss_low_mb"] = (
                (v / 1024) if (v := med(f"rss_after_{low}_kb")) is not None else None
            )
            entry["rss_high_mb"] = (
                (v / 1024) if (v := med(f"rss_after_{high}_kb")) is not None else None
            )
            growth = [
                r[f"rss_after_{high}_kb"] / r[f"rss_after_{low}_kb"] - 1
                for r in recs
                if r.get(f"rss_after_{low}_kb") and r.get(f"rss_after_{high}_kb")
            ]
            entry["rss_growth"] = _median(growth)
        entry["rss_per_stored_mb"] = med("rss_per_stored_mb")
        entry["stored_mb"] = (v / 1e6) if (v := med("stored_bytes")) else None
    return {"cells": cells, "servers": servers}


def _fmt(value: float | None, digits: int = 0, suffix: str = "") -> str:
    if value is None:
        return "–"
    return f"{value:,.{digits}f}{suffix}"


def _ratio(value: float | None, base: float | None) -> float | None:
    return value / base if value is not None and base else None


def machine_facts(prism_missing: str | None, wrk: str) -> dict[str, str]:
    model = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break

    def version(argv: list[str]) -> str:
        try:
            done = _run(argv, timeout=60)
        except (OSError, subprocess.TimeoutExpired) as error:
            return f"unavailable ({error})"
        text = (done.stdout + done.stderr).strip().splitlines()
        return text[0].strip() if text else "unknown"

    import cheroot

    commit = _run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], timeout=60)
    dirty = _run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "mockso"], timeout=60)
    facts = {
        "mockso tree": (commit.stdout.strip() or "unknown")
        + (" + uncommitted changes in mockso/" if dirty.stdout.strip() else ""),
        "nproc": str(os.cpu_count()),
        "CPU": model,
        "kernel": platform.release(),
        "Python": platform.python_version(),
        "cheroot": cheroot.__version__,
        "wrk": version([wrk, "-v"]),
        "node": version(["node", "--version"]) if shutil.which("node") else "not installed",
        "prism": prism_missing or version([str(PRISM), "--version"]),
    }
    if (VENV_BIN / "gunicorn").exists():
        facts["gunicorn"] = version([str(VENV_BIN / "gunicorn"), "--version"])
    if (VENV_BIN / "py-spy").exists():
        facts["py-spy"] = version([str(VENV_BIN / "py-spy"), "--version"])
    return facts


def write_report(
    bench: Bench,
    specs: dict[str, ServerSpec],
    records: list[dict[str, Any]],
    profiles: dict[str, Any],
    facts: dict[str, str],
    wall_s: float,
) -> str:
    args = bench.args
    agg = aggregate(records)
    cells, servers = agg["cells"], agg["servers"]
    names = [name for name in specs if name in args.servers]

    def cell(server: str, scenario: str, conns: int) -> dict[str, Any] | None:
        found: dict[str, Any] | None = cells.get(f"{server}|{scenario}|{conns}")
        return found

    def rps(server: str, scenario: str, conns: int) -> float | None:
        found = cell(server, scenario, conns)
        return found["rps"] if found else None

    out: list[str] = []
    put = out.append
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    put("# mockso benchmark: side by side with Prism and plain-WSGI ceilings\n")
    if args.quick:
        put(
            "> **QUICK RUN** (`--quick`: 1 round, short runs, fewer scenarios): for development "
            "only;"
        )
        put("> the figures below are not the issue's.\n")
    put(
        f"Generated by `make bench` (`bench/bench.py {' '.join(args.argv)}`) on {stamp}; "
        f"the whole run took {wall_s / 60:.1f} min. {args.rounds} round(s), server order rotated "
        f"each round, medians; {args.duration:g} s per measured run after a {args.warmup:g} s "
        "warm-up (`wrk -t1 -c4`) and a wait until the server is idle (≤ 1 CPU tick per 300 ms). "
        f"Servers pinned to CPU {SERVER_CPU} and wrk to CPU {CLIENT_CPU} with taskset; "
        "loopback only. Every server runs from a copy of `mockso/` and `contracts/` taken at "
        "the start (`bench/work/snapshot`, on PYTHONPATH), so edits made during the run do not "
        "change what is measured. Raw figures: `bench/work/results.json`.\n"
    )
    put(
        "Ratios are ratios of medians: **× ceiling** divides by the plain WSGI callable served "
        "by mockso's own server stack (`wsgi-cheroot`), **× Prism silent** by Prism with "
        "`-v silent`, both from the same run. c1 is `wrk -t1 -c1`, c16 `wrk -t2 -c16`, both "
        "`--timeout 30s`. Latencies are wrk's (closed loop, so c16 includes queueing). "
        "A cell marked ⚠ had runs with HTTP errors (status ≥ 400) or socket errors: those runs "
        "are left out of the median (listed under *Flagged runs*); ⚠⚠ means every round was "
        "flagged and the figure comes from flagged runs.\n"
    )

    put("## Servers\n")
    put("| name | what | command |")
    put("|---|---|---|")
    commands = {r["server"]: r.get("command", "") for r in records}
    for name in names:
        spec = specs[name]
        command = commands.get(name) or f"not run: {spec.missing}"
        put(f"| {name} | {spec.what} | `{command}` |")
    put("")

    # Goals first: what the lead wants to know.
    put("## Goals (mockso)\n")
    goals = evaluate_goals(cells, servers, args)
    for ok, text in goals:
        mark = "✅" if ok is True else ("❌" if ok is False else "➖")
        put(f"- [{'x' if ok else ' '}] {mark} {text}")
    put("")

    put("## Throughput and latency (medians)\n")
    for scenario in [s for s in SCENARIOS if s.key in args.scenarios]:
        put(f"### {scenario.title}\n")
        if scenario.key == "mixed":
            put(
                f"`bench/lua/mixed.lua`: per wrk thread, {MIX_IDS} persons cycled through PUT "
                "Image (20 KB PNG) → GET ImageInfo → GET Image?ifBlank=ClearPixel → PUT "
                "ImageInfo (JSON) → DELETE Image; req/s counts every request of the sequence.\n"
            )
        else:
            put(f"`{scenario.method} {scenario.path}` (`bench/lua/{scenario.lua}`)\n")
        header = ["server"]
        for conns in args.conns:
            header += [
                f"c{conns} req/s",
                "× ceiling",
                "× Prism silent",
                f"c{conns} p50 ms",
                f"c{conns} p99 ms",
            ]
        header += ["c16 spread" if 16 in args.conns else "spread"]
        put("| " + " | ".join(header) + " |")
        put("|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|")
        for name in names:
            row = [name]
            spread = None
            for conns in args.conns:
                found = cell(name, scenario.key, conns)
                if not found:
                    row += ["not run"] + ["–"] * 4
                    continue
                mark = ""
                if found["flagged"]:
                    mark = " ⚠⚠" if found["all_flagged"] else f" ⚠{found['flagged']}"
                row += [
                    _fmt(found["rps"], 0) + mark,
                    _fmt(_ratio(found["rps"], rps(CEILING, scenario.key, conns)), 2),
                    _fmt(_ratio(found["rps"], rps(PRISM_SILENT, scenario.key, conns)), 2),
                    _fmt(found["p50_ms"], 2),
                    _fmt(found["p99_ms"], 2),
                ]
                spread = found["spread"]
            row.append(_fmt(spread * 100, 0, " %") if spread is not None else "–")
            put("| " + " | ".join(row) + " |")
        put("")

    put("## Startup and memory (medians)\n")
    low, high = args.mem_requests // 10, args.mem_requests
    put(
        f"RSS is summed over the process tree (`/proc/PID/status` VmRSS), read after the server "
        f"went idle. The {low:,} / {high:,} requests are the mixed sequence at c16 (wrk stops "
        f"each thread after its share, `BENCH_STOP_AFTER`). Per stored MB: {args.store_mb} "
        "pictures of 1 MB (random-noise PNG) stored under different ids; RSS delta ÷ bytes "
        "stored.\n"
    )
    put(
        f"| server | first 200 (ms) | × ceiling | RSS idle (MB) | RSS after {low:,} (MB) | "
        f"RSS after {high:,} (MB) | growth | RSS per stored MB |"
    )
    put("|---|---:|---:|---:|---:|---:|---:|---:|")
    ceiling_start = servers.get(CEILING, {}).get("startup_ms")
    for name in names:
        entry = servers.get(name)
        if not entry:
            put(f"| {name} | not run: {specs[name].missing or 'see notes'} | | | | | | |")
            continue
        growth = entry.get("rss_growth")
        put(
            f"| {name} | {_fmt(entry['startup_ms'], 0)} | "
            f"{_fmt(_ratio(entry['startup_ms'], ceiling_start), 2)} | "
            f"{_fmt(entry['rss_idle_mb'], 1)} | {_fmt(entry.get('rss_low_mb'), 1)} | "
            f"{_fmt(entry.get('rss_high_mb'), 1)} | "
            f"{_fmt(growth * 100 if growth is not None else None, 1, ' %')} | "
            f"{_fmt(entry.get('rss_per_stored_mb'), 2)} |"
        )
    put("")

    put("## Where mockso spends its time (py-spy)\n")
    if not profiles:
        put("Not profiled (`--no-profile`, or py-spy missing: see notes).\n")
    for key, prof in profiles.items():
        title = BY_KEY[key].title
        if "error" in prof:
            put(f"### {title}\n\nNot profiled: {prof['error']}\n")
            continue
        put(f"### {title}\n")
        share = 100 * prof["request_path_samples"] / max(prof["samples"], 1)
        put(
            f"`py-spy record --gil --rate 250 --function` for {args.profile_seconds} s under "
            f"`wrk -t2 -c16` ({prof['rps_under_profiler']:,.0f} req/s while sampled, the "
            f"profiler slows it). {prof['samples']:,} samples, each of the thread holding the "
            "GIL (time with the GIL released, in socket calls, is not sampled); percentages are "
            f"of all of them. {share:.0f} % were in a worker thread serving a request "
            "(under cheroot's `HTTPConnection.communicate`); the rest is mostly cheroot's "
            "connection-manager loop in the main thread (`ConnectionManager._run`).\n"
        )
        put(
            "| own time, all samples | % of all | own time, serving a request | % of those "
            "| inclusive, mockso functions | % of all |"
        )
        put("|---|---:|---|---:|---|---:|")
        columns = [prof["self"], prof.get("self_serving", []), prof["inclusive_mockso"]]
        for index in range(max(len(column) for column in columns)):
            cells = []
            for column in columns:
                name, pct = column[index] if index < len(column) else ("", "")
                cells += [f"`{name}`" if name else "", str(pct)]
            put("| " + " | ".join(cells) + " |")
        put("")
        put(
            "Own time by package: "
            + ", ".join(f"{name} {pct} %" for name, pct in prof["packages"])
            + "\n"
        )

    put("## Notes\n")
    notes = list(bench.notes)
    for record in records:
        for problem in record["problems"]:
            notes.append(f"{record['server']} round {record['round']}: {problem}")
    flagged = [
        run
        for record in records
        for run in record["runs"]
        if run["flag"] or not run["idle_reached"]
    ]
    loads = [run["loadavg"] for record in records for run in record["runs"] if "loadavg" in run]
    if loads:
        notes.append(
            f"1-minute load average just before the measured runs: median "
            f"{statistics.median(loads):.2f}, max {max(loads):.2f} on {os.cpu_count()} CPUs "
            "(anything above ~1.3 means other work shared the machine and the figures are noisier)."
        )
    if not any(record["problems"] for record in records):
        put("- Every request was answered 2xx by every server in the smoke checks.")
    for note in notes:
        put(f"- {note}")
    put("")
    put("### Flagged runs\n")
    if not flagged:
        put(
            "None: no run had an HTTP error, a socket error or a timeout, and every server "
            "went idle before each run.\n"
        )
    for run in flagged:
        reason = run["flag"] or f"server not idle after {run['idle_wait_s']} s"
        put(f"- round {run['round']}, {run['server']}, {run['scenario']} c{run['conns']}: {reason}")
    put("")

    put("## Machine\n")
    put("| | |")
    put("|---|---|")
    for key, value in facts.items():
        put(f"| {key} | {value} |")
    put("")
    return "\n".join(out)


def evaluate_goals(
    cells: dict[str, Any], servers: dict[str, Any], args: argparse.Namespace
) -> list[tuple[bool | None, str]]:
    def rps(server: str, scenario: str, conns: int = 16) -> float | None:
        found = cells.get(f"{server}|{scenario}|{conns}")
        return found["rps"] if found else None

    def p99(server: str, scenario: str) -> float | None:
        found = cells.get(f"{server}|{scenario}|16")
        return found["p99_ms"] if found else None

    goals: list[tuple[bool | None, str]] = []

    def ratio_goal(scenario: str, floor: float, label: str) -> None:
        value = _ratio(rps("mockso", scenario), rps(CEILING, scenario))
        if value is None:
            goals.append((None, f"{label} ≥ {floor}× ceiling at c16: not measured"))
            return
        c1 = _ratio(rps("mockso", scenario, 1), rps(CEILING, scenario, 1))
        goals.append(
            (
                value >= floor,
                f"{label} ≥ {floor}× ceiling at c16: **{value:.2f}×** "
                f"({_fmt(rps('mockso', scenario), 0)} vs {_fmt(rps(CEILING, scenario), 0)} req/s; "
                f"c1: {_fmt(c1, 2)}×)",
            )
        )

    ratio_goal("info", 0.7, "GET ImageInfo")
    prism_value = _ratio(rps("mockso", "info"), rps(PRISM_SILENT, "info"))
    goals.append(
        (
            None if prism_value is None else prism_value >= 1.0,
            "GET ImageInfo ≥ Prism silent at c16: "
            + (
                "not measured"
                if prism_value is None
                else f"**{prism_value:.2f}×** "
                f"({_fmt(rps('mockso', 'info'), 0)} vs {_fmt(rps(PRISM_SILENT, 'info'), 0)} req/s)"
            ),
        )
    )
    ratio_goal("put20k", 0.6, "PUT Image 20 KB")
    ratio_goal("post2m", 0.5, "POST Image 2 MB")
    ratio_goal("scaled", 0.5, "GET Image scaled (cached)")
    for scenario in SCENARIOS:
        if not scenario.small:
            continue
        value = p99("mockso", scenario.key)
        label = f"p99 at c16 ≤ 10 ms, {scenario.title}"
        goals.append(
            (None, f"{label}: not measured")
            if value is None
            else (value <= 10.0, f"{label}: **{value:.2f} ms**")
        )
    entry = servers.get("mockso", {})
    startup = entry.get("startup_ms")
    goals.append(
        (None, "first 200 within 0.5 s of start: not measured")
        if startup is None
        else (startup <= 500, f"first 200 within 0.5 s of start: **{startup:.0f} ms**")
    )
    idle = entry.get("rss_idle_mb")
    goals.append(
        (None, "RSS idle ≤ 80 MB: not measured")
        if idle is None
        else (idle <= 80, f"RSS idle ≤ 80 MB: **{idle:.1f} MB**")
    )
    per_mb = entry.get("rss_per_stored_mb")
    goals.append(
        (None, "RSS ≤ 1.1 MB per stored MB: not measured")
        if per_mb is None
        else (
            per_mb <= 1.1,
            f"RSS ≤ 1.1 MB per stored MB: **{per_mb:.2f} MB** "
            f"({_fmt(entry.get('stored_mb'), 0)} MB stored)",
        )
    )
    growth = entry.get("rss_growth")
    low, high = args.mem_requests // 10, args.mem_requests
    goals.append(
        (None, f"RSS after {high:,} requests within 10 % of after {low:,}: not measured")
        if growth is None
        else (
            abs(growth) <= 0.10,
            f"RSS after {high:,} requests within 10 % of after {low:,}: **{growth * 100:+.1f} %** "
            f"({_fmt(entry.get('rss_low_mb'), 1)} → {_fmt(entry.get('rss_high_mb'), 1)} MB)",
        )
    )
    return goals


# --------------------------------------------------------------------------------------------
# Main


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/bench.py",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
        epilog="Writes bench/results.md and bench/work/results.json. Pass options through make "
        "with BENCH_ARGS, e.g. make bench BENCH_ARGS=--quick.",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="development run: 1 round, 2 s runs, fewer scenarios, smaller memory runs",
    )
    parser.add_argument("--rounds", type=int, help="rounds (default 3; 1 with --quick)")
    parser.add_argument(
        "--duration",
        type=float,
        help="seconds per measured run, wrk -d (default 10; 2 with --quick)",
    )
    parser.add_argument(
        "--warmup",
        type=float,
        help="seconds of wrk -t1 -c4 before each run (default 2; 1 with --quick)",
    )
    parser.add_argument(
        "--servers",
        help="comma-separated subset of: "
        "mockso,prism,prism-silent,wsgi-cheroot,flask-cheroot,wsgi-gunicorn",
    )
    parser.add_argument("--scenarios", help="comma-separated subset of: " + ",".join(BY_KEY))
    parser.add_argument("--conns", default="1,16", help="connection counts (default 1,16)")
    parser.add_argument(
        "--mem-requests",
        type=int,
        help="requests for the RSS-after-load figure (default 100000, 10000 with --quick; "
        "RSS is also read at a tenth of it; 0 skips)",
    )
    parser.add_argument(
        "--mem-bound",
        type=float,
        default=600,
        help="wrk -d bound of each memory run in seconds (default 600)",
    )
    parser.add_argument(
        "--store-mb",
        type=int,
        help="1 MB pictures stored for RSS per stored MB (default 32, 8 with --quick; 0 skips)",
    )
    parser.add_argument(
        "--mem-rounds",
        type=int,
        help="rounds that also measure the memory figures (default: every round)",
    )
    parser.add_argument(
        "--idle-max",
        type=float,
        default=60,
        help="longest wait for an idle server in seconds (default 60)",
    )
    parser.add_argument(
        "--no-install", action="store_true", help="install nothing; use what is there"
    )
    parser.add_argument(
        "--no-profile", action="store_true", help="skip the py-spy profile of mockso"
    )
    parser.add_argument(
        "--profile-seconds",
        type=int,
        help="seconds of py-spy sampling per profiled scenario (default 10, 4 with --quick)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=BENCH / "results.md",
        help="markdown report (default bench/results.md)",
    )
    parser.add_argument(
        "--json",
        type=Path,
        default=WORK / "results.json",
        help="raw results (default bench/work/results.json)",
    )
    args = parser.parse_args(argv)
    args.argv = argv
    quick = args.quick
    args.rounds = args.rounds or (1 if quick else 3)
    args.duration = args.duration or (2.0 if quick else 10.0)
    args.warmup = args.warmup or (1.0 if quick else 2.0)
    args.mem_requests = (
        args.mem_requests if args.mem_requests is not None else (10_000 if quick else 100_000)
    )
    args.mem_rounds = args.mem_rounds or args.rounds
    args.store_mb = args.store_mb if args.store_mb is not None else (8 if quick else 32)
    args.profile_seconds = args.profile_seconds or (4 if quick else 10)
    all_servers = [
        "mockso", "prism", "prism-silent", "wsgi-cheroot", "flask-cheroot", "wsgi-gunicorn"
    ]  # fmt: skip
    args.servers = args.servers.split(",") if args.servers else all_servers
    args.scenarios = (
        args.scenarios.split(",")
        if args.scenarios
        else [s.key for s in SCENARIOS if s.quick or not quick]
    )
    args.conns = [int(c) for c in args.conns.split(",")]
    for name in args.servers:
        if name not in all_servers:
            parser.error(f"unknown server {name!r}")
    for key in args.scenarios:
        if key not in BY_KEY:
            parser.error(f"unknown scenario {key!r}")
    return args


def server_specs(prism_missing: str | None, gunicorn_missing: str | None) -> dict[str, ServerSpec]:
    prism = [str(PRISM), "mock", str(CONTRACT), "-h", HOST]
    gunicorn_flags = []
    if not gunicorn_missing and (VENV_BIN / "gunicorn").exists():  # not asked for: not installed
        helptext = _run([str(VENV_BIN / "gunicorn"), "--help"], timeout=60).stdout
        if "--no-control-socket" in helptext:
            gunicorn_flags.append("--no-control-socket")  # nothing written outside bench/
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
            "`mockso.server.Server` (cheroot, same thread count)",
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
        shutil.rmtree(SNAPSHOT, ignore_errors=True)
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
        shutil.copytree(ROOT / "mockso", SNAPSHOT / "mockso", ignore=ignore)
        shutil.copytree(ROOT / "contracts", SNAPSHOT / "contracts", ignore=ignore)
        check = _run(
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
        if check.returncode == 0:
            return None
        reason = _tail(check.stderr, 2)
    return reason


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


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """SIGTERM (e.g. from make being stopped) unwinds like Ctrl-C, so the servers are stopped."""

    def _interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        Proc.stop_all()
        signal.signal(signal.SIGTERM, previous)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(list(sys.argv[1:] if argv is None else argv))
    notes: list[str] = []
    with stop_on_signals():
        wrk = ensure_wrk(notes) if not args.no_install else shutil.which("wrk")
        if not wrk:
            print(
                "bench: wrk is not available; nothing can be measured.",
                *notes,
                sep="\n",
                file=sys.stderr,
            )
            return 1
        if args.no_install:
            prism_missing = None if PRISM.exists() else "Prism not installed (--no-install)"
            gunicorn_missing = (
                None
                if (VENV_BIN / "gunicorn").exists()
                else "gunicorn not installed (--no-install)"
            )
            pyspy_missing = (
                None if (VENV_BIN / "py-spy").exists() else "py-spy not installed (--no-install)"
            )
        else:
            prism_missing = (
                ensure_prism(notes) if {"prism", "prism-silent"} & set(args.servers) else None
            )
            gunicorn_missing = (
                ensure_pip("gunicorn", "gunicorn", notes)
                if "wsgi-gunicorn" in args.servers
                else None
            )
            pyspy_missing = None if args.no_profile else ensure_pip("py-spy", "py-spy", notes)
        taskset = shutil.which("taskset")
        if not taskset:
            notes.append("taskset is missing: servers and wrk ran unpinned.")
        if (os.cpu_count() or 1) < 2:
            notes.append("fewer than 2 CPUs: server and wrk share a core.")
        facts = machine_facts(prism_missing, wrk)  # at the start: mockso/ may change later
        broken = snapshot_tree()
        if broken:
            print(f"bench: mockso/ or the contract does not load: {broken}", file=sys.stderr)
            return 1
        pictures = make_pictures()
        notes.append(
            "Pictures: "
            + ", ".join(
                f"{key} {pictures[key].stat().st_size:,} bytes"
                for key in ("png20k", "jpeg2m", "png1m")
            )
            + " (random noise, Pillow)."
        )
        bench = Bench(args, wrk, pictures, taskset, notes)
        specs = server_specs(prism_missing, gunicorn_missing)
        env = server_env(pictures)
        scenarios = [BY_KEY[key] for key in args.scenarios]
        runnable = [name for name in args.servers if not specs[name].missing]
        for name in args.servers:
            if specs[name].missing:
                notes.append(f"{name} not run: {specs[name].missing}")
        records: list[dict[str, Any]] = []
        for round_no in range(1, args.rounds + 1):
            shift = (round_no - 1) % max(len(runnable), 1)
            order = runnable[shift:] + runnable[:shift]
            log(f"round {round_no}/{args.rounds}: {', '.join(order)}")
            for name in order:
                records.append(measure_server(bench, specs[name], round_no, scenarios, env))
                _dump(args.json, args, records, {}, {})  # partial results survive a crash
        profiles: dict[str, Any] = {}
        if not args.no_profile:
            if pyspy_missing:
                notes.append(f"not profiled: {pyspy_missing}")
            else:
                profiles = profile_mockso(bench, specs["mockso"], env)
        wall = time.monotonic() - START
        _dump(args.json, args, records, profiles, facts, wall)
        report = write_report(bench, specs, records, profiles, facts, wall)
        args.out.write_text(report, encoding="utf-8")
        log(f"wrote {args.out} and {args.json} in {wall / 60:.1f} min")
    return 0


def _dump(
    path: Path,
    args: argparse.Namespace,
    records: list[dict[str, Any]],
    profiles: dict[str, Any],
    facts: dict[str, str],
    wall: float | None = None,
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    options = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}
    payload = {
        "options": options,
        "wall_seconds": wall,
        "machine": facts,
        "records": records,
        "summary": aggregate(records),
        "profiles": profiles,
    }
    path.write_text(json.dumps(payload, indent=1), encoding="utf-8")


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("bench: interrupted; every server it started is stopped.", file=sys.stderr)
        sys.exit(130)
