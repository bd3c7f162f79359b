"""A production WSGI server for a mockso app: cheroot, one process, a pool of threads.

One process, because the state lives in memory and every request must see it. cheroot hands the
app the body as a stream, so an oversized upload is refused from its Content-Length before a
byte of it is read, with SuperOffice's error object rather than the server's own page.
"""

from __future__ import annotations

import threading
from types import TracebackType
from typing import Any

from cheroot import wsgi

from mockso.faults import SOCKET_KEY

# Request lines and headers beyond this are refused by cheroot itself.
MAX_HEADER_BYTES = 64 * 1024


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
        self._server = wsgi.Server((host, port), app, numthreads=threads, server_name="mockso")
        self._server.max_request_header_size = MAX_HEADER_BYTES
        self._server.max_request_body_size = 0  # the app enforces MOCKSO_MAX_UPLOAD itself
        self._server.gateway = _Gateway
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
