"""Content negotiation: which media type a request body is, and which one the answer will be.

The media types come from the contract; this module only decides between them. Each media type
falls into a *kind* (json, xml, form, multipart, image, other) that says how to decode or encode
it. Decisions are cached because clients send the same few Accept headers over and over.
Headers are read here, without Flask or werkzeug, by the rules of RFC 9110 (quality values,
the more specific media range first).

Leniently (the default request mode), the answer is chosen as the real server's
``DefaultContentNegotiator`` chooses it: Accept, then the request's own Content-Type, then the
first formatter (JSON); there is no 406 for a data answer. A picture answer is the picture,
whatever Accept says, unless Accept asks for another image type the operation offers. Strictly,
an Accept that names nothing the operation offers is a 406, as the contract reads.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from mockso.core.errors import NotAcceptable
from mockso.core.errors import UnsupportedMediaType
from mockso.core.framework import Deviation
from mockso.core.framework import deviation


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
    match = _best_match(_parse_accept(accept), offered)
    if match is None:
        raise NotAcceptable(
            f"None of the media types in Accept ({accept.strip()!r}) can be produced here; "
            f"this operation answers {_listing(offered)}"
        )
    return match


@lru_cache(maxsize=1024)
def negotiate(
    accept: str | None, content_type: str | None, offered: tuple[str, ...], lenient: bool
) -> tuple[str, Deviation | None]:
    """The answer's media type for a data answer, and the deviation it relied on, if any.

    Strict: ``choose``. Lenient: Accept's best match, else the request's Content-Type when the
    operation answers in it, else the first offered type (JSON), never NotAcceptable."""
    if not offered:
        return "", None
    if not lenient:
        return choose(accept, offered), None
    given = bool(accept and accept.strip())
    if accept and given:
        match = _best_match(_parse_accept(accept), offered)
        if match is not None:
            return match, None
    own = bare_media_type(content_type) if content_type else ""
    fallback = own if own in offered else offered[0]
    if not given or accept is None:
        return fallback, None
    if own == fallback:
        answer = f"{fallback}, the request's Content-Type"
    else:  # the first formatter that can write the answer
        answer = {"json": "JSON", "xml": "XML"}.get(kind(fallback), fallback)
    return fallback, deviation(
        "accept",
        f"Accept {accept.strip()!r} names no media type of this operation ({_listing(offered)})",
        answer=answer,
    )


@lru_cache(maxsize=1024)
def picture_type(
    accept: str | None, stored: str, offered: tuple[str, ...], lenient: bool
) -> tuple[str, Deviation | None]:
    """The image type to send a picture stored as ``stored`` in: ``stored`` when Accept allows
    it, else Accept's best offered image type. When Accept allows none: NotAcceptable (strict),
    or ``stored`` and the deviation (lenient: a file answer is not negotiated)."""
    if stored in offered and accepts(accept, stored):
        return stored, None
    if not accept or not accept.strip():
        return offered[0], None
    match = _best_match(_parse_accept(accept), offered)
    if match is not None:
        return match, None
    if not lenient:
        return choose(accept, offered), None
    fallback = stored if stored in offered else offered[0]
    return fallback, _picture_deviation(accept, offered, fallback)


@lru_cache(maxsize=256)
def asked_picture_type(
    accept: str | None, asked: str, offered: tuple[str, ...], lenient: bool
) -> Deviation | None:
    """The ``type`` a client asked for by name wins; NotAcceptable (strict) or the deviation
    (lenient) when Accept does not allow it."""
    if accepts(accept, asked):
        return None
    if not lenient:
        choose(accept, (asked,))
    return _picture_deviation(accept, offered, asked)


def _picture_deviation(accept: str | None, offered: tuple[str, ...], answer: str) -> Deviation:
    return deviation(
        "picture-accept",
        f"Accept {(accept or '').strip()!r} names no media type of this operation "
        f"({_listing(offered)})",
        answer=answer,
    )


def accepts(accept: str | None, media_type: str) -> bool:
    """Whether the Accept header allows ``media_type`` at all (no header allows anything)."""
    if not accept or not accept.strip():
        return True
    return _quality(_parse_accept(accept), media_type) > 0


@lru_cache(maxsize=256)
def request_media_type(content_type: str | None, accepted: tuple[str, ...]) -> str:
    """The contract media type a request body of ``content_type`` is, or UnsupportedMediaType."""
    if not content_type or not content_type.strip():
        raise UnsupportedMediaType(
            f"The request has a body but no Content-Type; send one of {_listing(accepted)}"
        )
    media_type = bare_media_type(content_type)
    if media_type in accepted:
        return media_type
    raise UnsupportedMediaType(
        f"Content-Type {media_type!r} is not accepted here; send one of {_listing(accepted)}"
    )


def bare_media_type(content_type: str) -> str:
    """``Application/JSON; charset=utf-8`` → ``application/json``."""
    return content_type.split(";", 1)[0].strip().lower()


# An Accept item's media range and its quality; the items of one header, most specific first.
Accepted = tuple[tuple[str, float], ...]
_Q_VALUE = re.compile(r"-?\d+(\.\d+)?", re.ASCII)
_MIME_PARTS = re.compile(r"/|(?:[ \t]*;[ \t]*)")


@lru_cache(maxsize=256)
def _parse_accept(accept: str) -> Accepted:
    """The Accept header's media ranges (parameters other than q dropped: none of the contract's
    media types carries any), sorted by specificity then quality, as RFC 9110 ranks them. An
    item with a q that is not a number from 0 to 1 is skipped."""
    items = []
    for part in accept.split(","):
        media_range, *parameters = (piece.strip() for piece in part.split(";"))
        if not media_range:
            continue
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                value = value.strip(' \t"')
                quality = float(value) if _Q_VALUE.fullmatch(value) else -1.0
        if 0 <= quality <= 1:
            items.append((media_range, quality))
    items.sort(key=lambda item: (_specificity(item[0]), item[1]), reverse=True)
    return tuple(items)


def _specificity(media_range: str) -> tuple[bool, ...]:
    return tuple(part != "*" for part in _MIME_PARTS.split(media_range))


def _matches(offered: str, media_range: str) -> bool:
    """Whether the client's ``media_range`` covers the ``offered`` media type."""
    if "/" not in media_range:
        return False
    offered_type, offered_subtype, *_ = _MIME_PARTS.split(offered.lower())
    range_type, range_subtype, *_ = _MIME_PARTS.split(media_range.lower())
    if range_type == "*":
        return range_subtype == "*"  # "*/json" is no media range
    return range_type == offered_type and range_subtype in ("*", offered_subtype)


def _best_match(accepted: Accepted, offered: Sequence[str]) -> str | None:
    """The offered type the client rates highest (each rated by the most specific range that
    covers it); on a tie the more specific range wins, then the earlier offer."""
    best: str | None = None
    best_quality = -1.0
    best_specificity: tuple[bool, ...] = (False,)
    for candidate in offered:
        found = _covering(accepted, candidate)
        if found is None:
            continue
        media_range, quality = found
        specificity = _specificity(media_range)
        if quality <= 0 or quality < best_quality:
            continue
        if quality > best_quality or specificity > best_specificity:
            best, best_quality, best_specificity = candidate, quality, specificity
    return best


def _covering(accepted: Accepted, media_type: str) -> tuple[str, float] | None:
    """The most specific of the client's ranges that covers ``media_type``."""
    return next((item for item in accepted if _matches(media_type, item[0])), None)


def _quality(accepted: Accepted, media_type: str) -> float:
    """The quality the client gives ``media_type``: that of its most specific covering range."""
    found = _covering(accepted, media_type)
    return found[1] if found is not None else 0.0


def _listing(media_types: Sequence[str]) -> str:
    return ", ".join(media_types)
