"""pytest fixtures for testing a SuperOffice client against mockso (entry point ``mockso``).

Modelled on pytest-httpserver: one server per session (``mockso_server``), handed to each test
by ``mockso`` after a reset, so starting costs once and tests stay isolated. It is configured by
overriding the session fixtures ``mockso_config`` and ``mockso_contract`` in a conftest, whose
defaults come from ``--mockso-seed``, ``--mockso-auth``, ``--mockso-requests`` and
``--mockso-contract``; ``MOCKSO_*``
environment variables apply underneath, as everywhere. Every fixture name starts with
``mockso`` (Faker's own plugin already owns ``faker``). Disable with ``-p no:mockso``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from collections.abc import Sequence
from typing import TYPE_CHECKING
from typing import Any

import pytest

# mockso itself is imported inside the fixtures, not here: pytest loads this plugin before
# coverage starts, and a module imported that early would be measured as never run.
if TYPE_CHECKING:
    from flask import Flask

    from mockso.testing import MockServer

ContractPaths = str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mockso", "mockso (SuperOffice image API mock)")
    group.addoption(
        "--mockso-seed",
        type=int,
        default=None,
        help="Seed for mockso's generated data; also freezes its clock (default: random).",
    )
    group.addoption(
        "--mockso-auth",
        default=None,
        help="mockso's credential checks (default: lenient).",
    )
    group.addoption(
        "--mockso-requests",
        default=None,
        help="How mockso reads requests: lenient, as the real server (default), or strict.",
    )
    group.addoption(
        "--mockso-contract",
        action="append",
        default=None,
        metavar="FILE",
        help="OpenAPI contract for mockso to serve; repeat for several (default: the bundled one).",
    )


def pytest_configure(config: pytest.Config) -> None:
    from mockso.core.config import AUTH_MODES
    from mockso.core.config import REQUEST_MODES

    for option, modes in (("auth", AUTH_MODES), ("requests", REQUEST_MODES)):
        value = config.getoption(f"mockso_{option}", None)
        if value is not None and value not in modes:
            raise pytest.UsageError(
                f"--mockso-{option} must be one of {', '.join(modes)}, not {value!r}"
            )


@pytest.fixture(scope="session")
def mockso_config(pytestconfig: pytest.Config) -> dict[str, Any]:
    """Settings for mockso, as ``create_app`` takes them (``{"seed": 1, "auth": "off"}``).

    Override it (session scope) in a conftest; this default holds the command-line options."""
    options = {
        "seed": pytestconfig.getoption("mockso_seed"),
        "auth": pytestconfig.getoption("mockso_auth"),
        "requests": pytestconfig.getoption("mockso_requests"),
    }
    return {name: value for name, value in options.items() if value is not None}


@pytest.fixture(scope="session")
def mockso_contract(pytestconfig: pytest.Config) -> ContractPaths:
    """The contract file(s) mockso serves; None means the bundled image contract.

    Override it (session scope) in a conftest; this default is ``--mockso-contract``."""
    paths: list[str] | None = pytestconfig.getoption("mockso_contract")
    return paths or None


@pytest.fixture(scope="session")
def mockso_server(
    mockso_config: dict[str, Any], mockso_contract: ContractPaths
) -> Iterator[MockServer]:
    """One running ``MockServer`` for the whole session, on a free port; stopped at its end.

    Tests should ask for ``mockso`` instead, which resets this server first."""
    from mockso.testing import MockServer

    with MockServer(_settings(mockso_config, mockso_contract)) as server:
        yield server


@pytest.fixture
def mockso(mockso_server: MockServer) -> MockServer:
    """The session's mockso, reset: no pictures, journal entries or rules left by other tests.

    Offers ``url``, ``url_for(path)``, ``load(fixtures)``, ``state()``, ``journal(...)``,
    ``deviations()``, ``assert_no_deviations()``, ``rule(...)`` and ``reset()``."""
    mockso_server.reset()
    return mockso_server


@pytest.fixture
def mockso_app(mockso_config: dict[str, Any], mockso_contract: ContractPaths) -> Flask:
    """A fresh mockso Flask app for ``mockso_app.test_client()``: no server, no shared state."""
    from mockso.app import create_app

    return create_app(_settings(mockso_config, mockso_contract))


def _settings(config: dict[str, Any], contract: ContractPaths) -> dict[str, Any]:
    """``mockso_config`` plus ``mockso_contract`` as its ``contract`` setting, if it names one."""
    if contract is None:
        return dict(config)
    paths = [contract] if isinstance(contract, str | os.PathLike) else list(contract)
    return {**config, "contract": ",".join(os.fspath(path) for path in paths)}
