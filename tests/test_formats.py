"""The Faker recipes reproduce the look of the SuperOffice docs' sample data."""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable
from typing import Any

import pytest
from faker import Faker
from faker.providers.company.en_US import Provider as Company

from mockso.core import formats

DOCS_DATE = re.compile(r"\d{4}-\d{2}-\d{2}T(\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?)([+-]\d{2}:\d{2})")


@pytest.fixture(scope="module")
def shared_faker() -> Faker:
    return formats.new_faker()


@pytest.fixture
def faker(shared_faker: Faker) -> Faker:
    shared_faker.seed_instance(2017)
    formats.begin_payload(shared_faker)
    return shared_faker


def is_catch_phrase(text: str) -> bool:
    """Faker's catch phrases join one entry of each of three lists (entries may hold spaces)."""
    first, second, third = Company.catch_phrase_words
    return any(
        text.startswith(f"{a} {b} ") and text[len(a) + len(b) + 2 :] in third
        for a in first
        for b in second
    )


def is_company(text: str) -> bool:
    return bool(re.fullmatch(r"[A-Z][\w' ]+(-[A-Z][\w']+|, [\w' ]+ and [\w' ]+| \w+)", text))


def is_latin_word(text: str) -> bool:
    return text in formats.LATIN_WORDS


def is_sentence_cased(text: str) -> bool:
    return text[:1].isupper() and " " in text


CHECKS: dict[str, Callable[[Any], bool]] = {
    "Description": is_catch_phrase,
    "ExtraInfo": is_latin_word,
    "MimeType": is_latin_word,
    "ConceptualType": is_latin_word,
    "Tooltip": is_latin_word,
    "Name": is_company,
    "UserName": is_company,
    "FormalName": is_company,
    "FullName": lambda text: len(text.split()) >= 2,
    "Reason": is_sentence_cased,
    "FieldType": lambda text: text in ("System.String", "System.Int32"),
    "Mask": lambda text: text == "FULL",
    "TableRight.Mask": lambda text: text in formats.TABLE_RIGHT_MASKS,
    "FieldRight.Mask": lambda text: text == "FULL",
    "FieldRight.Reason": lambda text: text == "",
    "Associate.Type": lambda text: text == "AnonymousAssociate",
    "Associate.TableRight": lambda value: value == {},
}


def test_every_named_recipe_has_a_check_here() -> None:
    assert set(CHECKS) == set(formats.NAMED)


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_named_recipes_look_like_the_docs_samples(faker: Faker, name: str) -> None:
    for _ in range(50):
        value = formats.NAMED[name](faker)
        assert CHECKS[name](value), f"{name}: {value!r}"


@pytest.mark.parametrize(
    ("recipe", "check"),
    [
        ("integer", lambda value: type(value) is int and 1 <= value <= 1000),
        ("number", lambda value: type(value) is float and 1 <= value <= 1000),
        ("boolean", lambda value: type(value) is bool),
        ("string", is_latin_word),
    ],
)
def test_type_fallbacks_stay_in_the_docs_ranges(
    faker: Faker, recipe: str, check: Callable[[Any], bool]
) -> None:
    assert all(check(formats.BY_TYPE[recipe](faker)) for _ in range(50))


@pytest.mark.parametrize(
    ("fmt", "pattern"),
    [
        ("date-time", DOCS_DATE.pattern),
        ("date", r"\d{4}-\d{2}-\d{2}"),
        ("binary", r"GIF89\.\.\.\.File contents as raw bytes\.\.\."),
        ("byte", r"[A-Za-z0-9+/]{16}"),
        ("uuid", r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}"),
        ("email", r"[^@\s]+@[^@\s]+\.[a-z]+"),
        ("uri", r"https?://\S+"),
    ],
)
def test_format_fallbacks_write_the_formats_text(faker: Faker, fmt: str, pattern: str) -> None:
    assert re.fullmatch(pattern, formats.BY_FORMAT[fmt](faker))


def test_dates_of_one_payload_share_a_time_of_day_and_span_1995_to_2025(faker: Faker) -> None:
    texts = [faker.superoffice_datetime() for _ in range(200)]
    matches = [DOCS_DATE.fullmatch(text) for text in texts]
    assert all(matches)
    assert len({match[1] for match in matches if match}) == 1
    assert {int(text[:4]) for text in texts} <= set(range(1995, 2026))
    assert len({text[:4] for text in texts}) > 10


@pytest.mark.skipif(not zoneinfo.available_timezones(), reason="no zoneinfo database")
def test_dates_carry_norwegian_winter_and_summer_offsets(faker: Faker) -> None:
    matches = [DOCS_DATE.fullmatch(faker.superoffice_datetime()) for _ in range(200)]
    assert {match[2] for match in matches if match} == {"+01:00", "+02:00"}


def test_each_payload_draws_a_new_time_of_day(faker: Faker) -> None:
    times = set()
    for _ in range(20):
        formats.begin_payload(faker)
        times.add(faker.superoffice_datetime()[11:])
    assert len(times) > 1


def test_recipes_repeat_for_the_same_seed(shared_faker: Faker) -> None:
    def draw() -> list[Any]:
        shared_faker.seed_instance(7)
        formats.begin_payload(shared_faker)
        recipes = [*formats.NAMED.values(), *formats.BY_FORMAT.values(), *formats.BY_TYPE.values()]
        return [recipe(shared_faker) for recipe in recipes]

    assert draw() == draw()


@pytest.mark.parametrize(
    ("name", "owner", "schema", "expected"),
    [
        ("Mask", "TableRight", {"type": "string"}, formats.NAMED["TableRight.Mask"]),
        ("Mask", "FieldRight", {"type": "string"}, formats.NAMED["FieldRight.Mask"]),
        ("Mask", "Elsewhere", {"type": "string"}, formats.NAMED["Mask"]),
        ("Mask", None, {"type": "string"}, formats.NAMED["Mask"]),
        ("Description", "BlobEntity", {"type": "string"}, formats.NAMED["Description"]),
        ("CreatedDate", "BlobEntity", {"type": "string", "format": "date-time"},
         formats.BY_FORMAT["date-time"]),
        ("BlobId", "BlobEntity", {"type": "integer", "format": "int32"},
         formats.BY_TYPE["integer"]),
        (None, None, {"type": "boolean"}, formats.BY_TYPE["boolean"]),
        ("Anything", None, {"type": "string", "format": "password"}, formats.BY_TYPE["string"]),
        ("CreatedBy", "BlobEntity", {"type": "object"}, None),
        (None, None, {}, None),
    ],
)  # fmt: skip
def test_recipe_for_prefers_the_most_specific_recipe(
    name: str | None, owner: str | None, schema: dict[str, Any], expected: formats.Recipe | None
) -> None:
    assert formats.recipe_for(name, owner, schema) is expected
