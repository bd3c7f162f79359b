"""Strict mode: check every answer mockso sends against the contract before it leaves.

A mock that drifts from its contract teaches its users the wrong API. With ``strict`` on (it is
in the test suite), an answer whose status, media type, required headers or JSON body the
contract does not allow is replaced by a loud 500 naming every difference. No Flask or
werkzeug import: both front doors (the mocked API's and the control API's) use it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from openapi_schema_validator import OAS30ReadValidator

from mockso.core import codecs
from mockso.core.contract import Operation
from mockso.core.contract import Response
from mockso.core.errors import ContractViolation
from mockso.core.negotiation import kind
from mockso.core.validation import FORMAT_CHECKER

log = logging.getLogger("mockso")


class ResponseChecker:
    """Compares answers with the contract; validators are compiled on first use and kept."""

    def __init__(self) -> None:
        self._validators: dict[tuple[str, str, str], OAS30ReadValidator] = {}

    def violation(
        self,
        operation: Operation,
        status: int,
        headers: Mapping[str, str],
        body: bytes,
        against: str = "its contract",
    ) -> ContractViolation | None:
        """The error to answer instead of this answer (logged), or None when it conforms."""
        problems = self.problems(operation, status, headers, body)
        if not problems:
            return None
        message = f"{operation.operation_id} answered {status} against {against}: " + "; ".join(
            problems
        )
        log.error("contract violation: %s", message)
        return ContractViolation(message)

    def problems(
        self, operation: Operation, status: int, headers: Mapping[str, str], body: bytes
    ) -> list[str]:
        """Every way this answer breaks the contract (empty when it conforms)."""
        # Header names are compared without regard to case, as HTTP does.
        headers = {name.lower(): value for name, value in headers.items()}
        documented = operation.responses.get(str(status)) or operation.responses.get("default")
        if documented is None and status == 500:
            # mockso failing (a crash) rather than answering: already a loud 500 naming its
            # cause, which a contract violation standing in for it would hide.
            return []
        if documented is None:
            listed = ", ".join(sorted(operation.responses))
            return [f"status {status} is not documented for {operation.operation_id} ({listed})"]
        found = [
            f"required header {name} is missing"
            for name, required in _required_headers(documented)
            if required and name.lower() not in headers
        ]
        return found + self._body_problems(operation, documented, headers, body)

    def _body_problems(
        self, operation: Operation, documented: Response, headers: Mapping[str, str], body: bytes
    ) -> list[str]:
        content_type = headers.get("content-type")
        if not documented.content:
            return (
                [f"status {documented.status} documents no body; got {len(body)} bytes"]
                if body
                else []
            )
        media_type = (content_type or "").split(";", 1)[0].strip().lower()
        if media_type not in documented.content:
            offered = ", ".join(documented.content)
            return [f"Content-Type {content_type!r} is not documented here ({offered})"]
        if kind(media_type) != "json":
            return []  # pictures and XML: the media type is what the contract can promise
        try:
            value = codecs.decode_json(body)
        except codecs.CodecError as error:
            return [f"the {media_type} body is not JSON: {error}"]
        validator = self._validator(operation, documented, media_type)
        return [_describe(error) for error in validator.iter_errors(value)][:10]

    def _validator(self, operation: Operation, documented: Response, media_type: str) -> Any:
        key = (operation.operation_id, documented.status, media_type)
        if key not in self._validators:
            schema = documented.content[media_type].schema
            self._validators[key] = OAS30ReadValidator(schema, format_checker=FORMAT_CHECKER)
        return self._validators[key]


def _required_headers(response: Response) -> list[tuple[str, bool]]:
    return [(name, bool(spec.get("required", False))) for name, spec in response.headers.items()]


def _describe(error: Any) -> str:
    where = "/".join(str(part) for part in error.absolute_path) or "the body"
    return f"{where}: {error.message}"
