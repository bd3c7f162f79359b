"""The rounds: each server started alone, measured (startup, memory, scenarios) and stopped.

A server's record holds its figures, its wrk runs and the problems seen; the server order
rotates from round to round, and the records are saved after each server so a crash keeps them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.common import SERVER_CPU
from bench.common import STORE_ID0
from bench.common import log
from bench.load import Bench
from bench.processes import Proc
from bench.processes import first_200
from bench.processes import free_port
from bench.processes import fresh_log
from bench.processes import request
from bench.processes import tree_rss_kb
from bench.processes import wait_idle
from bench.results import dump
from bench.scenarios import Scenario
from bench.scenarios import prepare
from bench.scenarios import smoke
from bench.servers import ServerSpec


def run_rounds(
    bench: Bench,
    specs: dict[str, ServerSpec],
    runnable: list[str],
    scenarios: list[Scenario],
    env: dict[str, str],
) -> list[dict[str, Any]]:
    """Every round over the runnable servers, the order rotated each round; their records."""
    args = bench.args
    records: list[dict[str, Any]] = []
    for round_no in range(1, args.rounds + 1):
        shift = (round_no - 1) % max(len(runnable), 1)
        order = runnable[shift:] + runnable[:shift]
        log(f"round {round_no}/{args.rounds}: {', '.join(order)}")
        for name in order:
            records.append(measure_server(bench, specs[name], round_no, scenarios, env))
            dump(args.json, args, records, {}, {})  # partial results survive a crash
    return records


def measure_server(
    bench: Bench, spec: ServerSpec, round_no: int, scenarios: list[Scenario], env: dict[str, str]
) -> dict[str, Any]:
    """Start one server, measure it, stop it; its record."""
    args = bench.args
    record: dict[str, Any] = {"server": spec.name, "round": round_no, "runs": [], "problems": []}
    port = free_port()
    log_path = fresh_log(f"{spec.name}-round{round_no}.log")
    argv = bench.pin(SERVER_CPU, spec.argv(port))
    record["command"] = " ".join(argv)
    proc = Proc(spec.name, argv, env, log_path)
    try:
        if not measure_startup(bench, proc, port, record):
            return record
        measured_memory = round_no <= args.mem_rounds and args.mem_requests
        if measured_memory:
            measure_memory_under_load(bench, proc, port, record)
        elif args.server_warmup:
            # The memory run's load warms a JIT (WireMock's Java); without it, this does, so a
            # server is never measured cold in one round and warm in another.
            bench.wrk_run(port, "mixed.lua", 4, args.server_warmup, threads=1)
        if round_no <= args.mem_rounds and args.store_mb:
            measure_memory_per_stored_mb(bench, proc, port, record)
        record["problems"].extend(prepare(port, bench.pictures))
        for scenario in scenarios:
            refused = smoke(port, scenario, bench.pictures)
            record["problems"].extend(f"[{scenario.key}] {line}" for line in refused)
            for conns in args.conns:
                record["runs"].append(measured_run(bench, proc, port, record, scenario, conns))
        record["rss_end_kb"] = tree_rss_kb(proc.pid)
        return record
    finally:
        proc.stop()


def measure_startup(bench: Bench, proc: Proc, port: int, record: dict[str, Any]) -> bool:
    """Time to the first 200, then RSS once idle; False when the server never answered."""
    startup = first_200(proc, port)
    if startup is None:
        record["problems"].append(f"no 200 on GET ImageInfo within 120 s (log: {proc.log_path})")
        return False
    record["startup_s"] = startup
    record["ready_line"] = ready_line(proc.log_path)
    log(f"{proc.name}: first 200 after {startup * 1000:.0f} ms (pid {proc.pid})")
    record["idle_wait_after_start_s"] = wait_idle(proc.pid, bench.args.idle_max)[0]
    record["rss_idle_kb"] = tree_rss_kb(proc.pid)
    return True


def ready_line(log_path: Path) -> str | None:
    """The first line the server logged with its URL in it (what it says it serves on)."""
    try:
        text = log_path.read_text(errors="replace")
    except OSError:
        return None
    return next((line.strip() for line in text.splitlines() if "http://" in line), None)


def measure_memory_under_load(bench: Bench, proc: Proc, port: int, record: dict[str, Any]) -> None:
    """RSS after a tenth of --mem-requests and after all of them (the mixed sequence)."""
    args = bench.args
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
        f"{proc.name}: RSS idle {record['rss_idle_kb'] / 1024:.1f} MB, after {reached:,} "
        f"requests {record[f'rss_after_{args.mem_requests}_kb'] / 1024:.1f} MB"
    )


def measure_memory_per_stored_mb(
    bench: Bench, proc: Proc, port: int, record: dict[str, Any]
) -> None:
    """RSS growth per MB stored: --store-mb pictures of 1 MB under different ids."""
    wait_idle(proc.pid, bench.args.idle_max)
    before = tree_rss_kb(proc.pid)
    stored = store_pictures(port, bench.pictures["png1m"], bench.args.store_mb, record)
    wait_idle(proc.pid, bench.args.idle_max)
    after = tree_rss_kb(proc.pid)
    record.update(rss_store_before_kb=before, rss_store_after_kb=after, stored_bytes=stored)
    if stored:
        record["rss_per_stored_mb"] = (after - before) * 1024 / stored


def store_pictures(port: int, path: Path, count: int, record: dict[str, Any]) -> int:
    """PUT the picture under ``count`` ids until one fails; the bytes stored."""
    picture = path.read_bytes()
    stored = 0
    for index in range(count):
        status, answer = request(
            port, "PUT", f"/api/v1/Person/{STORE_ID0 + index}/Image", picture, "image/png"
        )
        if not 200 <= status < 300:
            record["problems"].append(f"storing 1 MB picture {index}: {status} {answer[:200]!r}")
            break
        stored += len(picture)
    return stored


def measured_run(
    bench: Bench,
    proc: Proc,
    port: int,
    record: dict[str, Any],
    scenario: Scenario,
    conns: int,
) -> dict[str, Any]:
    """A warm-up, a wait until idle, then the measured wrk run; its result."""
    args = bench.args
    bench.wrk_run(port, scenario.lua, 4, args.warmup, threads=1)
    waited, idle = wait_idle(proc.pid, args.idle_max)
    load = float(Path("/proc/loadavg").read_text().split()[0])
    result = bench.wrk_run(port, scenario.lua, conns, args.duration)
    result.update(
        loadavg=load,
        server=record["server"],
        round=record["round"],
        scenario=scenario.key,
        conns=conns,
        idle_wait_s=round(waited, 2),
        idle_reached=idle,
    )
    log(
        f"{proc.name} {scenario.key} c{conns}: {result['rps']:,.0f} req/s, "
        f"p50 {result.get('p50_us', 0) / 1000:.2f} ms, "
        f"p99 {result.get('p99_us', 0) / 1000:.2f} ms"
        + (f"  FLAGGED: {result['flag']}" if result["flag"] else "")
    )
    return result
