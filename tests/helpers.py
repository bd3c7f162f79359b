"""Builders for pictures and requests, and assertions on SuperOffice-shaped answers.

Pictures are made in memory with Pillow. Operations, paths and parameter names are read from
the bundled contract, so the tests follow it instead of repeating it.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import requests
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from werkzeug.test import TestResponse

from mockso.core.contract import Contract
from mockso.core.contract import Operation
from mockso.core.handlers import entity_id_parameter
from mockso.core.handlers import entity_of
from mockso.core.journal import Record
from mockso.core.mock import Mock
from mockso.testing import MockServer
from mockso.web.gateway import Gateway
from mockso.web.proxy import request_target
from mockso.web.server import Server

CONTRACT = Contract.from_path()
# The docs' sample credentials: Basic base64("tje0:Tje0").
BASIC_TJE0 = "Basic dGplMDpUamUw"
AUTH = {"Authorization": BASIC_TJE0}
CHALLENGE = 'Basic realm="SuperOffice Username or Ticket"'
ENTITIES = ("Contact", "Person", "Product", "Project")
# The part of an operationId after "v1<Entity>_": the six things each entity offers.
ACTIONS = (
    "GetImage",
    "SaveImage",
    "SaveImage_POST",
    "DeleteImageContent",
    "GetImageInfo",
    "PutImageInfo",
)
SAVES = ("SaveImage", "SaveImage_POST")
CONCEPTUAL_TYPES = {
    "Contact": "CONTACTPHOTO",
    "Person": "PERSONPHOTO",
    "Product": "PRODUCTPHOTO",
    "Project": "PROJECTPHOTO",
}
BLOB_ENTITY_KEYS = (
    "BlobId",
    "BlobSize",
    "Description",
    "ExtraInfo",
    "IsEncrypted",
    "IsZipped",
    "MimeType",
    "OriginalSize",
    "CreatedDate",
    "UpdatedDate",
    "CreatedBy",
    "UpdatedBy",
    "ConceptualType",
    "TableRight",
    "FieldProperties",
)
DATA_CONTRACT_NS = "http://schemas.datacontract.org/2004/07/SuperOffice.CRM.Services"
SERIALIZATION_NS = "http://schemas.microsoft.com/2003/10/Serialization/"
# Path parts that fill the Project PUT ImageInfo route's unused `{id}` segment.
IGNORED_ID = "ignored"


def _action(operation: Operation) -> str:
    return operation.operation_id.split("_", 1)[1]


OPERATIONS: dict[tuple[str, str], Operation] = {
    (entity_of(op) or "", _action(op)): op for op in CONTRACT
}


def operation(entity: str, action: str) -> Operation:
    """The contract's operation for ``Person`` + ``SaveImage_POST``."""
    return OPERATIONS[(entity, action)]


def url(op: Operation, entity_id: object, **query: object) -> str:
    """The operation's path for this entity id; Project's PUT ImageInfo takes it as a query."""
    name = entity_id_parameter(op)
    assert name is not None, op.operation_id
    parameter = op.parameter(name)
    assert parameter is not None
    path = op.path
    if parameter.location == "path":
        path = path.replace("{" + name + "}", str(entity_id))
    else:
        path = path.replace("{id}", IGNORED_ID)
        query = {name: entity_id, **query}
    return path + ("?" + urlencode(query) if query else "")


# --- pictures ------------------------------------------------------------------------------


def _drawing(width: int, height: int, mode: str) -> Image.Image:
    """A picture with structure (a gradient), so that encoders produce realistic bytes."""
    red = Image.linear_gradient("L").resize((width, height))
    green = Image.new("L", (width, height), 80)
    blue = red.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    image = Image.merge("RGB", (red, green, blue))
    return image.convert(mode)


def encode(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


def png(width: int = 40, height: int = 20, mode: str = "RGB") -> bytes:
    return encode(_drawing(width, height, mode), "PNG")


def jpeg(width: int = 40, height: int = 20, mode: str = "RGB") -> bytes:
    return encode(_drawing(width, height, mode), "JPEG")


def gif(width: int = 40, height: int = 20, mode: str = "P") -> bytes:
    return encode(_drawing(width, height, "RGB").convert(mode), "GIF")


def tiff(width: int = 40, height: int = 20, mode: str = "RGB") -> bytes:
    return encode(_drawing(width, height, mode), "TIFF")


PICTURES = {"image/png": png, "image/jpeg": jpeg, "image/gif": gif, "image/tiff": tiff}


def opened(data: bytes) -> Image.Image:
    """The picture in ``data``, decoded."""
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def multipart(
    body: bytes,
    part_name: str = "image",
    filename: str | None = "picture.png",
    content_type: str = "image/png",
    *,
    fields: Mapping[str, str] | None = None,
    boundary: str = "mockso-test-boundary",
) -> tuple[bytes, str]:
    """A multipart/form-data body: text ``fields`` first, then one part; (body, Content-Type)."""
    chunks: list[bytes] = []
    for name, value in (fields or {}).items():
        chunks.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value.encode()
            + b"\r\n"
        )
    disposition = f'form-data; name="{part_name}"'
    if filename is not None:
        disposition += f'; filename="{filename}"'
    chunks.append(
        f"--{boundary}\r\nContent-Disposition: {disposition}\r\n"
        f"Content-Type: {content_type}\r\n\r\n".encode()
        + body
        + b"\r\n"
    )
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"


# --- requests ------------------------------------------------------------------------------


class Api:
    """The six actions of the contract through a Flask test client, with fixed headers."""

    def __init__(self, client: FlaskClient, headers: Mapping[str, str] | None = None) -> None:
        self.client = client
        self.headers = dict(headers or {})

    def _send(
        self,
        op: Operation,
        entity_id: object,
        headers: Mapping[str, str] | None,
        query: Mapping[str, object] | None = None,
        **kwargs: Any,
    ) -> TestResponse:
        return self.client.open(
            url(op, entity_id, **(query or {})),
            method=op.method,
            headers={**self.headers, **(headers or {})},
            **kwargs,
        )

    def save(
        self,
        entity: str,
        entity_id: object,
        data: bytes,
        content_type: str | None = "image/png",
        *,
        action: str = "SaveImage",
        headers: Mapping[str, str] | None = None,
    ) -> TestResponse:
        extra = {"Content-Type": content_type} if content_type else {}
        return self._send(
            operation(entity, action), entity_id, {**extra, **(headers or {})}, data=data
        )

    def image(
        self,
        entity: str,
        entity_id: object,
        *,
        headers: Mapping[str, str] | None = None,
        **query: object,
    ) -> TestResponse:
        return self._send(operation(entity, "GetImage"), entity_id, headers, query)

    def delete(
        self, entity: str, entity_id: object, *, headers: Mapping[str, str] | None = None
    ) -> TestResponse:
        return self._send(operation(entity, "DeleteImageContent"), entity_id, headers)

    def info(
        self, entity: str, entity_id: object, *, headers: Mapping[str, str] | None = None
    ) -> TestResponse:
        return self._send(operation(entity, "GetImageInfo"), entity_id, headers)

    def journal(self) -> list[Record]:
        """The default namespace's journal, oldest first."""
        mock: Mock = self.client.application.extensions["mockso"]
        return list(reversed(mock.spaces.default.journal.find()))

    def deviations(self) -> list[str]:
        """Every deviation the journal holds, oldest first."""
        return [text for record in self.journal() for text in record.deviations]

    def put_info(
        self,
        entity: str,
        entity_id: object,
        body: Mapping[str, Any] | bytes,
        content_type: str = "application/json",
        *,
        headers: Mapping[str, str] | None = None,
    ) -> TestResponse:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        return self._send(
            operation(entity, "PutImageInfo"),
            entity_id,
            {"Content-Type": content_type, **(headers or {})},
            data=data,
        )

    def perform(
        self,
        entity: str,
        action: str,
        entity_id: object = 1,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> TestResponse:
        """A well-formed request for any of the six actions (a PNG for saves)."""
        if action in SAVES:
            return self.save(entity, entity_id, png(), action=action, headers=headers)
        if action == "GetImage":
            return self.image(entity, entity_id, headers=headers, ifBlank="ClearPixel")
        if action == "DeleteImageContent":
            return self.delete(entity, entity_id, headers=headers)
        if action == "GetImageInfo":
            return self.info(entity, entity_id, headers=headers)
        return self.put_info(entity, entity_id, {"Description": "x"}, headers=headers)

    def state(self, entity: str, entity_id: object) -> tuple[int, bytes, int, bytes]:
        """Everything a client can see of one entity: (info status, info, image status, image)."""
        info = self.info(entity, entity_id)
        picture = self.image(entity, entity_id)
        return info.status_code, info.get_data(), picture.status_code, picture.get_data()


# --- assertions ----------------------------------------------------------------------------


def assert_error(
    response: TestResponse,
    status: int,
    type_fragment: str | None = None,
    message_fragment: str | None = None,
) -> dict[str, Any]:
    """The answer is SuperOffice's JSON error object with this status; returns the object."""
    assert response.status_code == status, (response.status_code, response.get_data())
    assert response.mimetype == "application/json", response.content_type
    body = response.get_json()
    assert isinstance(body, dict), body
    assert set(body) == {"Error", "ErrorType", "ErrorMessage", "ErrorSource"}, body
    assert body["Error"] is True
    assert body["ErrorType"].endswith("Exception"), body
    assert body["ErrorSource"].startswith("SuperOffice."), body
    assert body["ErrorMessage"], body
    if type_fragment is not None:
        assert type_fragment in body["ErrorType"], body
    if message_fragment is not None:
        assert message_fragment in body["ErrorMessage"], body
    return body


def assert_blob_id(response: TestResponse) -> int:
    """A save's answer: 200 with a bare JSON integer; returns it."""
    assert response.status_code == 200, (response.status_code, response.get_data())
    assert response.mimetype == "application/json", response.content_type
    value = json.loads(response.get_data())
    assert type(value) is int, value
    return value


def gateway_of(app: Flask) -> Gateway:
    """The gateway that answers the mocked API inside an app made by ``create_app``."""
    front = app.wsgi_app.app  # type: ignore[attr-defined]  # inside FaultMiddleware
    assert isinstance(front, Gateway)
    return front


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and 127.0.0.1 and its key (PEM files in
    ``folder``), made with the openssl command as the docs show; skips the test without it."""
    import pytest

    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command is not installed")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            openssl,
            *("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost"),
            *("-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


# --- processes -----------------------------------------------------------------------------


@contextlib.contextmanager
def mockso_process(
    *args: str, environ: Mapping[str, str] | None = None
) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """``python -m mockso <args> --port 0`` as a user starts it: (process, its URL), killed
    afterwards if still running. stderr is merged into stdout; the first line is the banner."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOCKSO_")}
    env.update(environ or {})
    command = [sys.executable, "-m", "mockso", *args, "--port", "0", "--quiet"]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        match = re.search(r" on (http://127\.0\.0\.1:\d+)", banner)
        assert match, banner + process.stdout.read()
        yield process, match.group(1)
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=20)


# --- a tenant that drifts --------------------------------------------------------------------


class DriftingTenant:
    """A WSGI stand-in for a tenant that keeps every request it got and answers with drift:
    ImageInfo with a mistyped, a missing and an undeclared property; an undocumented status
    (418) for pictures; and whatever the contract lacks, a 404."""

    def __init__(self, info: dict[str, Any]) -> None:
        drifted = dict(info)
        drifted["BlobId"] = "12"  # mistyped: an integer in the contract
        del drifted["CreatedDate"]  # missing: required
        drifted["Secret"] = "not in the contract"  # extra
        self.info = json.dumps(drifted).encode()
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        headers = {
            key[5:].replace("_", "-").title(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["Content-Type"] = environ["CONTENT_TYPE"]
        with self._lock:
            self.requests.append(
                {
                    "method": environ["REQUEST_METHOD"],
                    "target": request_target(environ),
                    "headers": headers,
                    "body": body,
                }
            )
        path = environ["PATH_INFO"]
        if path.endswith("/ImageInfo") and environ["REQUEST_METHOD"] == "GET":
            json_type = ("Content-Type", "application/json; charset=utf-8")
            start_response("200 OK", [json_type, ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")])
            return [self.info]
        if path.endswith("/Image") and environ["REQUEST_METHOD"] == "GET":
            start_response("418 I'm a teapot", [("Content-Type", "text/plain")])
            return [b"short and stout"]
        start_response("404 Not Found", [("Content-Type", "application/json")])
        return [
            b'{"Error":true,"ErrorType":"SoNotFoundException","ErrorMessage":"no",'
            b'"ErrorSource":"tenant"}'
        ]


@contextlib.contextmanager
def drifting_tenant(base_path: str) -> Iterator[tuple[DriftingTenant, str]]:
    """A ``DriftingTenant`` served on 127.0.0.1: (it, its URL with ``base_path``), stopped after."""
    with MockServer({"seed": 1}) as reference:
        info = requests.get(reference.url_for("/api/v1/Person/1/ImageInfo"), headers=AUTH).json()
    tenant = DriftingTenant(info)
    with Server(tenant, "127.0.0.1", 0, threads=4) as server:
        yield tenant, server.url + base_path
