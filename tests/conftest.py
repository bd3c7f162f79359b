"""Shared fixtures: a seeded app (frozen clock, deterministic data), its client, and credentials."""

from __future__ import annotations

import os

import pytest
from flask import Flask
from flask.testing import FlaskClient
from helpers import AUTH

from mockso.app import create_app


@pytest.fixture(autouse=True)
def _no_mockso_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's MOCKSO_* variables must not leak into the tests."""
    for name in list(os.environ):
        if name.startswith("MOCKSO_"):
            monkeypatch.delenv(name)


@pytest.fixture
def app() -> Flask:
    return create_app({"seed": 1})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def auth() -> dict[str, str]:
    """The docs' sample credentials, tje0:Tje0."""
    return dict(AUTH)
