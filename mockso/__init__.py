"""mockso: a contract-driven, stateful mock of the SuperOffice CRM WebAPI image endpoints."""

__version__ = "0.1.0"
