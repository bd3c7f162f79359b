"""The sections of a reference page read, in order, into :class:`Parts`.

After the title come the preamble (request line, summary, Path Part table) and ``##`` sections:
Query String Parameters, Request Headers, Request Body: name, Response: type and the samples.
Each section has one reader that checks the blocks under its heading and records what they say;
``pages`` then checks the whole and makes the :class:`~mockso.build.model.Page`. No Flask import.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl

from mockso.build import tables
from mockso.build.blocks import REQUEST_LINE
from mockso.build.blocks import Block
from mockso.build.doctypes import TYPE_HELP
from mockso.build.doctypes import parse_type
from mockso.build.model import DocType
from mockso.build.model import Field
from mockso.build.model import HeaderRow
from mockso.build.model import PageError
from mockso.build.model import ResponseDoc
from mockso.build.model import SampleRequest
from mockso.build.model import SampleResponse
from mockso.build.samples import sample_request
from mockso.build.samples import sample_response
from mockso.build.tables import NAME


@dataclass
class Parts:
    """What the sections of a page have said so far."""

    source: str
    lenient_json: bool
    request: tuple[str, str] | None = None
    summary: str = ""
    description: str = ""
    path_parts: tuple[Field, ...] = ()
    path_part_lines: dict[str, int] = dataclasses.field(default_factory=dict)
    query: tuple[Field, ...] = ()
    query_example: tuple[tuple[str, str], ...] = ()
    headers: tuple[HeaderRow, ...] = ()
    body: tuple[int, str, DocType | None, str, tuple[Field, ...]] | None = None
    response: ResponseDoc | None = None
    sample_request: SampleRequest | None = None
    sample_response: SampleResponse | None = None


_SECTIONS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("query", re.compile(r"Query String Parameters", re.IGNORECASE)),
    ("headers", re.compile(r"Request Headers", re.IGNORECASE)),
    ("body", re.compile(r"Request Body:\s*(?P<arg>.*)", re.IGNORECASE)),
    ("response", re.compile(r"Response:\s*(?P<arg>.*)", re.IGNORECASE)),
    ("samples", re.compile(r"Sample (?:request|response)", re.IGNORECASE)),
)
_SECTION_HELP = (
    "a section heading: Query String Parameters, Request Headers, Request Body: name, "
    "Response: type, Sample request or Sample response"
)
_PROPERTY_TABLE = ("Property Name", "Type", "Description")


def read_sections(blocks: list[Block], parts: Parts) -> None:
    """Read the blocks after the title, section by section, into ``parts``."""
    start = 0
    heading: Block | None = None
    for index, block in enumerate([*blocks, None]):
        if block is not None and block.kind != "heading":
            continue
        if block is not None and block.level != 2:
            raise PageError(parts.source, block.line, _SECTION_HELP, block.text)
        _read_section(heading, blocks[start:index], parts)
        heading, start = block, index + 1


def _read_section(heading: Block | None, blocks: list[Block], parts: Parts) -> None:
    if heading is None:
        _read_preamble(blocks, parts)
        return
    for kind, pattern in _SECTIONS:
        match = pattern.fullmatch(heading.text)
        if match:
            arg = (match.groupdict().get("arg") or "").strip()
            _READERS[kind](heading, arg, blocks, parts)
            return
    raise PageError(parts.source, heading.line, _SECTION_HELP, heading.text)


def _read_preamble(blocks: list[Block], parts: Parts) -> None:
    texts: list[str] = []
    for block in blocks:
        if block.kind == "fence" and block.text == "http" and parts.request is None:
            parts.request = _request_line(block, parts.source)
        elif block.kind == "text":
            texts.append(block.text)
        elif block.kind == "table" and tables.header_is(
            block, ("Path Part", "Type", "Description")
        ):
            parts.path_parts = tables.fields(block, parts.source)
            parts.path_part_lines = {cells[0]: line for line, cells in block.rows[1:]}
        else:
            expected = "the request line (```http), the summary or the Path Part table"
            raise PageError(parts.source, block.line, expected, block.text or block.kind)
    parts.summary = texts[0] if texts else ""
    parts.description = "\n\n".join(texts[1:])


def _request_line(block: Block, source: str) -> tuple[str, str]:
    line, text = block.lines[0] if block.lines else (block.line, "")
    match = REQUEST_LINE.fullmatch(text.strip())
    if not match:
        raise PageError(source, line, "a request line 'METHOD /api/...'", text)
    return match.group(1), match.group(2).partition("?")[0]


def _read_query(heading: Block, arg: str, blocks: list[Block], parts: Parts) -> None:
    header = ("Parameter Name", "Type", "Description")
    table = tables.only_table(blocks, header, parts.source, heading)
    parts.query = tables.fields(table, parts.source)
    for block in blocks:
        if block.kind == "fence" and block.lines:
            match = REQUEST_LINE.fullmatch(block.lines[0][1].strip())
            if match:
                query = match.group(2).partition("?")[2]
                parts.query_example = tuple(parse_qsl(query, keep_blank_values=True))


def _read_headers(heading: Block, arg: str, blocks: list[Block], parts: Parts) -> None:
    header = ("Parameter Name", "Description")
    table = tables.only_table(blocks, header, parts.source, heading)
    parts.headers = tables.header_rows(table, parts.source)


def _read_body(heading: Block, arg: str, blocks: list[Block], parts: Parts) -> None:
    name, _, type_text = arg.partition(" ")
    doc_type = parse_type(type_text) if type_text.strip() else None
    if not NAME.fullmatch(name) or (type_text.strip() and doc_type is None):
        raise PageError(parts.source, heading.line, "'Request Body: name [type]'", heading.text)
    texts = [b.text for b in blocks if b.kind == "text"]
    table_blocks = [b for b in blocks if b.kind == "table"]
    properties: tuple[Field, ...] = ()
    if table_blocks:
        table = tables.only_table(blocks, _PROPERTY_TABLE, parts.source, heading)
        properties = tables.fields(table, parts.source)
    parts.body = (heading.line, name, doc_type, "\n\n".join(texts), properties)


def _read_response(heading: Block, arg: str, blocks: list[Block], parts: Parts) -> None:
    doc_type = _response_type(heading, arg, parts.source)
    texts: list[str] = []
    body_type: str | None = None
    codes: tuple[tuple[str, str], ...] | None = None
    properties: tuple[Field, ...] = ()
    for block in blocks:
        if block.kind == "text" and block.text.lower().startswith("response body:"):
            body_type = block.text.partition(":")[2].strip()
        elif block.kind == "text":
            texts.append(block.text)
        elif block.kind == "table" and tables.header_is(block, ("Response", "Description")):
            codes = tables.codes(block, parts.source)
        elif block.kind == "table" and tables.header_is(block, _PROPERTY_TABLE):
            properties = _only_properties(block, properties, parts.source)
        else:
            expected = "the response code table, 'Response body: type' or one property table"
            raise PageError(parts.source, block.line, expected, block.text or block.kind)
    if codes is None:
        raise PageError(parts.source, heading.line, "a table 'Response | Description' below")
    description = "\n\n".join(texts)
    parts.response = ResponseDoc(doc_type, arg, description, codes, body_type, properties)


def _response_type(heading: Block, arg: str, source: str) -> DocType | None:
    """The type ``Response: type`` names; a name this module does not know is a component."""
    doc_type = parse_type(arg) if arg else None
    if arg and doc_type is None and not NAME.fullmatch(arg):
        raise PageError(source, heading.line, f"a response type ({TYPE_HELP})", arg)
    if arg and doc_type is None:  # a named type the module does not know: the table says it
        doc_type = DocType("component", arg)
    return doc_type


def _only_properties(block: Block, properties: tuple[Field, ...], source: str) -> tuple[Field, ...]:
    if properties:
        raise PageError(source, block.line, "at most one property table in the Response")
    return tables.fields(block, source)


def _read_samples(heading: Block, arg: str, blocks: list[Block], parts: Parts) -> None:
    lenient = parts.lenient_json
    for block in blocks:
        if block.kind == "fence" and block.text == "http!" and parts.sample_request is None:
            parts.sample_request = sample_request(block, parts.source, lenient)
        elif block.kind == "fence" and block.text == "http_" and parts.sample_response is None:
            parts.sample_response = sample_response(block, parts.source, lenient)
        else:
            expected = "one ```http! block (the request) and one ```http_ block (the response)"
            raise PageError(parts.source, block.line, expected, block.text or block.kind)


_Reader = Callable[[Block, str, list[Block], Parts], None]
_READERS: dict[str, _Reader] = {
    "query": _read_query,
    "headers": _read_headers,
    "body": _read_body,
    "response": _read_response,
    "samples": _read_samples,
}
