"""mockso: a contract-driven, stateful mock of the SuperOffice CRM WebAPI image endpoints."""

from mockso.app import create_app

__version__ = "0.1.0"
__all__ = ["__version__", "create_app"]
