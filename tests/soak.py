"""Memory stays bounded: 100,000 requests to one server leave its RSS within 10% of where it was
after the first 10,000.

A benchmark-style check that ``make fuzz`` runs (not part of ``make test``): it starts
``mockso serve`` on 127.0.0.1 (a free port) with the settings' caps made small enough to be
reached early (a 1,000-request journal, a 512 KiB cache of scaled pictures), drives it from a few
client threads with every kind of request over 50 persons (saves that replace pictures, reads,
scaled reads whose cache keys never repeat once a picture is replaced, ImageInfo updates,
deletes, refused requests), reads the server's RSS from /proc after 10,000 and after 100,000
requests, prints the figures and exits non-zero when memory grew by more than 10% or when the
run does not finish within its time limit. It stops the server it started, whatever happens.

    python tests/soak.py [--requests 100000] [--warmup 10000] [--limit-seconds 900]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import requests
from PIL import Image

AUTH = {"Authorization": "Basic dGplMDpUamUw"}
PEOPLE = 50
CLIENTS = 4
GROWTH_ALLOWED = 0.10


def pictures() -> list[tuple[bytes, str]]:
    made = []
    for index in range(24):
        fmt, mime = [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("GIF", "image/gif")][index % 3]
        buffer = io.BytesIO()
        Image.new("RGB", (16 + index, 12 + index), (index * 10, 80, 200 - index)).save(buffer, fmt)
        made.append((buffer.getvalue(), mime))
    return made


def rss_kib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    if found is None:
        raise RuntimeError(f"no VmRSS for process {pid}")
    return int(found.group(1))


def one_request(session: requests.Session, base: str, rng: random.Random, pool: list) -> int:
    person = f"{base}/api/v1/Person/{rng.randint(1, PEOPLE)}"
    roll = rng.random()
    if roll < 0.25:
        data, mime = rng.choice(pool)
        response = session.put(f"{person}/Image", data=data, headers={"Content-Type": mime})
    elif roll < 0.40:
        response = session.get(f"{person}/Image", params={"ifBlank": "ClearPixel"})
    elif roll < 0.55:
        size = rng.choice([8, 16, 24, 32, 48])
        response = session.get(f"{person}/Image", params={"w": size, "ifBlank": "SrNoPhoto"})
    elif roll < 0.70:
        response = session.get(f"{person}/ImageInfo")
    elif roll < 0.85:
        text = "".join(rng.choice("abcdefghij") for _ in range(rng.randint(0, 200)))
        response = session.put(f"{person}/ImageInfo", json={"Description": text})
    elif roll < 0.95:
        response = session.delete(f"{person}/Image")
    else:  # refused: a truncated picture, a bad width, no credentials
        choice = rng.randint(0, 2)
        if choice == 0:
            response = session.put(
                f"{person}/Image", data=pool[0][0][:30], headers={"Content-Type": "image/png"}
            )
        elif choice == 1:
            response = session.get(f"{person}/Image", params={"w": 0})
        else:
            response = requests.get(f"{person}/ImageInfo", timeout=10)
    return response.status_code


def drive(base: str, count: int, seed: int, statuses: Counter[int], pool: list) -> None:
    """``count`` requests from ``CLIENTS`` threads, each with its own keep-alive session."""
    share, errors = count // CLIENTS, []

    def client(number: int) -> None:
        rng = random.Random(seed * 100 + number)
        with requests.Session() as session:
            session.headers.update(AUTH)
            try:
                for _ in range(share + (1 if number < count % CLIENTS else 0)):
                    status = one_request(session, base, rng, pool)
                    with lock:
                        statuses[status] += 1
            except Exception as error:
                errors.append(error)

    lock = threading.Lock()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--warmup", type=int, default=10_000)
    parser.add_argument("--limit-seconds", type=float, default=900)
    args = parser.parse_args(argv)

    environment = {k: v for k, v in os.environ.items() if not k.startswith("MOCKSO_")}
    environment |= {"MOCKSO_JOURNAL_SIZE": "1000", "MOCKSO_SCALED_CACHE_BYTES": str(2**19)}
    command = [sys.executable, "-m", "mockso", "serve", "--port", "0", "--seed", "1"]
    server = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=environment
    )
    started = time.monotonic()
    printed: list[str] = []
    try:
        assert server.stdout is not None
        banner = server.stdout.readline()
        found = re.search(r"on (http://127\.0\.0\.1:\d+)", banner)
        if found is None:
            print(f"soak: the server did not start: {banner!r}", file=sys.stderr)
            return 2
        base = found.group(1)
        # Whatever the server prints from here on is drained, so that it never blocks on a full
        # pipe, and kept for a failure report.
        drain = threading.Thread(target=lambda: printed.extend(server.stdout or []), daemon=True)
        drain.start()
        pool = pictures()
        statuses: Counter[int] = Counter()
        timer = threading.Timer(args.limit_seconds, server.kill)  # bounded, whatever happens
        timer.start()
        try:
            drive(base, args.warmup, 1, statuses, pool)
            after_warmup = rss_kib(server.pid)
            warmed = time.monotonic()
            samples = {args.warmup: after_warmup}
            done, step = args.warmup, args.warmup
            while done < args.requests:
                count = min(step, args.requests - done)
                drive(base, count, 2 + done, statuses, pool)
                done += count
                samples[done] = rss_kib(server.pid)
            after_all = samples[done]
        finally:
            timer.cancel()
        finished = time.monotonic()
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()

    growth = after_all / after_warmup - 1
    figures = {
        "requests": sum(statuses.values()),
        "seconds": round(finished - started, 1),
        "requests_per_second": round((args.requests - args.warmup) / (finished - warmed)),
        "rss_kib_after_warmup": after_warmup,
        "rss_kib_after_all": after_all,
        "growth_percent": round(growth * 100, 2),
        "rss_kib_by_requests": samples,
        "statuses": dict(sorted(statuses.items())),
        "server_output_lines": len(printed),
    }
    print(json.dumps(figures, indent=2))
    server_errors = sum(n for status, n in statuses.items() if status >= 500)
    if server_errors:
        print(f"soak: {server_errors} answers were 5xx", file=sys.stderr)
        print("".join(printed[-40:]), file=sys.stderr)
        return 1
    if growth > GROWTH_ALLOWED:
        print(f"soak: RSS grew {growth:.1%}, more than {GROWTH_ALLOWED:.0%}", file=sys.stderr)
        return 1
    print(f"soak: RSS within {GROWTH_ALLOWED:.0%} ({growth:+.1%}) over {args.requests} requests")
    return 0


if __name__ == "__main__":
    sys.exit(main())
