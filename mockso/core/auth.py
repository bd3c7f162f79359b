"""Who is calling: the SuperOffice authentication schemes, checked as the contract declares them.

The contract's ``securitySchemes`` say which schemes exist (HTTP Basic, HTTP token schemes such as
SOTicket and Bearer, and API keys in a header such as X-XSRF-TOKEN). Three modes:

* ``lenient`` (default): any well-formed credentials of a declared scheme are accepted;
* ``strict``: only the users, tickets, tokens and XSRF values of a credentials file;
* ``off``: no checks at all.

No Flask import: ``authenticate`` takes a plain header mapping.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

import yaml

from mockso.core.errors import Unauthorized

# What the real server answers a request without credentials with (ART2015 in the research notes).
CHALLENGE = 'Basic realm="SuperOffice Username or Ticket"'


@dataclass(frozen=True)
class Principal:
    """The caller: the scheme used and, for Basic, the user name."""

    scheme: str
    user_name: str | None = None
    # A stable, non-reversible name for token callers, so one token is always one associate.
    fingerprint: str = ""


ANONYMOUS = Principal(scheme="none")


@dataclass(frozen=True)
class Credentials:
    """What ``strict`` mode accepts (a YAML or JSON file)."""

    users: Mapping[str, str] = field(default_factory=dict)
    tickets: frozenset[str] = frozenset()
    tokens: frozenset[str] = frozenset()
    xsrf_tokens: frozenset[str] = frozenset()
    app_tokens: frozenset[str] = frozenset()

    @classmethod
    def from_path(cls, path: str | Path) -> Credentials:
        text = Path(path).read_text(encoding="utf-8")
        is_json = str(path).endswith(".json")
        try:
            data: Any = json.loads(text) if is_json else yaml.safe_load(text)
        except (ValueError, yaml.YAMLError) as error:
            raise ValueError(
                f"{path}: not valid {'JSON' if is_json else 'YAML'}: {error}"
            ) from None
        if not isinstance(data, dict):
            raise ValueError(f"{path}: a credentials file is a mapping (users, tickets, ...)")
        unknown = set(data) - {"users", "tickets", "tokens", "xsrf_tokens", "app_tokens"}
        if unknown:
            raise ValueError(f"{path}: unknown credentials keys: {', '.join(sorted(unknown))}")
        if not isinstance(data.get("users") or {}, dict):
            raise ValueError(f"{path}: 'users' must map user names to passwords")
        for key in ("tickets", "tokens", "xsrf_tokens", "app_tokens"):
            # a bare string would otherwise become a set of its letters
            if not isinstance(data.get(key) or [], list):
                raise ValueError(f"{path}: '{key}' must be a list")
        return cls(
            users={str(k): str(v) for k, v in (data.get("users") or {}).items()},
            tickets=frozenset(map(str, data.get("tickets") or ())),
            tokens=frozenset(map(str, data.get("tokens") or ())),
            xsrf_tokens=frozenset(map(str, data.get("xsrf_tokens") or ())),
            app_tokens=frozenset(map(str, data.get("app_tokens") or ())),
        )


@dataclass(frozen=True)
class Authenticator:
    """Checks a request's headers against the contract's security schemes."""

    schemes: Mapping[str, Mapping[str, Any]]
    mode: str = "lenient"
    credentials: Credentials | None = None

    def for_operation(self, requirements: tuple[Mapping[str, Any], ...]) -> Authenticator:
        """The same checks limited to the schemes an operation's ``security`` names."""
        names = {name for requirement in requirements for name in requirement}
        schemes = {name: s for name, s in self.schemes.items() if name in names}
        return Authenticator(schemes=schemes, mode=self.mode, credentials=self.credentials)

    def authenticate(self, headers: Mapping[str, str]) -> Principal:
        """The caller, or Unauthorized saying what was expected."""
        if self.mode == "off" or not self.schemes:
            return ANONYMOUS
        authorization = headers.get("Authorization")
        if authorization:
            return self._authorization(authorization, headers)
        for scheme in self.schemes.values():
            if scheme.get("type") == "apiKey" and scheme.get("in") == "header":
                value = headers.get(scheme["name"])
                if value:
                    return self._api_key(scheme["name"], value)
        raise Unauthorized(self._expected("No credentials were sent"), headers=_challenge())

    def _authorization(self, value: str, headers: Mapping[str, str]) -> Principal:
        scheme, _, token = value.strip().partition(" ")
        token = token.strip()
        kind = self._http_scheme(scheme)
        if kind is None:
            raise Unauthorized(
                self._expected(f"The Authorization scheme {scheme!r} is not supported"),
                headers=_challenge(),
            )
        if not token:
            raise Unauthorized(
                f"The Authorization header has no {kind} credentials after the scheme",
                headers=_challenge(),
            )
        if kind.lower() == "basic":
            return self._basic(token)
        return self._token(kind, token, headers)

    def _http_scheme(self, name: str) -> str | None:
        for scheme in self.schemes.values():
            declared = str(scheme.get("scheme", ""))
            if scheme.get("type") == "http" and declared.lower() == name.lower():
                return declared
        return None

    def _basic(self, token: str) -> Principal:
        try:
            user, sep, password = (
                base64.b64decode(token, validate=True).decode("utf-8").partition(":")
            )
        except ValueError:  # bad base64 (binascii.Error), non-ASCII text, not UTF-8
            sep, user, password = "", "", ""
        if not sep or not user:
            raise Unauthorized(
                "Basic credentials must be base64 of 'user:password' in UTF-8", headers=_challenge()
            )
        if self.mode == "strict" and self._creds.users.get(user) != password:
            raise Unauthorized(
                f"Unknown user name or wrong password for {user!r}", headers=_challenge()
            )
        return Principal(scheme="basic", user_name=user, fingerprint=_fingerprint(user))

    def _token(self, kind: str, token: str, headers: Mapping[str, str]) -> Principal:
        if self.mode == "strict":
            allowed = self._creds.tickets if kind.lower() == "soticket" else self._creds.tokens
            if token not in allowed:
                raise Unauthorized(
                    f"The {kind} credentials are not known to this mock", headers=_challenge()
                )
            app_token = headers.get("SO-AppToken")
            if (
                kind.lower() == "soticket"
                and self._creds.app_tokens
                and app_token not in self._creds.app_tokens
            ):
                raise Unauthorized(
                    "A SOTicket must come with a known SO-AppToken header", headers=_challenge()
                )
        return Principal(scheme=kind.lower(), fingerprint=_fingerprint(token))

    def _api_key(self, name: str, value: str) -> Principal:
        if self.mode == "strict" and value not in self._creds.xsrf_tokens:
            raise Unauthorized(f"The {name} value is not known to this mock", headers=_challenge())
        return Principal(scheme=name.lower(), fingerprint=_fingerprint(value))

    @property
    def _creds(self) -> Credentials:
        return self.credentials or Credentials()

    def _expected(self, problem: str) -> str:
        names = []
        for name, scheme in self.schemes.items():
            if scheme.get("type") == "http":
                names.append(f"Authorization: {name} …")
            elif scheme.get("type") == "apiKey":
                names.append(f"{scheme['name']}: …")
        return f"{problem}; send one of: {', '.join(names)}"


def _challenge() -> dict[str, str]:
    return {"WWW-Authenticate": CHALLENGE}


def _fingerprint(secret: str) -> str:
    return hashlib.blake2b(secret.encode("utf-8"), digest_size=8).hexdigest()
