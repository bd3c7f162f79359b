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

Both are first cut into the same blocks (headings, fenced blocks, tables, paragraphs: see
``markdown`` and ``plaintext``), then read section by section (``sections``) into a
:class:`Page`. A page that breaks the template raises :class:`PageError` (file, line, what was
expected); a page that is not a reference page at all raises :class:`UnknownPage`, so a caller can
report and skip it. Nothing is guessed: the plain rendering shows no operation id, so one is made
from method and path and the page says so (``Page.id_derived``).

This module is the entry point; the data classes and the docs' type vocabulary are re-exported
from ``model`` and ``doctypes``. No Flask import.
"""

from __future__ import annotations

import re
from pathlib import Path

from mockso.build.blocks import METHODS
from mockso.build.blocks import TITLE
from mockso.build.blocks import Block
from mockso.build.doctypes import COMPONENT_OF_PROPERTY
from mockso.build.doctypes import KNOWN_COMPONENTS
from mockso.build.doctypes import SCALARS
from mockso.build.doctypes import known_component
from mockso.build.doctypes import parse_type
from mockso.build.markdown import front_matter
from mockso.build.markdown import is_markdown
from mockso.build.markdown import markdown_blocks
from mockso.build.markdown import markdown_title
from mockso.build.model import DocType
from mockso.build.model import Field
from mockso.build.model import HeaderRow
from mockso.build.model import Page
from mockso.build.model import PageError
from mockso.build.model import RequestBody
from mockso.build.model import ResponseDoc
from mockso.build.model import SampleRequest
from mockso.build.model import SampleResponse
from mockso.build.model import UnknownPage
from mockso.build.plaintext import plain_blocks
from mockso.build.sections import Parts
from mockso.build.sections import read_sections

__all__ = [
    "COMPONENT_OF_PROPERTY",
    "KNOWN_COMPONENTS",
    "METHODS",
    "SCALARS",
    "DocType",
    "Field",
    "HeaderRow",
    "Page",
    "PageError",
    "RequestBody",
    "ResponseDoc",
    "SampleRequest",
    "SampleResponse",
    "UnknownPage",
    "derived_operation_id",
    "known_component",
    "parse_file",
    "parse_text",
    "parse_type",
]

_OPERATION_ID = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def parse_file(path: str | Path) -> Page:
    """Read the page in ``path`` (see parse_text)."""
    return parse_text(Path(path).read_text(encoding="utf-8"), source=str(path))


def parse_text(text: str, source: str = "<page>") -> Page:
    """One page, in either rendering; PageError or UnknownPage when it cannot be read."""
    lines = text.splitlines()
    if is_markdown(lines):
        meta, start = front_matter(lines, source)
        markdown_title(lines, start, source)  # the shape first: other pages are no errors
        blocks, rendering = markdown_blocks(lines, start, source), "markdown"
    else:
        meta, blocks, rendering = {}, plain_blocks(lines, source), "plain"
    if not blocks or blocks[0].kind != "heading" or not TITLE.fullmatch(blocks[0].text):
        found = blocks[0].text if blocks else "nothing"
        raise PageError(source, blocks[0].line if blocks else 1, "the title first", found)
    parts = Parts(source, lenient_json=rendering == "plain")
    read_sections(blocks[1:], parts)
    return _page(parts, blocks[0], meta, rendering)


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


def _check_path_parts(parts: Parts, path: str, request_line: int) -> None:
    """Every ``{name}`` of the path has a Path Part row, and every row names one of them."""
    named = re.findall(r"\{(\w+)\}", path)
    for field in parts.path_parts:
        if field.name not in named:
            expected = f"a path part of {path} ({', '.join(named) or 'none'})"
            raise PageError(parts.source, parts.path_part_lines[field.name], expected, field.name)
    listed = {field.name for field in parts.path_parts}
    for name in named:
        if name not in listed:
            raise PageError(parts.source, request_line, f"a Path Part row for {{{name}}}")


def _page(parts: Parts, title: Block, meta: dict[str, tuple[int, str]], rendering: str) -> Page:
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


def _request_body(parts: Parts) -> RequestBody | None:
    """The body section with the media types of the Content-Type row, which it needs."""
    if parts.body is None:
        return None
    line, name, doc_type, description, properties = parts.body
    row = next((h for h in parts.headers if h.name.lower() == "content-type"), None)
    if row is None or not row.media_types:
        expected = "a Content-Type row in Request Headers listing the body's media types"
        raise PageError(parts.source, line, expected)
    return RequestBody(name, doc_type, description, row.media_types, properties)
