"""mockso: a contract-driven, stateful mock of the SuperOffice CRM WebAPI image endpoints."""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from mockso.core.version import __version__

__all__ = ["__version__", "create_app"]

if TYPE_CHECKING:
    from mockso.app import create_app


def __getattr__(name: str) -> Any:
    # Imported on first use, so that importing a light module (the pytest plugin, config) does
    # not load Flask and the whole app.
    if name == "create_app":
        from mockso.app import create_app

        return create_app
    raise AttributeError(f"module 'mockso' has no attribute {name!r}")
