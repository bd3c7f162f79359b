"""Shared fixtures: a seeded app (frozen clock, deterministic data), its mock, its client, the
credentials, and the client with them (``api``)."""

from __future__ import annotations

import os

import pytest
from flask import Flask
from flask.testing import FlaskClient
from helpers import AUTH
from helpers import Api
from hypothesis import HealthCheck
from hypothesis import settings

from mockso.app import create_app
from mockso.app import get_mock
from mockso.core.mock import Mock

# Hypothesis profiles. `ci` (loaded here, so `make test` uses it) is Hypothesis's defaults made
# reproducible (derandomized, no deadline: shared runners are slow); the fuzz tests run a small
# budget under it. `fuzz` (`make fuzz`: `pytest -m fuzz --hypothesis-profile=fuzz`) is the deep
# one: 1,000 examples per test and per schemathesis operation, long stateful runs.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile(
    "fuzz",
    max_examples=1000,
    stateful_step_count=100,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("ci")


@pytest.fixture(autouse=True)
def _no_mockso_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's MOCKSO_* variables must not leak into the tests."""
    for name in list(os.environ):
        if name.startswith("MOCKSO_"):
            monkeypatch.delenv(name)


@pytest.fixture(autouse=True)
def _strict_mode(_no_mockso_environment: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every app the tests build checks its own answers against the contract (a violation is a
    500 naming it), unless a test says otherwise; servers started as processes inherit it."""
    monkeypatch.setenv("MOCKSO_STRICT", "true")


@pytest.fixture(autouse=True)
def _requests_mode(
    _no_mockso_environment: None, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> str:
    """``@pytest.mark.requests("strict")``: every app and server the test builds reads requests
    by the contract's letter (the default is lenient, as the real server reads them)."""
    marker = request.node.get_closest_marker("requests")
    mode = str(marker.args[0]) if marker else "lenient"
    if marker:
        monkeypatch.setenv("MOCKSO_REQUESTS", mode)
    return mode


@pytest.fixture
def app() -> Flask:
    """A seeded app, in strict mode whatever the environment says."""
    return create_app({"seed": 1, "strict": True})


@pytest.fixture
def mock(app: Flask) -> Mock:
    return get_mock(app)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def auth() -> dict[str, str]:
    """The docs' sample credentials, tje0:Tje0."""
    return dict(AUTH)


@pytest.fixture
def api(client: FlaskClient, auth: dict[str, str]) -> Api:
    """The app's client, sending the sample credentials."""
    return Api(client, auth)
