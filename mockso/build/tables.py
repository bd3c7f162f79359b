"""The tables of a reference page read into rows: fields, header rows and response codes.

A table block arrives as cells (``blocks.Block.rows``, the header first); this module checks
the header, each row's name and Type cell, and turns the rows into
:class:`~mockso.build.model.Field` and :class:`~mockso.build.model.HeaderRow` values or ``(code,
description)`` pairs. A bad row raises :class:`~mockso.build.model.PageError` with its line.
No Flask import.
"""

from __future__ import annotations

import re

from mockso.build.blocks import Block
from mockso.build.doctypes import TYPE_HELP
from mockso.build.doctypes import parse_type
from mockso.build.model import Field
from mockso.build.model import HeaderRow
from mockso.build.model import PageError

# A parameter, property, header or body name.
NAME = re.compile(r"[A-Za-z_$][\w.$-]*")
_MEDIA_TYPE = re.compile(r"\b[a-z]+/[a-z0-9][a-z0-9.+-]*")


def header_is(table: Block, expected: tuple[str, ...]) -> bool:
    """Whether the table's header row is ``expected`` (any case)."""
    header = tuple(cell.strip().lower() for cell in table.rows[0][1])
    return header == tuple(cell.lower() for cell in expected)


def only_table(blocks: list[Block], header: tuple[str, ...], source: str, heading: Block) -> Block:
    """The one table of a section, which must have ``header``."""
    tables = [b for b in blocks if b.kind == "table"]
    if len(tables) != 1 or not header_is(tables[0], header):
        line = tables[0].line if tables else heading.line
        raise PageError(source, line, "one table with the header " + " | ".join(header))
    return tables[0]


def fields(table: Block, source: str) -> tuple[Field, ...]:
    """The rows of a name | type | description table, each name once."""
    found: dict[str, Field] = {}
    for line, (name, type_text, description) in table.rows[1:]:
        if not NAME.fullmatch(name) or name in found:
            raise PageError(source, line, "a name not listed before in the first cell", name)
        doc_type = parse_type(type_text, name)
        if doc_type is None:
            raise PageError(source, line, f"a type ({TYPE_HELP})", type_text)
        required, description = _required(description)
        found[name] = Field(name, doc_type, description, required)
    return tuple(found.values())


def _required(description: str) -> tuple[bool, str]:
    """The Required mark: ``**Required**`` anywhere, or (plain) the word at either end."""
    if "**Required**" in description:
        return True, " ".join(description.replace("**Required**", " ").split())
    words = description.split()
    if words and words[0] == "Required":
        return True, " ".join(words[1:])
    if words and words[-1] == "Required":
        return True, " ".join(words[:-1])
    return False, description


def header_rows(table: Block, source: str) -> tuple[HeaderRow, ...]:
    """The rows of the Request Headers table; Content-Type and Accept list their media types."""
    rows = []
    for line, (name, description) in table.rows[1:]:
        if not NAME.fullmatch(name):
            raise PageError(source, line, "a header name in the first cell", name)
        media: tuple[str, ...] = ()
        if name.lower() in ("content-type", "accept"):
            listed = description.partition(":")[2]
            media = tuple(dict.fromkeys(m.lower() for m in _MEDIA_TYPE.findall(listed)))
        rows.append(HeaderRow(name, description, media))
    return tuple(rows)


def codes(table: Block, source: str) -> tuple[tuple[str, str], ...]:
    """The rows of the Response | Description table: each status code once, at least one."""
    found: dict[str, str] = {}
    for line, (code, description) in table.rows[1:]:
        if not re.fullmatch(r"[1-5]\d\d", code) or code in found:
            raise PageError(source, line, "an HTTP status code (3 digits) not listed before", code)
        found[code] = description
    if not found:
        raise PageError(source, table.line, "at least one response code row")
    return tuple(found.items())
