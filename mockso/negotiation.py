"""Content negotiation: which media type a request body is, and which one the answer will be.

The media types come from the contract; this module only decides between them. Each media type
falls into a *kind* (json, xml, form, multipart, image, other) that says how to decode or encode
it. Decisions are cached because clients send the same few Accept headers over and over.
No Flask import (werkzeug's header parser is plain WSGI code).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header
from werkzeug.http import parse_options_header

from mockso.errors import NotAcceptable
from mockso.errors import UnsupportedMediaType


def kind(media_type: str) -> str:
    """How bodies of this media type are read and written."""
    media_type = media_type.lower()
    if media_type.endswith(("/json", "+json")):
        return "json"
    if media_type.endswith(("/xml", "+xml")):
        return "xml"
    if media_type == "application/x-www-form-urlencoded":
        return "form"
    if media_type.startswith("multipart/"):
        return "multipart"
    if media_type.startswith("image/"):
        return "image"
    return "other"


def content_type_header(media_type: str) -> str:
    """The Content-Type to send: text-like kinds carry ``charset=utf-8`` as the real API does."""
    if kind(media_type) in ("json", "xml"):
        return f"{media_type}; charset=utf-8"
    return media_type


@lru_cache(maxsize=1024)
def choose(accept: str | None, offered: tuple[str, ...]) -> str:
    """The best of ``offered`` for this Accept header; NotAcceptable when none will do."""
    if not offered:
        return ""
    if not accept or not accept.strip():
        return offered[0]
    match = _parse_accept(accept).best_match(offered)
    if match is None:
        raise NotAcceptable(
            f"None of the media types in Accept ({accept.strip()!r}) can be produced here; "
            f"this operation answers {_listing(offered)}"
        )
    return str(match)


def accepts(accept: str | None, media_type: str) -> bool:
    """Whether the Accept header allows ``media_type`` at all (no header allows anything)."""
    if not accept or not accept.strip():
        return True
    return _parse_accept(accept)[media_type] > 0


@lru_cache(maxsize=256)
def request_media_type(content_type: str | None, accepted: tuple[str, ...]) -> str:
    """The contract media type a request body of ``content_type`` is, or UnsupportedMediaType."""
    if not content_type or not content_type.strip():
        raise UnsupportedMediaType(
            f"The request has a body but no Content-Type; send one of {_listing(accepted)}"
        )
    media_type, _ = parse_options_header(content_type)
    media_type = media_type.lower()
    if media_type in accepted:
        return media_type
    raise UnsupportedMediaType(
        f"Content-Type {media_type!r} is not accepted here; send one of {_listing(accepted)}"
    )


@lru_cache(maxsize=256)
def _parse_accept(accept: str) -> MIMEAccept:
    """The Accept header with media type parameters dropped (q stays): werkzeug matches
    ``application/json; charset=utf-8`` only to a type with that very parameter, and none of
    the contract's media types carries parameters."""
    parsed = parse_accept_header(accept, MIMEAccept)
    return MIMEAccept([(parse_options_header(value)[0], quality) for value, quality in parsed])


def _listing(media_types: Sequence[str]) -> str:
    return ", ".join(media_types)
