"""The app factory: settings → contract → mock → the two front doors.

A request to the mocked API goes through one road: ``web.gateway`` (WSGI) finds its operation
with ``web.routing``, answers it with that operation's ``web.endpoint.Endpoint`` (or 404, or 405
with Allow), records it and, in strict mode, checks it. A request under ``/__mockso/`` goes on to
the Flask app, which serves the control API and the dashboard. ``create_app()`` returns that
Flask app with the gateway as its ``wsgi_app``, so ``app.test_client()``, ``flask --app mockso
run`` and any WSGI server see both. The state lives in ``app.extensions["mockso"]``, never in a
module global, so two apps built from two contracts or settings coexist in one process.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from mockso.control import api as control
from mockso.core.config import Settings
from mockso.core.conformance import ResponseChecker
from mockso.core.contract import Contract
from mockso.core.mock import Mock
from mockso.web.endpoint import Endpoint
from mockso.web.faults import FaultMiddleware
from mockso.web.gateway import Gateway
from mockso.web.gateway import Recorder
from mockso.web.proxy import Proxy
from mockso.web.proxy import Target
from mockso.web.routing import Router


def create_app(
    config: Mapping[str, Any] | Settings | None = None, contract: Contract | None = None
) -> Flask:
    """Build a mock app. ``config`` overrides ``MOCKSO_*`` variables, which override defaults."""
    settings = config if isinstance(config, Settings) else Settings.load(config)
    mock = Mock(settings, contract)
    app = Flask("mockso", static_folder=None)
    app.extensions["mockso"] = mock
    control.register(app, mock)
    endpoints = [Endpoint(operation, handler, mock) for operation, handler in mock.bindings()]
    checker = ResponseChecker() if settings.strict else None
    # `mockso proxy`: the target answers the mocked API's calls; nothing is checked in its place.
    proxy = Proxy(Target.parse(settings.target), mock) if settings.target else None
    router = Router(endpoints, lenient=settings.requests == "lenient")
    front = Gateway(app.wsgi_app, router, Recorder(mock), checker, proxy=proxy)
    app.wsgi_app = FaultMiddleware(front)  # type: ignore[method-assign]
    return app


def get_mock(app: Flask) -> Mock:
    """The mock behind an app made by ``create_app``."""
    mock: Mock = app.extensions["mockso"]
    return mock
