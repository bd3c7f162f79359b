"""Faker recipes that make generated values look like the SuperOffice docs' samples.

The docs' samples come from a faker: catch phrases for descriptions, Latin lorem words for
technical strings, company names for associates, ids from 1 to 1000, and Norwegian local
dates that all share one time of day. ``NAMED`` picks a recipe by property name (most
specific first: ``"TableRight.Mask"`` before ``"Mask"``); ``BY_FORMAT`` and ``BY_TYPE`` are
the fallbacks by OpenAPI format and JSON type. A recipe is ``(faker) -> value``, and adding
one is one line. The payload generator checks every recipe's value against the schema and
falls back when it does not fit, so a recipe may be loose.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from collections.abc import Mapping
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from datetime import tzinfo
from typing import Any

from faker import Faker
from faker.providers import BaseProvider
from faker.providers.lorem.la import Provider as LatinLorem

from mockso.core import dates

__all__ = [
    "BY_FORMAT",
    "BY_TYPE",
    "LATIN_WORDS",
    "NAMED",
    "NORWAY",
    "Recipe",
    "SuperOfficeProvider",
    "begin_payload",
    "new_faker",
    "recipe_for",
]

Recipe = Callable[[Faker], Any]

# Faker's en_US lorem is English; the docs' samples use the classic Latin list.
LATIN_WORDS: tuple[str, ...] = tuple(LatinLorem.word_list)

# The docs' sample dates carry +01:00/+02:00: the generator ran in Norway.
NORWAY: tzinfo = dates.zone_named("NO")

FIRST_DAY = date(1995, 1, 1)
LAST_DAY = date(2025, 12, 31)

# Named ETableRight / EFieldRight members; "FULL" is valid in both enums.
TABLE_RIGHT_MASKS = ("Delete", "FULL", "Select", "Update", "Insert", "WRITE", "UR")
FIELD_RIGHT_MASKS = ("FULL", "Read", "Update", "Write")
FIELD_TYPES = ("System.String", "System.Int32")


class SuperOfficeProvider(BaseProvider):
    """Faker methods the stock providers lack: docs-style dates sharing a time of day."""

    _time_of_day = time(9, 40, 59)

    def begin_payload(self) -> None:
        """Draw the time of day that every date of the next payload shares."""
        second = self.generator.random.randrange(24 * 3600)
        micro = self.generator.random.randrange(1_000_000)
        self._time_of_day = time(second // 3600, second // 60 % 60, second % 60, micro)

    def superoffice_datetime(self) -> str:
        """A day in 1995..2025 at the payload's time of day, as Oslo local text."""
        span = (LAST_DAY - FIRST_DAY).days
        day = FIRST_DAY + timedelta(days=self.generator.random.randint(0, span))
        moment = datetime.combine(day, self._time_of_day, tzinfo=NORWAY)
        return dates.format_datetime(moment)


def new_faker() -> Faker:
    """One en_US Faker with the SuperOffice provider; creating one is slow, so reuse it."""
    faker = Faker("en_US")
    faker.add_provider(SuperOfficeProvider)
    return faker


def begin_payload(faker: Faker) -> None:
    """Start a payload: call after seeding and before the first recipe."""
    faker.begin_payload()


def _latin(faker: Faker) -> str:
    return faker.word(ext_word_list=LATIN_WORDS)


def _sentence_case(text: str) -> str:
    # str.capitalize would also lower-case acronyms such as "B2B".
    return text[:1].upper() + text[1:]


NAMED: Mapping[str, Recipe] = {
    "Description": lambda f: f.catch_phrase(),
    "ExtraInfo": _latin,
    "MimeType": _latin,
    "ConceptualType": _latin,
    "Tooltip": _latin,
    "Name": lambda f: f.company(),
    "UserName": lambda f: f.company(),
    "FormalName": lambda f: f.company(),
    "FullName": lambda f: f.name(),
    "Reason": lambda f: _sentence_case(f.bs()),
    "FieldType": lambda f: f.random_element(FIELD_TYPES),
    "Mask": lambda f: "FULL",
    "TableRight.Mask": lambda f: f.random_element(TABLE_RIGHT_MASKS),
    # The docs' samples always grant fields FULL rights with an empty reason.
    "FieldRight.Mask": lambda f: "FULL",
    "FieldRight.Reason": lambda f: "",
    # Every Associate in the docs' samples is anonymous and carries an empty TableRight.
    "Associate.Type": lambda f: "AnonymousAssociate",
    "Associate.TableRight": lambda f: {},
}

BY_FORMAT: Mapping[str, Recipe] = {
    "date-time": lambda f: f.superoffice_datetime(),
    "date": lambda f: f.superoffice_datetime()[:10],
    "binary": lambda f: "GIF89....File contents as raw bytes...",
    "byte": lambda f: base64.b64encode(f.binary(12)).decode("ascii"),
    "uuid": lambda f: f.uuid4(),
    "email": lambda f: f.email(),
    "uri": lambda f: f.url(),
}

BY_TYPE: Mapping[str, Recipe] = {
    "integer": lambda f: f.random_int(1, 1000),
    "number": lambda f: f.random_int(100, 100_000) / 100,
    "boolean": lambda f: f.pybool(),
    "string": _latin,
}


def recipe_for(name: str | None, owner: str | None, schema: Mapping[str, Any]) -> Recipe | None:
    """The most specific recipe: ``owner.name``, then ``name``, then format, then type."""
    candidates = (
        NAMED.get(f"{owner}.{name}") if owner and name else None,
        NAMED.get(name) if name else None,
        BY_FORMAT.get(str(schema.get("format"))),
        BY_TYPE.get(str(schema.get("type"))),
    )
    return next((recipe for recipe in candidates if recipe is not None), None)
