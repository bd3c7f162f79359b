"""Connection faults on request: a reset, an empty answer, a malformed answer.

A view marks the request (``environ["mockso.fault"]``) and answers as usual; this WSGI middleware
then spoils the answer on the wire, through what the server (granian, that is hyper) does with an
answer it cannot send whole:

* ``empty`` and ``reset``: a streamed answer whose Content-Length is not a number. hyper refuses
  the head before writing a byte of it and closes the connection: the client sees the connection
  closed without an answer. The close is a FIN, not an RST: the server's socket is out of reach,
  so ``reset`` cannot abort the connection as a crashed peer would.
* ``malformed``: the real status and headers, a Content-Length twice the body's, half the body,
  then the end: hyper closes the connection, and the client is left short of the promised bytes.
  The pause before the end lets hyper write what it has first (else it may drop it all).

The server marks requests it serves (``environ["mockso.wire"]``); without that mark (Flask's
test client, another server) a fault raises ``FaultInjected``, so that in-process callers see
the fault as an exception. No Flask import.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from typing import Any

ENVIRON_KEY = "mockso.fault"
WIRE_KEY = "mockso.wire"
# Seconds the malformed answer waits between its half body and its end.
FLUSH_PAUSE = 0.1

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class FaultInjected(ConnectionError):
    """A fault was asked for where no server can spoil the answer."""


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
        if not environ.get(WIRE_KEY):
            raise FaultInjected(f"fault={fault} asked for, but no server is there to spoil it")
        status, headers = captured[0], _without_length(captured[1])
        if fault == "malformed":
            start_response(status, [*headers, ("Content-Length", str(max(len(data), 1) * 2))])
            return _half(data)
        start_response(status, [*headers, ("Content-Length", "none")])
        return iter([data])  # streamed: hyper checks a streamed answer's length header


def _without_length(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(name, value) for name, value in headers if name.lower() != "content-length"]


def _half(data: bytes) -> Iterator[bytes]:
    """Half the body, a pause for the server to send it, then the end, far short of the length."""
    yield data[: len(data) // 2] or b"{"
    time.sleep(FLUSH_PAUSE)
