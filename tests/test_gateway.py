"""The gateway is the one road of the mocked API: it routes, answers, records and checks every
request outside ``/__mockso/``, its 404 and 405 included, and leaves the control API to Flask."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from helpers import AUTH
from helpers import gateway_of
from helpers import multipart
from helpers import png
from werkzeug.test import EnvironBuilder
from werkzeug.test import run_wsgi_app

from mockso.app import create_app
from mockso.app import get_mock
from mockso.core import errors
from mockso.core.contract import Contract
from mockso.core.framework import Deviations
from mockso.core.journal import Query
from mockso.web.endpoint import Endpoint

XML = {"Accept": "application/xml"}
_FORM = multipart(png(), "file")

# (method, path, headers, body): every kind of answer, errors included, in one stateful sequence.
SEQUENCE: list[tuple[str, str, dict[str, str], bytes | None]] = [
    ("GET", "/api/v1/Person/1/ImageInfo", {}, None),
    ("PUT", "/api/v1/Person/1/Image", {"Content-Type": "image/png"}, png()),
    ("GET", "/api/v1/person/1/imageinfo", {}, None),
    ("GET", "/api/v1/Person/1/ImageInfo", {**XML, "SO-TimeZone": "NO"}, None),
    ("HEAD", "/api/v1/Person/1/Image", {}, None),
    ("GET", "/api/v1/Person/1/Image", {"Accept": "image/jpeg"}, None),
    ("GET", "/api/v1/Person/1/Image?w=8&h=8", {}, None),
    ("POST", "/api/v1/Contact/2/Image", {"Content-Type": "image/png"}, b"not a picture"),
    ("POST", "/api/v1/Project/3/Image", {"Content-Type": _FORM[1]}, _FORM[0]),
    ("PUT", "/api/v1/Person/1/ImageInfo", {"Content-Type": "application/json"}, b'{"Name":"x"}'),
    ("PUT", "/api/v1/Person/1/ImageInfo", {"Content-Type": "application/json"}, b"{"),
    ("GET", "/api/v1/Person/abc/ImageInfo", {}, None),
    ("GET", "/api/v1/Person/1/Image?w=0", {}, None),
    ("GET", "/api/v1/Contact/1/ImageInfo", {}, None),  # an exact twin spelling without GET
    ("PATCH", "/api/v1/Person/1/Image", {}, None),  # a method the path lacks: Flask's 405
    ("GET", "/api/v1/Nobody/1/Image", {}, None),  # no operation: Flask's 404
    ("GET", "/api/v1/Person/1/Image/", {}, None),
    ("GET", "/api/v1/Person/1/ImageInfo", {"Prefer": "code=404"}, None),
    ("GET", "/api/v1/Person/1/ImageInfo", {"X-Mockso-Namespace": "ci-7"}, None),
    ("GET", "/api/v1/Person/1/ImageInfo", {"X-Mockso-Namespace": "bad name"}, None),
    ("DELETE", "/api/v1/Person/1/Image", {}, None),
    ("GET", "/api/v1/Person/1/ImageInfo", {"Authorization": ""}, None),
]


def _send(wsgi: Any, method: str, path: str, headers: dict[str, str], body: bytes | None) -> Any:
    path, _, query = path.partition("?")
    builder = EnvironBuilder(
        path=path, query_string=query, method=method, headers={**AUTH, **headers}, data=body
    )
    if "Authorization" in headers and not headers["Authorization"]:
        builder.headers.remove("Authorization")
    iterable, status, response_headers = run_wsgi_app(wsgi, builder.get_environ())
    data = b"".join(iterable)
    if hasattr(iterable, "close"):
        iterable.close()
    return status, sorted(response_headers.items()), data


def _journal(app: Flask) -> list[tuple[Any, ...]]:
    mock = get_mock(app)
    records = [r for space in mock.spaces.all() for r in space.journal.find()]
    return sorted(
        (r.namespace, r.method, r.path, r.query, r.operation_id, r.status, r.error) for r in records
    )


def test_every_answer_of_the_sequence_is_journaled_once_with_its_operation() -> None:
    app = create_app({"seed": 3})
    answers = [_send(app, method, path, headers, body) for method, path, headers, body in SEQUENCE]

    records = [
        r for space in get_mock(app).spaces.all() for r in space.journal.find(Query(limit=1000))
    ]
    sent = []
    for (method, path, _, _), (status, _, _) in zip(SEQUENCE, answers, strict=True):
        path, _, query = path.partition("?")
        sent.append((method, path, query, int(status.split()[0])))
    assert sorted(sent) == sorted((r.method, r.path, r.query, r.status) for r in records)


@pytest.mark.parametrize(
    ("method", "path", "status", "allow"),
    [
        ("PATCH", "/api/v1/Person/1/Image", 405, {"GET", "HEAD", "POST", "PUT", "DELETE"}),
        ("OPTIONS", "/api/v1/person/1/imageinfo", 405, {"GET", "HEAD", "PUT"}),
        ("GET", "/api/v1/Contact/1/ImageInfo", 405, {"PUT"}),  # the exact twin spelling
        ("GET", "/api/v1/Nobody/1/Image", 404, None),
        ("GET", "/api/v1/Person/1/Image/", 404, None),
        ("GET", "/", 404, None),
    ],
)
@pytest.mark.requests("strict")
def test_the_gateway_answers_unknown_paths_and_methods_itself(
    method: str, path: str, status: int, allow: set[str] | None
) -> None:
    app = create_app({"seed": 1})

    answer_status, headers, body = _send(app, method, path, {}, None)

    assert answer_status.startswith(str(status))
    assert b'"Error":true' in body
    listed = dict(headers).get("Allow")
    assert (set(listed.split(", ")) if listed else None) == allow
    [record] = get_mock(app).spaces.default.journal.find()
    assert (record.operation_id, record.status) == (None, status)


@pytest.mark.parametrize(
    ("method", "path", "served"),
    [
        ("GET", "/api/v1/Person/7/Image", "v1PersonEntity_GetImage"),
        ("HEAD", "/API/V1/PERSON/7/IMAGE", "v1PersonEntity_GetImage"),
        ("PUT", "/api/v1/project/7/imageinfo", "v1ProjectEntity_PutImageInfo"),
        ("GET", "/api/v1/project/7/imageinfo", "v1ProjectEntity_GetImageInfo"),
        ("OPTIONS", "/api/v1/Person/7/Image", None),
        ("GET", "/api/v1/Person/7/Image/", None),
        ("GET", "/api/v1/Person//Image", None),
        ("GET", "/api/v1/Person/7/8/Image", None),
        ("GET", "/__mockso/health", None),
    ],
)
@pytest.mark.requests("strict")
def test_the_router_finds_the_operation_of_a_request(
    method: str, path: str, served: str | None
) -> None:
    router = gateway_of(create_app({"seed": 1})).router
    if served is None:
        with pytest.raises(errors.MocksoError):
            router.resolve(method, path)
        return
    endpoint, values = router.resolve(method, path)
    assert endpoint.operation.operation_id.lower() == served.lower()
    assert list(values.values()) == ["7"]


@pytest.mark.parametrize(
    ("method", "path", "served", "kinds"),
    [
        ("GET", "/api/v1/Person/7/Image", "v1PersonEntity_GetImage", []),
        ("GET", "/api/v1/Person/7/Image/", "v1PersonEntity_GetImage", ["trailing-slash"]),
        (
            "GET",
            "/api/v1/person/7/image/",
            "v1PersonEntity_GetImage",
            ["path-case", "trailing-slash"],
        ),
        ("GET", "/api/v1/Contact/7/ImageInfo", "v1ContactEntity_GetImageInfo", ["path-case"]),
        ("PUT", "/api/v1/Contact/7/Imageinfo", "v1ContactEntity_PutImageInfo", ["path-case"]),
        ("GET", "/api/v1/Project/7/ImageInfo", "v1ProjectEntity_GetImageInfo", ["path-case"]),
        (
            "HEAD",
            "/api/v1/Project/7/ImageInfo/",
            "v1ProjectEntity_GetImageInfo",
            ["path-case", "trailing-slash"],
        ),
        ("GET", "/api/v1/Person//Image", None, []),
        ("GET", "/api/v1/Person/7/Image//", None, []),
    ],
)
def test_the_lenient_router_ignores_case_twins_and_a_trailing_slash_and_says_so(
    method: str, path: str, served: str | None, kinds: list[str]
) -> None:
    router = gateway_of(create_app({"seed": 1, "requests": "lenient"})).router
    deviations = Deviations()
    if served is None:
        with pytest.raises(errors.NotFound):
            router.resolve(method, path, deviations)
        return
    endpoint, values = router.resolve(method, path, deviations)
    assert endpoint.operation.operation_id == served
    assert list(values.values()) == ["7"]
    assert [item.kind for item in deviations] == kinds


def test_leniently_a_405_on_a_twin_spelling_lists_both_and_notes_the_letter_case() -> None:
    router = gateway_of(create_app({"seed": 1, "requests": "lenient"})).router
    deviations = Deviations()

    with pytest.raises(errors.MethodNotAllowed) as caught:
        router.resolve("OPTIONS", "/api/v1/Contact/7/Imageinfo", deviations)

    assert caught.value.headers["Allow"] == "GET, HEAD, PUT"
    [line] = deviations.texts()
    assert line.startswith(
        "Path '/api/v1/Contact/7/Imageinfo' has PUT only as /api/v1/Contact/{contactId}/ImageInfo"
    )


def test_a_crash_in_a_handler_is_a_500_error_object_and_is_journaled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = create_app({"seed": 1})

    def broken(self: Endpoint, req: Any, values: dict[str, str]) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(Endpoint, "respond", broken)
    status, _, body = _send(app, "GET", "/api/v1/Person/1/ImageInfo", {}, None)

    assert status.startswith("500")
    assert b'"ErrorMessage":"mockso failed: RuntimeError: boom"' in body
    assert _journal(app)[-1][5] == 500


def test_the_control_api_is_left_to_flask() -> None:
    app = create_app({"seed": 1})
    status, _, _ = _send(app, "GET", "/__mockso/health", {}, None)
    assert status.startswith("200")
    assert _journal(app) == []


def test_the_gateway_is_built_from_the_contract_it_serves() -> None:
    contract = Contract.from_path()
    app = create_app({"seed": 1}, contract=contract)
    rows = gateway_of(app).router._rows
    assert sorted(e.operation.operation_id for *_, e in rows) == sorted(
        op.operation_id for op in contract
    )
