"""The cheroot server around a mockso app, over real sockets on 127.0.0.1."""

from __future__ import annotations

import io
import json
import socket
from collections.abc import Iterator

import pytest
import requests
from helpers import AUTH
from PIL import Image

from mockso import create_app
from mockso.web.server import Server

pytestmark = pytest.mark.live


@pytest.fixture
def server() -> Iterator[Server]:
    with Server(create_app({"seed": 1, "max_upload": 4096}), port=0, threads=4) as running:
        yield running


@pytest.fixture
def png_bytes() -> bytes:
    picture = io.BytesIO()
    Image.new("RGB", (30, 20), "teal").save(picture, "PNG")
    return picture.getvalue()


def raw_exchange(server: Server, head: bytes, body: bytes = b"") -> bytes:
    """Send bytes as they are and read the whole answer (the server closes the connection)."""
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        sock.sendall(head + body)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_port_zero_binds_a_free_port_and_the_url_names_it(server: Server) -> None:
    assert server.port > 0
    assert server.url == f"http://127.0.0.1:{server.port}"


def test_a_stored_picture_round_trips_over_http(server: Server, png_bytes: bytes) -> None:
    put = requests.put(
        f"{server.url}/api/v1/Person/7/Image",
        data=png_bytes,
        headers={**AUTH, "Content-Type": "image/png"},
        timeout=10,
    )
    got = requests.get(f"{server.url}/api/v1/Person/7/Image", headers=AUTH, timeout=10)

    assert put.status_code == 200
    assert put.json() == 1
    assert got.content == png_bytes
    assert got.headers["Content-Type"] == "image/png"


def test_an_oversized_upload_is_refused_from_its_length_before_the_body_is_sent(
    server: Server,
) -> None:
    # Only the headers are sent: the answer must come without the server waiting for 100 MB.
    head = (
        b"PUT /api/v1/Person/1/Image HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\n"
        b"Authorization: Basic dGplMDpUamUw\r\nContent-Length: 100000000\r\n\r\n"
    )
    answer = raw_exchange(server, head)

    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line.startswith(b"HTTP/1.1 413 ")
    assert b'"ErrorType":"RequestEntityTooLargeException"' in rest
    assert b"at most 4096 bytes" in rest


def test_a_chunked_upload_over_the_limit_is_refused(server: Server) -> None:
    chunk = b"x" * 3000
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(3)) + b"0\r\n\r\n"
    head = (
        b"PUT /api/v1/Person/1/Image HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\n"
        b"Authorization: Basic dGplMDpUamUw\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    answer = raw_exchange(server, head, body)

    assert answer.startswith(b"HTTP/1.1 413 ")
    info = requests.get(f"{server.url}/api/v1/Person/1/ImageInfo", headers=AUTH, timeout=10)
    assert info.json()["BlobId"] == 0


def test_a_chunked_upload_within_the_limit_is_stored(server: Server, png_bytes: bytes) -> None:
    body = b"%x\r\n%s\r\n0\r\n\r\n" % (len(png_bytes), png_bytes)
    head = (
        b"PUT /api/v1/Person/2/Image HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\n"
        b"Authorization: Basic dGplMDpUamUw\r\nTransfer-Encoding: chunked\r\n"
        b"Connection: close\r\n\r\n"
    )
    answer = raw_exchange(server, head, body)

    assert answer.startswith(b"HTTP/1.1 200 ")
    got = requests.get(f"{server.url}/api/v1/Person/2/Image", headers=AUTH, timeout=10)
    assert got.content == png_bytes


def test_stop_closes_the_listening_socket() -> None:
    running = Server(create_app({"seed": 1}), port=0).start()
    port = running.port
    running.stop()

    with (
        pytest.raises(ConnectionRefusedError),
        socket.create_connection(("127.0.0.1", port), timeout=2),
    ):
        pass


@pytest.mark.parametrize(
    ("head", "reason"),
    [
        (b"GET\r\n\r\n", "Malformed Request-Line"),
        (
            b"GET /api/v1/Person/1/ImageInfo HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n",
            "Illegal header",
        ),
        (b"GET /api/v1/Person/1/ImageInfo HTTP/1.1\nHost: x\n\n", "CRLF"),
    ],
)
def test_what_cheroot_refuses_itself_is_answered_with_the_error_object(
    server: Server, head: bytes, reason: str
) -> None:
    answer = raw_exchange(server, head)

    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line == b"HTTP/1.1 400 Bad Request"
    assert b"Content-Type: application/json; charset=utf-8" in rest
    body = json.loads(rest.partition(b"\r\n\r\n")[2])
    assert body["ErrorType"] == "ArgumentException"
    assert reason in body["ErrorMessage"]


@pytest.mark.parametrize("value", [b"a\rb", b"a\x00b", b"a\x1bb"])
def test_a_header_value_with_a_control_character_is_a_400_error_object(
    server: Server, value: bytes
) -> None:
    head = (
        b"GET /api/v1/Person/1/ImageInfo HTTP/1.1\r\nHost: x\r\n"
        b"Authorization: Basic dGplMDpUamUw\r\nX-Test: " + value + b"\r\nConnection: close\r\n\r\n"
    )

    status_line, _, rest = raw_exchange(server, head).partition(b"\r\n")

    assert status_line == b"HTTP/1.1 400 Bad Request"
    body = json.loads(rest.partition(b"\r\n\r\n")[2])
    assert body["ErrorMessage"].startswith("Header X-Test has a control character")


def test_a_tab_in_a_header_value_is_allowed(server: Server) -> None:
    response = requests.get(
        f"{server.url}/api/v1/Person/1/ImageInfo", headers={**AUTH, "X-Test": "a\tb"}, timeout=10
    )

    assert response.status_code == 200


def test_the_allocator_is_tuned_where_the_c_library_is_glibc() -> None:
    import platform

    from mockso.web.server import keep_large_buffers_off_the_heap

    assert keep_large_buffers_off_the_heap() is (platform.libc_ver()[0] == "glibc")
