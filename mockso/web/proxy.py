"""``mockso proxy --target URL``: the mocked API's calls answered by a real server.

The gateway hands every request outside ``/__mockso/`` to ``Proxy.forward`` in place of an
endpoint. The request goes to the target as the client sent it (method, path and query after the
target's own path, headers with credentials, body); only the hop-by-hop headers of RFC 9110
(Connection and those it names, Keep-Alive, Transfer-Encoding, ...) and Host are the proxy's
own. The answer comes back as the target gave it: status, reason, headers (repeated ones too)
and body. Nothing is sent anywhere but the target, and redirects are passed back, not followed.

Each answer is then checked for drift (``core.drift``) and, with ``--record``, kept
(``core.recording``); the gateway journals and counts it like any other. Neither keeps a header
of the request, so credentials stay out of the journal, the drift report and the recording. The
upstream call is the standard library's ``http.client``: a connection per call, a connect and
read timeout, the answer read whole (bounded: it is checked and recorded).
"""

from __future__ import annotations

import http.client
import io
import logging
import ssl
import zlib
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from typing import Protocol
from urllib.parse import quote
from urllib.parse import urlsplit

from werkzeug.formparser import FormDataParser
from werkzeug.wrappers import Request

from mockso.core.answers import Answer
from mockso.core.answers import error_answer
from mockso.core.config import Settings
from mockso.core.contract import Operation
from mockso.core.drift import Drift
from mockso.core.errors import BadGateway
from mockso.core.errors import GatewayTimeout
from mockso.core.errors import MocksoError
from mockso.core.errors import PayloadTooLarge
from mockso.core.negotiation import kind
from mockso.core.recording import Exchange
from mockso.core.recording import Recording
from mockso.web.faults import StartResponse

log = logging.getLogger("mockso")
# Seconds to connect to the target, and to wait for each read from it.
TIMEOUT = 30.0
# The answers mockso reads whole, at most (a picture of the contract's largest kind, and more).
MAX_ANSWER_BYTES = 256 * 1024 * 1024
# RFC 9110 section 7.6.1: headers about one connection, not passed on; WSGI forbids them too.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)


class Watched(Protocol):
    """What the proxy needs of the mock: its settings, the drift and the recording."""

    settings: Settings
    drift: Drift
    recording: Recording | None


@dataclass(frozen=True)
class Target:
    """The server every call goes to: ``https://<env>.superoffice.com/<tenant>``."""

    url: str
    secure: bool
    host: str
    port: int
    base_path: str

    @classmethod
    def parse(cls, url: str) -> Target:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"target {url!r} is not an http:// or https:// URL with a host")
        if parts.query or parts.fragment or parts.username or parts.password:
            raise ValueError(
                f"target {url!r}: give scheme, host, port and path only "
                "(credentials belong in the client's requests)"
            )
        secure = parts.scheme == "https"
        port = parts.port or (443 if secure else 80)
        return cls(url, secure, parts.hostname, port, parts.path.rstrip("/"))

    @property
    def host_header(self) -> str:
        default = 443 if self.secure else 80
        name = f"[{self.host}]" if ":" in self.host else self.host
        return name if self.port == default else f"{name}:{self.port}"

    def connect(self) -> http.client.HTTPConnection:
        if self.secure:
            context = ssl.create_default_context()
            return http.client.HTTPSConnection(
                self.host, self.port, timeout=TIMEOUT, context=context
            )
        return http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT)


@dataclass(frozen=True)
class Passed:
    """One answer to send back: the target's (headers as it listed them), or mockso's error."""

    answer: Answer  # status, headers by title-cased name (the last of repeated ones), body
    reason: str
    listed: list[tuple[str, str]]


class Proxy:
    """Forwards a request to the target and hands its answer to drift and recording."""

    def __init__(self, target: Target, mock: Watched) -> None:
        self.target = target
        self.mock = mock

    def forward(
        self, req: Request, operation: Operation | None, values: Mapping[str, str]
    ) -> Passed:
        """The target's answer to ``req`` (or mockso's 413, 502 or 504 as the error object)."""
        try:
            body = _body(req, self.mock.settings.max_upload)
            status, reason, listed, data = self._exchange(req, body)
        except MocksoError as error:
            answer = error_answer(error)
            return Passed(answer, "", list(answer.headers.items()))
        # By name as mockso writes them (the journal reads Content-Type); sent as listed.
        headers = {name.title(): value for name, value in listed}
        passed = Passed(Answer(status, headers, data), reason, listed)
        try:
            self._observe(req, operation, values, body, passed)
        except Exception:  # a bug in checking or keeping must not change what the client gets
            log.exception("cannot check or record the answer to %s %s", req.method, req.path)
        return passed

    def _exchange(self, req: Request, body: bytes) -> tuple[int, str, list[tuple[str, str]], bytes]:
        headers = _request_headers(req, self.target.host_header, len(body))
        path = self.target.base_path + request_target(req.environ)
        # One connection per call: a proxy has no moment to close kept-alive ones at, and a
        # call to a remote tenant costs far more than the handshake.
        connection = self.target.connect()
        try:
            connection.request(req.method, path, body=body or None, headers=headers)
            response = connection.getresponse()
            data = response.read(MAX_ANSWER_BYTES + 1)
        except TimeoutError as error:
            raise GatewayTimeout(
                f"{self.target.url} did not answer within {TIMEOUT:g} s"
            ) from error
        except (OSError, http.client.HTTPException) as error:
            raise BadGateway(f"{self.target.url} could not be asked: {error!r}") from error
        finally:
            connection.close()
        if len(data) > MAX_ANSWER_BYTES:
            raise BadGateway(f"{self.target.url} answered more than {MAX_ANSWER_BYTES} bytes")
        listed = [
            (name, value) for name, value in response.getheaders() if name.lower() not in HOP_BY_HOP
        ]
        return response.status, response.reason, listed, data

    def _observe(
        self,
        req: Request,
        operation: Operation | None,
        values: Mapping[str, str],
        body: bytes,
        passed: Passed,
    ) -> None:
        status, headers, raw = passed.answer
        lowered = {name.lower(): value for name, value in headers.items()}
        data = _decoded(raw, lowered.get("content-encoding", ""))
        query = req.query_string.decode("latin-1")
        request = f"{req.method} {req.path}" + (f"?{query}" if query else "")
        head = req.method == "HEAD"
        self.mock.drift.observe(operation, request, status, lowered, data, head=head)
        recording = self.mock.recording
        if recording is not None and operation is not None and not head:
            upload = _upload(req, body)
            args = req.args.to_dict(flat=False)
            recording.observe(Exchange(operation, values, args, upload, status, lowered, data))

    def send(
        self, environ: Mapping[str, Any], start_response: StartResponse, passed: Passed
    ) -> Iterable[bytes]:
        """Write the answer as it came: the target's reason, its headers in its order (the
        length of the body read, but a HEAD answer's as the target gave it)."""
        status, _, body = passed.answer
        bodiless = status < 200 or status in (204, 304)
        head = environ.get("REQUEST_METHOD") == "HEAD"
        listed = [
            (name, value)
            for name, value in passed.listed
            if head or name.lower() != "content-length"
        ]
        if not bodiless and not head:
            listed.append(("Content-Length", str(len(body))))
        start_response(f"{status} {passed.reason or 'Unknown'}", listed)
        return [] if bodiless or head else [body]


def _body(req: Request, limit: int) -> bytes:
    """The request body, at most ``limit`` bytes (MOCKSO_MAX_UPLOAD): more is mockso's 413."""
    length = req.content_length
    if length is not None and length > limit:
        raise PayloadTooLarge(
            f"The body is {length} bytes; this proxy passes at most {limit} (MOCKSO_MAX_UPLOAD)"
        )
    data = req.stream.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge(f"The body is larger than {limit} bytes (MOCKSO_MAX_UPLOAD)")
    return bytes(data)


def _request_headers(req: Request, host: str, length: int) -> dict[str, str]:
    """The client's headers for the target: all but hop-by-hop ones; Host and length ours."""
    named = {name.lower() for name in req.headers.get("Connection", "").split(",")}
    headers = {
        name: value
        for name, value in req.headers.items()
        if name.lower() not in HOP_BY_HOP | named | {"host", "content-length"}
    }
    headers["Host"] = host
    if length or req.method in ("POST", "PUT", "PATCH"):
        headers["Content-Length"] = str(length)
    return headers


def request_target(environ: Mapping[str, Any]) -> str:
    """Path and query as the client wrote them (the server's raw request URI when it has one)."""
    raw = environ.get("REQUEST_URI") or environ.get("RAW_URI")
    if raw:
        raw = str(raw)
        if "://" in raw.split("?", 1)[0]:  # absolute-form: keep the path and query
            parts = urlsplit(raw)
            return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        return raw
    path = quote(str(environ.get("PATH_INFO", "")).encode("latin-1"), safe="/;=,:@!$&'()*+~")
    query = environ.get("QUERY_STRING", "")
    return path + (f"?{query}" if query else "")


def _decoded(body: bytes, encoding: str) -> bytes:
    """A compressed answer's bytes, for checking and recording (bounded against bombs)."""
    encoding = encoding.strip().lower()
    if encoding not in ("gzip", "x-gzip", "deflate"):
        return body
    wbits = 16 + zlib.MAX_WBITS if encoding != "deflate" else zlib.MAX_WBITS
    try:
        return zlib.decompressobj(wbits).decompress(body, MAX_ANSWER_BYTES)
    except zlib.error:
        return body


def _upload(req: Request, body: bytes) -> bytes | None:
    """The picture a client sent: an image body, or the first file part of a form."""
    media_type = req.mimetype
    if kind(media_type) == "image":
        return body
    if kind(media_type) != "multipart" or not body:
        return None
    parser = FormDataParser(max_content_length=len(body) + 1)
    try:
        _, _, files = parser.parse(io.BytesIO(body), media_type, len(body), req.mimetype_params)
    except ValueError:
        return None
    try:
        first = next(iter(files.values()), None)
        return first.read() if first is not None else None
    finally:
        for part in files.values():
            part.close()  # large parts are spooled to temporary files
