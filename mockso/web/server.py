"""The HTTP server of a mockso app: granian's Rust HTTP stack in this process, the app on threads.

One process, because the state lives in memory and every request must see it, and the control
API, ``MockServer`` and the pytest fixtures read that state in process. granian's own server
classes run a WSGI app only in child processes (threads need a free-threaded Python), so this
module drives granian's WSGI worker itself, as granian's thread-mode server does: a Rust runtime
(tokio and hyper) accepts, parses and writes HTTP/1.1 and HTTP/2, plain or TLS, and calls the app
on a pool of Python threads. granian is held below its next minor version (``setup.cfg``): the
worker's constructor is not a public API, and ``tests/test_server.py`` pins what this relies on.

Slow clients cost no thread while they send their headers (tokio waits for them, up to
``HEADER_TIMEOUT``), and granian serves up to ``BACKPRESSURE`` connections at once. A body is
read while the app runs, so each read of it runs on a reader thread while the app's thread waits
at most ``read_timeout`` seconds in all: a body that stops arriving gets a 408 error object with
``Connection: close`` (see ``_Counted`` for what the app's thread still waits for).

The app is called as soon as the headers are in, so an oversized upload is refused from its
Content-Length before a byte of it is read. Requests too broken to reach the app (a malformed
request line, a header line without a colon, control characters in a header value, oversized
headers) are refused by hyper itself, with its own empty 400 (or 431): there is no hook for an
error object there. hyper takes a bare LF as a line end, as RFC 9112 lets a server do.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ctypes.util
import os
import queue
import socket
import ssl
import threading
import time
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from types import TracebackType
from typing import Any

import granian._futures
import granian._granian
import granian.wsgi
from granian.http import HTTP1Settings
from granian.http import HTTP2Settings
from werkzeug.exceptions import RequestTimeout

from mockso.web.faults import WIRE_KEY

# granian's internals, as its own thread-mode server uses them; its type stubs describe an older
# worker than the one it ships, so they are called untyped.
_native: Any = granian._granian
_scheduler: Any = granian._futures._new_cbscheduler
_wsgi_callback: Any = granian.wsgi._callback_wrapper

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

# Connections the kernel queues before granian accepts them.
BACKLOG = 1024
# Connections granian serves at once (it stops accepting beyond that), idle and half-sent ones
# included: tokio holds each for a few kilobytes, so a crowd of slow clients cannot lock the
# others out.
BACKPRESSURE = 4096
# Seconds a client may take to send its request line and headers, and an idle keep-alive
# connection may stay open.
HEADER_TIMEOUT = 10.0
# The largest request head, in bytes (hyper's default read buffer for HTTP/1.1: 431 beyond it).
HEAD_BYTES = HTTP1Settings.max_buffer_size
# Seconds a request's body may take to arrive, counted from the app's first read of it.
READ_TIMEOUT = 30.0
# Threads that may wait on request bodies at once.
READERS = 1024
# Seconds ``stop`` waits for the requests in flight to be answered.
DRAIN_TIMEOUT = 10.0


# glibc's mallopt parameters, and mockso's values: the threshold glibc starts with, and two
# arenas (threads mostly wait on the GIL, so more arenas buy no speed, only resident pages).
_M_MMAP_THRESHOLD, _M_ARENA_MAX = -3, -8
MMAP_THRESHOLD, ARENA_MAX = 128 * 1024, 2


def keep_large_buffers_off_the_heap() -> bool:
    """Tune glibc's allocator so freed upload buffers go back to the system; call before serving.

    glibc raises its mmap threshold to the size of each large block it frees, after which 1 MB
    request bodies come from the heap, which cannot shrink below pictures stored after them; and
    each of the worker threads may get an arena of its own. Measured here with 32 pictures of
    1 MB stored: 1.6 MB of RSS per stored MB by default, 1.06 to 1.12 with the threshold fixed,
    1.02 with two arenas as well. False where the C library is not glibc; nothing changes there.
    """
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(_M_ARENA_MAX, ARENA_MAX)
    )


class Readers:
    """Threads that run body reads, started as needed, up to ``limit``.

    Daemon threads, unlike ``ThreadPoolExecutor``'s: a read stuck on a client that never sends
    the rest of its body must not keep the process from exiting.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.jobs: queue.SimpleQueue[tuple[Future[Any], Callable[..., Any], tuple[Any, ...]] | None]
        self.jobs = queue.SimpleQueue()
        self.idle = threading.Semaphore(0)
        self.count = 0
        self.lock = threading.Lock()

    def submit(self, call: Callable[..., Any], *args: Any) -> Future[Any]:
        future: Future[Any] = Future()
        self.jobs.put((future, call, args))
        if not self.idle.acquire(blocking=False):
            with self.lock:
                if self.count < self.limit:
                    self.count += 1
                    name = f"mockso-body-{self.count}"
                    threading.Thread(target=self._work, name=name, daemon=True).start()
        return future

    def close(self) -> None:
        """End the idle threads (a stuck one ends when its read does)."""
        with self.lock:
            for _ in range(self.count):
                self.jobs.put(None)

    def _work(self) -> None:
        while (job := self.jobs.get()) is not None:
            future, call, args = job
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(call(*args))
                except BaseException as error:
                    future.set_exception(error)
            self.idle.release()


class TimedInput:
    """``wsgi.input`` whose reads give up ``timeout`` seconds after the first one started.

    granian's body reads block until the bytes asked for arrive; each runs on a ``readers``
    thread while the app's thread waits for it with a deadline. A read that misses it raises
    werkzeug's ``RequestTimeout``, which the gateway and the control API answer with a 408
    error object; the stuck read ends when the client sends the rest or goes away.
    """

    def __init__(self, inner: Any, readers: Readers, timeout: float) -> None:
        self.inner = inner
        self.readers = readers
        self.timeout = timeout
        self.deadline: float | None = None
        # The read that missed the deadline, still waiting for its bytes.
        self.stuck: Future[Any] | None = None

    def _wait(self, call: Callable[..., Any], *args: Any) -> Any:
        now = time.monotonic()
        if self.deadline is None:
            self.deadline = now + self.timeout
        late = RequestTimeout(f"The request body did not arrive within {self.timeout:g} seconds")
        if self.stuck is not None:  # the body is out of reach for good
            raise late
        future = self.readers.submit(call, *args)
        try:
            return future.result(timeout=max(self.deadline - now, 0))
        except FutureTimeout:
            self.stuck = future
            raise late from None

    def read(self, size: int | None = None) -> bytes:
        data: bytes = self._wait(self.inner.read, size)
        return data

    def readline(self, size: int | None = None) -> bytes:
        line: bytes = self._wait(self.inner.readline, size)
        return line

    def readlines(self, hint: int | None = None) -> list[bytes]:
        lines: list[bytes] = self._wait(self.inner.readlines, hint)
        return lines

    def __iter__(self) -> Iterator[bytes]:
        while line := self.readline():
            yield line


class _Front:
    """What granian calls: counts requests in flight, times body reads, closes after a 408."""

    def __init__(self, app: WSGIApp, read_timeout: float) -> None:
        self.app = app
        self.read_timeout = read_timeout
        # Threads start only when reads need them. A read that missed its deadline stays
        # stuck until its client sends the rest or goes away, so there are many more readers
        # than app threads: stalled bodies must not starve the reads of the bodies after them.
        self.readers = Readers(READERS)
        self.in_flight = 0
        self.idle = threading.Condition()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        with self.idle:
            self.in_flight += 1
        timed = None
        try:
            environ[WIRE_KEY] = True
            has_body = environ.get("CONTENT_LENGTH") not in (None, "", "0") or (
                "HTTP_TRANSFER_ENCODING" in environ
            )
            timed = self._timed(environ) if has_body else None
            answer = self.app(environ, _closing(timed, environ, start_response))
        except BaseException:
            if timed is not None and timed.stuck is not None:
                _wait_out(timed.stuck)  # as _Counted does, before granian answers the 500
            self.done()
            raise
        if timed is not None and timed.stuck is not None:
            return _Counted(self, answer, timed.stuck)
        if isinstance(answer, list):  # granian sends a list in one piece, and at once
            self.done()
            return answer
        return _Counted(self, answer)

    def _timed(self, environ: dict[str, Any]) -> TimedInput:
        timed = TimedInput(environ["wsgi.input"], self.readers, self.read_timeout)
        environ["wsgi.input"] = timed
        return timed

    def done(self) -> None:
        with self.idle:
            self.in_flight -= 1
            if self.in_flight == 0:
                self.idle.notify_all()

    def drain(self, timeout: float) -> bool:
        """Wait until no request is in flight; False when ``timeout`` ran out first."""
        with self.idle:
            return self.idle.wait_for(lambda: self.in_flight == 0, timeout)


def _closing(
    timed: TimedInput | None, environ: dict[str, Any], start_response: StartResponse
) -> StartResponse:
    """``start_response``, adding ``Connection: close`` to a 408 or 413: the rest of the body is
    never read, so the connection cannot carry another request."""
    if timed is None or not environ.get("SERVER_PROTOCOL", "").startswith("HTTP/1"):
        return start_response

    def closing(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        if timed.stuck is not None or status.startswith("413"):
            headers = [*headers, ("Connection", "close")]
        return start_response(status, headers, exc_info)

    return closing


class _Counted:
    """The app's answer, counted as in flight until granian has taken all of it.

    After a body read timed out, the answer also waits for that read to end before it ends:
    granian, finishing a request, waits for its body while holding the GIL, and would stall
    every thread for as long as the stuck read lasts. Streamed, the 408 is on the wire first,
    whole (it has a Content-Length); hyper keeps the connection while the body is being read,
    so the read, and this app thread, end when the client sends the rest or goes away.
    """

    def __init__(
        self, front: _Front, body: Iterable[bytes], stuck: Future[Any] | None = None
    ) -> None:
        self.front = front
        self.body = body
        self.stuck = stuck
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        yield from self.body
        if self.stuck is not None:
            _wait_out(self.stuck)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            close = getattr(self.body, "close", None)
            if close is not None:
                close()
        finally:
            self.front.done()


def _wait_out(read: Future[Any]) -> None:
    """Wait, the GIL released, until a stuck body read has ended, however it ends."""
    with contextlib.suppress(Exception):
        read.result()


class Server:
    """Serve ``app`` on ``host:port`` (port 0 picks a free one), with ``threads`` app threads.

    With ``tls_cert`` and ``tls_key`` (PEM files) it serves https, and HTTP/2 to clients that
    ask for it in the TLS handshake; plain connections may speak HTTP/1.1 or HTTP/2 (prior
    knowledge).
    """

    def __init__(
        self,
        app: Any,
        host: str = "127.0.0.1",
        port: int = 8080,
        threads: int = 16,
        *,
        tls_cert: str | os.PathLike[str] | None = None,
        tls_key: str | os.PathLike[str] | None = None,
        read_timeout: float = READ_TIMEOUT,
        header_timeout: float = HEADER_TIMEOUT,
    ) -> None:
        if (tls_cert is None) != (tls_key is None):
            raise ValueError("TLS needs both a certificate and its key (tls_cert, tls_key)")
        self.app = app
        self.threads = threads
        self.tls = _tls_files(tls_cert, tls_key)
        self.header_timeout = header_timeout
        self._address = (host, port)
        self.read_timeout = read_timeout
        self._front = _Front(app, read_timeout)
        self._socket: socket.socket | None = None
        self._given = (-1, 0)  # granian's copy of the socket: descriptor and inode
        self._signal: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopped = threading.Event()

    def bind(self) -> None:
        """Open the listening socket (after this, ``url`` has the real port)."""
        if self._socket is not None:
            return
        host, port = self._address
        family, kind, proto, _, where = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        listener = socket.socket(family, kind, proto)
        try:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(where)
            listener.listen(BACKLOG)
        except OSError:
            listener.close()
            raise
        self._socket = listener

    @property
    def host(self) -> str:
        if self._socket is None:
            return self._address[0]
        return str(self._socket.getsockname()[0])

    @property
    def port(self) -> int:
        if self._socket is None:
            return self._address[1]
        return int(self._socket.getsockname()[1])

    @property
    def in_flight(self) -> int:
        """Requests the app has been called with and not finished answering."""
        return self._front.in_flight

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        scheme = "https" if self.tls is not None else "http"
        return f"{scheme}://{host}:{self.port}"

    def start(self) -> Server:
        """Bind and serve from granian's threads; returns at once. The caller must ``stop``."""
        self.bind()
        if self._signal is not None:
            return self
        assert self._socket is not None
        # granian closes the descriptor it is given when it stops; this one stays ours.
        given = os.dup(self._socket.fileno())
        self._given = (given, os.fstat(given).st_ino)
        holder = _native.SocketHolder(given, False, BACKLOG)
        cert, key = self.tls if self.tls is not None else (None, None)
        worker = _native.WSGIWorker(
            1,  # worker id
            (None, holder),
            None,  # no IPC: there is no parent process
            1,  # Rust runtime threads: one does the HTTP work of one Python process
            512,  # Rust blocking threads (granian's default), started only when needed
            self.threads,  # Python threads that run the app
            30,  # seconds an idle app thread lives
            BACKPRESSURE,
            "auto",  # HTTP/1.1, and HTTP/2 for clients that ask
            HTTP1Settings(header_read_timeout=int(self.header_timeout * 1000)),
            # HTTP/1.1's limit on a head (hyper's read buffer) for HTTP/2's too, not 16 MB.
            HTTP2Settings(max_headers_size=HEAD_BYTES),
            None,  # no static files
            self.tls is not None,
            cert,
            key,
            None,  # key password
            "tls1.2",  # lowest TLS version accepted
            None,  # no client certificates: CA, revocation lists, verification
            [],
            False,
            (None, None),  # no metrics
        )
        # The WSGI worker never runs this loop; it only has to exist.
        self._loop = asyncio.new_event_loop()
        self._front = _Front(self.app, self.read_timeout)  # fresh readers for each start
        scheduler = _scheduler(self._loop, _wsgi_callback(self._front, {}, None), impl_asyncio=True)
        self._signal = _native.WorkerSignal()
        self._stopped.clear()
        # The runtime granian itself picks for WSGI: app threads block on it to read bodies.
        worker.serve_mtr(scheduler, self._loop, self._signal)
        return self

    def serve_forever(self) -> None:
        """Serve until ``stop`` or an exception in this thread (KeyboardInterrupt, SystemExit
        from a signal handler); then stop, letting the requests in flight finish."""
        self.start()
        try:
            while not self._stopped.wait(0.5):  # wakes so that signal handlers can run
                pass
        finally:
            self.stop()

    def stop(self) -> None:
        """Stop accepting, answer the requests in flight, close the socket; idempotent."""
        if self._signal is not None:
            self._signal.set()
            self._signal = None
            self._front.drain(DRAIN_TIMEOUT)
            self._front.readers.close()
            _wait_closed(*self._given)
        if self._socket is not None:
            self._socket.close()
            self._socket = None
        if self._loop is not None:
            self._loop.close()
            self._loop = None
        self._stopped.set()

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _wait_closed(fd: int, inode: int) -> None:
    """Wait (a few seconds at most) until granian's runtime, stopping on its own thread, has
    closed its copy of the listening socket: then the port refuses connections."""
    deadline = time.monotonic() + DRAIN_TIMEOUT
    while time.monotonic() < deadline:
        try:
            if os.fstat(fd).st_ino != inode:  # closed, and the number taken by another file
                return
        except OSError:
            return
        time.sleep(0.01)


def _tls_files(
    cert: str | os.PathLike[str] | None, key: str | os.PathLike[str] | None
) -> tuple[str, str] | None:
    """The absolute paths of a certificate and key that exist, or None for plain HTTP."""
    if cert is None or key is None:
        return None
    found = []
    for what, path in (("certificate", cert), ("key", key)):
        resolved = Path(path).resolve()
        if not resolved.is_file():
            raise ValueError(f"TLS {what} {os.fspath(path)} is not a file")
        found.append(str(resolved))
    try:  # granian's Rust side would only log a bad pair; refuse it here, saying why
        ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).load_cert_chain(found[0], found[1])
    except ssl.SSLError as error:
        raise ValueError(f"TLS certificate and key do not load: {error}") from error
    return found[0], found[1]
