"""Tests for mockso.core.imaging: sniffing uploads, rendering scaled/converted copies, placeholders.

Every picture is built in memory with Pillow or crafted byte by byte (for headers that declare
sizes no real file should have). setup.cfg turns warnings into errors, so any Pillow
DecompressionBombWarning would fail these tests.
"""

from __future__ import annotations

import io
import struct
import zlib
from typing import Any

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from PIL import Image

from mockso.core.imaging import FORMATS
from mockso.core.imaging import PLACEHOLDER_KINDS
from mockso.core.imaging import ImageError
from mockso.core.imaging import ImageTooLarge
from mockso.core.imaging import NotAnImage
from mockso.core.imaging import Picture
from mockso.core.imaging import normalize_format
from mockso.core.imaging import placeholder
from mockso.core.imaging import render
from mockso.core.imaging import sniff

LIMIT = 25_000_000
PILLOW_LIMIT = Image.MAX_IMAGE_PIXELS


# --- helpers -----------------------------------------------------------------------------


def encode(image: Image.Image, fmt: str, **options: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def photo(size: tuple[int, int] = (40, 30), mode: str = "RGB") -> Image.Image:
    """A deterministic picture with some structure (gradients), in the given mode."""
    red = Image.linear_gradient("L").resize(size)
    green = red.transpose(Image.Transpose.ROTATE_90).resize(size)
    blue = Image.new("L", size, 96)
    image = Image.merge("RGB", (red, green, blue))
    return image.convert(mode)


def with_clear_left_half(size: tuple[int, int] = (40, 30)) -> Image.Image:
    """An RGBA picture whose left half is fully transparent."""
    image = photo(size, "RGBA")
    image.paste((0, 0, 0, 0), (0, 0, size[0] // 2, size[1]))
    return image


def picture_bytes(fmt: str, size: tuple[int, int] = (40, 30)) -> bytes:
    image = photo(size)
    return encode(image.quantize(64) if fmt == "GIF" else image, fmt)


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def png_chunk(chunk_type: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(chunk_type + payload)
    return struct.pack(">I", len(payload)) + chunk_type + payload + struct.pack(">I", crc)


def png_declaring(width: int, height: int) -> bytes:
    """A tiny, well-formed PNG whose IHDR claims width x height RGB pixels."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", zlib.compress(b"\x00"))
        + png_chunk(b"IEND", b"")
    )


def jpeg_declaring(width: int, height: int) -> bytes:
    """A real small JPEG with the dimensions in its SOF0 segment rewritten."""
    data = bytearray(encode(photo((16, 16)), "JPEG"))
    sof = data.index(b"\xff\xc0")
    struct.pack_into(">HH", data, sof + 5, height, width)
    return bytes(data)


def gif_declaring(width: int, height: int) -> bytes:
    """A GIF with a 1x1 logical screen whose first frame claims width x height."""
    screen = b"GIF89a" + struct.pack("<HHBBB", 1, 1, 0, 0, 0)
    frame = b"," + struct.pack("<4HB", 0, 0, width, height, 0) + b"\x02\x02\x44\x01\x00"
    return screen + frame + b";"


def tiff_declaring(width: int, height: int) -> bytes:
    """A minimal little-endian greyscale TIFF whose directory claims width x height."""
    entries = [  # tag, type (3 SHORT, 4 LONG), value
        (256, 4, width),
        (257, 4, height),
        (258, 3, 8),
        (259, 3, 1),
        (262, 3, 1),
        (273, 4, 8 + 2 + 9 * 12 + 4),  # the single strip right after the directory
        (277, 3, 1),
        (278, 4, height),
        (279, 4, 1),
    ]
    directory = struct.pack("<H", len(entries))
    for tag, kind, value in entries:
        directory += struct.pack("<HHI", tag, kind, 1) + struct.pack("<I", value)
    return b"II*\x00" + struct.pack("<I", 8) + directory + struct.pack("<I", 0) + b"\x00"


DECLARING = {"PNG": png_declaring, "JPEG": jpeg_declaring, "GIF": gif_declaring}
DECLARING["TIFF"] = tiff_declaring


def replace_idat_with_junk(data: bytes) -> bytes:
    """Keep the PNG's chunk structure and CRCs valid, but make the compressed pixels junk."""
    start = data.index(b"IDAT") - 4
    (length,) = struct.unpack_from(">I", data, start)
    junk = png_chunk(b"IDAT", b"\x78\x9c" + b"\xff" * (length - 2))
    return data[:start] + junk + data[start + 12 + length :]


# --- sniff -------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "TIFF"])
def test_sniff_identifies_each_accepted_format_and_its_size(fmt: str) -> None:
    assert sniff(picture_bytes(fmt), max_pixels=LIMIT) == Picture(fmt, FORMATS[fmt], 40, 30)


def test_sniff_remembers_small_pictures_by_content_but_not_refusals(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from mockso.core import imaging

    parsed: list[int] = []
    real = imaging._sniff

    def counting(data: bytes, max_pixels: int) -> Picture:
        parsed.append(len(data))
        return real(data, max_pixels)

    monkeypatch.setattr(imaging, "_sniff", counting)
    imaging._sniff_again.cache_clear()
    data = picture_bytes("PNG")
    first = sniff(data, max_pixels=LIMIT)
    assert sniff(bytes(bytearray(data)), max_pixels=LIMIT) == first  # equal bytes, another object
    assert len(parsed) == 1
    assert sniff(bytearray(data), max_pixels=LIMIT) == first  # not hashable: parsed, not kept
    with pytest.raises(ImageTooLarge):
        sniff(data, max_pixels=10)  # the limit is part of what is remembered
    for _ in range(2):
        with pytest.raises(NotAnImage):
            sniff(data[:40], max_pixels=LIMIT)
    assert parsed.count(40) == 2  # a refusal is parsed again each time
    imaging._sniff_again.cache_clear()


def test_formats_map_each_pillow_format_to_its_mime_type() -> None:
    assert dict(FORMATS) == {
        "PNG": "image/png",
        "JPEG": "image/jpeg",
        "GIF": "image/gif",
        "TIFF": "image/tiff",
    }


def test_a_jpeg_uploaded_as_photo_png_is_sniffed_as_jpeg() -> None:
    # The label (Content-Type or file name) never reaches sniff: only the bytes count.
    labelled_png = picture_bytes("JPEG")
    assert sniff(labelled_png, max_pixels=LIMIT).mime_type == "image/jpeg"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        pytest.param(b"", "it is empty", id="empty"),
        pytest.param(b"Hello, this is not a picture\n", "looks like text", id="text"),
        pytest.param(encode(photo(), "BMP"), "it is a BMP image", id="bmp"),
        pytest.param(b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(24), "WebP", id="webp"),
        pytest.param(b"\x01\x02\x03\x04" * 8, "match none", id="binary"),
        pytest.param(picture_bytes("PNG")[:-30], "PNG data is truncated", id="truncated-png"),
        pytest.param(picture_bytes("PNG")[:40], "PNG", id="png-header-only"),
        pytest.param(
            picture_bytes("JPEG", (200, 150))[:-100], "JPEG data is truncated", id="truncated-jpeg"
        ),
        pytest.param(picture_bytes("GIF")[:-40], "GIF data is truncated", id="truncated-gif"),
        pytest.param(picture_bytes("TIFF")[:-100], "TIFF data is truncated", id="truncated-tiff"),
    ],
)
def test_bytes_that_are_not_a_whole_picture_are_refused_with_the_reason(
    body: bytes, reason: str
) -> None:
    with pytest.raises(
        NotAnImage, match=r"^The body is not a PNG, JPEG, GIF or TIFF image: "
    ) as err:
        sniff(body, max_pixels=LIMIT)
    assert reason in str(err.value)


def test_a_gif_with_a_corrupt_block_is_refused() -> None:
    data = bytearray(picture_bytes("GIF"))
    first_block = 13 + (3 << ((data[10] & 7) + 1))  # after the header and global palette
    data[first_block] = 0x99
    with pytest.raises(NotAnImage, match="GIF data is corrupt"):
        sniff(bytes(data), max_pixels=LIMIT)


def test_a_png_with_a_damaged_header_crc_is_refused() -> None:
    data = bytearray(picture_bytes("PNG"))
    data[29] ^= 0xFF  # inside the IHDR CRC
    with pytest.raises(NotAnImage, match="PNG header cannot be read"):
        sniff(bytes(data), max_pixels=LIMIT)


def test_errors_are_value_errors_with_a_common_base() -> None:
    assert issubclass(NotAnImage, ImageError)
    assert issubclass(ImageTooLarge, ImageError)
    assert issubclass(ImageError, ValueError)


# --- pixel limits ------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "TIFF"])
def test_a_decompression_bomb_is_refused_by_sniff_and_by_render(fmt: str) -> None:
    bomb = DECLARING[fmt](60_000, 60_000)
    message = f"^The {fmt} image declares 60000x60000 pixels; the limit is {LIMIT} pixels.$"
    with pytest.raises(ImageTooLarge, match=message):
        sniff(bomb, max_pixels=LIMIT)
    with pytest.raises(ImageTooLarge, match=message):
        render(bomb, width=10, height=None, fmt="PNG", max_pixels=LIMIT)


def test_the_crafted_png_bomb_is_tiny() -> None:
    assert len(png_declaring(100_000, 100_000)) < 100
    with pytest.raises(ImageTooLarge, match="declares 100000x100000 pixels"):
        sniff(png_declaring(100_000, 100_000), max_pixels=LIMIT)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "TIFF"])
def test_a_size_just_above_our_limit_is_refused_without_any_warning(
    fmt: str, recwarn: pytest.WarningsRecorder
) -> None:
    just_above = DECLARING[fmt](1001, 1000)
    with pytest.raises(ImageTooLarge, match="the limit is 1000000 pixels"):
        sniff(just_above, max_pixels=1_000_000)
    assert sniff(DECLARING[fmt](1000, 1000), max_pixels=1_000_000).width == 1000
    assert not recwarn.list


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "TIFF"])
def test_sizes_pillow_would_warn_about_are_refused_by_us_first(
    fmt: str, recwarn: pytest.WarningsRecorder
) -> None:
    # 10000x10000 lies between Pillow's warning and error thresholds; Image.open would warn.
    assert PILLOW_LIMIT is not None
    assert PILLOW_LIMIT < 10_000 * 10_000 < 2 * PILLOW_LIMIT
    with pytest.raises(ImageTooLarge, match=f"the limit is {PILLOW_LIMIT} pixels"):
        sniff(DECLARING[fmt](10_000, 10_000), max_pixels=10**12)
    assert not recwarn.list


# --- render: sizes -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("width", "height", "expected"),
    [
        pytest.param(40, None, (40, 20), id="width-only-keeps-aspect"),
        pytest.param(None, 10, (20, 10), id="height-only-keeps-aspect"),
        pytest.param(33, 77, (33, 77), id="both-give-exactly-that-size"),
        pytest.param(160, None, (160, 80), id="upscaling"),
        pytest.param(1, None, (1, 1), id="the-computed-side-is-at-least-1"),
    ],
)
def test_render_scales_to_the_requested_size(
    width: int | None, height: int | None, expected: tuple[int, int]
) -> None:
    data, mime = render(
        picture_bytes("PNG", (80, 40)), width=width, height=height, fmt=None, max_pixels=LIMIT
    )
    assert mime == "image/png"
    assert decode(data).size == expected


def test_a_side_computed_from_the_aspect_ratio_is_capped_at_4096() -> None:
    data, _ = render(
        picture_bytes("PNG", (2, 200)), width=100, height=None, fmt=None, max_pixels=LIMIT
    )
    assert decode(data).size == (100, 4096)


@pytest.mark.parametrize("side", [0, -5, 4097])
def test_render_refuses_sides_outside_1_to_4096_as_a_programming_error(side: int) -> None:
    with pytest.raises(ValueError, match=r"1\.\.4096") as err:
        render(picture_bytes("PNG"), width=side, height=None, fmt=None, max_pixels=LIMIT)
    assert not isinstance(err.value, ImageError)


def test_render_refuses_an_unknown_output_format_as_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unsupported output format"):
        render(picture_bytes("PNG"), width=None, height=None, fmt="WEBP", max_pixels=LIMIT)


def test_a_large_jpeg_is_downscaled_to_the_exact_size() -> None:
    # Goes through JPEG draft (decode at 1/8), then LANCZOS to the exact size.
    data, mime = render(
        picture_bytes("JPEG", (1600, 1200)), width=100, height=None, fmt=None, max_pixels=LIMIT
    )
    assert mime == "image/jpeg"
    assert decode(data).size == (100, 75)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "TIFF"])
def test_scaling_without_a_type_keeps_the_source_format(fmt: str) -> None:
    data, mime = render(picture_bytes(fmt), width=20, height=None, fmt=None, max_pixels=LIMIT)
    assert mime == FORMATS[fmt]
    assert sniff(data, max_pixels=LIMIT) == Picture(fmt, mime, 20, 15)


# --- render: conversions -----------------------------------------------------------------


def test_png_with_alpha_to_jpeg_is_flattened_on_white() -> None:
    data, mime = render(
        encode(with_clear_left_half(), "PNG"), width=None, height=None, fmt="JPEG", max_pixels=LIMIT
    )
    image = decode(data)
    assert (mime, image.format, image.mode, image.size) == ("image/jpeg", "JPEG", "RGB", (40, 30))
    assert all(channel >= 250 for channel in image.getpixel((5, 15)))  # type: ignore[union-attr]


def test_jpeg_to_png() -> None:
    data, mime = render(picture_bytes("JPEG"), width=None, height=None, fmt="PNG", max_pixels=LIMIT)
    image = decode(data)
    assert (mime, image.format, image.size) == ("image/png", "PNG", (40, 30))


def test_converting_to_gif_keeps_the_size_and_the_transparency() -> None:
    data, mime = render(
        encode(with_clear_left_half(), "PNG"), width=None, height=None, fmt="GIF", max_pixels=LIMIT
    )
    image = decode(data)
    assert (mime, image.format, image.size) == ("image/gif", "GIF", (40, 30))
    rgba = image.convert("RGBA")
    assert rgba.getpixel((5, 15))[3] == 0  # type: ignore[index]
    assert rgba.getpixel((35, 15))[3] == 255  # type: ignore[index]


def test_png_keeps_its_alpha_when_scaled() -> None:
    data, _ = render(
        encode(with_clear_left_half(), "PNG"), width=20, height=None, fmt=None, max_pixels=LIMIT
    )
    image = decode(data)
    assert image.mode == "RGBA"
    assert image.getpixel((2, 7))[3] == 0  # type: ignore[index]


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(encode(photo(mode="P"), "PNG", transparency=0), id="palette-png-with-tRNS"),
        pytest.param(encode(photo(mode="LA"), "PNG"), id="grey-alpha-png"),
        pytest.param(encode(photo(mode="1"), "PNG"), id="bilevel-png"),
        pytest.param(encode(photo(mode="CMYK"), "JPEG"), id="cmyk-jpeg"),
        pytest.param(encode(photo(mode="L"), "TIFF"), id="grey-tiff"),
    ],
)
@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF"])
def test_any_source_mode_converts_to_every_output_format(source: bytes, fmt: str) -> None:
    data, mime = render(source, width=16, height=None, fmt=fmt, max_pixels=LIMIT)
    assert (decode(data).format, mime) == (fmt, FORMATS[fmt])


def test_a_16_bit_grey_png_is_scaled_to_8_bits_not_clipped_to_white() -> None:
    source = encode(Image.new("I;16", (8, 8), 32768), "PNG")
    data, _ = render(source, width=None, height=None, fmt="JPEG", max_pixels=LIMIT)
    assert 120 <= decode(data).convert("L").getpixel((4, 4)) <= 136  # type: ignore[operator]


def test_pixel_data_that_cannot_be_decoded_is_refused_by_render() -> None:
    broken = replace_idat_with_junk(picture_bytes("PNG"))
    assert sniff(broken, max_pixels=LIMIT).format == "PNG"  # sniff does not inflate
    with pytest.raises(NotAnImage, match="PNG image data cannot be decoded"):
        render(broken, width=10, height=None, fmt=None, max_pixels=LIMIT)


# --- render: no-op and determinism -------------------------------------------------------


@pytest.mark.parametrize(
    ("width", "height", "fmt"),
    [
        pytest.param(None, None, None, id="nothing-asked"),
        pytest.param(None, None, "JPEG", id="same-format"),
        pytest.param(40, None, None, id="same-width"),
        pytest.param(40, 30, "JPEG", id="same-size-and-format"),
    ],
)
def test_render_returns_the_very_same_bytes_when_nothing_changes(
    width: int | None, height: int | None, fmt: str | None
) -> None:
    source = picture_bytes("JPEG")
    data, mime = render(source, width=width, height=height, fmt=fmt, max_pixels=LIMIT)
    assert data is source
    assert mime == "image/jpeg"


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", None])
def test_render_output_is_deterministic(fmt: str | None) -> None:
    source = encode(with_clear_left_half((64, 48)), "PNG")
    first = render(source, width=30, height=None, fmt=fmt, max_pixels=LIMIT)
    second = render(bytes(source), width=30, height=None, fmt=fmt, max_pixels=LIMIT)
    assert first == second


@settings(max_examples=60, deadline=None, database=None)
@given(
    source_format=st.sampled_from(["PNG", "JPEG", "GIF", "TIFF"]),
    source_size=st.tuples(st.integers(1, 48), st.integers(1, 48)),
    width=st.none() | st.integers(1, 64),
    height=st.none() | st.integers(1, 64),
    fmt=st.sampled_from([None, "PNG", "JPEG", "GIF"]),
)
def test_render_output_always_decodes_with_the_requested_dimensions(
    source_format: str,
    source_size: tuple[int, int],
    width: int | None,
    height: int | None,
    fmt: str | None,
) -> None:
    source = picture_bytes(source_format, source_size)
    data, mime = render(source, width=width, height=height, fmt=fmt, max_pixels=LIMIT)
    image = decode(data)
    assert image.format == (fmt or source_format)
    assert mime == FORMATS[image.format]
    if width is not None:
        assert image.width == width
    if height is not None:
        assert image.height == height
    if width is None and height is None:
        assert image.size == source_size
    assert min(image.size) >= 1


# --- normalize_format --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("jpeg", "JPEG"),
        ("JPG", "JPEG"),
        ("Image/JPEG", "JPEG"),
        ("png", "PNG"),
        ("image/png", "PNG"),
        ("GIF", "GIF"),
        ("image/gif", "GIF"),
        (" png ", "PNG"),
        (None, None),
        ("", None),
        ("magni", None),
        ("tiff", None),
        ("image/tiff", None),
        ("webp", None),
    ],
)
def test_normalize_format_maps_type_values_and_ignores_unknown_ones(
    value: str | None, expected: str | None
) -> None:
    assert normalize_format(value) == expected


# --- placeholders ------------------------------------------------------------------------


def test_the_placeholder_kinds_are_the_documented_ifblank_values_except_null() -> None:
    expected = {"ClearPixel", "SrNoPhoto", "SrNoPhotoWithBorder", "Default", "GenericFileIcon"}
    assert expected == PLACEHOLDER_KINDS


@pytest.mark.parametrize("kind", sorted(PLACEHOLDER_KINDS))
def test_every_placeholder_is_a_png_that_sniffs_and_decodes(kind: str) -> None:
    data, mime = placeholder(kind)
    assert mime == "image/png"
    assert sniff(data, max_pixels=LIMIT).format == "PNG"
    assert decode(data).format == "PNG"


def test_clear_pixel_is_one_fully_transparent_pixel() -> None:
    image = decode(placeholder("ClearPixel")[0]).convert("RGBA")
    assert image.size == (1, 1)
    assert image.getpixel((0, 0))[3] == 0  # type: ignore[index]


def test_no_photo_is_a_grey_silhouette_and_the_border_variant_differs_only_at_the_edge() -> None:
    plain = decode(placeholder("SrNoPhoto")[0]).convert("RGB")
    framed = decode(placeholder("SrNoPhotoWithBorder")[0]).convert("RGB")
    assert plain.size == framed.size == (96, 96)
    assert plain.getpixel((48, 32)) != plain.getpixel((5, 5))  # a head on a background
    assert plain.getpixel((0, 0)) != framed.getpixel((0, 0))
    assert plain.getpixel((48, 32)) == framed.getpixel((48, 32))


def test_default_is_the_no_photo_picture() -> None:
    assert placeholder("Default") == placeholder("SrNoPhoto")


def test_the_generic_file_icon_is_a_white_page_on_transparency() -> None:
    image = decode(placeholder("GenericFileIcon")[0]).convert("RGBA")
    assert image.getpixel((2, 2))[3] == 0  # type: ignore[index]
    assert image.getpixel((40, 30)) == (255, 255, 255, 255)


def test_placeholders_are_cached_and_deterministic() -> None:
    assert placeholder("SrNoPhoto") is placeholder("SrNoPhoto")
    first = {kind: placeholder(kind)[0] for kind in PLACEHOLDER_KINDS}
    placeholder.cache_clear()
    assert {kind: placeholder(kind)[0] for kind in PLACEHOLDER_KINDS} == first


@pytest.mark.parametrize("kind", ["Null", "srnophoto", "", "Nothing"])
def test_an_unknown_placeholder_kind_is_a_key_error(kind: str) -> None:
    with pytest.raises(KeyError):
        placeholder(kind)


def test_sniff_never_decodes_pixels(monkeypatch: pytest.MonkeyPatch) -> None:
    # sniff runs on every upload; decoding a 2 MB picture would cost milliseconds each time.
    from PIL import ImageFile

    def refuse(self: object) -> None:
        raise AssertionError("sniff decoded pixels")

    noise = Image.effect_noise((300, 300), 64).convert("RGB")
    bodies = [encode(noise, fmt) for fmt in ("JPEG", "PNG", "GIF", "TIFF")]
    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)
    for data in bodies:
        sniff(data, max_pixels=LIMIT)
