"""Everything the mock does with picture bytes: recognise, measure, scale, convert, placeholders.

SuperOffice stores a Contact/Person/Product/Project picture as PNG, JPEG, GIF or TIFF and
serves it back, optionally scaled (``w``/``h``) or converted (``type``), or answers with a
built-in placeholder when there is none (``ifBlank``). This module is that behaviour, with
Pillow and without Flask:

* :func:`sniff` runs on every upload, so it only reads headers plus a few cheap structural
  checks (no pixel decoding) and refuses declared sizes above the pixel limit.
* :func:`render` does the pixel work for GET with ``w``/``h``/``type``.
* :func:`normalize_format` maps the free-text ``type`` query value to a format or ``None``.
* :func:`placeholder` draws the ``ifBlank`` images.

Decompression bombs, as found in Pillow 13: ``Image.open`` calls the global bomb check right
after a format plugin has parsed the header, so the warning (above ``Image.MAX_IMAGE_PIXELS``)
or the error (above twice that) fires *at open*, not at ``load``. Later checks happen only
for TIFF in ``load_prepare``, for GIF when a frame outgrows the logical screen (frame 0 is
read inside the plugin's constructor) and in ``crop``. We therefore never call
``Image.open``: the format is identified from its magic bytes and the plugin class is
instantiated directly, which parses the header without the check; the GIF size is read by
our own walk before Pillow sees it; and our limit is capped at ``Image.MAX_IMAGE_PIXELS`` so
that whatever passes our check can never reach Pillow's warning later on. Nothing here
touches Pillow's global settings or the warnings filters (other threads use Pillow too).
"""

from __future__ import annotations

import functools
import io
import struct
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any
from typing import Final

from PIL import GifImagePlugin
from PIL import Image
from PIL import ImageDraw
from PIL import ImageFile
from PIL import JpegImagePlugin
from PIL import PngImagePlugin
from PIL import TiffImagePlugin


class ImageError(ValueError):
    """The bytes cannot be used as a picture; ``str(e)`` is a user-facing sentence."""


class NotAnImage(ImageError):
    """The bytes are empty, of an unaccepted format, truncated or corrupt."""


class ImageTooLarge(ImageError):
    """The header declares more pixels than the limit (a possible decompression bomb)."""


FORMATS: Final[Mapping[str, str]] = MappingProxyType(
    {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "TIFF": "image/tiff"}
)


@dataclass(frozen=True)
class Picture:
    """What :func:`sniff` learned about an upload without decoding its pixels."""

    format: str
    mime_type: str
    width: int
    height: int


_ACCEPTED: Final = "PNG, JPEG, GIF or TIFF"

# The caller caps w/h at this; we enforce it too, including for a side computed from the
# aspect ratio (a 1x1000 picture asked for at w=4096 would otherwise be 4 million px tall).
_MAX_SIDE: Final = 4096

# Magic bytes -> Pillow format name. Identification is ours, never a Content-Type or name.
_SIGNATURES: Final[tuple[tuple[bytes, str], ...]] = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"II+\x00", "TIFF"),  # BigTIFF, which Pillow reads as well
    (b"MM\x00+", "TIFF"),
)

# Formats we can name in the refusal, as (offset, magic, description).
_OTHER_FORMATS: Final[tuple[tuple[int, bytes, str], ...]] = (
    (8, b"WEBP", "a WebP image"),
    (0, b"BM", "a BMP image"),
    (0, b"%PDF", "a PDF document"),
    (4, b"ftyp", "a HEIF/AVIF image or an MP4 video"),
    (0, b"\x00\x00\x01\x00", "an ICO icon"),
)

# The plugin classes themselves: constructing one parses the header like Image.open does,
# minus Image.open's global bomb check (see the module docstring). JpegImageFile rather
# than Pillow's jpeg_factory, so an MPO (multi-picture JPEG) is read as its first JPEG.
_OPENERS: Final[Mapping[str, Callable[[io.BytesIO], ImageFile.ImageFile]]] = MappingProxyType(
    {
        "PNG": PngImagePlugin.PngImageFile,
        "JPEG": JpegImagePlugin.JpegImageFile,
        "GIF": GifImagePlugin.GifImageFile,
        "TIFF": TiffImagePlugin.TiffImageFile,
    }
)

# What Pillow raises for bad data, on open as well as on load.
_PILLOW_DATA_ERRORS: Final = (
    SyntaxError,
    OSError,
    ValueError,
    EOFError,
    IndexError,
    KeyError,
    TypeError,
    struct.error,
)
# Pillow's own bomb signals; unreachable given our capped limit, mapped in case that changes.
_PILLOW_BOMB_ERRORS: Final = (Image.DecompressionBombError, Image.DecompressionBombWarning)


# --- sniff -------------------------------------------------------------------------------


def sniff(data: bytes, *, max_pixels: int) -> Picture:
    """Identify and measure a picture from its bytes, cheaply and without decoding pixels.

    Raises NotAnImage for anything that is not a complete PNG, JPEG, GIF or TIFF, and
    ImageTooLarge when the declared width*height exceeds ``max_pixels`` (capped at Pillow's
    ``Image.MAX_IMAGE_PIXELS``, so Pillow's own bomb warning can never fire later).
    """
    if type(data) is bytes and len(data) <= SNIFF_CACHE_MAX_BYTES:  # hashable, and small
        return _sniff_again(data, max_pixels)
    return _sniff(data, max_pixels)


# Test suites upload the same fixture pictures again and again. Small ones are remembered by
# content (hashing and comparing 64 KiB costs less than Pillow's parse); refusals are not kept.
SNIFF_CACHE_MAX_BYTES = 64 * 1024
SNIFF_CACHE_SIZE = 64


@functools.lru_cache(maxsize=SNIFF_CACHE_SIZE)
def _sniff_again(data: bytes, max_pixels: int) -> Picture:
    return _sniff(data, max_pixels)


def _sniff(data: bytes, max_pixels: int) -> Picture:
    fmt = _identify(data)
    limit = _pixel_limit(max_pixels)
    if fmt == "GIF":
        # Pillow's GIF constructor already reads frame 0 and bomb-checks it: measure first.
        _check_pixels(fmt, _gif_declared_size(data), limit)
    with _open(data, fmt) as image:
        _check_pixels(fmt, image.size, limit)
        if not image.tile:
            raise _not_an_image(f"the {fmt} data contains no image data")
        _STRUCTURE_CHECKS[fmt](data, image)
        return Picture(fmt, FORMATS[fmt], image.width, image.height)


def _identify(data: bytes) -> str:
    """Return the format named by the magic bytes, or refuse with what the bytes look like."""
    for magic, fmt in _SIGNATURES:
        if data.startswith(magic):
            return fmt
    raise _not_an_image(_describe_unknown(data))


def _describe_unknown(data: bytes) -> str:
    """A short user-facing description of bytes that are none of the accepted formats."""
    if not data:
        return "it is empty"
    for offset, magic, name in _OTHER_FORMATS:
        if data[offset : offset + len(magic)] == magic:
            return f"it is {name}"
    if all(byte >= 0x20 or byte in b"\t\r\n" for byte in data[:256]):
        return "it looks like text"
    return "its first bytes match none of these formats"


def _not_an_image(reason: str) -> NotAnImage:
    return NotAnImage(f"The body is not a {_ACCEPTED} image: {reason}.")


def _pixel_limit(max_pixels: int) -> int:
    """Our limit, capped at Pillow's so that Pillow never warns about what we let through."""
    pillow_limit = Image.MAX_IMAGE_PIXELS
    return max_pixels if pillow_limit is None else min(max_pixels, pillow_limit)


def _check_pixels(fmt: str, size: tuple[int, int], limit: int) -> None:
    width, height = size
    if width * height > limit:
        raise ImageTooLarge(
            f"The {fmt} image declares {width}x{height} pixels; the limit is {limit} pixels."
        )


def _open(data: bytes, fmt: str) -> ImageFile.ImageFile:
    """Parse the header with the format's plugin (lazy: no pixels are decoded here)."""
    try:
        return _OPENERS[fmt](io.BytesIO(data))
    except _PILLOW_BOMB_ERRORS as exc:
        raise ImageTooLarge(f"The {fmt} image is too large: {exc}") from exc
    except _PILLOW_DATA_ERRORS as exc:
        raise _not_an_image(f"the {fmt} header cannot be read ({exc})") from exc


def _gif_declared_size(data: bytes) -> tuple[int, int]:
    """The size Pillow gives frame 0: the logical screen, grown to the first frame's extent.

    Walks the blocks up to the first image descriptor (extensions only, so this is cheap)
    and refuses anything the GIF grammar does not allow there.
    """
    if len(data) < 13:
        raise _not_an_image("the GIF data is truncated (the header is incomplete)")
    screen_width, screen_height, flags = struct.unpack_from("<HHB", data, 6)
    global_palette = 3 << ((flags & 7) + 1) if flags & 0x80 else 0
    pos = 13 + global_palette
    while pos < len(data):
        introducer = data[pos]
        if introducer == 0x21:  # extension: label byte, then data sub-blocks
            pos = _skip_sub_blocks(data, pos + 2)
        elif introducer == 0x2C and pos + 9 <= len(data):  # image descriptor
            left, top, width, height = struct.unpack_from("<4H", data, pos + 1)
            return max(screen_width, left + width), max(screen_height, top + height)
        elif introducer == 0x3B:
            raise _not_an_image("the GIF data contains no image")
        else:
            raise _not_an_image(f"the GIF data is corrupt (unexpected byte {introducer:#04x})")
    raise _not_an_image("the GIF data is truncated (it ends before the first image)")


def _skip_sub_blocks(data: bytes, pos: int) -> int:
    """Position after a chain of GIF sub-blocks (length byte + data, ended by a 0 length)."""
    while pos < len(data):
        length = data[pos]
        pos += 1 + length
        if length == 0:
            return pos
    raise _not_an_image("the GIF data is truncated (it ends inside an extension block)")


def _check_png(data: bytes, image: ImageFile.ImageFile) -> None:
    """Walk the chunk lengths to IEND: catches truncation without inflating or CRC-ing IDAT.

    (``verify()`` would CRC every byte, about 0.5 ms per 2 MB; the header chunks' CRCs were
    already checked by the plugin.)
    """
    pos = 8
    while pos + 12 <= len(data):
        length, chunk_type = struct.unpack_from(">I4s", data, pos)
        pos += 12 + length
        if chunk_type == b"IEND":
            return
    raise _not_an_image("the PNG data is truncated (it ends before the IEND chunk)")


def _check_jpeg(data: bytes, image: ImageFile.ImageFile) -> None:
    """Require an EOI marker after the start of scan, where the plugin stopped reading.

    Searching only from there ignores FF D9 inside headers or an EXIF thumbnail; inside
    entropy-coded data FF is always stuffed, so FF D9 there is the real end of image.
    """
    scan_start = image.fp.tell() if image.fp is not None else 2
    if data.rfind(b"\xff\xd9", scan_start) < 0:
        raise _not_an_image("the JPEG data is truncated (it has no end-of-image marker)")


def _check_gif(data: bytes, image: ImageFile.ImageFile) -> None:
    """A complete GIF ends with the trailer byte ';' (0x3B)."""
    if not data.endswith(b"\x3b"):
        raise _not_an_image("the GIF data is truncated (it does not end with the GIF trailer)")


def _check_tiff(data: bytes, image: ImageFile.ImageFile) -> None:
    """The first directory and every strip or tile of the first image lie inside the data."""
    big = data[2:4] in (b"+\x00", b"\x00+")
    layout = ("<" if data.startswith(b"II") else ">") + ("Q" if big else "I")
    (first_ifd,) = struct.unpack_from(layout, data, 8 if big else 4)
    if not 8 <= first_ifd < len(data) - 2:
        raise _not_an_image("the TIFF data is corrupt (its first directory is outside the data)")
    if isinstance(image, TiffImagePlugin.TiffImageFile) and _tiff_data_end(image) > len(data):
        raise _not_an_image("the TIFF data is truncated (image data extends past the end)")


def _tiff_data_end(image: TiffImagePlugin.TiffImageFile) -> int:
    """Largest offset+count over StripOffsets/StripByteCounts and TileOffsets/TileByteCounts."""
    end = 0
    for offsets_tag, counts_tag in ((273, 279), (324, 325)):
        offsets = _as_ints(image.tag_v2.get(offsets_tag))
        counts = _as_ints(image.tag_v2.get(counts_tag))
        # strict=False: a count list shorter than the offsets is Pillow's problem at load.
        pairs = zip(offsets, counts, strict=False)
        end = max(end, max((offset + count for offset, count in pairs), default=0))
    return end


def _as_ints(value: Any) -> tuple[int, ...]:
    """A TIFF tag value is a single number or a tuple of them (or absent)."""
    if value is None:
        return ()
    return tuple(value) if isinstance(value, tuple) else (int(value),)


_STRUCTURE_CHECKS: Final[Mapping[str, Callable[[bytes, ImageFile.ImageFile], None]]] = (
    MappingProxyType(
        {"PNG": _check_png, "JPEG": _check_jpeg, "GIF": _check_gif, "TIFF": _check_tiff}
    )
)


# --- render ------------------------------------------------------------------------------


def render(
    data: bytes, *, width: int | None, height: int | None, fmt: str | None, max_pixels: int
) -> tuple[bytes, str]:
    """Scale and/or convert a stored picture; return ``(bytes, mime_type)``.

    ``width``/``height`` of None mean "not given": one side given keeps the aspect ratio,
    both give exactly that size. ``fmt`` is a name from :func:`normalize_format`, or None to
    keep the format. If nothing changes, ``data`` itself is returned. An animated GIF is
    rendered from its first frame. Raises ImageError subclasses for bad or oversized data,
    plain ValueError for arguments the caller should have validated.
    """
    picture = sniff(data, max_pixels=max_pixels)  # re-checks the limit before any decoding
    out_format = fmt or picture.format
    if out_format not in FORMATS:
        raise ValueError(f"unsupported output format {out_format!r}")
    size = _target_size(picture, width, height)
    if size == (picture.width, picture.height) and out_format == picture.format:
        return data, picture.mime_type
    image = _decode(data, picture.format, size)
    if image.size != size:
        # reducing_gap: a cheap integer reduce first, LANCZOS on the remainder.
        image = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
    return _encode(image, out_format), FORMATS[out_format]


def _target_size(picture: Picture, width: int | None, height: int | None) -> tuple[int, int]:
    for side in (width, height):
        if side is not None and not 1 <= side <= _MAX_SIDE:
            raise ValueError(f"width and height must be 1..{_MAX_SIDE}, got {side}")
    if width is not None and height is not None:
        return width, height
    if width is not None:
        return width, _proportional(picture.height, width, picture.width)
    if height is not None:
        return _proportional(picture.width, height, picture.height), height
    return picture.width, picture.height


def _proportional(side: int, new: int, old: int) -> int:
    """``side`` scaled by new/old, at least 1 and at most _MAX_SIDE (bounds pixel work)."""
    return min(_MAX_SIDE, max(1, round(side * new / old)))


def _decode(data: bytes, fmt: str, size: tuple[int, int]) -> Image.Image:
    """Decode the first frame into L, RGB or RGBA; JPEGs are decoded already reduced."""
    try:
        with _open(data, fmt) as image:
            # JPEG: libjpeg scales by 1/2, 1/4 or 1/8 while decoding, never below `size`.
            # Every other plugin inherits a no-op draft().
            image.draft(None, size)
            image.load()
            return _working_mode(image)
    except _PILLOW_BOMB_ERRORS as exc:
        raise ImageTooLarge(f"The {fmt} image is too large: {exc}") from exc
    except ImageError:
        raise
    except _PILLOW_DATA_ERRORS as exc:
        raise _not_an_image(f"the {fmt} image data cannot be decoded ({exc})") from exc


def _working_mode(image: Image.Image) -> Image.Image:
    """Bring any decoded mode to L, RGB or RGBA: what resizing and every encoder handle."""
    if image.mode.startswith("I"):
        # 16/32-bit grey: convert("L") would clip nearly everything to white, so scale.
        return image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info:
        return image.convert("RGBA")
    if image.mode in ("L", "1", "F"):
        return image.convert("L")
    return image.convert("RGB")


def _encode(image: Image.Image, fmt: str) -> bytes:
    """Encode deterministically: no timestamps or source metadata are carried over."""
    prepared = _PREPARE_FOR[fmt](image)
    buffer = io.BytesIO()
    prepared.save(buffer, fmt, **_SAVE_OPTIONS[fmt])
    return buffer.getvalue()


def _for_jpeg(image: Image.Image) -> Image.Image:
    """JPEG has no alpha: flatten onto white, as a transparent picture shows on a page."""
    if image.mode != "RGBA":
        return image
    flat = Image.new("RGB", image.size, "white")
    flat.paste(image, mask=image.getchannel("A"))
    return flat


def _for_gif(image: Image.Image) -> Image.Image:
    """Palette image; mostly transparent pixels (alpha < 128) share one transparent index."""
    if image.mode != "RGBA":
        return image if image.mode == "L" else image.quantize(256)
    # 255 colours for the picture, index 255 for "transparent" (GIF has 1-bit alpha).
    paletted = _for_jpeg(image).quantize(255)
    clear = image.getchannel("A").point(lambda alpha: 255 if alpha < 128 else 0).convert("1")
    paletted.paste(255, mask=clear)
    paletted.info["transparency"] = 255
    return paletted


def _as_is(image: Image.Image) -> Image.Image:
    return image


_PREPARE_FOR: Final[Mapping[str, Callable[[Image.Image], Image.Image]]] = MappingProxyType(
    {"PNG": _as_is, "JPEG": _for_jpeg, "GIF": _for_gif, "TIFF": _as_is}
)
_SAVE_OPTIONS: Final[Mapping[str, Mapping[str, Any]]] = MappingProxyType(
    {
        "PNG": {},
        "JPEG": {"quality": 90},
        "GIF": {},
        "TIFF": {"compression": "tiff_adobe_deflate"},  # raw TIFF would be 4 bytes/pixel
    }
)


# --- type= --------------------------------------------------------------------------------

_FORMAT_ALIASES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "jpeg": "JPEG",
        "jpg": "JPEG",
        "image/jpeg": "JPEG",
        "png": "PNG",
        "image/png": "PNG",
        "gif": "GIF",
        "image/gif": "GIF",
    }
)


def normalize_format(value: str | None) -> str | None:
    """Map a ``type`` query value to a Pillow format name; unknown values mean "keep".

    The docs type ``type`` as a free string ("JPEG or PNG or GIF") and their generated
    examples send words like ``magni``, which are accepted and ignored, hence None.
    """
    if value is None:
        return None
    return _FORMAT_ALIASES.get(value.strip().lower())


# --- ifBlank placeholders ------------------------------------------------------------------

_PLACEHOLDER_SIDE: Final = 96
_SUPERSAMPLE: Final = 4  # draw 4x larger, then downscale: smooth edges, still deterministic
_BACKGROUND: Final = (232, 232, 232)
_FIGURE: Final = (168, 168, 168)
_BORDER: Final = (140, 140, 140)
_INK: Final = (120, 120, 120, 255)


def _canvas(mode: str, color: tuple[int, ...]) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    side = _PLACEHOLDER_SIDE * _SUPERSAMPLE
    image = Image.new(mode, (side, side), color)
    return image, ImageDraw.Draw(image)


def _grid(*coordinates: float) -> list[float]:
    """Coordinates designed on the 96-pixel grid, scaled to the supersampled canvas."""
    return [value * _SUPERSAMPLE for value in coordinates]


def _finish(image: Image.Image) -> Image.Image:
    side = _PLACEHOLDER_SIDE
    return image.resize((side, side), Image.Resampling.LANCZOS)


def _clear_pixel() -> Image.Image:
    return Image.new("RGBA", (1, 1), (0, 0, 0, 0))


def _no_photo() -> Image.Image:
    """A neutral head-and-shoulders silhouette on light grey."""
    image, draw = _canvas("RGB", _BACKGROUND)
    draw.ellipse(_grid(30, 14, 66, 50), fill=_FIGURE)  # head
    draw.ellipse(_grid(14, 58, 82, 134), fill=_FIGURE)  # shoulders, cut by the bottom edge
    return _finish(image)


def _no_photo_with_border() -> Image.Image:
    image = _no_photo()
    side = _PLACEHOLDER_SIDE - 1
    ImageDraw.Draw(image).rectangle((0, 0, side, side), outline=_BORDER, width=2)
    return image


def _file_icon() -> Image.Image:
    """A white page with a folded top-right corner and a few text lines, on transparency."""
    image, draw = _canvas("RGBA", (0, 0, 0, 0))
    page = _grid(22, 10, 58, 10, 76, 28, 76, 86, 22, 86)
    draw.polygon(page, fill=(255, 255, 255, 255), outline=_INK, width=2 * _SUPERSAMPLE)
    fold = _grid(58, 10, 58, 28, 76, 28)
    draw.polygon(fold, fill=(210, 210, 210, 255), outline=_INK, width=2 * _SUPERSAMPLE)
    for top in (40, 50, 60, 70):
        draw.rectangle(_grid(31, top, 67, top + 3), fill=(190, 190, 190, 255))
    return _finish(image)


_PLACEHOLDER_DRAWINGS: Final[Mapping[str, Callable[[], Image.Image]]] = MappingProxyType(
    {
        "ClearPixel": _clear_pixel,
        "SrNoPhoto": _no_photo,
        "SrNoPhotoWithBorder": _no_photo_with_border,
        "Default": _no_photo,
        "GenericFileIcon": _file_icon,
    }
)
PLACEHOLDER_KINDS: Final[frozenset[str]] = frozenset(_PLACEHOLDER_DRAWINGS)


@functools.cache
def placeholder(kind: str) -> tuple[bytes, str]:
    """The PNG SuperOffice answers with for ``ifBlank=<kind>``; KeyError for other kinds.

    Drawn once per kind (failures are not cached, so unknown kinds cannot grow the cache).
    """
    image = _PLACEHOLDER_DRAWINGS[kind]()
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue(), FORMATS["PNG"]
