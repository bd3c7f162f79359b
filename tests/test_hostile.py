"""Hostile input against a live server: each gets a clear 4xx with the error object, the server
stays up, and the state is exactly what it was.

Every case runs against a fresh ``mockso.web.server.Server`` (strict mode) holding a known state:
a picture and a description on Person 1. Afterwards a normal request must work, every entity a
case could touch must read back byte for byte as before, and the next save must get blob id 2
(a refused save must not use up an id). Bytes that ``requests`` will not send go over a raw
socket. ``python tests/test_hostile.py`` prints the table of cases and answers.
"""

from __future__ import annotations

import json
import socket
import struct
import sys
import zlib
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from helpers import AUTH
from helpers import BASIC_TJE0
from helpers import jpeg
from helpers import multipart
from helpers import png

from mockso.app import create_app
from mockso.core.config import Settings
from mockso.web.server import Server

pytestmark = [pytest.mark.live, pytest.mark.fuzz]

RAW_AUTH = f"Authorization: {BASIC_TJE0}\r\n".encode()
ERROR_KEYS = {"Error", "ErrorType", "ErrorMessage", "ErrorSource"}
# Entities whose pictures and ImageInfo are compared before and after every case.
WATCHED = [("Person", 1), ("Person", 2), ("Person", 3), ("Contact", 1)]
TIMEOUT = 10


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: bytes

    @property
    def error_type(self) -> str:
        try:
            found = json.loads(self.body)
        except ValueError:
            return f"(not JSON: {self.body[:40]!r})"
        if isinstance(found, dict) and set(found) == ERROR_KEYS and found["Error"] is True:
            return str(found["ErrorType"])
        return "(JSON, not the error object)"


def answered(response: requests.Response) -> list[Answer]:
    content_type = response.headers.get("Content-Type", "")
    return [Answer(response.status_code, content_type, response.content)]


def raw(server: Server, data: bytes) -> list[Answer]:
    """Send bytes as they are; read every answer until the server closes the connection."""
    with socket.create_connection((server.host, server.port), timeout=TIMEOUT) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return parse_answers(b"".join(chunks))


def parse_answers(stream: bytes) -> list[Answer]:
    answers = []
    while stream:
        head, _, rest = stream.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        # Names in any case: hyper writes them in lower case.
        headers = {name.lower(): value for name, value in (x.split(": ", 1) for x in lines[1:])}
        length = int(headers.get("content-length", len(rest)))
        answers.append(
            Answer(int(lines[0].split()[1]), headers.get("content-type", ""), rest[:length])
        )
        stream = rest[length:]
    return answers


def url(server: Server, path: str) -> str:
    return f"{server.url}{path}"


def bomb_png(width: int = 100_000, height: int = 100_000) -> bytes:
    """A small PNG declaring ``width`` x ``height`` pixels (10 G pixels by default)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    pixels = zlib.compress(b"\0" * 4096, 9)  # far fewer than declared: a bomb's shape
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<BlobEntity><Description>&lol9;</Description></BlobEntity>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE BlobEntity [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<BlobEntity><Description>&secret;</Description></BlobEntity>"""


def put_info(server: Server, body: bytes, content_type: str) -> list[Answer]:
    return answered(
        requests.put(
            url(server, "/api/v1/Person/1/ImageInfo"),
            data=body,
            headers={**AUTH, "Content-Type": content_type},
            timeout=TIMEOUT,
        )
    )


def save(server: Server, entity_id: int, body: bytes, content_type: str) -> list[Answer]:
    return answered(
        requests.put(
            url(server, f"/api/v1/Person/{entity_id}/Image"),
            data=body,
            headers={**AUTH, "Content-Type": content_type},
            timeout=TIMEOUT,
        )
    )


def get(server: Server, path: str) -> list[Answer]:
    return answered(requests.get(url(server, path), headers=AUTH, timeout=TIMEOUT))


def bomb_then_resize(server: Server) -> list[Answer]:
    return save(server, 2, bomb_png(), "image/png") + get(
        server, "/api/v1/Person/2/Image?w=4096&h=4096"
    )


def headers_of_a_huge_body(server: Server) -> list[Answer]:
    # Only the headers: the answer must come without the server waiting for 100 MB.
    return raw(
        server,
        b"PUT /api/v1/Person/1/Image HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\n"
        + RAW_AUTH
        + b"Content-Length: 100000000\r\n\r\n",
    )


def request_with(header_lines: bytes, *, line_end: bytes = b"\r\n") -> bytes:
    lines = [
        b"GET /api/v1/Person/1/ImageInfo HTTP/1.1",
        b"Host: x",
        RAW_AUTH.rstrip(b"\r\n"),
        header_lines,
        b"Connection: close",
    ]
    return line_end.join(lines) + line_end + line_end


def multipart_without_a_file(server: Server) -> list[Answer]:
    body = b'--b\r\nContent-Disposition: form-data; name="note"\r\n\r\nno picture here\r\n--b--\r\n'
    return save(server, 1, body, "multipart/form-data; boundary=b")


def multipart_with_a_broken_boundary(server: Server) -> list[Answer]:
    body, _ = multipart(png(), boundary="right")
    return save(server, 1, body, "multipart/form-data; boundary=wrong")


def jpeg_named_png_in_a_form(server: Server) -> list[Answer]:
    body, content_type = multipart(jpeg(), "image", "x.png", "image/png")
    return save(server, 3, body, content_type)


def jpeg_sent_as_png(server: Server) -> list[Answer]:
    return save(server, 3, jpeg(), "image/png")


@dataclass(frozen=True)
class Case:
    name: str
    send: Callable[[Server], list[Answer]]
    # Statuses of the answers, in order (one per request the case makes).
    statuses: tuple[int, ...]
    # Entities the case changes on purpose (their state is checked separately).
    stores: tuple[tuple[str, int], ...] = ()
    # Refused by the HTTP layer (hyper) before the app is called: its empty 400, no error object.
    plain: bool = False


CASES = [
    Case(
        "XML with internal entity expansion (billion laughs)",
        lambda s: put_info(s, BILLION_LAUGHS, "application/xml"),
        (400,),
    ),
    Case(
        "XML with an external entity (file:///etc/passwd)",
        lambda s: put_info(s, EXTERNAL_ENTITY, "application/xml"),
        (400,),
    ),
    Case("100 MB body announced, headers only", headers_of_a_huge_body, (413,)),
    Case("truncated PNG", lambda s: save(s, 1, png(60, 40)[:150], "image/png"), (400,)),
    Case("decompression bomb (100000x100000 PNG), then a resize", bomb_then_resize, (400, 404)),
    *(
        Case(
            f"{side}={value}",
            lambda s, side=side, value=value: get(s, f"/api/v1/Person/1/Image?{side}={value}"),
            (400,),
        )
        for side in ("w", "h")
        for value in ("0", "-1", "10000000")
    ),
    *(
        Case(
            f"id {shown}",
            lambda s, value=value: get(s, f"/api/v1/Person/{value}/ImageInfo"),
            (400,),
        )
        for shown, value in [
            ("0", "0"),
            ("-1", "-1"),
            ("2^31", "2147483648"),
            ("non-numeric", "abc"),
            ("Unicode digits (Arabic-Indic 12)", "\u0661\u0662"),
            ("fullwidth digits", "\uff11\uff12"),
        ]
    ),
    Case(
        "invalid UTF-8 in JSON",
        lambda s: put_info(s, b'{"Description": "\xff\xfe"}', "application/json"),
        (400,),
    ),
    Case(
        "JSON nested 10,000 deep",
        lambda s: put_info(s, b"[" * 10_000 + b"]" * 10_000, "application/json"),
        (400,),
    ),
    Case(
        "JSON object nested 10,000 deep",
        lambda s: put_info(s, b'{"a":' * 10_000 + b"1" + b"}" * 10_000, "application/json"),
        (400,),
    ),
    Case("multipart without a file part", multipart_without_a_file, (400,)),
    Case("multipart with a broken boundary", multipart_with_a_broken_boundary, (400,)),
    Case(
        "JPEG in a form part named x.png (stored as JPEG)",
        jpeg_named_png_in_a_form,
        (200,),
        (("Person", 3),),
    ),
    Case(
        "JPEG sent as Content-Type image/png (stored as JPEG)",
        jpeg_sent_as_png,
        (200,),
        (("Person", 3),),
    ),
    Case(
        "header value with CR LF and a request line (X-Test: a CRLF GET / ...)",
        lambda s: raw(s, request_with(b"X-Test: a\r\nGET / HTTP/1.1")),
        (400,),
        plain=True,
    ),
    Case(
        "header value with CR LF CR LF and a second request (smuggled GET /)",
        lambda s: raw(s, request_with(b"X-Test: a\r\n\r\nGET / HTTP/1.1\r\nHost: x")),
        (200, 404),
    ),
    Case(
        "header value with a bare CR",
        lambda s: raw(s, request_with(b"X-Test: a\rb")),
        (400,),
        plain=True,
    ),
    Case(
        "header value with a NUL",
        lambda s: raw(s, request_with(b"X-Test: a\x00b")),
        (400,),
        plain=True,
    ),
    # RFC 9112 lets a server read a bare LF as a line end; hyper does.
    Case("bare LF line ends", lambda s: raw(s, request_with(b"X-Test: a", line_end=b"\n")), (200,)),
    Case("malformed request line", lambda s: raw(s, b"GET\r\n\r\n"), (400,), plain=True),
]


def watched_state(server: Server) -> dict[tuple[str, int], Any]:
    state = {}
    for entity, entity_id in WATCHED:
        info = requests.get(
            url(server, f"/api/v1/{entity}/{entity_id}/ImageInfo"), headers=AUTH, timeout=TIMEOUT
        )
        picture = requests.get(
            url(server, f"/api/v1/{entity}/{entity_id}/Image"), headers=AUTH, timeout=TIMEOUT
        )
        state[(entity, entity_id)] = (
            info.status_code,
            info.content,
            picture.status_code,
            picture.content,
        )
    return state


@pytest.fixture
def server() -> Iterator[Server]:
    """A fresh strict server holding a picture and a description on Person 1 (blob id 1)."""
    app = create_app(Settings.load({"seed": 1, "strict": True}, environ={}))
    with Server(app, port=0, threads=4) as running:
        assert save(running, 1, png(), "image/png")[0].status == 200
        assert put_info(running, b'{"Description": "before"}', "application/json")[0].status == 200
        yield running


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_hostile_input_gets_a_clear_answer_and_changes_nothing(server: Server, case: Case) -> None:
    before = watched_state(server)

    answers = case.send(server)

    assert tuple(answer.status for answer in answers) == case.statuses
    for answer in answers:
        if answer.status >= 400 and case.plain:
            assert answer.body == b"", answer
        elif answer.status >= 400:
            assert answer.content_type.startswith("application/json"), answer
            assert answer.error_type.endswith("Exception"), answer
    # The server is still up and its state is what it was (apart from what the case stored).
    after = watched_state(server)
    for key in before:
        if key not in case.stores:
            assert after[key] == before[key], key
    for key in case.stores:
        info = json.loads(after[key][1])
        assert (info["MimeType"], after[key][3]) == ("image/jpeg", jpeg())
    next_id = 2 + len(case.stores)
    assert save(server, 9, png(), "image/png")[0].body == str(next_id).encode()


def table() -> str:
    """Every case with what the server answered: ``python tests/test_hostile.py``."""
    rows = ["| Case | Status | ErrorType |", "|---|---|---|"]
    for case in CASES:
        app = create_app(Settings.load({"seed": 1, "strict": True}, environ={}))
        with Server(app, port=0, threads=4) as running:
            save(running, 1, png(), "image/png")
            answers = case.send(running)
        statuses = " + ".join(str(answer.status) for answer in answers)
        kinds = " + ".join(answer.error_type if answer.status >= 400 else "-" for answer in answers)
        rows.append(f"| {case.name} | {statuses} | {kinds} |")
    return "\n".join(rows)


if __name__ == "__main__":  # pragma: no cover
    sys.stdout.write(table() + "\n")
