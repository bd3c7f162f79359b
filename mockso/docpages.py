"""Read one SuperOffice REST reference page into plain data.

SuperOffice documents every REST operation as a reference page made from one template. Pages come
in two renderings:

* **markdown** (the docs repository): YAML front matter with the operation id (``id:`` or
  ``uid:``), a ``# METHOD Entity/{id}/...`` title, the request line in a fenced ``http`` block,
  pipe tables, ``##`` sections (Query String Parameters, Request Headers, Request Body: name,
  Response: type, Sample request / Sample response) and the samples in ``http!`` (request) and
  ``http_`` (response) blocks;
* **plain** text scraped from the web page: no front matter, every table row flattened to one
  space-separated line, section names as plain lines, navigation chrome before and after.

Both are first cut into the same blocks (headings, fenced blocks, tables, paragraphs) and then
read into a :class:`Page`. A page that breaks the template raises :class:`PageError` (file, line,
what was expected); a page that is not a reference page at all raises :class:`UnknownPage`, so a
caller can report and skip it. Nothing is guessed: the plain rendering shows no operation id, so
one is made from method and path and the page says so (``Page.id_derived``). No Flask import.
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

METHODS = ("GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS")
_METHOD = "|".join(METHODS)
# The title names a path relative to the API ("POST Project/{id}/Image"); the request line and
# the samples give the full path ("POST /api/v1/Project/{projectId}/Image").
_TITLE = re.compile(rf"({_METHOD}) ([^/\s]\S*)")
_REQUEST_LINE = re.compile(rf"({_METHOD}) (/\S*)(?: HTTP/\d(?:\.\d)?)?")
_STATUS_LINE = re.compile(r"HTTP/\d(?:\.\d)? (\d{3})(?: (.*))?")
_HEADER_LINE = re.compile(r"([!#$%&'*+.^_`|~0-9A-Za-z-]+):\s*(.*)")
_HEADING = re.compile(r"(#{1,6})\s+(.*)")
_FRONT_MATTER_KEY = re.compile(r"([A-Za-z_][\w.-]*):\s*(.*)")
_NAME = re.compile(r"[A-Za-z_$][\w.$-]*")
_OPERATION_ID = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_ENUM = re.compile(r"Enum:\s*(\w+(?:\s*,\s*\w+)*)")
_MEDIA_TYPE = re.compile(r"\b[a-z]+/[a-z0-9][a-z0-9.+-]*")
_SEPARATOR = re.compile(r"\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?")

# The docs' scalar type names and their OpenAPI (type, format). ``decimal`` has no OpenAPI
# format, so it stays a plain number. ``binary`` appears in body headings ("image binary").
# Newer pages write JSON-ish names (Integer, String, Boolean): they carry no width or format.
SCALARS: dict[str, tuple[str, str | None]] = {
    "int32": ("integer", "int32"),
    "int64": ("integer", "int64"),
    "string": ("string", None),
    "bool": ("boolean", None),
    "date-time": ("string", "date-time"),
    "double": ("number", "double"),
    "decimal": ("number", None),
    "binary": ("string", "binary"),
    "Integer": ("integer", None),
    "String": ("string", None),
    "Boolean": ("boolean", None),
}

# The docs' generator leaves the Type cell empty for complex types. The image pages use these;
# their names are the ones the vendor's Swagger file and SOAP WSDL give (research notes 2.2-2.4).
# An untyped property not listed here becomes a free-form object.
COMPONENT_OF_PROPERTY = {
    "CreatedBy": "Associate",
    "UpdatedBy": "Associate",
    "TableRight": "TableRight",
    "FieldRight": "FieldRight",
}

# The property tables of those named types, written as the docs' own tables would be (name,
# type cell, description), from the Associate agent page and the Swagger definitions.
KNOWN_COMPONENTS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "Associate": (
        ("AssociateId", "int32", "Primary key"),
        ("Name", "string", "Initials, also login name, possibly an e-mail address"),
        ("PersonId", "int32", "The person that owns this associate"),
        ("Rank", "int32", "Rank order"),
        ("Tooltip", "string", "Tooltip or other description"),
        (
            "Type",
            "Enum: Unknown, InternalAssociate, ResourceAssociate, ExternalAssociate, "
            "AnonymousAssociate, SystemAssociate",
            "Type of associate",
        ),
        ("GroupIdx", "int32", "The associate's primary user group"),
        ("FullName", "string", "Full name, formatted for the culture"),
        ("FormalName", "string", "Formal name, with title"),
        ("Deleted", "bool", "True if the user is retired"),
        ("EjUserId", "int32", "Id of the matching Service (ej) user, 0 if none"),
        ("UserName", "string", "User name, possibly an e-mail address"),
        ("TableRight", "", ""),
        ("FieldProperties", "object", ""),
    ),
    "TableRight": (
        ("Mask", "string", "ETableRight flag names joined by ', '"),
        ("Reason", "string", "Why a right is missing"),
    ),
    "FieldRight": (
        ("Mask", "string", "EFieldRight flag names joined by ', '"),
        ("Reason", "string", "Why a right is missing"),
    ),
}

_TYPE_HELP = (
    "int32, int64, string, bool, date-time, double, decimal, object, a type followed by [], "
    "'Enum: A, B', a named type (" + ", ".join(sorted(KNOWN_COMPONENTS)) + ") or nothing"
)


class PageError(ValueError):
    """A reference page that breaks the template: the file, the line and what was expected."""

    def __init__(self, source: str, line: int, expected: str, found: str | None = None) -> None:
        self.source, self.line, self.expected, self.found = source, line, expected, found
        message = f"{source}:{line}: expected {expected}"
        super().__init__(message if found is None else f"{message}; found {found!r}")


class UnknownPage(Exception):
    """A file that is not a REST reference page at all: report it and skip it."""

    def __init__(self, source: str, reason: str) -> None:
        self.source, self.reason = source, reason
        super().__init__(f"{source}: not a REST reference page ({reason}); skipped")


# -- the data a page holds ---------------------------------------------------------------------


@dataclass(frozen=True)
class DocType:
    """What a Type cell says.

    ``kind`` is ``scalar`` (``name`` is a key of SCALARS), ``enum`` (``members``), ``object``
    (free-form) or ``component`` (``name`` is a named type). ``untyped`` is true when the cell was
    empty and the type was resolved from the property name (COMPONENT_OF_PROPERTY).
    """

    kind: str
    name: str = ""
    array: bool = False
    members: tuple[str, ...] = ()
    untyped: bool = False


@dataclass(frozen=True)
class Field:
    """One row of a path part, query string or property table."""

    name: str
    type: DocType
    description: str
    required: bool = False


@dataclass(frozen=True)
class HeaderRow:
    """One row of the Request Headers table; Content-Type and Accept rows list media types."""

    name: str
    description: str
    media_types: tuple[str, ...] = ()


@dataclass(frozen=True)
class RequestBody:
    """The ``Request Body: name [type]`` section and the media types of the Content-Type row."""

    name: str
    type: DocType | None
    description: str
    content_types: tuple[str, ...]
    properties: tuple[Field, ...] = ()


@dataclass(frozen=True)
class ResponseDoc:
    """The ``Response: type`` section: codes, the body's type and its property table."""

    type: DocType | None
    type_text: str
    description: str
    codes: tuple[tuple[str, str], ...]
    body_type_text: str | None = None
    properties: tuple[Field, ...] = ()


@dataclass(frozen=True)
class SampleRequest:
    method: str
    target: str
    headers: tuple[tuple[str, str], ...]
    body: Any = None
    has_body: bool = False

    @property
    def path(self) -> str:
        return self.target.partition("?")[0]

    @property
    def query(self) -> dict[str, str]:
        return dict(parse_qsl(self.target.partition("?")[2], keep_blank_values=True))


@dataclass(frozen=True)
class SampleResponse:
    status: str
    reason: str
    headers: tuple[tuple[str, str], ...]
    body: Any = None
    has_body: bool = False


@dataclass(frozen=True)
class Page:
    """One reference page: one operation."""

    source: str
    rendering: str  # "markdown" or "plain"
    operation_id: str
    id_derived: bool
    title: str
    method: str
    path: str
    summary: str
    description: str
    path_parts: tuple[Field, ...]
    query: tuple[Field, ...]
    query_example: tuple[tuple[str, str], ...]
    headers: tuple[HeaderRow, ...]
    body: RequestBody | None
    response: ResponseDoc
    sample_request: SampleRequest | None
    sample_response: SampleResponse | None

    def header(self, name: str) -> HeaderRow | None:
        """The Request Headers row called ``name`` (any case)."""
        return next((h for h in self.headers if h.name.lower() == name.lower()), None)

    @property
    def accept(self) -> tuple[str, ...]:
        """The media types of the Accept row: what the answer can be."""
        row = self.header("Accept")
        return row.media_types if row else ()


# -- types -------------------------------------------------------------------------------------


def parse_type(text: str, name: str = "") -> DocType | None:
    """The type a Type cell states (``name`` resolves an empty cell); None when unknown."""
    text = text.strip().strip("`").strip()
    if not text:
        component = COMPONENT_OF_PROPERTY.get(name)
        if component:
            return DocType("component", component, untyped=True)
        return DocType("object", untyped=True)
    enum = _ENUM.fullmatch(text)
    if enum:
        return DocType("enum", members=tuple(m.strip() for m in enum.group(1).split(",")))
    array = text.endswith("[]")
    base = text[:-2] if array else text
    if base in SCALARS:
        return DocType("scalar", base, array)
    if base == "object":
        return DocType("object", array=array)
    if base in KNOWN_COMPONENTS:
        return DocType("component", base, array)
    return None


def known_component(name: str) -> tuple[Field, ...]:
    """The property table of a named type from KNOWN_COMPONENTS."""
    fields = []
    for prop, type_text, description in KNOWN_COMPONENTS[name]:
        doc_type = parse_type(type_text, prop)
        assert doc_type is not None, (name, prop)  # the table above is ours
        fields.append(Field(prop, doc_type, description))
    return tuple(fields)


# -- blocks: what both renderings are cut into -------------------------------------------------


@dataclass
class _Block:
    kind: str  # "heading", "fence", "table" or "text"
    line: int  # 1-based
    text: str = ""  # heading or paragraph text; a fence's info string
    level: int = 0  # heading level
    # A fence's lines, or a table's rows (the header first), each with its line number.
    lines: tuple[tuple[int, str], ...] = ()
    rows: tuple[tuple[int, tuple[str, ...]], ...] = ()


def _is_markdown(lines: list[str]) -> bool:
    first = next((line.strip() for line in lines if line.strip()), "")
    return first == "---" or any(
        line.startswith("```") or _HEADING.fullmatch(line.rstrip()) for line in lines
    )


def _front_matter(lines: list[str], source: str) -> tuple[dict[str, tuple[int, str]], int]:
    """``key: value`` lines of the front matter (lists and nesting are skipped), and its end."""
    if not lines or lines[0].strip() != "---":
        return {}, 0
    meta: dict[str, tuple[int, str]] = {}
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            return meta, index + 1
        match = _FRONT_MATTER_KEY.fullmatch(lines[index].rstrip())
        if match:
            meta[match.group(1)] = (index + 1, match.group(2).strip().strip("'\""))
    raise PageError(source, 1, "a closing '---' line for the front matter opened here")


def _markdown_blocks(lines: list[str], start: int, source: str) -> list[_Block]:
    blocks: list[_Block] = []
    index = start
    while index < len(lines):
        line = lines[index].rstrip()
        heading = _HEADING.fullmatch(line)
        if not line.strip():
            index += 1
        elif line.startswith("```"):
            index = _read_fence(lines, index, source, blocks)
        elif line.lstrip().startswith("|"):
            index = _read_table(lines, index, source, blocks)
        elif heading:
            level, text = len(heading.group(1)), heading.group(2).strip()
            blocks.append(_Block("heading", index + 1, text, level=level))
            index += 1
        else:
            index = _read_paragraph(lines, index, blocks, _ends_markdown_paragraph)
    return blocks


def _ends_markdown_paragraph(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith(("```", "|")) or bool(_HEADING.fullmatch(stripped))


def _read_fence(lines: list[str], index: int, source: str, blocks: list[_Block]) -> int:
    info = lines[index].strip()[3:].strip()
    for end in range(index + 1, len(lines)):
        if lines[end].strip() == "```":
            body = tuple((n + 1, lines[n].rstrip()) for n in range(index + 1, end))
            blocks.append(_Block("fence", index + 1, info, lines=body))
            return end + 1
    raise PageError(
        source, index + 1, f"a closing ``` line for the ```{info} block opened here", "end of file"
    )


def _cells(line: str) -> tuple[str, ...]:
    text = line.strip()
    text = text[1:] if text.startswith("|") else text
    text = text[:-1] if text.endswith("|") and not text.endswith("\\|") else text
    return tuple(cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", text))


def _read_table(lines: list[str], index: int, source: str, blocks: list[_Block]) -> int:
    header = _cells(lines[index])
    if index + 1 >= len(lines) or not _SEPARATOR.fullmatch(lines[index + 1].strip()):
        found = lines[index + 1].strip() if index + 1 < len(lines) else "end of file"
        raise PageError(source, index + 2, "a separator row (|---|---|) under the header", found)
    rows = [(index + 1, header)]
    end = index + 2
    while end < len(lines) and lines[end].lstrip().startswith("|"):
        cells = _cells(lines[end])
        if len(cells) != len(header):
            expected = f"{len(header)} cells, as in the header ({' | '.join(header)})"
            raise PageError(source, end + 1, expected, f"{len(cells)} cells: {lines[end].strip()}")
        rows.append((end + 1, cells))
        end += 1
    blocks.append(_Block("table", index + 1, rows=tuple(rows)))
    return end


def _read_paragraph(lines: list[str], index: int, blocks: list[_Block], ends: Any) -> int:
    end = index + 1
    while end < len(lines) and not ends(lines[end]):
        end += 1
    text = "\n".join(line.strip() for line in lines[index:end])
    blocks.append(_Block("text", index + 1, text))
    return end


# -- the plain rendering -----------------------------------------------------------------------

# Flattened table headers and the cells they stand for.
_PLAIN_TABLES: dict[str, tuple[str, ...]] = {
    "Path Part Type Description": ("Path Part", "Type", "Description"),
    "Parameter Name Type Description": ("Parameter Name", "Type", "Description"),
    "Parameter Name Description": ("Parameter Name", "Description"),
    "Property Name Type Description": ("Property Name", "Type", "Description"),
    "Response Description": ("Response", "Description"),
}
_PLAIN_SECTION = re.compile(
    r"Query String Parameters|Request Headers|Request Body:.*|Response:.*", re.IGNORECASE
)
_PLAIN_SAMPLE = re.compile(r"Sample (request|response)", re.IGNORECASE)
_FOOTER = "©"  # the copyright line: everything after it is the site's footer


def _plain_blocks(lines: list[str], source: str) -> list[_Block]:
    stripped = [line.strip() for line in lines]
    title = next((i for i, text in enumerate(stripped) if _TITLE.fullmatch(text)), None)
    if title is None:
        raise UnknownPage(source, "no title line 'METHOD Entity/...'")
    request = next(
        (i for i in range(title + 1, len(lines)) if _REQUEST_LINE.fullmatch(stripped[i])), None
    )
    if request is None:
        raise PageError(source, title + 1, "a request line 'METHOD /api/...' after the title")
    # Between the title and the request line there is only chrome (tooltips, reading time).
    blocks = [
        _Block("heading", title + 1, stripped[title], level=1),
        _Block("fence", request + 1, "http", lines=((request + 1, stripped[request]),)),
    ]
    index = request + 1
    while index < len(lines) and not stripped[index].startswith(_FOOTER):
        index = _plain_block(stripped, index, blocks)
    return blocks


def _plain_block(stripped: list[str], index: int, blocks: list[_Block]) -> int:
    text = stripped[index]
    if not text:
        return index + 1
    if _PLAIN_SAMPLE.fullmatch(text):
        return _plain_sample(stripped, index, blocks)
    if _PLAIN_SECTION.fullmatch(text):
        blocks.append(_Block("heading", index + 1, text, level=2))
        return index + 1
    if text in _PLAIN_TABLES:
        return _plain_table(stripped, index, blocks)
    if _REQUEST_LINE.fullmatch(text):  # the query string example
        blocks.append(_Block("fence", index + 1, "http", lines=((index + 1, text),)))
        return index + 1
    return _read_paragraph(stripped, index, blocks, _ends_plain_paragraph)


def _ends_plain_paragraph(text: str) -> bool:
    return (
        not text
        or text.startswith(_FOOTER)
        or text in _PLAIN_TABLES
        or bool(_PLAIN_SECTION.fullmatch(text) or _PLAIN_SAMPLE.fullmatch(text))
    )


def _plain_table(stripped: list[str], index: int, blocks: list[_Block]) -> int:
    header = _PLAIN_TABLES[stripped[index]]
    rows: list[tuple[int, tuple[str, ...]]] = [(index + 1, header)]
    end = index + 1
    while end < len(stripped) and not _ends_plain_paragraph(stripped[end]):
        rows.append((end + 1, _plain_cells(header, stripped[end])))
        end += 1
    blocks.append(_Block("table", index + 1, rows=tuple(rows)))
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


def _plain_sample(stripped: list[str], index: int, blocks: list[_Block]) -> int:
    blocks.append(_Block("heading", index + 1, stripped[index], level=2))
    info = "http!" if stripped[index].lower().endswith("request") else "http_"
    end = index + 1
    while (
        end < len(stripped)
        and not _PLAIN_SAMPLE.fullmatch(stripped[end])
        and not stripped[end].startswith(_FOOTER)
    ):
        end += 1
    body = [(n + 1, stripped[n]) for n in range(index + 1, end)]
    while body and not body[0][1]:
        body.pop(0)
    while body and not body[-1][1]:
        body.pop()
    blocks.append(_Block("fence", index + 2, info, lines=tuple(body)))
    return end


# -- reading blocks into a page ----------------------------------------------------------------


@dataclass
class _Parts:
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


def parse_file(path: str | Path) -> Page:
    """Read the page in ``path`` (see parse_text)."""
    return parse_text(Path(path).read_text(encoding="utf-8"), source=str(path))


def parse_text(text: str, source: str = "<page>") -> Page:
    """One page, in either rendering; PageError or UnknownPage when it cannot be read."""
    lines = text.splitlines()
    if _is_markdown(lines):
        meta, start = _front_matter(lines, source)
        _markdown_title(lines, start, source)  # the shape first: other pages are no errors
        blocks, rendering = _markdown_blocks(lines, start, source), "markdown"
    else:
        meta, blocks, rendering = {}, _plain_blocks(lines, source), "plain"
    if not blocks or blocks[0].kind != "heading" or not _TITLE.fullmatch(blocks[0].text):
        found = blocks[0].text if blocks else "nothing"
        raise PageError(source, blocks[0].line if blocks else 1, "the title first", found)
    parts = _Parts(source, lenient_json=rendering == "plain")
    _read_sections(blocks[1:], parts)
    return _page(parts, blocks[0], meta, rendering)


def _markdown_title(lines: list[str], start: int, source: str) -> None:
    """UnknownPage unless the first heading (outside fenced blocks) is '# METHOD Entity/...'."""
    fenced, heading = False, None
    for line in lines[start:]:
        fenced = fenced != line.startswith("```")
        heading = None if fenced else _HEADING.fullmatch(line.rstrip())
        if heading:
            if len(heading.group(1)) == 1 and _TITLE.fullmatch(heading.group(2).strip()):
                return
            break
    found = heading.group(0) if heading else "no heading"
    raise UnknownPage(source, f"the first heading is not '# METHOD Entity/...': {found!r}")


def _read_sections(blocks: list[_Block], parts: _Parts) -> None:
    start = 0
    heading: _Block | None = None
    for index, block in enumerate([*blocks, None]):
        if block is not None and block.kind != "heading":
            continue
        if block is not None and block.level != 2:
            raise PageError(parts.source, block.line, _SECTION_HELP, block.text)
        _read_section(heading, blocks[start:index], parts)
        heading, start = block, index + 1


def _read_section(heading: _Block | None, blocks: list[_Block], parts: _Parts) -> None:
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


def _read_preamble(blocks: list[_Block], parts: _Parts) -> None:
    texts: list[str] = []
    for block in blocks:
        if block.kind == "fence" and block.text == "http" and parts.request is None:
            parts.request = _request_line(block, parts.source)
        elif block.kind == "text":
            texts.append(block.text)
        elif block.kind == "table" and _header_is(block, ("Path Part", "Type", "Description")):
            parts.path_parts = _fields(block, parts.source)
            parts.path_part_lines = {cells[0]: line for line, cells in block.rows[1:]}
        else:
            expected = "the request line (```http), the summary or the Path Part table"
            raise PageError(parts.source, block.line, expected, block.text or block.kind)
    parts.summary = texts[0] if texts else ""
    parts.description = "\n\n".join(texts[1:])


def _request_line(block: _Block, source: str) -> tuple[str, str]:
    line, text = block.lines[0] if block.lines else (block.line, "")
    match = _REQUEST_LINE.fullmatch(text.strip())
    if not match:
        raise PageError(source, line, "a request line 'METHOD /api/...'", text)
    return match.group(1), match.group(2).partition("?")[0]


def _header_is(table: _Block, expected: tuple[str, ...]) -> bool:
    header = tuple(cell.strip().lower() for cell in table.rows[0][1])
    return header == tuple(cell.lower() for cell in expected)


def _only_table(
    blocks: list[_Block], header: tuple[str, ...], source: str, heading: _Block
) -> _Block:
    tables = [b for b in blocks if b.kind == "table"]
    if len(tables) != 1 or not _header_is(tables[0], header):
        line = tables[0].line if tables else heading.line
        raise PageError(source, line, "one table with the header " + " | ".join(header))
    return tables[0]


def _read_query(heading: _Block, arg: str, blocks: list[_Block], parts: _Parts) -> None:
    table = _only_table(blocks, ("Parameter Name", "Type", "Description"), parts.source, heading)
    parts.query = _fields(table, parts.source)
    for block in blocks:
        if block.kind == "fence" and block.lines:
            match = _REQUEST_LINE.fullmatch(block.lines[0][1].strip())
            if match:
                query = match.group(2).partition("?")[2]
                parts.query_example = tuple(parse_qsl(query, keep_blank_values=True))


def _read_headers(heading: _Block, arg: str, blocks: list[_Block], parts: _Parts) -> None:
    table = _only_table(blocks, ("Parameter Name", "Description"), parts.source, heading)
    rows = []
    for line, (name, description) in table.rows[1:]:
        if not _NAME.fullmatch(name):
            raise PageError(parts.source, line, "a header name in the first cell", name)
        media: tuple[str, ...] = ()
        if name.lower() in ("content-type", "accept"):
            listed = description.partition(":")[2]
            media = tuple(dict.fromkeys(m.lower() for m in _MEDIA_TYPE.findall(listed)))
        rows.append(HeaderRow(name, description, media))
    parts.headers = tuple(rows)


def _read_body(heading: _Block, arg: str, blocks: list[_Block], parts: _Parts) -> None:
    name, _, type_text = arg.partition(" ")
    doc_type = parse_type(type_text) if type_text.strip() else None
    if not _NAME.fullmatch(name) or (type_text.strip() and doc_type is None):
        raise PageError(parts.source, heading.line, "'Request Body: name [type]'", heading.text)
    texts = [b.text for b in blocks if b.kind == "text"]
    tables = [b for b in blocks if b.kind == "table"]
    properties: tuple[Field, ...] = ()
    if tables:
        header = ("Property Name", "Type", "Description")
        properties = _fields(_only_table(blocks, header, parts.source, heading), parts.source)
    parts.body = (heading.line, name, doc_type, "\n\n".join(texts), properties)


def _read_response(heading: _Block, arg: str, blocks: list[_Block], parts: _Parts) -> None:
    doc_type = parse_type(arg) if arg else None
    if arg and doc_type is None and not _NAME.fullmatch(arg):
        raise PageError(parts.source, heading.line, f"a response type ({_TYPE_HELP})", arg)
    if arg and doc_type is None:  # a named type the module does not know: the table says it
        doc_type = DocType("component", arg)
    texts: list[str] = []
    body_type: str | None = None
    codes: tuple[tuple[str, str], ...] | None = None
    properties: tuple[Field, ...] = ()
    for block in blocks:
        if block.kind == "text" and block.text.lower().startswith("response body:"):
            body_type = block.text.partition(":")[2].strip()
        elif block.kind == "text":
            texts.append(block.text)
        elif block.kind == "table" and _header_is(block, ("Response", "Description")):
            codes = _codes(block, parts.source)
        elif block.kind == "table" and _header_is(block, ("Property Name", "Type", "Description")):
            properties = _fields(block, parts.source) if not properties else _second(block, parts)
        else:
            expected = "the response code table, 'Response body: type' or one property table"
            raise PageError(parts.source, block.line, expected, block.text or block.kind)
    if codes is None:
        raise PageError(parts.source, heading.line, "a table 'Response | Description' below")
    description = "\n\n".join(texts)
    parts.response = ResponseDoc(doc_type, arg, description, codes, body_type, properties)


def _second(block: _Block, parts: _Parts) -> tuple[Field, ...]:
    raise PageError(parts.source, block.line, "at most one property table in the Response")


def _read_samples(heading: _Block, arg: str, blocks: list[_Block], parts: _Parts) -> None:
    for block in blocks:
        if block.kind == "fence" and block.text == "http!" and parts.sample_request is None:
            parts.sample_request = _sample_request(block, parts)
        elif block.kind == "fence" and block.text == "http_" and parts.sample_response is None:
            parts.sample_response = _sample_response(block, parts)
        else:
            expected = "one ```http! block (the request) and one ```http_ block (the response)"
            raise PageError(parts.source, block.line, expected, block.text or block.kind)


_READERS: dict[str, Any] = {
    "query": _read_query,
    "headers": _read_headers,
    "body": _read_body,
    "response": _read_response,
    "samples": _read_samples,
}


def _fields(table: _Block, source: str) -> tuple[Field, ...]:
    fields: dict[str, Field] = {}
    for line, (name, type_text, description) in table.rows[1:]:
        if not _NAME.fullmatch(name) or name in fields:
            raise PageError(source, line, "a name not listed before in the first cell", name)
        doc_type = parse_type(type_text, name)
        if doc_type is None:
            raise PageError(source, line, f"a type ({_TYPE_HELP})", type_text)
        required, description = _required(description)
        fields[name] = Field(name, doc_type, description, required)
    return tuple(fields.values())


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


def _codes(table: _Block, source: str) -> tuple[tuple[str, str], ...]:
    codes: dict[str, str] = {}
    for line, (code, description) in table.rows[1:]:
        if not re.fullmatch(r"[1-5]\d\d", code) or code in codes:
            raise PageError(source, line, "an HTTP status code (3 digits) not listed before", code)
        codes[code] = description
    if not codes:
        raise PageError(source, table.line, "at least one response code row")
    return tuple(codes.items())


# -- samples -----------------------------------------------------------------------------------


def _message(
    block: _Block, parts: _Parts
) -> tuple[int, str, tuple[tuple[str, str], ...], tuple[bool, Any]]:
    """(first line number, start line, headers, (has body, body)) of an HTTP message block."""
    lines = block.lines
    while lines and not lines[0][1].strip():  # blank lines before the start line
        lines = lines[1:]
    if not lines:
        raise PageError(parts.source, block.line, "an HTTP message in the sample", "nothing")
    first_line, start = lines[0]
    headers: list[tuple[str, str]] = []
    index = 1
    while index < len(lines) and lines[index][1].strip():
        line, text = lines[index]
        match = _HEADER_LINE.fullmatch(text.strip())
        if not match:
            raise PageError(parts.source, line, "a header 'Name: value' or a blank line", text)
        headers.append((match.group(1), match.group(2).strip()))
        index += 1
    rest = lines[index + 1 :]
    body = _sample_body(rest, {k.lower(): v for k, v in headers}, parts)
    return first_line, start.strip(), tuple(headers), body


def _sample_body(
    rest: tuple[tuple[int, str], ...], headers: dict[str, str], parts: _Parts
) -> tuple[bool, Any]:
    text = "\n".join(line for _, line in rest).strip()
    if not text:
        return False, None
    if "json" not in headers.get("content-type", "").lower():
        return True, text
    try:
        if parts.lenient_json:  # the plain rendering may run on into the site's footer
            return True, json.JSONDecoder().raw_decode(text)[0]
        return True, json.loads(text)
    except json.JSONDecodeError as error:
        line = rest[0][0] + error.lineno - 1
        raise PageError(
            parts.source, line, "a JSON body, as the sample's Content-Type says", error.msg
        ) from None


def _sample_request(block: _Block, parts: _Parts) -> SampleRequest:
    line, start, headers, (has_body, body) = _message(block, parts)
    match = _REQUEST_LINE.fullmatch(start)
    if not match:
        raise PageError(parts.source, line, "a sample request line 'METHOD /api/...'", start)
    return SampleRequest(match.group(1), match.group(2), headers, body, has_body)


def _sample_response(block: _Block, parts: _Parts) -> SampleResponse:
    line, start, headers, (has_body, body) = _message(block, parts)
    match = _STATUS_LINE.fullmatch(start)
    if not match:
        raise PageError(parts.source, line, "a status line 'HTTP/1.1 200 Reason'", start)
    return SampleResponse(match.group(1), match.group(2) or "", headers, body, has_body)


# -- the page ----------------------------------------------------------------------------------


def derived_operation_id(method: str, path: str) -> str:
    """``PUT /api/v1/Project/{projectId}/Image`` → ``PUT_api_v1_Project_projectId_Image``."""
    words = [re.sub(r"\W", "", part) for part in path.split("/")]
    return "_".join([method.upper(), *(word for word in words if word)])


def _operation_id(
    meta: dict[str, tuple[int, str]], rendering: str, method: str, path: str, source: str
) -> tuple[str, bool]:
    if rendering == "plain":
        return derived_operation_id(method, path), True
    line, value = meta.get("id") or meta.get("uid") or (1, "")
    if not value:
        raise PageError(source, 1, "YAML front matter (---) with the operation's id: or uid:")
    if not _OPERATION_ID.fullmatch(value):
        raise PageError(source, line, "an operation id of letters, digits and _", value)
    return value, False


def _check_path_parts(parts: _Parts, path: str, request_line: int) -> None:
    named = re.findall(r"\{(\w+)\}", path)
    for field in parts.path_parts:
        if field.name not in named:
            expected = f"a path part of {path} ({', '.join(named) or 'none'})"
            raise PageError(parts.source, parts.path_part_lines[field.name], expected, field.name)
    listed = {field.name for field in parts.path_parts}
    for name in named:
        if name not in listed:
            raise PageError(parts.source, request_line, f"a Path Part row for {{{name}}}")


def _page(parts: _Parts, title: _Block, meta: dict[str, tuple[int, str]], rendering: str) -> Page:
    if parts.request is None:
        raise PageError(parts.source, title.line, "a ```http block with the request line")
    if parts.response is None:
        raise PageError(parts.source, title.line, "a 'Response: type' section with its codes")
    method, path = parts.request
    _check_path_parts(parts, path, title.line)
    operation_id, derived = _operation_id(meta, rendering, method, path, parts.source)
    return Page(
        source=parts.source,
        rendering=rendering,
        operation_id=operation_id,
        id_derived=derived,
        title=title.text,
        method=method,
        path=path,
        summary=parts.summary,
        description=parts.description,
        path_parts=parts.path_parts,
        query=parts.query,
        query_example=parts.query_example,
        headers=parts.headers,
        body=_request_body(parts),
        response=parts.response,
        sample_request=parts.sample_request,
        sample_response=parts.sample_response,
    )


def _request_body(parts: _Parts) -> RequestBody | None:
    if parts.body is None:
        return None
    line, name, doc_type, description, properties = parts.body
    row = next((h for h in parts.headers if h.name.lower() == "content-type"), None)
    if row is None or not row.media_types:
        expected = "a Content-Type row in Request Headers listing the body's media types"
        raise PageError(parts.source, line, expected)
    return RequestBody(name, doc_type, description, row.media_types, properties)
