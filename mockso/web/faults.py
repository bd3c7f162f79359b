"""Connection faults on request: a reset, an empty answer, a malformed answer.

A view marks the request (``environ["mockso.fault"]``) and answers as usual; this WSGI middleware
then spoils the answer on the wire. It needs the client's socket, which ``server`` puts in the
environ; without one (Flask's test client, another server) it raises ``FaultInjected`` so that
in-process callers see the fault as an exception. No Flask import.
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from typing import Any

ENVIRON_KEY = "mockso.fault"
SOCKET_KEY = "mockso.socket"

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class FaultInjected(ConnectionError):
    """A fault was asked for where there is no socket to spoil."""


class FaultMiddleware:
    """Wraps a WSGI app; spoils the answers whose request asked for a fault."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        captured: list[Any] = []

        def remember(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured[:] = [status, headers, exc_info]
            return lambda data: None

        body = self.app(environ, remember)
        fault = environ.get(ENVIRON_KEY)
        if fault is None:
            start_response(*captured)
            return body
        data = b"".join(body)
        sock = environ.get(SOCKET_KEY)
        if sock is None:
            raise FaultInjected(f"fault={fault} asked for, but there is no socket to spoil")
        if fault == "malformed":
            return _malformed(sock, start_response, captured[0], captured[1], data)
        _drop(sock, reset=fault == "reset")
        # The server still writes its answer, into a socket that is shut: the write fails
        # quietly (EPIPE) and nothing reaches the client.
        start_response(*captured)
        return []


def _drop(sock: socket.socket, *, reset: bool) -> None:
    """End the client's connection without an answer; ``reset`` aborts it (RST on close).

    The socket is only shut down, never closed here: the server owns the file descriptor
    and closes it itself.
    """
    try:
        if reset:  # linger on, timeout 0: the server's close() aborts the connection
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # the client is gone already: the fault happened anyway


def _malformed(
    sock: socket.socket,
    start_response: StartResponse,
    status: str,
    headers: list[tuple[str, str]],
    data: bytes,
) -> Iterator[bytes]:
    """The real status and headers, a Content-Length that lies, half the body, then a FIN."""
    promised = str(max(len(data), 1) * 2)
    start_response(
        status,
        [(k, v) for k, v in headers if k.lower() != "content-length"]
        + [("Content-Length", promised)],
    )
    yield data[: len(data) // 2] or b"{"
    _drop(sock, reset=False)
