"""Strict mode: check every answer mockso sends against the contract before it leaves.

A mock that drifts from its contract teaches its users the wrong API. With ``strict`` on (it is
in the test suite), an answer whose status, media type, required headers or JSON body the
contract does not allow is replaced by a loud 500 naming every difference. No Flask import.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openapi_schema_validator import OAS30ReadValidator
from werkzeug.http import parse_options_header

from mockso import codecs
from mockso.contract import Operation
from mockso.contract import Response
from mockso.negotiation import kind
from mockso.validation import FORMAT_CHECKER


class ResponseChecker:
    """Compares answers with the contract; validators are compiled on first use and kept."""

    def __init__(self) -> None:
        self._validators: dict[tuple[str, str, str], OAS30ReadValidator] = {}

    def problems(
        self, operation: Operation, status: int, headers: Mapping[str, str], body: bytes
    ) -> list[str]:
        """Every way this answer breaks the contract (empty when it conforms)."""
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
            if required and name not in headers
        ]
        return found + self._body_problems(operation, documented, headers, body)

    def _body_problems(
        self, operation: Operation, documented: Response, headers: Mapping[str, str], body: bytes
    ) -> list[str]:
        content_type = headers.get("Content-Type")
        if not documented.content:
            return (
                [f"status {documented.status} documents no body; got {len(body)} bytes"]
                if body
                else []
            )
        media_type = parse_options_header(content_type or "")[0].lower()
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
