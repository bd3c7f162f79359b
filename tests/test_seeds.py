"""Replay the sample requests of the seed doc pages and compare with their sample responses.

The pages live in ``../shared/seeds`` beside the repository: SuperOffice reference pages, some as
markdown source and some as rendered text. Each has a sample request (method, path with
``{placeholders}``, headers, maybe a JSON body) and a sample response (status, headers, body).
The picture saves show no bytes, so a real PNG is sent in their place.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

import pytest
from helpers import AUTH
from helpers import CONTRACT
from helpers import Api
from helpers import png
from helpers import url

from mockso.app import create_app
from mockso.core.contract import Operation
from mockso.core.handlers import entity_of

SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"

pytestmark = pytest.mark.seeds

if not SEEDS.is_dir():
    pytest.skip(f"no seed pages: {SEEDS} does not exist", allow_module_level=True)

_REQUEST_LINE = re.compile(r"^(GET|PUT|POST|DELETE|PATCH) (/api/\S+)$")
_STATUS_LINE = re.compile(r"^HTTP/1\.1 (\d{3})\b")
_HEADER = re.compile(r"^([A-Za-z][A-Za-z0-9-]*): (.*)$")
_PAGE_ID = re.compile(r"^u?id: (\S+)$", re.MULTILINE)


@dataclass
class Sample:
    """One page's sample exchange."""

    page: str
    operation_id: str | None
    method: str = ""
    path: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    status: int = 0
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: Any = None


def _text_between(lines: list[str], start: int, stop: re.Pattern[str] | None) -> tuple[str, int]:
    """Lines from ``start`` up to a line matching ``stop`` (or the page's end), joined."""
    end = start
    while end < len(lines) and not (stop and stop.match(lines[end])):
        if lines[end].startswith("©"):  # the rendered page's footer
            break
        end += 1
    return "\n".join(lines[start:end]).strip(), end


def _headers(lines: list[str], start: int) -> tuple[dict[str, str], int]:
    headers = {}
    while start < len(lines) and (match := _HEADER.match(lines[start])):
        headers[match.group(1)] = match.group(2).strip()
        start += 1
    return headers, start


def parse(path: Path) -> Sample:
    """The sample request and response of one page, markdown or rendered text alike."""
    text = path.read_text(encoding="utf-8")
    page_id = _PAGE_ID.search(text)
    sample = Sample(page=path.name, operation_id=page_id.group(1) if page_id else None)
    # Fences (```http!, ```http_) only wrap the samples; dropping them unifies both forms.
    lines = [line.rstrip() for line in text.splitlines() if not line.startswith("```")]
    heading = next(i for i, line in enumerate(lines) if "sample request" in line.lower())
    start = next(i for i in range(heading, len(lines)) if _REQUEST_LINE.match(lines[i]))
    request = _REQUEST_LINE.match(lines[start])
    assert request is not None
    sample.method, sample.path = request.groups()
    sample.headers, position = _headers(lines, start + 1)
    body, position = _text_between(lines, position, _STATUS_LINE)
    body = re.sub(r"(?im)^.*sample response.*$", "", body).strip()
    sample.body = json.loads(body) if body else None
    status = _STATUS_LINE.match(lines[position])
    assert status is not None, f"{path.name}: no sample response"
    sample.status = int(status.group(1))
    sample.response_headers, position = _headers(lines, position + 1)
    response_body, _ = _text_between(lines, position, None)
    sample.response_body = json.loads(response_body) if response_body else None
    return sample


PAGES = sorted(SEEDS.glob("*.txt"))
SAMPLES = {page.name: parse(page) for page in PAGES}


def operation_of(sample: Sample) -> Operation:
    """The contract operation the sample's method and path template stand for."""
    for op in CONTRACT:
        if op.method == sample.method and op.path.lower() == sample.path.lower():
            return op
    raise AssertionError(f"{sample.page}: {sample.method} {sample.path} is not in the contract")


def shape(value: Any) -> Any:
    """Keys and value types, recursively: what 'the same shape' means here."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    return type(value).__name__


def same_shape(answer: Any, sample: Any) -> bool:
    """Same keys at every level; leaves of the same type unless one of them is null."""
    if isinstance(sample, dict) and isinstance(answer, dict):
        return set(answer) == set(sample) and all(same_shape(answer[k], sample[k]) for k in sample)
    if answer is None or sample is None:
        return True
    return type(answer) is type(sample)


def test_there_are_seed_pages_and_each_has_a_sample_exchange() -> None:
    assert SAMPLES
    for sample in SAMPLES.values():
        assert sample.method
        assert sample.status


@pytest.mark.parametrize("name", list(SAMPLES))
def test_the_page_names_an_operation_of_the_contract(name: str) -> None:
    sample = SAMPLES[name]

    op = operation_of(sample)

    if sample.operation_id is not None:
        assert op.operation_id == sample.operation_id


@pytest.mark.parametrize("name", list(SAMPLES))
def test_the_sample_request_gets_the_sample_response(name: str) -> None:
    sample = SAMPLES[name]
    op = operation_of(sample)
    client = create_app({"seed": 1}).test_client()
    headers = dict(sample.headers)
    if op.request_body and "image/png" in op.request_body.content:
        headers["Content-Type"] = "image/png"  # the docs leave the bitmap out
        data = png()
    else:
        data = json.dumps(sample.body).encode() if sample.body is not None else None

    response = client.open(url(op, 1), method=sample.method, headers=headers, data=data)

    assert response.status_code == sample.status, response.get_data()
    assert response.content_type == sample.response_headers["Content-Type"]
    answer = response.get_json()
    assert same_shape(answer, sample.response_body), (shape(answer), shape(sample.response_body))
    if isinstance(sample.body, dict):
        _assert_writable_fields_stored(client, op, sample.body)


def _assert_writable_fields_stored(client: Any, op: Operation, body: dict[str, Any]) -> None:
    entity = entity_of(op)
    assert entity is not None
    info = Api(client, AUTH).info(entity, 1).get_json()
    writable = CONTRACT.schema("BlobEntity")["x-mockso-writable"]
    assert {key: info[key] for key in writable if key in body} == {
        key: body[key] for key in writable if key in body
    }
    for key in ("BlobId", "BlobSize", "OriginalSize", "MimeType", "CreatedDate"):
        assert info[key] != body[key]
