"""The plain-text rendering of a reference page (scraped from the web page), cut into blocks.

This rendering has no front matter, no markup and navigation chrome around the content: the
title is the first ``METHOD Entity/...`` line, every table row is flattened to one
space-separated line under a flattened header, and section names are plain lines. Everything
after the copyright line is the site's footer. The blocks come out as the markdown reader's would,
so ``sections`` need not know which rendering it reads. No Flask import.
"""

from __future__ import annotations

import re

from mockso.build.blocks import REQUEST_LINE
from mockso.build.blocks import TITLE
from mockso.build.blocks import Block
from mockso.build.blocks import read_paragraph
from mockso.build.doctypes import parse_type
from mockso.build.model import PageError
from mockso.build.model import UnknownPage

# Flattened table headers and the cells they stand for.
_TABLES: dict[str, tuple[str, ...]] = {
    "Path Part Type Description": ("Path Part", "Type", "Description"),
    "Parameter Name Type Description": ("Parameter Name", "Type", "Description"),
    "Parameter Name Description": ("Parameter Name", "Description"),
    "Property Name Type Description": ("Property Name", "Type", "Description"),
    "Response Description": ("Response", "Description"),
}
_SECTION = re.compile(
    r"Query String Parameters|Request Headers|Request Body:.*|Response:.*", re.IGNORECASE
)
_SAMPLE = re.compile(r"Sample (request|response)", re.IGNORECASE)
_FOOTER = "©"  # the copyright line: everything after it is the site's footer


def plain_blocks(lines: list[str], source: str) -> list[Block]:
    """The blocks of the page: the title, the request line, then sections up to the footer."""
    stripped = [line.strip() for line in lines]
    title = next((i for i, text in enumerate(stripped) if TITLE.fullmatch(text)), None)
    if title is None:
        raise UnknownPage(source, "no title line 'METHOD Entity/...'")
    request = next(
        (i for i in range(title + 1, len(lines)) if REQUEST_LINE.fullmatch(stripped[i])), None
    )
    if request is None:
        raise PageError(source, title + 1, "a request line 'METHOD /api/...' after the title")
    # Between the title and the request line there is only chrome (tooltips, reading time).
    blocks = [
        Block("heading", title + 1, stripped[title], level=1),
        Block("fence", request + 1, "http", lines=((request + 1, stripped[request]),)),
    ]
    index = request + 1
    while index < len(lines) and not stripped[index].startswith(_FOOTER):
        index = _plain_block(stripped, index, blocks)
    return blocks


def _plain_block(stripped: list[str], index: int, blocks: list[Block]) -> int:
    text = stripped[index]
    if not text:
        return index + 1
    if _SAMPLE.fullmatch(text):
        return _plain_sample(stripped, index, blocks)
    if _SECTION.fullmatch(text):
        blocks.append(Block("heading", index + 1, text, level=2))
        return index + 1
    if text in _TABLES:
        return _plain_table(stripped, index, blocks)
    if REQUEST_LINE.fullmatch(text):  # the query string example
        blocks.append(Block("fence", index + 1, "http", lines=((index + 1, text),)))
        return index + 1
    return read_paragraph(stripped, index, blocks, _ends_paragraph)


def _ends_paragraph(text: str) -> bool:
    return (
        not text
        or text.startswith(_FOOTER)
        or text in _TABLES
        or bool(_SECTION.fullmatch(text) or _SAMPLE.fullmatch(text))
    )


def _plain_table(stripped: list[str], index: int, blocks: list[Block]) -> int:
    header = _TABLES[stripped[index]]
    rows: list[tuple[int, tuple[str, ...]]] = [(index + 1, header)]
    end = index + 1
    while end < len(stripped) and not _ends_paragraph(stripped[end]):
        rows.append((end + 1, _plain_cells(header, stripped[end])))
        end += 1
    blocks.append(Block("table", index + 1, rows=tuple(rows)))
    return end


def _plain_cells(header: tuple[str, ...], text: str) -> tuple[str, ...]:
    """Split a flattened row: the name is one word, then (a type), then the description."""
    name, _, rest = text.partition(" ")
    rest = rest.strip()
    if "Type" not in header:
        return name, rest
    enum = re.match(r"Enum:\s*\w+(?:, \w+)*", rest)
    if enum:
        return name, enum.group(0), rest[enum.end() :].strip()
    word, _, tail = rest.partition(" ")
    # An empty Type cell leaves no trace in this rendering: a first word that is not a type
    # name starts the description.
    if word and parse_type(word) is not None:
        return name, word, tail.strip()
    return name, "", rest


def _plain_sample(stripped: list[str], index: int, blocks: list[Block]) -> int:
    # The sample runs to the next sample heading or the footer; it becomes a fence whose info
    # string is the markdown rendering's (http! for the request, http_ for the response).
    blocks.append(Block("heading", index + 1, stripped[index], level=2))
    info = "http!" if stripped[index].lower().endswith("request") else "http_"
    end = index + 1
    while (
        end < len(stripped)
        and not _SAMPLE.fullmatch(stripped[end])
        and not stripped[end].startswith(_FOOTER)
    ):
        end += 1
    body = [(n + 1, stripped[n]) for n in range(index + 1, end)]
    while body and not body[0][1]:
        body.pop(0)
    while body and not body[-1][1]:
        body.pop()
    blocks.append(Block("fence", index + 2, info, lines=tuple(body)))
    return end
