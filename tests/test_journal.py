"""The request journal (a bounded ring), its queries, and the coverage counts."""

from __future__ import annotations

import json
import logging
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from helpers import AUTH
from helpers import Api
from helpers import operation
from helpers import png

from mockso.app import get_mock
from mockso.core.journal import Coverage
from mockso.core.journal import Journal
from mockso.core.journal import Query
from mockso.core.journal import Record
from mockso.core.snapshots import control_contract
from mockso.web.faults import FaultInjected

START = datetime(2026, 1, 5, 8, 30, tzinfo=UTC)


def record(n: int = 0, **fields: Any) -> Record:
    values: dict[str, Any] = {
        "time": START + timedelta(seconds=n),
        "namespace": "default",
        "method": "GET",
        "path": f"/api/v1/Person/{n}/ImageInfo",
        "query": "",
        "operation_id": "v1PersonEntity_GetImageInfo",
        "status": 200,
        "duration_ms": 1.5,
    }
    return Record(**{**values, **fields})


# --- Record -----------------------------------------------------------------------------------


def test_a_record_as_json_has_exactly_the_keys_the_control_contract_lists() -> None:
    schema = control_contract().document["components"]["schemas"]["Record"]

    data = record(fault="reset").to_dict()

    assert list(data) == schema["required"]
    assert set(data) == set(schema["properties"])
    assert data["time"] == "2026-01-05T08:30:00+00:00"
    assert data["operationId"] == "v1PersonEntity_GetImageInfo"
    assert data["fault"] == "reset"


# --- Query ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "matches"),
    [
        (Query(), True),
        (Query(operation_id="v1PersonEntity_GetImageInfo"), True),
        (Query(operation_id="v1PersonEntity_GetImage"), False),
        (Query(method="get"), True),
        (Query(method="PUT"), False),
        (Query(path="/API/V1/person/3/imageinfo"), True),
        (Query(path="/api/v1/Person/3"), False),
        (Query(status=200), True),
        (Query(status=404), False),
        (Query(namespace="default"), True),
        (Query(namespace="job-1"), False),
        (Query(since=START + timedelta(seconds=3)), True),
        (Query(since=START + timedelta(seconds=4)), False),
        (Query(until=START + timedelta(seconds=3)), True),
        (Query(until=START + timedelta(seconds=2)), False),
        (Query(method="GET", status=404), False),
    ],
)
def test_a_query_matches_on_every_field_it_sets(query: Query, matches: bool) -> None:
    assert query.matches(record(3)) is matches


def test_a_query_for_unmatched_requests_does_not_match_by_none() -> None:
    unmatched = record(operation_id=None)

    assert Query().matches(unmatched)
    assert not Query(operation_id="v1PersonEntity_GetImageInfo").matches(unmatched)


# --- Journal ----------------------------------------------------------------------------------


def test_the_journal_finds_newest_first() -> None:
    journal = Journal(10)
    for n in range(3):
        journal.add(record(n))

    assert [r.time.second for r in journal.find()] == [2, 1, 0]


@pytest.mark.parametrize("size", [1, 2, 5])
def test_the_journal_keeps_only_the_last_size_records(size: int) -> None:
    journal = Journal(size)
    for n in range(size + 3):
        journal.add(record(n))

    assert len(journal) == size
    assert journal.find()[-1].time == START + timedelta(seconds=3)


@pytest.mark.parametrize("limit", [1, 2, 10])
def test_the_journal_limit_keeps_the_newest_matches(limit: int) -> None:
    journal = Journal(10)
    for n in range(6):
        journal.add(record(n, status=200 if n % 2 else 404))

    found = journal.find(Query(status=200, limit=limit))

    assert [r.time.second for r in found] == [5, 3, 1][:limit]


def test_clearing_the_journal_empties_it() -> None:
    journal = Journal(10)
    journal.add(record())
    journal.clear()

    assert (len(journal), journal.find()) == (0, [])


# --- Coverage ---------------------------------------------------------------------------------


def test_coverage_counts_answers_by_operation_and_status() -> None:
    coverage = Coverage()
    for status in (200, 200, 404):
        coverage.count("op", status)
    coverage.count_unmatched(404)

    assert coverage.counts() == {("op", 200): 2, ("op", 404): 1}
    assert coverage.unmatched() == {404: 1}


def test_coverage_merges_other_namespaces_without_changing_them() -> None:
    first, second, third = Coverage(), Coverage(), Coverage()
    first.count("op", 200)
    second.count("op", 200)
    third.count("other", 500)

    assert first.merge([second, third]) == {("op", 200): 2, ("other", 500): 1}
    assert first.counts() == {("op", 200): 1}


def test_clearing_coverage_forgets_unmatched_requests_too() -> None:
    coverage = Coverage()
    coverage.count("op", 200)
    coverage.count_unmatched(404)
    coverage.clear()

    assert (coverage.counts(), coverage.unmatched()) == ({}, {})


# --- the app's request hook -------------------------------------------------------------------


def test_every_request_to_the_mocked_api_is_journaled_with_what_it_sent(
    app: Flask, api: Api
) -> None:
    api.save("Person", 4, png())

    [saved] = get_mock(app).spaces.default.journal.find()

    assert saved.operation_id == operation("Person", "SaveImage").operation_id
    assert (saved.method, saved.path, saved.status) == ("PUT", "/api/v1/Person/4/Image", 200)
    assert (saved.request_type, saved.request_bytes) == ("image/png", len(png()))
    assert saved.response_type == "application/json"
    assert saved.error is None
    assert saved.fault is None


@pytest.mark.parametrize("fault", ["reset", "empty", "malformed"])
def test_an_injected_fault_is_journaled(app: Flask, api: Api, fault: str) -> None:
    with pytest.raises(FaultInjected):  # the test client has no socket to spoil
        api.info("Person", 1, headers={"Prefer": f"fault={fault}"})

    [faulted] = get_mock(app).spaces.default.journal.find()
    assert faulted.fault == fault
    assert faulted.status == 200


def test_the_access_log_line_names_the_fault(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="mockso.access")
    with pytest.raises(FaultInjected):
        api.info("Person", 1, headers={"Prefer": "fault=empty"})
    api.info("Person", 2)

    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "mockso.access"]
    assert [line["fault"] for line in lines] == ["empty", None]
    assert lines[1]["operationId"] == operation("Person", "GetImageInfo").operation_id
    assert set(lines[1]) == {
        "namespace",
        "method",
        "path",
        "operationId",
        "status",
        "ms",
        "fault",
        "deviations",
    }


def test_no_access_log_line_is_built_when_the_logger_is_off(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mockso.web import gateway as app_module

    built: list[object] = []
    monkeypatch.setattr(app_module, "access_line", built.append)
    logging.getLogger("mockso.access").setLevel(logging.WARNING)
    try:
        api.info("Person", 1)
    finally:
        logging.getLogger("mockso.access").setLevel(logging.NOTSET)

    assert built == []


def test_a_namespace_header_journals_into_that_namespace(app: Flask, api: Api) -> None:
    api.info("Person", 1, headers={"X-Mockso-Namespace": "job-1"})

    mock = get_mock(app)
    assert len(mock.spaces.default.journal) == 0
    assert len(mock.spaces.get("job-1").journal) == 1


def test_an_unmatched_path_is_journaled_and_counted_apart(app: Flask, api: Api) -> None:
    api.client.get("/api/v1/Nowhere", headers=AUTH)

    space = get_mock(app).spaces.default
    [unmatched] = space.journal.find()
    assert unmatched.operation_id is None
    assert space.coverage.counts() == {}
    assert space.coverage.unmatched() == {404: 1}
