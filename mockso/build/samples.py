"""The sample request and response of a reference page, read from their fenced blocks.

A sample is an HTTP message: a start line, ``Name: value`` headers, a blank line and a body. A
body whose Content-Type says JSON is parsed; any other body stays text. No Flask import.
"""

from __future__ import annotations

import json
import re
from typing import Any

from mockso.build.blocks import REQUEST_LINE
from mockso.build.blocks import Block
from mockso.build.model import PageError
from mockso.build.model import SampleRequest
from mockso.build.model import SampleResponse

_STATUS_LINE = re.compile(r"HTTP/\d(?:\.\d)? (\d{3})(?: (.*))?")
_HEADER_LINE = re.compile(r"([!#$%&'*+.^_`|~0-9A-Za-z-]+):\s*(.*)")


def sample_request(block: Block, source: str, lenient_json: bool) -> SampleRequest:
    """The ``http!`` block as a request (see ``_sample_body`` for ``lenient_json``)."""
    line, start, headers, (has_body, body) = _message(block, source, lenient_json)
    match = REQUEST_LINE.fullmatch(start)
    if not match:
        raise PageError(source, line, "a sample request line 'METHOD /api/...'", start)
    return SampleRequest(match.group(1), match.group(2), headers, body, has_body)


def sample_response(block: Block, source: str, lenient_json: bool) -> SampleResponse:
    """The ``http_`` block as a response (see ``_sample_body`` for ``lenient_json``)."""
    line, start, headers, (has_body, body) = _message(block, source, lenient_json)
    match = _STATUS_LINE.fullmatch(start)
    if not match:
        raise PageError(source, line, "a status line 'HTTP/1.1 200 Reason'", start)
    return SampleResponse(match.group(1), match.group(2) or "", headers, body, has_body)


def _message(
    block: Block, source: str, lenient_json: bool
) -> tuple[int, str, tuple[tuple[str, str], ...], tuple[bool, Any]]:
    """(first line number, start line, headers, (has body, body)) of an HTTP message block."""
    lines = block.lines
    while lines and not lines[0][1].strip():  # blank lines before the start line
        lines = lines[1:]
    if not lines:
        raise PageError(source, block.line, "an HTTP message in the sample", "nothing")
    first_line, start = lines[0]
    headers: list[tuple[str, str]] = []
    index = 1
    while index < len(lines) and lines[index][1].strip():
        line, text = lines[index]
        match = _HEADER_LINE.fullmatch(text.strip())
        if not match:
            raise PageError(source, line, "a header 'Name: value' or a blank line", text)
        headers.append((match.group(1), match.group(2).strip()))
        index += 1
    rest = lines[index + 1 :]
    body = _sample_body(rest, {k.lower(): v for k, v in headers}, source, lenient_json)
    return first_line, start.strip(), tuple(headers), body


def _sample_body(
    rest: tuple[tuple[int, str], ...], headers: dict[str, str], source: str, lenient_json: bool
) -> tuple[bool, Any]:
    text = "\n".join(line for _, line in rest).strip()
    if not text:
        return False, None
    if "json" not in headers.get("content-type", "").lower():
        return True, text
    try:
        if lenient_json:  # the plain rendering may run on into the site's footer
            return True, json.JSONDecoder().raw_decode(text)[0]
        return True, json.loads(text)
    except json.JSONDecodeError as error:
        line = rest[0][0] + error.lineno - 1
        raise PageError(
            source, line, "a JSON body, as the sample's Content-Type says", error.msg
        ) from None
