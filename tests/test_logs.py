"""mockso.web.logs: the access log's lines are written in batches, in order, and none is lost."""

from __future__ import annotations

import io
import json
import time
from datetime import UTC
from datetime import datetime

from mockso.core.journal import Record
from mockso.web.logs import AccessLines
from mockso.web.logs import access_line


def _record(index: int, **fields: object) -> Record:
    values: dict[str, object] = {
        "time": datetime(2026, 1, 5, tzinfo=UTC),
        "namespace": "default",
        "method": "GET",
        "path": f"/api/v1/Person/{index}/ImageInfo",
        "query": "",
        "operation_id": "v1PersonEntity_GetImageInfo",
        "status": 200,
        "duration_ms": 0.5,
    }
    return Record(**{**values, **fields})  # type: ignore[arg-type]


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_line_has_the_fields_the_readme_names() -> None:
    line = json.loads(access_line(_record(1, status=404, fault="reset")))
    assert line == {
        "namespace": "default",
        "method": "GET",
        "path": "/api/v1/Person/1/ImageInfo",
        "operationId": "v1PersonEntity_GetImageInfo",
        "status": 404,
        "ms": 0.5,
        "fault": "reset",
        "deviations": [],
    }


def test_a_line_lists_what_the_request_leaned_on() -> None:
    record = _record(1)
    record.deviations = ("Path '/a' is spelled /A in the contract; the real server ignores it",)

    assert json.loads(access_line(record))["deviations"] == list(record.deviations)


def test_lines_wait_for_the_writer_and_come_out_in_order() -> None:
    stream = io.StringIO()
    lines = AccessLines(stream, interval=3600)  # the thread never wakes by itself here
    try:
        for index in range(5):
            lines(_record(index))
        assert stream.getvalue() == ""  # nothing written on the request's thread
        lines.flush()
        assert [line["path"] for line in _lines(stream)] == [
            f"/api/v1/Person/{index}/ImageInfo" for index in range(5)
        ]
    finally:
        lines.close()


def test_close_writes_what_is_left_and_can_be_called_again() -> None:
    stream = io.StringIO()
    lines = AccessLines(stream, interval=3600)
    lines(_record(1))
    lines.close()
    lines.close()
    assert len(_lines(stream)) == 1


def test_the_writer_thread_writes_without_being_asked() -> None:
    stream = io.StringIO()
    lines = AccessLines(stream, interval=0.01)
    try:
        lines(_record(1))
        deadline = time.monotonic() + 10
        while not stream.getvalue() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(_lines(stream)) == 1
    finally:
        lines.close()


def test_a_full_batch_wakes_the_writer_early() -> None:
    stream = io.StringIO()
    lines = AccessLines(stream, interval=3600, max_lines=3)
    try:
        for index in range(3):
            lines(_record(index))
        deadline = time.monotonic() + 10
        while len(stream.getvalue().splitlines()) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(_lines(stream)) == 3
    finally:
        lines.close()


def test_a_closed_stream_stops_the_writer_quietly() -> None:
    stream = io.StringIO()
    lines = AccessLines(stream, interval=0.01)
    stream.close()
    lines(_record(1))
    lines.close()  # no exception: at exit the pipe may be gone
