"""A live mockso for tests: ``MockServer`` serves one app on a free port from a background thread.

It is the test double a client's test suite reaches for, with or without pytest (the plugin in
``pytest_plugin`` only wraps it in fixtures): start it, point the client at ``url``, then look at
what the client did (``journal``), bend the next answers (``rule``), and read or seed the stored
pictures (``state``, ``load``). Everything goes straight to the ``Mock`` behind the app, in
process, so a test needs no HTTP calls to the control API. No pytest import.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from collections.abc import Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import yaml
from flask import Flask

from mockso.app import create_app
from mockso.app import get_mock
from mockso.config import Settings
from mockso.contract import Contract
from mockso.errors import MocksoError
from mockso.handlers import entity_id_parameter
from mockso.journal import Query
from mockso.journal import Record
from mockso.mock import Mock
from mockso.rules import Rule
from mockso.rules import directive_from
from mockso.server import Server


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
        server = Server(self.app, host, port, threads=self.mock.settings.threads)
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
        """``http://127.0.0.1:<port>``: the base URL of the running server."""
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
        )
        if namespace is None:
            spaces = self.mock.spaces.all()
        else:
            found = self.mock.spaces.find(namespace)
            spaces = [found] if found is not None else []
        records = [record for space in spaces for record in space.journal.find(query)]
        records.sort(key=lambda record: record.time, reverse=True)  # stable: ties keep order
        return records[:limit] if limit is not None else records

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
        try:
            operation = self.mock.contract.operation(operation_id)
        except KeyError:
            raise ValueError(
                f"{operation_id!r} is not an operation of {self.mock.contract.source}; "
                "`mockso routes` lists them"
            ) from None
        if times is not None and times < 1:
            raise ValueError(f"times={times!r}: a rule applies at least once (None: always)")
        if entity_id is not None and entity_id_parameter(operation) is None:
            raise ValueError(f"{operation_id} names no entity, so its rules take no entity_id")
        values = {
            "code": code,
            "example": example,
            "dynamic": dynamic,
            "seed": seed,
            "delay": delay,
            "fault": fault,
        }
        # Checked now, as the control API does: an undocumented code or unknown example would
        # otherwise reach the client as a 400 that a test would take for its own mistake.
        with _as_value_error():
            directive = directive_from(values, "rule")
            if not directive:
                raise ValueError(f"a rule says how to answer: give one of {', '.join(values)}")
            self.mock.check_directive(operation, directive)
            space = self.mock.spaces.get(namespace)
        return space.rules.add(operation_id, directive, times=times, entity_id=entity_id)

    def state(self, namespace: str | None = None) -> dict[str, Any]:
        """The stored pictures and their ImageInfo, as ``load`` takes them back
        (``{"format": "mockso-state/1", ...}``, pictures in base64)."""
        # Imported on use, so that a MockServer never asked for state does not need snapshots.
        from mockso.snapshots import export_state

        with _as_value_error():
            return export_state(self.mock, namespace)

    def load(
        self, fixtures: Mapping[str, Any] | str | os.PathLike[str], namespace: str | None = None
    ) -> None:
        """Replace the stored pictures with ``fixtures``: what ``state`` returned, or the path
        of a JSON or YAML file holding it."""
        from mockso.snapshots import import_state

        data = _read(fixtures) if isinstance(fixtures, str | os.PathLike) else fixtures
        with _as_value_error():
            import_state(self.mock, dict(data), namespace)


def _read(path: str | os.PathLike[str]) -> Mapping[str, Any]:
    """A state document from a file: JSON by its suffix, YAML otherwise."""
    text = Path(path).read_text(encoding="utf-8")
    data = json.loads(text) if str(path).endswith(".json") else yaml.safe_load(text)
    if not isinstance(data, Mapping):
        raise ValueError(f"{path}: a state document is a mapping at the top level")
    return data


@contextmanager
def _as_value_error() -> Iterator[None]:
    """mockso's HTTP errors (a bad namespace, a bad directive) as the ValueError Python expects."""
    try:
        yield
    except MocksoError as error:
        raise ValueError(error.message) from error
