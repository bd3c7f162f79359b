"""What one SuperOffice REST reference page holds, as frozen dataclasses, and how reading fails.

``pages`` fills a :class:`Page`; ``builder`` reads one. Two errors tell a caller what to do
with a file: :class:`PageError` (a reference page that breaks the template: fix it) and
:class:`UnknownPage` (not a reference page at all: report it and skip it). No Flask import.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl


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


@dataclass(frozen=True)
class DocType:
    """What a Type cell says.

    ``kind`` is ``scalar`` (``name`` is a key of ``doctypes.SCALARS``), ``enum`` (``members``),
    ``object`` (free-form) or ``component`` (``name`` is a named type). ``untyped`` is true when
    the cell was empty and the type was resolved from the property name
    (``doctypes.COMPONENT_OF_PROPERTY``).
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
    """The page's sample request (the ``http!`` block): start line, headers and body."""

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
    """The page's sample response (the ``http_`` block): status line, headers and body."""

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
