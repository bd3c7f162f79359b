"""A live mockso for tests: ``MockServer`` serves one app on a free port from a background thread.

It is the test double a client's test suite reaches for, with or without pytest (the plugin in
``pytest_plugin`` only wraps it in fixtures): start it, point the client at ``url``, then look at
what the client did (``journal``), bend the next answers (``rule``), and read or seed the stored
pictures (``state``, ``load``). Everything goes straight to the ``Mock`` behind the app, in
process, so a test needs no HTTP calls to the control API. No pytest import.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from collections.abc import Mapping
from contextlib import contextmanager
from datetime import datetime
from types import TracebackType
from typing import Any

from flask import Flask

from mockso.app import create_app
from mockso.app import get_mock
from mockso.control import reports
from mockso.core.config import Settings
from mockso.core.contract import Contract
from mockso.core.errors import MocksoError
from mockso.core.journal import Query
from mockso.core.journal import Record
from mockso.core.mock import Mock
from mockso.core.rules import Rule
from mockso.web.server import Server


class MockServer:
    """A mockso app served over HTTP on ``host:port`` (port 0, the default, picks a free one).

    ``config`` is what ``create_app`` takes (a mapping of setting names, or ``Settings``), over
    the ``MOCKSO_*`` environment variables; ``contract`` is an already loaded ``Contract``. The
    address comes from ``host`` and ``port`` here, never from the settings, so a ``MOCKSO_PORT``
    meant for a service cannot make two test servers fight over one port.

    The app is built at once (``app`` and ``mock`` are usable before ``start``); nothing listens
    until ``start``. The caller stops the server with ``stop``, or uses it as a context manager::

        with MockServer({"seed": 1}) as server:
            requests.get(server.url_for("/api/v1/Person/5/ImageInfo"), auth=("tje0", "Tje0"))
    """

    def __init__(
        self,
        config: Mapping[str, Any] | Settings | None = None,
        contract: Contract | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.app: Flask = create_app(config, contract=contract)
        self.mock: Mock = get_mock(self.app)
        self._address = (host, port)
        self._server: Server | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> MockServer:
        """Listen and serve from a daemon thread; returns self. The caller must ``stop`` it."""
        if self._server is not None:
            raise RuntimeError(f"this MockServer is already serving on {self.url}")
        host, port = self._address
        settings = self.mock.settings
        server = Server(
            self.app,
            host,
            port,
            settings.threads,
            tls_cert=settings.tls_cert,
            tls_key=settings.tls_key,
        )
        server.start()
        self._server = server
        return self

    def stop(self) -> None:
        """Stop serving and free the port; stopping a stopped server does nothing."""
        server, self._server = self._server, None
        if server is not None:
            server.stop()

    @property
    def is_running(self) -> bool:
        return self._server is not None

    def __enter__(self) -> MockServer:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.url if self._server is not None else "not running"
        return f"<MockServer {where}>"

    # -- addresses ---------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The port listened on (while running), else the one asked for (0: any free one)."""
        return self._server.port if self._server is not None else self._address[1]

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>`` (``https://`` with the ``tls_cert`` and ``tls_key``
        settings): the base URL of the running server."""
        if self._server is None:
            raise RuntimeError(
                "the MockServer is not running: call start() or use it as a context manager"
            )
        return self._server.url

    def url_for(self, path: str) -> str:
        """The absolute URL of ``path`` on this server (``/api/v1/Person/5/Image``)."""
        return self.url + ("" if path.startswith("/") else "/") + path

    # -- state -------------------------------------------------------------------------------

    def reset(self, namespace: str | None = None) -> None:
        """Forget pictures, journal, coverage and rules: of one namespace, or of all of them."""
        self.mock.reset(namespace)

    def journal(
        self,
        operation_id: str | None = None,
        method: str | None = None,
        status: int | None = None,
        namespace: str | None = None,
        *,
        path: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int | None = None,
    ) -> list[Record]:
        """The recorded requests that match, newest first, from every namespace unless one is
        named. Each ``Record`` has the method, path, query, operationId, status, sizes, media
        types and the error message of an error answer."""
        query = Query(
            operation_id=operation_id,
            method=method,
            path=path,
            status=status,
            namespace=namespace,
            since=since,
            until=until,
            limit=limit,
        )
        return reports.journal(self.mock, query)

    def deviations(self, namespace: str | None = None) -> list[str]:
        """Every place the client leaned on the real server's leniency, oldest first, one line
        each: ``GET /api/v1/person/1/image: Path ... is spelled ...; the real server's ...``.
        Empty for a client that keeps to the contract's letter (or under ``requests: strict``,
        where such requests are refused instead)."""
        records = reports.journal(self.mock, Query(namespace=namespace, deviations=True))
        return [
            f"{record.method} {record.path}{'?' + record.query if record.query else ''}: {line}"
            for record in reversed(records)
            for line in record.deviations
        ]

    def assert_no_deviations(self, namespace: str | None = None) -> None:
        """AssertionError listing every deviation, when the client leaned on any: a contract
        test fails on them while a development run keeps working."""
        found = self.deviations(namespace)
        if found:
            listed = "\n".join(f"  {line}" for line in found)
            raise AssertionError(
                f"The client leaned on the real server's leniency {len(found)} time(s), "
                f"where the contract expects otherwise:\n{listed}"
            )

    def rule(
        self,
        operation_id: str,
        *,
        times: int | None = None,
        entity_id: int | None = None,
        namespace: str | None = None,
        code: int | None = None,
        example: str | None = None,
        dynamic: bool = False,
        seed: int | None = None,
        delay: int | None = None,
        fault: str | None = None,
    ) -> Rule:
        """Bend the next ``times`` calls (every call when None) of ``operation_id``, for one
        ``entity_id`` or all: answer the contract's ``code`` (its example or a generated body),
        a named ``example``, a ``dynamic`` payload from ``seed``, after ``delay`` ms, or a
        connection ``fault`` (reset, empty, malformed). ``reset`` removes rules."""
        values = {
            "code": code,
            "example": example,
            "dynamic": dynamic,
            "seed": seed,
            "delay": delay,
            "fault": fault,
        }
        with _as_value_error():
            return self.mock.add_rule(
                operation_id,
                values,
                times=times,
                entity_id=entity_id,
                namespace=namespace,
            )

    def state(self, namespace: str | None = None) -> dict[str, Any]:
        """The stored pictures and their ImageInfo, as ``load`` takes them back
        (``{"format": "mockso-state/1", ...}``, pictures in base64)."""
        # Imported on use, so that a MockServer never asked for state does not need snapshots.
        from mockso.core.snapshots import export_state

        with _as_value_error():
            return export_state(self.mock, namespace)

    def load(
        self, fixtures: Mapping[str, Any] | str | os.PathLike[str], namespace: str | None = None
    ) -> None:
        """Replace the stored pictures with ``fixtures``: what ``state`` returned, or the path
        of a JSON or YAML file holding it."""
        from mockso.core.fixtures import read_fixtures
        from mockso.core.snapshots import import_state

        if isinstance(fixtures, str | os.PathLike):
            # Read as a fixtures file is: unquoted YAML dates stay the text they are in JSON.
            data, where = read_fixtures(fixtures), f"{os.fspath(fixtures)}: "
        else:
            data, where = dict(fixtures), ""
        with _as_value_error(where):
            import_state(self.mock, data, namespace)


@contextmanager
def _as_value_error(where: str = "") -> Iterator[None]:
    """mockso's HTTP errors (a bad namespace, a bad directive) as the ValueError Python expects,
    after ``where`` (the file a document came from)."""
    try:
        yield
    except MocksoError as error:
        raise ValueError(where + error.message) from error
