"""``python -m bench``: the command line of ``make bench``, and the order of its steps."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import bench
from bench.common import BENCH
from bench.common import CONTRACT
from bench.common import START
from bench.common import WIREMOCK_ROOT
from bench.common import WORK
from bench.common import log
from bench.install import find_optional
from bench.install import find_taskset
from bench.install import find_wrk
from bench.load import Bench
from bench.machine import machine_facts
from bench.peers import write_wiremock_root
from bench.processes import stop_on_signals
from bench.profiling import profile_mockso
from bench.report import write_report
from bench.results import dump
from bench.rounds import run_rounds
from bench.scenarios import BY_KEY
from bench.scenarios import SCENARIOS
from bench.scenarios import make_pictures
from bench.servers import ALL_SERVERS
from bench.servers import DEFAULT_SERVERS
from bench.servers import server_env
from bench.servers import server_specs
from bench.servers import snapshot_tree


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=bench.__doc__.split("\n\n")[0] if bench.__doc__ else None,
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
        "--server-warmup",
        type=float,
        help="seconds of the mixed sequence (wrk -t1 -c4) after start when the round has no "
        "memory run (default 10; 3 with --quick)",
    )
    parser.add_argument(
        "--servers",
        help="comma-separated subset of: "
        + ",".join(ALL_SERVERS)
        + " (default: all but "
        + ",".join(name for name in ALL_SERVERS if name not in DEFAULT_SERVERS)
        + ")",
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
        "--profile-server",
        default="mockso",
        help="the server py-spy profiles (default mockso; e.g. mockso-granian)",
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
    return parser


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The options, with the defaults that depend on --quick filled in and the lists split."""
    command = build_parser()
    args = command.parse_args(argv)
    args.argv = argv
    quick = args.quick
    args.rounds = args.rounds or (1 if quick else 3)
    args.duration = args.duration or (2.0 if quick else 10.0)
    args.warmup = args.warmup or (1.0 if quick else 2.0)
    args.server_warmup = (
        args.server_warmup if args.server_warmup is not None else (3.0 if quick else 10.0)
    )
    args.mem_requests = (
        args.mem_requests if args.mem_requests is not None else (10_000 if quick else 100_000)
    )
    args.mem_rounds = args.mem_rounds or args.rounds
    args.store_mb = args.store_mb if args.store_mb is not None else (8 if quick else 32)
    args.profile_seconds = args.profile_seconds or (4 if quick else 10)
    args.servers = args.servers.split(",") if args.servers else list(DEFAULT_SERVERS)
    args.scenarios = (
        args.scenarios.split(",")
        if args.scenarios
        else [s.key for s in SCENARIOS if s.quick or not quick]
    )
    args.conns = [int(c) for c in args.conns.split(",")]
    for name in args.servers:
        if name not in ALL_SERVERS:
            command.error(f"unknown server {name!r}")
    if args.profile_server not in ALL_SERVERS:
        command.error(f"unknown server {args.profile_server!r}")
    for key in args.scenarios:
        if key not in BY_KEY:
            command.error(f"unknown scenario {key!r}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(list(sys.argv[1:] if argv is None else argv))
    with stop_on_signals():
        return run_bench(args)


def run_bench(args: argparse.Namespace) -> int:
    """Tools, snapshot and pictures, the rounds, the profile, then the report; the exit code."""
    notes: list[str] = []
    wrk = find_wrk(args, notes)
    if not wrk:
        print(
            "bench: wrk is not available; nothing can be measured.",
            *notes,
            sep="\n",
            file=sys.stderr,
        )
        return 1
    missing = find_optional(args, notes)
    taskset = find_taskset(notes)
    facts = machine_facts(missing, wrk)  # at the start: mockso/ may change later
    broken = snapshot_tree()
    if broken:
        print(f"bench: mockso/ or the contract does not load: {broken}", file=sys.stderr)
        return 1
    pictures = make_pictures()
    notes.append(
        "Pictures: "
        + ", ".join(
            f"{key} {pictures[key].stat().st_size:,} bytes" for key in ("png20k", "jpeg2m", "png1m")
        )
        + " (random noise, Pillow)."
    )
    session = Bench(args, wrk, pictures, taskset, notes)
    specs = server_specs(missing, pictures)
    env = server_env(pictures)
    runnable = [name for name in args.servers if not specs[name].missing]
    if "wiremock" in runnable:
        write_wiremock_root(WIREMOCK_ROOT, CONTRACT, pictures)
    notes.extend(
        f"{name} not run: {specs[name].missing}" for name in args.servers if name not in runnable
    )
    scenarios = [BY_KEY[key] for key in args.scenarios]
    records = run_rounds(session, specs, runnable, scenarios, env)
    profiles: dict[str, Any] = {}
    if not args.no_profile:
        profiled = specs[args.profile_server]
        if missing.pyspy or profiled.missing:
            notes.append(f"not profiled: {missing.pyspy or profiled.missing}")
        else:
            profiles = profile_mockso(session, profiled, env)
    wall = time.monotonic() - START
    dump(args.json, args, records, profiles, facts, wall)
    args.out.write_text(
        write_report(session, specs, records, profiles, facts, wall), encoding="utf-8"
    )
    log(f"wrote {args.out} and {args.json} in {wall / 60:.1f} min")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("bench: interrupted; every server it started is stopped.", file=sys.stderr)
        sys.exit(130)
