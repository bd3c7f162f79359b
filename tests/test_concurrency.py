"""Nothing lost under concurrency: 16 threads x 500 mixed requests against one live server.

Each thread saves, reads, updates and deletes the pictures of six persons at random and records
what it sent, what it got and when (its own monotonic clock, before sending and after the
answer). Afterwards the server's answers must tell one consistent story:

* no 5xx; blob ids unique and without gaps;
* the order of the writes, from the server itself: blob ids order the saves, and the frozen clock
  (1 ms per reading, read once per write, under the store's lock) dates every write, so the
  dates PUT ImageInfo answers with, plus the blob ids, place every write exactly;
* deletes leave no date, so each is placed only as far as real time allows (after what answered
  before it was sent, before what was sent after it answered);
* every entity's final state (ImageInfo and picture) is what a sequential model of the accepted
  operations predicts for one of those placements: the last writer wins, and ImageInfo agrees
  with the bytes (BlobSize, MimeType);
* no read ever saw a torn state: a picture is always the bytes of one save, an ImageInfo always
  describes the bytes of its own BlobId.
"""

from __future__ import annotations

import io
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Any

import pytest
import requests
from helpers import AUTH
from PIL import Image

from mockso.app import create_app
from mockso.core.clock import DEFAULT_FROZEN_START
from mockso.core.config import Settings
from mockso.web.server import Server

pytestmark = [pytest.mark.live, pytest.mark.fuzz]

THREADS = 16
OPERATIONS = 500
PEOPLE = range(1, 7)
KINDS = ["save", "save", "put", "put", "image", "info", "info", "delete"]
FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif"}
EMPTY_DATE = datetime(1, 1, 1, tzinfo=UTC)


@dataclass
class Call:
    """One request a thread made, with what came back."""

    thread: int
    kind: str
    person: int
    sent: Any  # picture bytes (save) or description (put)
    started: float = 0.0
    ended: float = 0.0
    status: int = 0
    answer: Any = None  # blob id, ImageInfo, or picture bytes
    order: int = -1  # place among all writes, from the server's answers


def picture(thread: int, index: int) -> tuple[bytes, str]:
    """A small picture of its own for each save (distinct colours give distinct bytes)."""
    fmt = list(FORMATS)[(thread + index) % len(FORMATS)]
    colour = (thread * 16 + index % 16, index % 256, (index // 256) * 64 + thread)
    buffer = io.BytesIO()
    Image.new("RGB", (3 + index % 5, 2), colour).save(buffer, fmt)
    return buffer.getvalue(), FORMATS[fmt]


def plan(thread: int) -> list[Call]:
    rng = random.Random(thread)
    calls = []
    for index in range(OPERATIONS):
        kind, person = rng.choice(KINDS), rng.choice(PEOPLE)
        sent: Any = None
        if kind == "save":
            sent = picture(thread, index)
        elif kind == "put":
            sent = f"t{thread}-{index}"
        calls.append(Call(thread, kind, person, sent))
    return calls


def perform(session: requests.Session, base: str, call: Call) -> None:
    path = f"{base}/api/v1/Person/{call.person}"
    call.started = time.monotonic()
    if call.kind == "save":
        data, mime = call.sent
        response = session.put(f"{path}/Image", data=data, headers={"Content-Type": mime})
    elif call.kind == "put":
        response = session.put(f"{path}/ImageInfo", json={"Description": call.sent})
    elif call.kind == "image":
        response = session.get(f"{path}/Image")
    elif call.kind == "info":
        response = session.get(f"{path}/ImageInfo")
    else:
        response = session.delete(f"{path}/Image")
    call.ended = time.monotonic()
    call.status = response.status_code
    if call.kind == "image":
        call.answer = response.content
    elif response.content:
        call.answer = response.json()


class TimedSession(requests.Session):
    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 10)
        return super().request(*args, **kwargs)


def run_all(base: str) -> list[list[Call]]:
    plans = [plan(thread) for thread in range(THREADS)]
    start = threading.Barrier(THREADS)
    failures: list[BaseException] = []

    def worker(calls: list[Call]) -> None:
        with TimedSession() as session:
            session.headers.update(AUTH)
            start.wait()
            try:
                for call in calls:
                    perform(session, base, call)
            except BaseException as error:  # reported below, in the test's thread
                failures.append(error)

    threads = [threading.Thread(target=worker, args=(calls,)) for calls in plans]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a client thread hung"
    assert not failures, failures[0]
    return plans


def stamp(text: str) -> int:
    """A frozen-clock date as the number of clock readings before it."""
    moment = datetime.fromisoformat(text)
    return (moment - DEFAULT_FROZEN_START) // timedelta(milliseconds=1)


@dataclass
class State:
    """What the sequential model holds for one person."""

    exists: bool = False
    blob_id: int = 0
    picture: bytes | None = None
    mime: str = ""
    description: str = ""
    created: int | None = None
    updated: int | None = None


def fold(writes: list[Call]) -> State:
    """Apply writes, in server order, to an entity without a picture or info."""
    state = State()
    for write in writes:
        state.exists = True
        if write.kind == "save":
            if not state.blob_id:
                state.created = write.order
            state.blob_id, (state.picture, state.mime) = write.answer, write.sent
        else:
            state.description = write.sent
        state.updated = write.order
    return state


def observed(base: str, person: int) -> State:
    info = requests.get(f"{base}/api/v1/Person/{person}/ImageInfo", headers=AUTH, timeout=10)
    image = requests.get(f"{base}/api/v1/Person/{person}/Image", headers=AUTH, timeout=10)
    body = info.json()
    updated = datetime.fromisoformat(body["UpdatedDate"])
    created = datetime.fromisoformat(body["CreatedDate"])
    return State(
        exists=updated != EMPTY_DATE,
        blob_id=body["BlobId"],
        picture=image.content if image.status_code == 200 else None,
        mime=body["MimeType"],
        description=body["Description"],
        created=stamp(body["CreatedDate"]) if created != EMPTY_DATE else None,
        updated=stamp(body["UpdatedDate"]) if updated != EMPTY_DATE else None,
    )


def candidates(writes: list[Call], deletes: list[Call]) -> list[State]:
    """Final states the model allows: one per place the last delete can have had."""
    if not deletes:
        return [fold(writes)]
    cuts: set[int] = set()
    lowest = 0
    ranges = []
    for delete in deletes:
        before = [i + 1 for i, w in enumerate(writes) if w.ended < delete.started]
        after = [i for i, w in enumerate(writes) if w.started > delete.ended]
        low, high = max(before, default=0), min(after, default=len(writes))
        ranges.append((low, high))
        lowest = max(lowest, low)
    for low, high in ranges:
        cuts.update(range(max(low, lowest), high + 1))
    return [fold(writes[cut:]) for cut in sorted(cuts)]


@pytest.fixture
def server() -> Any:
    app = create_app(Settings.load({"seed": 1, "strict": True, "threads": THREADS}, environ={}))
    with Server(app, port=0, threads=THREADS) as running:
        yield running


def test_sixteen_threads_of_mixed_requests_lose_nothing(server: Server) -> None:
    plans = run_all(server.url)
    calls = [call for calls in plans for call in calls]

    statuses = Counter(call.status for call in calls)
    assert not [status for status in statuses if status >= 500], statuses
    assert set(statuses) <= {200, 204, 404}, statuses
    saves = sorted((c for c in calls if c.kind == "save"), key=lambda c: c.answer)
    assert [save.answer for save in saves] == list(range(1, len(saves) + 1))
    puts = [c for c in calls if c.kind == "put"]
    assert all(put.status == 200 for put in puts + saves)

    # The server's order of every write: PUT ImageInfo dates, then the saves fill the readings
    # between them in blob id order.
    for put in puts:
        put.order = stamp(put.answer["UpdatedDate"])
    taken = {put.order for put in puts}
    assert len(taken) == len(puts), "two updates were stamped with the same reading"
    free = (reading for reading in range(len(puts) + len(saves)) if reading not in taken)
    for save, reading in zip(saves, free, strict=False):
        save.order = reading
    assert all(save.order >= 0 for save in saves), "the clock was read more than once per write"

    by_blob_id = {save.answer: save.sent for save in saves}
    for call in calls:
        if call.kind == "info" and call.answer["BlobId"]:
            data, mime = by_blob_id[call.answer["BlobId"]]
            assert (call.answer["BlobSize"], call.answer["MimeType"]) == (len(data), mime)
        if call.kind == "image" and call.status == 200:
            assert call.answer in {data for data, _ in by_blob_id.values()}

    for person in PEOPLE:
        writes = sorted((c for c in puts + saves if c.person == person), key=lambda c: c.order)
        deletes = [c for c in calls if c.kind == "delete" and c.person == person]
        final = observed(server.url, person)
        allowed = candidates(writes, deletes)
        assert final in allowed, (person, final, allowed[-3:])
        if final.blob_id:
            assert final.picture == by_blob_id[final.blob_id][0]
            assert final.mime == by_blob_id[final.blob_id][1]
