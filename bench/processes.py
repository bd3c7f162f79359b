"""Server processes: started in their own group, watched through /proc, stopped by their pid.

Only processes the bench started are ever signalled: each one's pid, then its own process group
(e.g. gunicorn's workers). The HTTP helpers talk to 127.0.0.1 only.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

from bench.common import AUTH
from bench.common import HOST
from bench.common import LOGS
from bench.common import SNAPSHOT
from bench.common import log


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


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """SIGTERM (e.g. from make being stopped) unwinds like Ctrl-C, so the servers are stopped."""

    def _interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        Proc.stop_all()
        signal.signal(signal.SIGTERM, previous)


def fresh_log(name: str) -> Path:
    """bench/work/logs/``name``, emptied."""
    LOGS.mkdir(parents=True, exist_ok=True)
    path = LOGS / name
    path.unlink(missing_ok=True)
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


# --------------------------------------------------------------------------------------------
# CPU and memory of a process tree, from /proc


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
    tree: list[int] = []
    todo = [root]
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


# --------------------------------------------------------------------------------------------
# Requests


def request(
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    content_type: str | None = None,
    timeout: float = 60,
) -> tuple[int, bytes]:
    """One request to 127.0.0.1:``port`` with the bench's credentials; (status, body)."""
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
