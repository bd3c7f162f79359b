"""What every control handler takes and gives: a validated ``ControlCall``, and Flask responses
made from plain answers (an ``Answer``, a JSON value, an error object with ErrorSource
``mockso``)."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Response

from mockso.core import codecs
from mockso.core.answers import JSON
from mockso.core.answers import Answer
from mockso.core.answers import error_answer
from mockso.core.errors import MocksoError
from mockso.core.mock import Mock
from mockso.core.namespaces import check_name

# ErrorSource of the control API's errors: mockso's own, not the mocked server's.
SOURCE = "mockso"


@dataclass(frozen=True)
class ControlCall:
    """One validated control request."""

    mock: Mock
    params: Mapping[str, Any]
    body: Any
    started: float  # time.monotonic() when the app was made

    @property
    def namespace(self) -> str | None:
        value = self.params.get("namespace")
        if value is None:
            return None
        check_name(value)  # also where only find() runs; the contract's $ allows a final \n
        return str(value)


ControlHandler = Callable[[ControlCall], Response]


def make_response(status: int, headers: dict[str, str], body: bytes) -> Response:
    """A Flask response with exactly these headers (no default text/html on empty answers)."""
    headers = dict(headers)
    content_type = headers.pop("Content-Type", None)
    response = Response(body, status=status, headers=headers, content_type=content_type)
    if content_type is None:
        del response.headers["Content-Type"]
    return response


def answer_response(answer: Answer) -> Response:
    return make_response(*answer)


def json_response(status: int, value: Any) -> Response:
    return make_response(status, {"Content-Type": JSON}, codecs.encode_json(value))


def done() -> Response:
    return make_response(204, {}, b"")


def error_response(error: MocksoError) -> Response:
    """A control API error: the error object, its source mockso."""
    error.source = SOURCE
    return answer_response(error_answer(error))
