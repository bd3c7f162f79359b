"""What the mock answers, as plain data, and the one way an error becomes an answer.

Both front doors use these: the request path of the mocked API writes ``Answer``s straight to
WSGI, the control API turns them into Flask responses. An error is always SuperOffice's error
object (``MocksoError.to_object``) as JSON, with the error's status and headers.
"""

from __future__ import annotations

import logging
from typing import NamedTuple

from mockso.core import codecs
from mockso.core import errors

log = logging.getLogger("mockso")
JSON = "application/json; charset=utf-8"


class Answer(NamedTuple):
    """Status, headers (no Content-Length) and the whole body."""

    status: int
    headers: dict[str, str]
    body: bytes


def error_answer(error: errors.MocksoError) -> Answer:
    """SuperOffice's error object, as JSON, with the error's status and headers."""
    body = codecs.encode_json(error.to_object())
    return Answer(error.status, {**error.headers, "Content-Type": JSON}, body)


def crash_answer(error: Exception) -> Answer:
    """A bug in mockso: logged with its traceback, answered as a 500 error object."""
    log.exception("unhandled error")
    return error_answer(errors.MocksoError(f"mockso failed: {type(error).__name__}: {error}"))
