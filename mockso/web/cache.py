"""Answers to repeated reads, served again while the state they were made from stands.

A GET's answer is a function of the request (method, path, query string, headers) and of its
namespace's store; settings are frozen at start and GET handlers read no clock and no random
source. So an answer is kept beside the store's generation and given again to an identical
request until a write moves that generation on. CI suites ask the same few reads over and over;
a kept answer skips credentials, parameter checks, negotiation and encoding (``make bench``
measures what that buys).

Never kept: requests with a body or a ``Prefer`` header, answers of a namespace that has rules
(they bend answers and count themselves down), answers with an injected fault, and 5xx answers.
The gateway still journals and counts every request, kept answer or not. No Flask import.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any
from typing import NamedTuple

from mockso.core.answers import Answer

# Kept answers, and the body bytes they may hold between them; when either is full the whole
# cache is emptied (a mock's working set is small, and refilling costs one normal call each).
MAX_ANSWERS = 1024
MAX_BYTES = 32 * 1024 * 1024
# An answer bigger than this is not kept: it would crowd the others out.
MAX_BODY = 1024 * 1024
_READS = ("GET", "HEAD")

Key = tuple[Any, ...]


class Kept(NamedTuple):
    space: Any
    generation: int
    answer: Answer
    operation_id: str
    # What the request leaned on (core.framework.Deviation items): journaled again per hit.
    deviations: tuple[Any, ...] = ()


class AnswerCache:
    """Answers of reads by request, each valid while its namespace's store is unchanged."""

    def __init__(
        self, max_answers: int = MAX_ANSWERS, max_bytes: int = MAX_BYTES, max_body: int = MAX_BODY
    ) -> None:
        self.max_answers = max_answers
        self.max_bytes = max_bytes
        self.max_body = max_body
        self._kept: dict[Key, Kept] = {}
        self._bytes = 0
        self._lock = threading.Lock()

    @staticmethod
    def key(environ: Mapping[str, Any]) -> Key | None:
        """What makes two reads the same read; None for requests that are never kept."""
        if environ.get("REQUEST_METHOD") not in _READS:
            return None
        if environ.get("CONTENT_LENGTH") not in (None, "", "0"):
            return None
        if "HTTP_PREFER" in environ or "HTTP_TRANSFER_ENCODING" in environ:
            return None
        # Every header counts (credentials, Accept, SO-TimeZone, the namespace, ...): a header
        # that changes nothing only costs a second miss.
        headers = [item for item in environ.items() if item[0][:5] == "HTTP_"]
        return (
            environ["REQUEST_METHOD"],
            environ.get("PATH_INFO", ""),
            environ.get("QUERY_STRING", ""),
            environ.get("CONTENT_TYPE", ""),
            *headers,
        )

    def get(self, key: Key, space: Any) -> Kept | None:
        """The kept answer for ``key`` in ``space``, if nothing it depends on has changed."""
        kept = self._kept.get(key)
        if kept is None or kept.space is not space or space.rules:
            return None
        if kept.generation != space.store.generation:
            return None
        return kept

    def put(self, key: Key, kept: Kept) -> None:
        """Keep ``kept``; ``kept.generation`` must have been read before the answer was made,
        so that a write racing the read leaves an entry that is already stale."""
        size = len(kept.answer.body)
        if size > self.max_body or kept.answer.status >= 500 or kept.space.rules:
            return
        with self._lock:
            old = self._kept.pop(key, None)
            if old is not None:
                self._bytes -= len(old.answer.body)
            if len(self._kept) >= self.max_answers or self._bytes + size > self.max_bytes:
                self._kept.clear()
                self._bytes = 0
            self._kept[key] = kept
            self._bytes += size

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._kept)
