"""Date-time text as the SuperOffice WebAPI writes and reads it.

SuperOffice serialises dates with .NET's ``yyyy-MM-ddTHH:mm:ss.FFFFFFFzzz``: up to seven
fractional digits with trailing zeros dropped, then a ``+01:00``-style offset (never ``Z``).
The ``SO-TimeZone`` request header moves dates into another zone and, unless it also says
``includeTZOffset``, leaves the offset off. ``Last-Modified`` uses the HTTP date format.
"""

from __future__ import annotations

import email.utils
import functools
import re
import zoneinfo
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from datetime import tzinfo

__all__ = [
    "ZONE_CODES",
    "format_datetime",
    "http_date",
    "parse_datetime",
    "read_json_net_date",
    "resolve_zone",
    "zone_named",
]

# SuperOffice-style zone codes. The docs show only "NO" and "US-NY"; the rest follow the same
# country[-region] pattern. Each code carries its zone's standard UTC offset in minutes, used
# only when this machine has no zoneinfo database (tzdata is not a dependency): the dates are
# then an hour off in summer, which is better than refusing every request.
ZONE_CODES: dict[str, tuple[str, int]] = {
    "NO": ("Europe/Oslo", 60),
    "SE": ("Europe/Stockholm", 60),
    "DK": ("Europe/Copenhagen", 60),
    "FI": ("Europe/Helsinki", 120),
    "DE": ("Europe/Berlin", 60),
    "NL": ("Europe/Amsterdam", 60),
    "BE": ("Europe/Brussels", 60),
    "FR": ("Europe/Paris", 60),
    "CH": ("Europe/Zurich", 60),
    "ES": ("Europe/Madrid", 60),
    "PL": ("Europe/Warsaw", 60),
    "GB": ("Europe/London", 0),
    "UK": ("Europe/London", 0),
    "IE": ("Europe/Dublin", 0),
    "US-NY": ("America/New_York", -300),
    "US-IL": ("America/Chicago", -360),
    "US-CO": ("America/Denver", -420),
    "US-CA": ("America/Los_Angeles", -480),
    "AU-NSW": ("Australia/Sydney", 600),
    "JP": ("Asia/Tokyo", 540),
}

_INCLUDE_OFFSET = "includetzoffset"

# .NET round-trip text as clients send it: 1-7 fractional digits, offset optional.
_DATETIME_TEXT = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})[Tt](?P<time>\d{2}:\d{2}:\d{2})"
    r"(?:\.(?P<fraction>\d{1,7}))?"
    r"(?P<offset>[Zz]|[+-]\d{2}:\d{2}(?::\d{2})?)?"
)


def format_datetime(value: datetime, zone: tzinfo | None = None, *, offset: bool = True) -> str:
    """Write an aware datetime as SuperOffice does, e.g. ``2017-11-21T09:40:59.40866+01:00``.

    ``zone`` converts first (None keeps the value's own zone); ``offset=False`` leaves the
    offset off, as SuperOffice does for an ``SO-TimeZone`` header without ``includeTZOffset``.
    """
    if value.utcoffset() is None:
        raise ValueError(f"format_datetime needs an aware datetime, got naive {value!r}")
    local = value.astimezone(zone) if zone is not None else value
    # isoformat, not strftime: %Y does not zero-pad years before 1000 on glibc.
    text = local.replace(tzinfo=None, microsecond=0).isoformat()
    if local.microsecond:
        text += "." + f"{local.microsecond:06d}".rstrip("0")
    if offset:
        text += _offset_text(local.utcoffset() or timedelta(0))
    return text


def _offset_text(delta: timedelta) -> str:
    """``+01:00`` style; seconds appear only for historic local-mean-time offsets."""
    sign = "-" if delta < timedelta(0) else "+"
    seconds = abs(int(delta.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    # .NET would drop the seconds, but then the text would name a different instant.
    tail = f":{seconds:02d}" if seconds else ""
    return f"{sign}{hours:02d}:{minutes:02d}{tail}"


def parse_datetime(text: str) -> datetime:
    """Read a client's date-time: SuperOffice text, ``Z``, or no offset at all (taken as UTC).

    A seventh fractional digit (.NET ticks) is rounded to the nearest microsecond.
    """
    match = _DATETIME_TEXT.fullmatch(text.strip())
    if match is None:
        raise ValueError(
            f"{text!r} is not a date-time: expected yyyy-MM-ddTHH:mm:ss[.fffffff][+hh:mm|Z]"
        )
    zone = _parse_offset(match["offset"], text)
    try:
        whole = datetime.fromisoformat(f"{match['date']}T{match['time']}").replace(tzinfo=zone)
        # Ticks are 100 ns; (ticks + 5) // 10 rounds half up, and may carry into the next second.
        ticks = int((match["fraction"] or "0").ljust(7, "0"))
        return _in_range(whole + timedelta(microseconds=(ticks + 5) // 10))
    except (ValueError, OverflowError) as error:
        raise ValueError(f"{text!r} is not a valid date-time: {error}") from None


def _in_range(value: datetime) -> datetime:
    """``value``, or the first or last instant (years 1 and 9999, UTC) when it lies beyond them in
    UTC (``0001-01-01T00:00:00+01:00``): Json.NET clamps such a date to DateTime.MinValue or
    MaxValue instead of refusing it, and mockso must be able to write it in UTC."""
    try:
        value.astimezone(UTC)
    except OverflowError:
        return _FIRST if value.year == 1 else _LAST
    return value


_FIRST = datetime.min.replace(tzinfo=UTC)
_LAST = datetime.max.replace(tzinfo=UTC)


# What Json.NET reads into a DateTime besides the round-trip text: its Microsoft form
# ``/Date(ms±hhmm)/``, then whatever DateTime.TryParse takes in the invariant culture. Of the
# latter mockso takes the forms clients send: ISO dates with a space or no seconds, slashes,
# the US month/day/year order, and RFC 1123 (HTTP dates).
_MICROSOFT_DATE = re.compile(r"/Date\((?P<ms>-?\d{1,15})(?P<offset>[+-]\d{4})?\)/")
_LOOSE_ISO = re.compile(
    r"(?P<y>\d{4})[-/](?P<m>\d{1,2})[-/](?P<d>\d{1,2})"
    r"(?:[Tt ](?P<time>\d{1,2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?))?"
    r"(?P<offset>[Zz]|[+-]\d{2}:\d{2})?"
)
_US_DATE = re.compile(
    r"(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{4})"
    r"(?: (?P<time>\d{1,2}:\d{2}(?::\d{2})?)(?: ?(?P<half>[AaPp][Mm]))?)?"
)


def read_json_net_date(text: str) -> datetime | None:
    """A date-time text the contract's format refuses but Json.NET reads, as an aware datetime
    (no offset: UTC, as :func:`parse_datetime` takes it); None when Json.NET would refuse it too."""
    text = text.strip()
    found = _MICROSOFT_DATE.fullmatch(text)
    if found:  # the offset only says how it was displayed: the milliseconds are UTC
        try:
            return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=int(found["ms"]))
        except OverflowError:
            return None
    try:
        return _in_range(_loose(text) or email.utils.parsedate_to_datetime(text))
    except (ValueError, TypeError, IndexError, OverflowError):
        return None


def _loose(text: str) -> datetime | None:
    found = _LOOSE_ISO.fullmatch(text) or _US_DATE.fullmatch(text)
    if found is None:
        return None
    parts = found.groupdict()
    hour, minute, second = ([float(n) for n in (parts["time"] or "0:0").split(":")] + [0.0])[:3]
    if second >= 60:
        return None
    if parts.get("half"):
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if parts["half"].lower() == "pm" else 0)
    whole = datetime(int(parts["y"]), int(parts["m"]), int(parts["d"]), int(hour), int(minute))
    zone = _parse_offset(parts.get("offset"), text)
    return whole.replace(tzinfo=zone) + timedelta(seconds=second)


def _parse_offset(offset: str | None, text: str) -> tzinfo:
    """The zone for an offset suffix; missing or ``Z`` means UTC."""
    if offset is None or offset in ("Z", "z"):
        return UTC
    sign = -1 if offset[0] == "-" else 1
    hours, minutes, seconds = ([int(part) for part in offset[1:].split(":")] + [0])[:3]
    if minutes > 59 or seconds > 59 or hours > 23:
        raise ValueError(f"{text!r} has an impossible UTC offset {offset!r}")
    return timezone(sign * timedelta(hours=hours, minutes=minutes, seconds=seconds))


@functools.lru_cache(maxsize=256)  # the same stored dates are asked for on every read
def http_date(value: datetime) -> str:
    """RFC 9110 IMF-fixdate for ``Last-Modified``, e.g. ``Tue, 21 Nov 2017 08:40:59 GMT``."""
    if value.utcoffset() is None:
        raise ValueError(f"http_date needs an aware datetime, got naive {value!r}")
    return email.utils.format_datetime(value.astimezone(UTC), usegmt=True)


def resolve_zone(header: str | None, default: tzinfo) -> tuple[tzinfo, bool]:
    """Read an ``SO-TimeZone`` header into (zone, write offsets?).

    No header keeps ``default`` with offsets. ``"NO"`` gives Oslo time without offsets;
    ``"NO, includeTZOffset"`` (any case, any spacing) gives Oslo time with offsets.
    """
    if header is None or not header.strip():
        return default, True
    name, *options = (part.strip() for part in header.split(","))
    unknown = [option for option in options if option.lower() != _INCLUDE_OFFSET]
    if unknown:
        raise ValueError(
            f"SO-TimeZone {header!r} has unknown option {unknown[0]!r}: "
            "only 'includeTZOffset' may follow the zone name"
        )
    return zone_named(name), bool(options)


def zone_named(name: str) -> tzinfo:
    """The zone for an IANA name, ``UTC`` or a SuperOffice code such as ``NO`` or ``US-NY``.

    Numeric SuperOffice zone ids (``261`` in the docs) are refused on purpose: they index
    SuperOffice's own time-zone table, which is not public, so any guess would silently
    shift every date the client sees.
    """
    if name.upper() == "UTC":
        return UTC
    code = ZONE_CODES.get(name.upper())
    if code is not None:
        return _system_zone(code[0]) or timezone(timedelta(minutes=code[1]), name.upper())
    zone = _system_zone(name) if name and not name.isdigit() else None
    if zone is None:
        raise ValueError(
            f"SO-TimeZone {name!r} is not a known time zone: use an IANA name such as "
            f"Europe/Oslo, UTC, or one of {', '.join(ZONE_CODES)}"
        )
    return zone


def _system_zone(name: str) -> tzinfo | None:
    """The zoneinfo zone, or None when the name is unknown or this machine lacks the data."""
    try:
        return zoneinfo.ZoneInfo(name)
    # ZoneInfoNotFoundError is a KeyError; bad keys ("../x", "a\0b") raise ValueError;
    # a directory or unreadable file under the zoneinfo path can raise OSError.
    except (KeyError, ValueError, OSError):
        return None
