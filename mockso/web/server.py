"""A production WSGI server for a mockso app: cheroot, one process, a pool of threads.

One process, because the state lives in memory and every request must see it. cheroot hands the
app the body as a stream, so an oversized upload is refused from its Content-Length before a
byte of it is read, with SuperOffice's error object rather than the server's own page.

Requests too broken to reach the app (a malformed request line, a header line without a colon,
bare LF line ends, oversized headers) are refused by cheroot itself; its plain-text answers are
replaced by the error object too, and so are header values carrying control characters (a bare
CR, a NUL), which cheroot lets through but RFC 9110 forbids.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import re
import threading
from collections.abc import Callable
from collections.abc import Iterable
from types import TracebackType
from typing import Any

from cheroot import errors as cheroot_errors
from cheroot import server as cheroot_server
from cheroot import wsgi

from mockso.core import codecs
from mockso.core import errors
from mockso.web.faults import SOCKET_KEY

# Request lines and headers beyond this are refused by cheroot itself.
MAX_HEADER_BYTES = 64 * 1024
# What cheroot refuses, as the .NET exception names SuperOffice's error object carries.
_CHEROOT_ERROR_TYPES = {
    "400": "ArgumentException",
    "413": "RequestEntityTooLargeException",
    "414": "UriTooLongException",
    "505": "HttpVersionNotSupportedException",
}
# RFC 9110 field values: visible characters, space and tab; no other control character.
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f]")


# glibc's mallopt parameters, and mockso's values: the threshold glibc starts with, and two
# arenas (threads mostly wait on the GIL, so more arenas buy no speed, only resident pages).
_M_MMAP_THRESHOLD, _M_ARENA_MAX = -3, -8
MMAP_THRESHOLD, ARENA_MAX = 128 * 1024, 2


def keep_large_buffers_off_the_heap() -> bool:
    """Tune glibc's allocator so freed upload buffers go back to the system; call before serving.

    glibc raises its mmap threshold to the size of each large block it frees, after which 1 MB
    request bodies come from the heap, which cannot shrink below pictures stored after them; and
    each of the 16 worker threads may get an arena of its own. Measured here with 32 pictures of
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


def error_body(status: str, message: str) -> bytes:
    """SuperOffice's error object for an answer given outside the app."""
    return codecs.encode_json(
        {
            "Error": True,
            "ErrorType": _CHEROOT_ERROR_TYPES.get(status[:3], "Exception"),
            "ErrorMessage": message,
            "ErrorSource": errors.WEB_SOURCE,
        }
    )


class _Request(cheroot_server.HTTPRequest):
    """cheroot's request, answering what it refuses with the error object, not plain text."""

    def simple_response(self, status: Any, msg: Any = "") -> None:
        status = str(status)
        text = msg.decode("ISO-8859-1") if isinstance(msg, bytes) else str(msg)
        body = error_body(status, f"The request cannot be read as HTTP: {text or status}")
        head = [
            f"{self.server.protocol} {status}\r\n",
            f"Content-Length: {len(body)}\r\n",
            "Content-Type: application/json; charset=utf-8\r\n",
        ]
        if status[:3] in {"413", "414"}:  # as cheroot does: the rest of the request is unread
            self.close_connection = True
            if self.response_protocol == "HTTP/1.1":
                head.append("Connection: close\r\n")
        try:
            self.conn.wfile.write("".join(head).encode("ISO-8859-1") + b"\r\n" + body)
        except OSError as error:
            if error.args[0] not in cheroot_errors.socket_errors_to_ignore:
                raise


class _Connection(cheroot_server.HTTPConnection):
    RequestHandlerClass = _Request


def refuse_control_characters(app: Any) -> Callable[..., Iterable[bytes]]:
    """Wrap ``app``: a header value with a control character gets the error object, a 400."""

    def checked(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        for key, value in environ.items():
            is_header = key.startswith("HTTP_") or key in ("CONTENT_TYPE", "CONTENT_LENGTH")
            found = _CONTROL.search(value) if is_header and isinstance(value, str) else None
            if found is not None:
                name = key.removeprefix("HTTP_").replace("_", "-").title()
                body = error_body(
                    "400",
                    f"Header {name} has a control character ({found.group()!r}); "
                    "header values may hold visible characters, spaces and tabs only",
                )
                start_response(
                    "400 Bad Request",
                    [
                        ("Content-Type", "application/json; charset=utf-8"),
                        ("Content-Length", str(len(body))),
                    ],
                )
                return [body]
        result: Iterable[bytes] = app(environ, start_response)
        return result

    return checked


class _Gateway(wsgi.Gateway_10):
    """cheroot's WSGI gateway, plus the client's socket (for injected connection faults)."""

    def get_environ(self) -> Any:
        environ: dict[str, Any] = super().get_environ()  # type: ignore[no-untyped-call]
        environ[SOCKET_KEY] = self.req.conn.socket
        return environ


class Server:
    """Serve ``app`` on ``host:port`` (port 0 picks a free one)."""

    def __init__(
        self, app: Any, host: str = "127.0.0.1", port: int = 8080, threads: int = 16
    ) -> None:
        self.app = app
        self._server = wsgi.Server(
            (host, port), refuse_control_characters(app), numthreads=threads, server_name="mockso"
        )
        self._server.max_request_header_size = MAX_HEADER_BYTES
        self._server.max_request_body_size = 0  # the app enforces MOCKSO_MAX_UPLOAD itself
        self._server.gateway = _Gateway
        # cheroot keeps only 10 idle keep-alive connections by default and closes the rest, so
        # 16 clients kept reconnecting (thousands of TIME_WAIT sockets in `make bench`).
        self._server.keep_alive_conn_limit = max(threads * 4, 64)
        self._server.ConnectionClass = _Connection
        self._thread: threading.Thread | None = None

    def bind(self) -> None:
        """Open the listening socket (after this, ``url`` has the real port)."""
        self._server.prepare()

    @property
    def host(self) -> str:
        return str(self._server.bind_addr[0])

    @property
    def port(self) -> int:
        return int(self._server.bind_addr[1])

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def serve_forever(self) -> None:
        """Answer requests until ``stop`` (or an exception such as SystemExit) ends it."""
        try:
            self._server.serve()
        finally:
            self._server.stop()

    def start(self) -> Server:
        """Bind and serve from a background thread; for tests and embedding."""
        self.bind()
        self._thread = threading.Thread(target=self._server.serve, name="mockso", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.stop()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
