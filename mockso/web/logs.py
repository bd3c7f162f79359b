"""The access log of ``mockso serve``: one JSON line per request, written off the request path.

Formatted and written one by one on the request's thread, the access log cost about an eighth
of the server's CPU time per small kept answer in ``make bench`` (a LogRecord, a JSON encoding
and a write per request, on cold caches between requests). Here a request only appends its
journal record to a queue; one background thread turns what has gathered into lines and writes
them in one call every ``interval`` seconds, or at once when ``max_lines`` wait. ``close``
(called when the server stops, and at exit) writes the rest, so nothing is lost on a normal
stop. Embedders who want the lines elsewhere use the ``mockso.access`` logger instead. No Flask
import.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import sys
import threading
from collections import deque
from typing import TextIO

from mockso.core.journal import Record

INTERVAL = 0.1  # seconds a line may wait: below what a person watching the log notices
MAX_LINES = 1000  # this many waiting wake the writer early, so the queue stays short


def access_line(record: Record) -> str:
    """The JSON line for one request."""
    fields = {
        "namespace": record.namespace,
        "method": record.method,
        "path": record.path,
        "operationId": record.operation_id,
        "status": record.status,
        "ms": record.duration_ms,
        "fault": record.fault,
        # Where the request leaned on the real server's leniency (core.framework); usually none.
        "deviations": list(record.deviations),
    }
    return json.dumps(fields, separators=(",", ":"))


class AccessLines:
    """Call it with each request's record; its thread writes the lines to ``stream``."""

    def __init__(
        self, stream: TextIO | None = None, interval: float = INTERVAL, max_lines: int = MAX_LINES
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.interval = interval
        self.max_lines = max_lines
        self._queue: deque[Record] = deque()  # append and popleft are atomic: no lock per call
        self._writing = threading.Lock()
        self._wake = threading.Event()
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mockso-access-log", daemon=True)
        self._thread.start()
        atexit.register(self.close)

    def __call__(self, record: Record) -> None:
        self._queue.append(record)
        if len(self._queue) >= self.max_lines:
            self._wake.set()

    def flush(self) -> None:
        """Write every waiting line now, in the order the requests were recorded."""
        with self._writing:
            lines = []
            while self._queue:
                lines.append(access_line(self._queue.popleft()))
            if lines:
                self.stream.write("\n".join(lines) + "\n")
                self.stream.flush()

    def close(self) -> None:
        """Stop the thread and write the rest; safe to call more than once."""
        self._closed.set()
        self._wake.set()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
        with contextlib.suppress(OSError, ValueError):  # the stream is gone (a closed pipe)
            self.flush()

    def _run(self) -> None:
        while not self._closed.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            try:
                self.flush()
            except (OSError, ValueError):  # the stream is gone: nobody is reading any more
                return
