"""Settings: defaults, ``MOCKSO_*`` environment variables, then explicit values.

One frozen ``Settings`` object per app. The CLI, the environment and tests all end up here, so a
setting has exactly one name, one default and one parser. No Flask import.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ENV_PREFIX = "MOCKSO_"
AUTH_MODES = ("lenient", "off", "strict")
# How requests are read: as the real server's framework reads them, or by the contract's letter.
REQUEST_MODES = ("lenient", "strict")
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


@dataclass(frozen=True)
class Settings:
    """Everything a mockso app can be told. Each field is also ``MOCKSO_<FIELD>``."""

    # Where the contract lives: one path, or several separated by commas (served together);
    # None means the bundled contracts/superoffice-images.yaml.
    contract: str | None = None
    host: str = "127.0.0.1"
    port: int = 8080
    # None picks a random seed at start (and says which), so runs differ unless asked not to.
    seed: int | None = None
    # "system" follows the wall clock; an ISO instant freezes it there, advancing 1 ms per write,
    # so that a seed plus a clock give byte-identical answers. None: frozen when a seed is set.
    clock: str | None = None
    # Dates are written in this zone when the client sends no SO-TimeZone (the docs' samples
    # carry Norwegian offsets).
    timezone: str = "Europe/Oslo"
    auth: str = "lenient"
    credentials: str | None = None
    fixtures: str | None = None
    max_upload: int = 20 * 1024 * 1024
    max_store_bytes: int = 512 * 1024 * 1024
    # Declared pixels above this are refused as decompression bombs.
    max_pixels: int = 40_000_000
    scaled_cache_bytes: int = 64 * 1024 * 1024
    # Check every answer against the contract and fail loudly on a violation.
    strict: bool = False
    # Threads that run the app: enough that 32 uploads trickling in (each holds one while its
    # body arrives) leave plenty for everyone else; they start only when requests need them.
    threads: int = 64
    # Requests kept per namespace by the journal (a ring buffer: old ones fall out).
    journal_size: int = 1000
    max_namespaces: int = 256
    # `mockso serve` logs one JSON line per request to stderr unless quiet.
    quiet: bool = False
    # PEM certificate and private key: with both, the server speaks https (and HTTP/2).
    tls_cert: str | None = None
    tls_key: str | None = None
    # `mockso serve` keeps every namespace's state in this file across restarts (and crashes).
    state_file: str | None = None
    # `mockso proxy`: the server every call of the mocked API goes to, where the drift report
    # is written on exit, and the file that keeps what passed through (a mockso-state/1 document).
    target: str | None = None
    drift_report: str | None = None
    record: str | None = None
    # "lenient": requests are read as the real server (ASP.NET Web API 2) reads them, and each
    # leniency a request relied on is recorded as a deviation; "strict": the contract's letter.
    requests: str = "lenient"

    def __post_init__(self) -> None:
        if self.auth not in AUTH_MODES:
            raise ValueError(f"auth must be one of {', '.join(AUTH_MODES)}, not {self.auth!r}")
        if self.requests not in REQUEST_MODES:
            raise ValueError(
                f"requests must be one of {', '.join(REQUEST_MODES)}, not {self.requests!r}"
            )
        if self.auth == "strict" and not self.credentials:
            raise ValueError("auth 'strict' needs a credentials file (MOCKSO_CREDENTIALS)")
        if bool(self.tls_cert) != bool(self.tls_key):
            raise ValueError(
                "https needs both a certificate and its key (MOCKSO_TLS_CERT, MOCKSO_TLS_KEY)"
            )
        for name in (
            "max_upload",
            "max_store_bytes",
            "max_pixels",
            "threads",
            "journal_size",
            "max_namespaces",
        ):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")

    @classmethod
    def load(
        cls, values: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
    ) -> Settings:
        """Defaults, overridden by ``MOCKSO_*`` variables, overridden by ``values``."""
        merged: dict[str, Any] = from_environ(os.environ if environ is None else environ)
        merged.update({k: v for k, v in (values or {}).items() if v is not None})
        unknown = set(merged) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise ValueError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        return cls(**{name: _coerce(name, value) for name, value in merged.items()})

    @property
    def contract_paths(self) -> list[Path]:
        """The contract files to serve (empty: the bundled one)."""
        return [Path(part.strip()) for part in (self.contract or "").split(",") if part.strip()]


def from_environ(environ: Mapping[str, str]) -> dict[str, Any]:
    """The settings named by ``MOCKSO_*`` variables (values still text)."""
    names = {f.name for f in dataclasses.fields(Settings)}
    found = {}
    for key, value in environ.items():
        name = key[len(ENV_PREFIX) :].lower() if key.startswith(ENV_PREFIX) else None
        if name in names and value != "":
            found[name] = value
    return found


def _coerce(name: str, value: Any) -> Any:
    """Parse text from the environment into the field's type."""
    kind = {f.name: f.type for f in dataclasses.fields(Settings)}[name]
    if not isinstance(value, str) or kind in ("str", "str | None"):
        return value
    if kind in ("int", "int | None"):
        try:
            return int(value.replace("_", ""))
        except ValueError:
            raise ValueError(f"{ENV_PREFIX}{name.upper()} must be a whole number") from None
    if kind == "bool":
        text = value.strip().lower()
        if text not in _TRUE + _FALSE:  # a typo must not quietly switch a check off
            raise ValueError(f"{ENV_PREFIX}{name.upper()} must be true or false, not {value!r}")
        return text in _TRUE
    return value
