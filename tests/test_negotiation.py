"""mockso.core.negotiation: media type kinds, Accept, Content-Type."""

from __future__ import annotations

import pytest

from mockso.core.errors import NotAcceptable
from mockso.core.errors import UnsupportedMediaType
from mockso.core.negotiation import accepts
from mockso.core.negotiation import asked_picture_type
from mockso.core.negotiation import choose
from mockso.core.negotiation import content_type_header
from mockso.core.negotiation import kind
from mockso.core.negotiation import negotiate
from mockso.core.negotiation import picture_type
from mockso.core.negotiation import request_media_type

INFO = (
    "application/json",
    "text/json",
    "application/xml",
    "text/xml",
    "application/json-patch+json",
    "application/merge-patch+json",
)
PICTURES = ("image/png", "image/jpeg", "image/gif", "image/tiff")
BODIES = (*INFO, "application/x-www-form-urlencoded")


@pytest.mark.parametrize(
    ("media_type", "expected"),
    [
        ("application/json", "json"),
        ("text/json", "json"),
        ("application/json-patch+json", "json"),
        ("application/merge-patch+json", "json"),
        ("application/problem+json", "json"),
        ("Application/JSON", "json"),
        ("application/xml", "xml"),
        ("text/xml", "xml"),
        ("application/atom+xml", "xml"),
        ("TEXT/XML", "xml"),
        ("application/x-www-form-urlencoded", "form"),
        ("multipart/form-data", "multipart"),
        ("multipart/mixed", "multipart"),
        ("image/png", "image"),
        ("image/jpeg", "image"),
        ("image/svg+xml", "xml"),
        ("application/octet-stream", "other"),
        ("text/plain", "other"),
        ("application/jsonp", "other"),
        ("", "other"),
    ],
)
def test_kind_says_how_a_media_type_is_read_and_written(media_type: str, expected: str) -> None:
    assert kind(media_type) == expected


@pytest.mark.parametrize(
    ("media_type", "expected"),
    [
        ("application/json", "application/json; charset=utf-8"),
        ("text/xml", "text/xml; charset=utf-8"),
        ("application/merge-patch+json", "application/merge-patch+json; charset=utf-8"),
        ("image/png", "image/png"),
        ("application/octet-stream", "application/octet-stream"),
        ("multipart/form-data", "multipart/form-data"),
    ],
)
def test_content_type_header_adds_a_charset_to_text_kinds_only(
    media_type: str, expected: str
) -> None:
    assert content_type_header(media_type) == expected


# -- choose -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "offered", "expected"),
    [
        (None, INFO, "application/json"),
        ("", INFO, "application/json"),
        ("   ", INFO, "application/json"),
        (None, PICTURES, "image/png"),
        ("*/*", INFO, "application/json"),
        ("*/*", PICTURES, "image/png"),
        ("application/xml", INFO, "application/xml"),
        ("APPLICATION/XML", INFO, "application/xml"),
        ("text/*", INFO, "text/json"),
        ("image/*", PICTURES, "image/png"),
        ("image/gif", PICTURES, "image/gif"),
        ("application/xml;q=0.9, text/xml", INFO, "text/xml"),
        ("text/xml;q=0.9, application/xml;q=0.1", INFO, "text/xml"),
        ("application/json;q=0.1, */*;q=0.5", INFO, "text/json"),
        ("*/*;q=0.1, text/xml", INFO, "text/xml"),
        ("text/html, application/xhtml+xml, application/xml;q=0.9, */*;q=0.8", INFO,
         "application/xml"),
        ("application/json; charset=utf-8", INFO, "application/json"),
        ("application/json;charset=UTF-8", INFO, "application/json"),
        ("text/xml; charset=utf-8; q=0.5, application/json; q=0.4", INFO, "text/xml"),
        ("application/xml; charset=utf-8, application/json; charset=utf-8;q=0.5", INFO,
         "application/xml"),
        ("image/jpeg; quality=high", PICTURES, "image/jpeg"),
    ],
)  # fmt: skip
def test_choose_picks_the_best_offered_type_for_the_accept_header(
    accept: str | None, offered: tuple[str, ...], expected: str
) -> None:
    assert choose(accept, offered) == expected


def test_choose_with_nothing_offered_is_empty() -> None:
    assert choose("application/json", ()) == ""


@pytest.mark.parametrize(
    ("accept", "offered"),
    [
        ("text/html", INFO),
        ("image/png", INFO),
        ("application/json", PICTURES),
        ("application/json;q=0", INFO),
        ("application/json; charset=utf-8;q=0", INFO),
        ("*/*;q=0", INFO),
        ("garbage", INFO),
        ("text/html, image/*;q=0", PICTURES),
    ],
)
def test_choose_refuses_when_nothing_offered_is_acceptable(
    accept: str, offered: tuple[str, ...]
) -> None:
    with pytest.raises(NotAcceptable) as caught:
        choose(accept, offered)
    assert caught.value.message == (
        f"None of the media types in Accept ({accept.strip()!r}) can be produced here; "
        f"this operation answers {', '.join(offered)}"
    )
    assert caught.value.status == 406


# -- accepts ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "media_type", "expected"),
    [
        (None, "image/png", True),
        ("", "image/png", True),
        ("*/*", "image/png", True),
        ("image/*", "image/png", True),
        ("image/png", "image/png", True),
        ("Image/PNG", "image/png", True),
        ("image/png; q=0.3", "image/png", True),
        ("image/jpeg", "image/png", False),
        ("image/*, image/png;q=0", "image/png", False),
        ("image/png;q=0", "image/png", False),
        ("text/html", "image/png", False),
        ("application/json; charset=utf-8", "application/json", True),
    ],
)
def test_accepts_says_whether_the_header_allows_a_media_type(
    accept: str | None, media_type: str, expected: bool
) -> None:
    assert accepts(accept, media_type) is expected


# -- request bodies ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [
        ("application/json", "application/json"),
        ("application/json; charset=utf-8", "application/json"),
        ("Application/JSON;Charset=UTF-8", "application/json"),
        ("TEXT/XML", "text/xml"),
        ("application/x-www-form-urlencoded", "application/x-www-form-urlencoded"),
        ("  application/merge-patch+json  ", "application/merge-patch+json"),
    ],
)
def test_request_media_type_ignores_parameters_and_case(content_type: str, expected: str) -> None:
    assert request_media_type(content_type, BODIES) == expected


@pytest.mark.parametrize("content_type", [None, "", "   "])
def test_a_body_without_content_type_is_an_unsupported_media_type(
    content_type: str | None,
) -> None:
    with pytest.raises(UnsupportedMediaType) as caught:
        request_media_type(content_type, ("image/png", "image/jpeg"))
    assert caught.value.message == (
        "The request has a body but no Content-Type; send one of image/png, image/jpeg"
    )
    assert caught.value.status == 415


@pytest.mark.parametrize(
    ("content_type", "named"),
    [
        ("application/pdf", "application/pdf"),
        ("Text/HTML; charset=utf-8", "text/html"),
        ("application/jsonx", "application/jsonx"),
        ("image/webp", "image/webp"),
    ],
)
def test_an_unknown_content_type_is_unsupported_listing_what_is_accepted(
    content_type: str, named: str
) -> None:
    accepted = ("image/png", "image/jpeg", "multipart/form-data")
    with pytest.raises(UnsupportedMediaType) as caught:
        request_media_type(content_type, accepted)
    assert caught.value.message == (
        f"Content-Type {named!r} is not accepted here; "
        "send one of image/png, image/jpeg, multipart/form-data"
    )


DATA = ("application/json", "text/json", "application/xml", "text/xml")
IMAGES = ("image/png", "image/jpeg", "image/gif", "image/tiff")


@pytest.mark.parametrize(
    ("accept", "content_type", "expected", "noted"),
    [
        (None, None, "application/json", False),
        ("", "text/xml; charset=utf-8", "text/xml", False),  # no Accept: the request's own type
        ("application/xml", "application/json", "application/xml", False),  # Accept first
        ("aplication/json", None, "application/json", True),
        ("text/html", "application/xml", "application/xml", True),
        ("text/html", "image/png", "application/json", True),  # an image is no answer type here
        ("application/json;q=0", None, "application/json", True),  # no 406 even then
    ],
)
def test_negotiate_leniently_is_accept_then_content_type_then_json(
    accept: str | None, content_type: str | None, expected: str, noted: bool
) -> None:
    found, leaned = negotiate(accept, content_type, DATA, True)

    assert found == expected
    assert (leaned is not None) == noted
    if leaned is not None:
        assert leaned.kind == "accept"
        assert leaned.text.startswith(f"Accept {accept!r} names no media type of this operation")


def test_negotiate_strictly_is_choose() -> None:
    assert negotiate(None, "text/xml", DATA, False) == ("application/json", None)
    with pytest.raises(NotAcceptable):
        negotiate("aplication/json", None, DATA, False)


@pytest.mark.parametrize(
    ("accept", "expected", "noted"),
    [
        (None, "image/png", False),
        ("image/*", "image/png", False),
        ("image/gif", "image/gif", False),  # another image type: converted
        ("application/json", "image/png", True),  # the docs' own sample: the picture anyway
        ("image/webp", "image/png", True),
    ],
)
def test_picture_type_leniently_sends_the_picture_unless_accept_asks_another_image_type(
    accept: str | None, expected: str, noted: bool
) -> None:
    found, leaned = picture_type(accept, "image/png", IMAGES, True)

    assert found == expected
    assert (leaned is not None and leaned.kind == "picture-accept") == noted


def test_picture_type_strictly_refuses_an_accept_without_an_image_type() -> None:
    with pytest.raises(NotAcceptable):
        picture_type("application/json", "image/png", IMAGES, False)


def test_a_type_asked_by_name_is_noted_leniently_and_refused_strictly() -> None:
    assert asked_picture_type("image/*", "image/gif", IMAGES, True) is None
    leaned = asked_picture_type("image/png", "image/gif", IMAGES, True)
    assert leaned is not None
    assert "as image/gif" in leaned.text
    with pytest.raises(NotAcceptable):
        asked_picture_type("image/png", "image/gif", IMAGES, False)
