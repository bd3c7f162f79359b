"""The exceptions mockso raises and the SuperOffice error object they become.

Every 4xx/5xx answer carries ``{"Error": true, "ErrorType", "ErrorMessage", "ErrorSource"}``, the
shape the SuperOffice WebAPI documents for its errors. Each exception class knows its HTTP status
and the .NET-style exception name the real server would report, so handlers only raise and never
build answers themselves. No Flask import: the WSGI layer turns these into responses.
"""

from __future__ import annotations

from typing import Any

# Where SuperOffice says an error came from: the service layer for facts about entities, the web
# layer for everything about the HTTP request itself.
SERVICE_SOURCE = "SuperOffice.Services.Implementation"
WEB_SOURCE = "SuperOffice.WebApi"


class MocksoError(Exception):
    """Base of every error mockso answers with. ``str(error)`` is the user-facing message."""

    status = 500
    error_type = "Exception"
    source = WEB_SOURCE

    def __init__(self, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers or {}

    def to_object(self) -> dict[str, Any]:
        """The SuperOffice error object for this error."""
        return {
            "Error": True,
            "ErrorType": self.error_type,
            "ErrorMessage": self.message,
            "ErrorSource": self.source,
        }


class BadRequest(MocksoError):
    """A parameter, header or body does not satisfy the contract."""

    status = 400
    error_type = "ArgumentException"


class Unauthorized(MocksoError):
    """No usable credentials."""

    status = 401
    error_type = "SoAuthenticationException"


class NotFound(MocksoError):
    """The entity, the picture or the route does not exist."""

    status = 404
    error_type = "SoNotFoundException"
    source = SERVICE_SOURCE


class MethodNotAllowed(MocksoError):
    """The path exists but not with this method."""

    status = 405
    error_type = "HttpMethodNotAllowedException"


class NotAcceptable(MocksoError):
    """No media type in Accept can be produced for this operation."""

    status = 406
    error_type = "NotAcceptableException"


class RequestTimeout(MocksoError):
    """The request's body did not arrive in time (the server's read deadline)."""

    status = 408
    error_type = "TimeoutException"


class PayloadTooLarge(MocksoError):
    """The body is larger than the configured maximum."""

    status = 413
    error_type = "RequestEntityTooLargeException"


class UnsupportedMediaType(MocksoError):
    """The Content-Type is not one the operation accepts."""

    status = 415
    error_type = "UnsupportedMediaTypeException"


class InsufficientStorage(MocksoError):
    """Storing the picture would exceed the store's byte cap."""

    status = 507
    error_type = "InsufficientStorageException"
    source = SERVICE_SOURCE


class BadGateway(MocksoError):
    """``mockso proxy`` could not get an answer from its target."""

    status = 502
    error_type = "BadGatewayException"


class GatewayTimeout(MocksoError):
    """``mockso proxy``'s target did not answer in time."""

    status = 504
    error_type = "GatewayTimeoutException"


class ContractError(ValueError):
    """The contract document cannot be used; the message names the file and the place."""


class ContractViolation(MocksoError):
    """An answer mockso was about to send breaks the contract (strict mode)."""

    status = 500
    error_type = "ContractViolationException"


# The ErrorType of an error status an operation does not document, asked for by a Prefer header
# or rule: what a production deployment (the service, or a gateway in front of it) answers. The
# docs name none of these; the .NET names are mockso's choice (docs/fidelity.md).
_SIMULATED_TYPES = {
    400: BadRequest.error_type,
    401: Unauthorized.error_type,
    403: "UnauthorizedAccessException",
    404: NotFound.error_type,
    405: MethodNotAllowed.error_type,
    406: NotAcceptable.error_type,
    408: RequestTimeout.error_type,
    409: "InvalidOperationException",
    413: PayloadTooLarge.error_type,
    415: UnsupportedMediaType.error_type,
    429: "TooManyRequestsException",
    500: MocksoError.error_type,
    501: "NotImplementedException",
    502: BadGateway.error_type,
    503: "ServiceUnavailableException",
    504: GatewayTimeout.error_type,
    507: InsufficientStorage.error_type,
}
# Seconds a throttled or unavailable server asks the client to wait (RFC 9110 Retry-After).
RETRY_AFTER = {429: "1", 503: "1"}


def simulated(status: int, message: str) -> MocksoError:
    """The error object for an error status asked for on purpose, with ``Retry-After`` where a
    real server sends it (429, 503)."""
    error = MocksoError(
        message, headers={"Retry-After": RETRY_AFTER[status]} if status in RETRY_AFTER else None
    )
    error.status = status
    error.error_type = _SIMULATED_TYPES.get(
        status, "HttpException" if status < 500 else "Exception"
    )
    return error


def from_status(status: int | None, description: str | None) -> MocksoError:
    """An error the HTTP layer raised while reading a request (werkzeug's exceptions carry a
    status and a description), in SuperOffice's shape."""
    if status == 413:
        return PayloadTooLarge("The body is larger than this mock accepts")
    if status == 408:
        return RequestTimeout(description or "The request body did not arrive in time")
    mapped = BadRequest(description or f"The request cannot be read (HTTP {status})")
    mapped.status = status or 400
    return mapped
