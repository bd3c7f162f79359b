"""SuperOffice date-time text: writing, reading, HTTP dates and the SO-TimeZone header."""

from __future__ import annotations

import email.utils
import zoneinfo
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from datetime import tzinfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockso.core import dates

HAVE_TZDB = bool(zoneinfo.available_timezones())
needs_tzdb = pytest.mark.skipif(not HAVE_TZDB, reason="this machine has no zoneinfo database")

OSLO = dates.zone_named("Europe/Oslo") if HAVE_TZDB else timezone(timedelta(hours=1))
PLUS_ONE = timezone(timedelta(hours=1))
MINUS_0330 = timezone(-timedelta(hours=3, minutes=30))


@pytest.mark.parametrize(
    ("value", "zone", "offset", "expected"),
    [
        (datetime(2017, 11, 21, 9, 40, 59, 408660, PLUS_ONE), None, True,
         "2017-11-21T09:40:59.40866+01:00"),
        (datetime(2016, 2, 15, 14, 28, 27, tzinfo=PLUS_ONE), None, True,
         "2016-02-15T14:28:27+01:00"),
        (datetime(2016, 2, 15, 13, 28, 27, 500000, UTC), None, True,
         "2016-02-15T13:28:27.5+00:00"),
        (datetime(2016, 2, 15, 13, 28, 27, 1, UTC), PLUS_ONE, True,
         "2016-02-15T14:28:27.000001+01:00"),
        (datetime(2016, 2, 15, 13, 28, 27, tzinfo=UTC), MINUS_0330, True,
         "2016-02-15T09:58:27-03:30"),
        (datetime(2016, 2, 15, 13, 28, 27, tzinfo=UTC), PLUS_ONE, False,
         "2016-02-15T14:28:27"),
        (datetime(999, 1, 2, 3, 4, 5, tzinfo=UTC), None, True, "0999-01-02T03:04:05+00:00"),
    ],
)  # fmt: skip
def test_format_datetime_writes_net_round_trip_text_with_trimmed_fraction(
    value: datetime, zone: tzinfo | None, offset: bool, expected: str
) -> None:
    assert dates.format_datetime(value, zone, offset=offset) == expected


@needs_tzdb
@pytest.mark.parametrize(
    ("utc", "expected"),
    [
        (datetime(2017, 1, 10, 8, 0, tzinfo=UTC), "2017-01-10T09:00:00+01:00"),
        (datetime(2017, 7, 10, 8, 0, tzinfo=UTC), "2017-07-10T10:00:00+02:00"),
    ],
)
def test_format_datetime_follows_norwegian_summer_time(utc: datetime, expected: str) -> None:
    assert dates.format_datetime(utc, OSLO) == expected


def test_format_datetime_refuses_a_naive_datetime() -> None:
    with pytest.raises(ValueError, match="aware"):
        dates.format_datetime(datetime(2017, 1, 1))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2017-11-21T09:40:59.4086656+01:00", datetime(2017, 11, 21, 9, 40, 59, 408666, PLUS_ONE)),
        ("2017-11-21T09:40:59.4086654+01:00", datetime(2017, 11, 21, 9, 40, 59, 408665, PLUS_ONE)),
        ("2017-11-21T09:40:59.9999995Z", datetime(2017, 11, 21, 9, 41, tzinfo=UTC)),
        ("2016-02-15T14:28:27+01:00", datetime(2016, 2, 15, 14, 28, 27, tzinfo=PLUS_ONE)),
        ("2016-02-15T14:28:27.5", datetime(2016, 2, 15, 14, 28, 27, 500000, UTC)),
        ("2016-02-15t14:28:27z", datetime(2016, 2, 15, 14, 28, 27, tzinfo=UTC)),
        ("2016-02-15T09:58:27-03:30", datetime(2016, 2, 15, 9, 58, 27, tzinfo=MINUS_0330)),
        (" 2016-02-15T14:28:27Z ", datetime(2016, 2, 15, 14, 28, 27, tzinfo=UTC)),
    ],
)
def test_parse_datetime_reads_what_clients_send(text: str, expected: datetime) -> None:
    parsed = dates.parse_datetime(text)
    assert parsed == expected
    assert parsed.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is not a date-time"),
        ("yesterday", "is not a date-time"),
        ("2016-02-15", "is not a date-time"),
        ("2016-02-15 14:28:27", "is not a date-time"),
        ("2016-02-15T14:28:27.12345678Z", "is not a date-time"),
        ("2016-02-15T14:28:27+0100", "is not a date-time"),
        ("2016-13-15T14:28:27Z", "month must be in 1..12"),
        ("2016-02-30T14:28:27Z", "not a valid date-time"),
        ("2016-02-15T24:00:00Z", "not a valid date-time"),
        ("2016-02-15T14:28:27+24:00", "impossible UTC offset"),
        ("9999-12-31T23:59:59.9999999Z", "not a valid date-time"),
    ],
)
def test_parse_datetime_explains_what_it_refuses(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        dates.parse_datetime(text)


ZONES = [UTC, PLUS_ONE, MINUS_0330, timezone(timedelta(hours=14)), OSLO]
if HAVE_TZDB:
    # New York's local mean time (-04:56:02) exercises offsets with seconds.
    ZONES.append(dates.zone_named("America/New_York"))

moments = st.datetimes(
    min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31), timezones=st.sampled_from(ZONES)
)


@given(moment=moments, zone=st.sampled_from([None, *ZONES]))
def test_formatted_text_parses_back_to_the_same_instant(
    moment: datetime, zone: tzinfo | None
) -> None:
    parsed = dates.parse_datetime(dates.format_datetime(moment, zone))
    # Compare in UTC: datetimes in a DST fold never compare equal across zones (PEP 495).
    assert parsed.astimezone(UTC) == moment.astimezone(UTC)


@given(moment=moments)
def test_text_without_offset_is_read_as_utc(moment: datetime) -> None:
    text = dates.format_datetime(moment, UTC, offset=False)
    assert dates.parse_datetime(text) == moment.astimezone(UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2017, 11, 21, 9, 40, 59, 408660, PLUS_ONE), "Tue, 21 Nov 2017 08:40:59 GMT"),
        (datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC), "Sun, 06 Nov 1994 08:49:37 GMT"),
        (datetime(2016, 2, 15, 9, 58, 27, tzinfo=MINUS_0330), "Mon, 15 Feb 2016 13:28:27 GMT"),
    ],
)
def test_http_date_writes_imf_fixdate_in_gmt(value: datetime, expected: str) -> None:
    text = dates.http_date(value)
    assert text == expected
    assert email.utils.parsedate_to_datetime(text) == value.replace(microsecond=0)


def test_http_date_refuses_a_naive_datetime() -> None:
    with pytest.raises(ValueError, match="aware"):
        dates.http_date(datetime(2017, 1, 1))


@pytest.mark.parametrize(
    ("header", "zone_name", "offset"),
    [
        (None, "default", True),
        ("", "default", True),
        ("   ", "default", True),
        ("UTC", "UTC", False),
        ("utc, includeTZOffset", "UTC", True),
        pytest.param("NO", "Europe/Oslo", False, marks=needs_tzdb),
        pytest.param("no,includetzoffset", "Europe/Oslo", True, marks=needs_tzdb),
        pytest.param(" US-NY ,  INCLUDETZOFFSET ", "America/New_York", True, marks=needs_tzdb),
        pytest.param("uk", "Europe/London", False, marks=needs_tzdb),
        pytest.param("AU-NSW", "Australia/Sydney", False, marks=needs_tzdb),
        pytest.param("Europe/Oslo", "Europe/Oslo", False, marks=needs_tzdb),
        pytest.param("Asia/Kolkata, includeTZOffset", "Asia/Kolkata", True, marks=needs_tzdb),
    ],
)
def test_resolve_zone_reads_the_so_timezone_header(
    header: str | None, zone_name: str, offset: bool
) -> None:
    default = timezone(timedelta(hours=5), "default")
    assert dates.resolve_zone(header, default) == (
        default if zone_name == "default" else _zone(zone_name),
        offset,
    )


def _zone(name: str) -> tzinfo:
    return UTC if name == "UTC" else zoneinfo.ZoneInfo(name)


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("261", "SO-TimeZone '261' is not a known time zone: use an IANA name such as"),
        ("261, includeTZOffset", "SO-TimeZone '261' is not a known time zone"),
        ("Mars/Olympus_Mons", "SO-TimeZone 'Mars/Olympus_Mons' is not a known time zone"),
        ("europe/oslo", "'europe/oslo' is not a known time zone"),
        ("../../etc/passwd", "is not a known time zone"),
        ("Europe", "is not a known time zone"),
        (", includeTZOffset", "SO-TimeZone '' is not a known time zone"),
        ("NO, includeOffset", "unknown option 'includeOffset'"),
    ],
)
def test_resolve_zone_refuses_unknown_zones_with_a_helpful_message(
    header: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message) as caught:
        dates.resolve_zone(header, UTC)
    if "option" not in message:
        assert "NO, SE" in str(caught.value)


def test_zone_codes_fall_back_to_standard_time_without_a_zoneinfo_database(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_database(name: str) -> tzinfo:
        raise zoneinfo.ZoneInfoNotFoundError(name)

    monkeypatch.setattr(zoneinfo, "ZoneInfo", no_database)
    zone, offset = dates.resolve_zone("NO, includeTZOffset", UTC)
    assert (zone.utcoffset(None), offset) == (timedelta(hours=1), True)
    assert dates.zone_named("US-NY").utcoffset(None) == -timedelta(hours=5)
    with pytest.raises(ValueError, match="not a known time zone"):
        dates.zone_named("Europe/Oslo")


@pytest.mark.parametrize(
    ("text", "instant"),
    [
        ("2017-11-21", datetime(2017, 11, 21, tzinfo=UTC)),
        ("2017-11-21 09:40", datetime(2017, 11, 21, 9, 40, tzinfo=UTC)),
        ("2017/11/21 09:40:59.5", datetime(2017, 11, 21, 9, 40, 59, 500000, tzinfo=UTC)),
        ("2017-11-21T09:40+01:00", datetime(2017, 11, 21, 8, 40, tzinfo=UTC)),
        ("11/21/2017", datetime(2017, 11, 21, tzinfo=UTC)),
        ("11/21/2017 12:05 AM", datetime(2017, 11, 21, 0, 5, tzinfo=UTC)),
        ("11/21/2017 9:40:59 PM", datetime(2017, 11, 21, 21, 40, 59, tzinfo=UTC)),
        ("Tue, 21 Nov 2017 08:40:59 GMT", datetime(2017, 11, 21, 8, 40, 59, tzinfo=UTC)),
        ("/Date(1511253659408)/", datetime(2017, 11, 21, 8, 40, 59, 408000, tzinfo=UTC)),
        ("/Date(1511253659408-0500)/", datetime(2017, 11, 21, 8, 40, 59, 408000, tzinfo=UTC)),
        ("/Date(-86400000)/", datetime(1969, 12, 31, tzinfo=UTC)),
    ],
)
def test_json_net_date_forms_are_read(text: str, instant: datetime) -> None:
    assert dates.read_json_net_date(text) == instant


@pytest.mark.parametrize(
    "text",
    [
        "",
        "someday",
        "2017-13-01",
        "2017-11-31",
        "2017-11-21 24:00",
        "2017-11-21 09:40:60",
        "11/21/2017 13:00 PM",
        "21.11.2017",
        "/Date(99999999999999999)/",
        "2017-11-21T09:40+25:00",
    ],
)
def test_what_json_net_would_refuse_is_none(text: str) -> None:
    assert dates.read_json_net_date(text) is None


@given(st.text(max_size=40))
def test_reading_json_net_dates_never_raises(text: str) -> None:
    found = dates.read_json_net_date(text)

    assert found is None or found.utcoffset() is not None


@pytest.mark.parametrize(
    ("text", "clamped"),
    [
        ("0001-01-01T00:00:00+01:01", datetime.min.replace(tzinfo=UTC)),
        ("9999-12-31T23:30:00-01:00", datetime.max.replace(tzinfo=UTC)),
    ],
)
def test_an_instant_beyond_the_years_1_to_9999_in_utc_is_clamped(
    text: str, clamped: datetime
) -> None:
    # Json.NET clamps these to DateTime.MinValue / MaxValue; unclamped, they could not be
    # written in UTC.
    assert dates.parse_datetime(text) == clamped
    assert dates.format_datetime(dates.parse_datetime(text), UTC)
    assert dates.read_json_net_date(text.replace("T", " ")) == clamped


def test_the_first_instant_itself_is_a_date() -> None:
    assert dates.parse_datetime("0001-01-01T00:00:00Z").year == 1
    assert dates.parse_datetime("0001-01-01T01:00:00+01:00").year == 1
