"""Strict mode: check every answer mockso sends against the contract before it leaves.

A mock that drifts from its contract teaches its users the wrong API. With ``strict`` on (it is
in the test suite), an answer whose status, media type, required headers or JSON body the
contract does not allow is replaced by a loud 500 naming every difference. No Flask or
werkzeug import: both front doors (the mocked API's and the control API's) use it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
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
        return [finding.message for finding in self.findings(operation, status, headers, body)]

    def findings(
        self,
        operation: Operation,
        status: int,
        headers: Mapping[str, str],
        body: bytes,
        *,
        drift: bool = False,
    ) -> list[Finding]:
        """``problems`` sorted by kind. With ``drift`` (a real server's answer, not mockso's),
        every property the schema does not declare is ``extra`` and every declared one the
        answer lacks is ``missing``, each by name: the contract's schemas serve partial
        requests too, so they require nothing, while answers carry every key."""
        # Header names are compared without regard to case, as HTTP does.
        headers = {name.lower(): value for name, value in headers.items()}
        documented = operation.responses.get(str(status)) or operation.responses.get("default")
        if documented is None and status == 500:
            # mockso failing (a crash) rather than answering: already a loud 500 naming its
            # cause, which a contract violation standing in for it would hide.
            return []
        if documented is None:
            listed = ", ".join(sorted(operation.responses))
            message = f"status {status} is not documented for {operation.operation_id} ({listed})"
            return [Finding("status", str(status), message)]
        found = [
            Finding("header", name, f"required header {name} is missing")
            for name, required in _required_headers(documented)
            if required and name.lower() not in headers
        ]
        return found + self._body_findings(operation, documented, headers, body, drift)

    def _body_findings(
        self,
        operation: Operation,
        documented: Response,
        headers: Mapping[str, str],
        body: bytes,
        drift: bool,
    ) -> list[Finding]:
        content_type = headers.get("content-type")
        if not documented.content:
            message = f"status {documented.status} documents no body; got {len(body)} bytes"
            return [Finding("body", "the body", message)] if body else []
        media_type = (content_type or "").split(";", 1)[0].strip().lower()
        if media_type not in documented.content:
            offered = ", ".join(documented.content)
            message = f"Content-Type {content_type!r} is not documented here ({offered})"
            return [Finding("media-type", media_type or "none", message)]
        if kind(media_type) != "json":
            return []  # pictures and XML: the media type is what the contract can promise
        try:
            value = codecs.decode_json(body)
        except codecs.CodecError as error:
            return [Finding("body", "the body", f"the {media_type} body is not JSON: {error}")]
        validator = self._validator(operation, documented, media_type)
        errors = validator.iter_errors(value)
        if not drift:
            return [_finding(error) for error in errors][:10]
        # The walk below names each extra property, where jsonschema names only their object.
        found = [_finding(e) for e in errors if e.validator != "additionalProperties"][:10]
        named = {(finding.kind, finding.where) for finding in found}
        schema = documented.content[media_type].schema
        for kind_, path in properties_off_contract(schema, value):
            place = _place(path)
            if (kind_, place) not in named and len(found) < 20:
                said = "not a property of the contract" if kind_ == "extra" else "is missing"
                found.append(Finding(kind_, place, f"{place}: {said}"))
        return found

    def _validator(self, operation: Operation, documented: Response, media_type: str) -> Any:
        key = (operation.operation_id, documented.status, media_type)
        if key not in self._validators:
            schema = documented.content[media_type].schema
            self._validators[key] = OAS30ReadValidator(schema, format_checker=FORMAT_CHECKER)
        return self._validators[key]


def _required_headers(response: Response) -> list[tuple[str, bool]]:
    return [(name, bool(spec.get("required", False))) for name, spec in response.headers.items()]


@dataclass(frozen=True)
class Finding:
    """One difference between an answer and the contract: its kind (``status``, ``header``,
    ``media-type``, ``body``, ``missing``, ``type``, ``extra``, ``schema``), where, and words."""

    kind: str
    where: str
    message: str


# jsonschema's keyword of a failed check → the kind of finding.
_KINDS = {"required": "missing", "type": "type", "additionalProperties": "extra"}


def _finding(error: Any) -> Finding:
    where = _place(error.absolute_path)
    kind = _KINDS.get(error.validator, "schema")
    if kind == "missing":  # "'CreatedDate' is a required property": name the property
        name = error.message.split("'")[1] if error.message.count("'") >= 2 else "?"
        where = _place([*error.absolute_path, name])
    return Finding(kind, where, f"{_place(error.absolute_path)}: {error.message}")


def _place(path: Iterable[Any]) -> str:
    return "/".join(str(part) for part in path) or "the body"


def properties_off_contract(
    schema: Mapping[str, Any], value: Any
) -> Iterator[tuple[str, tuple[Any, ...]]]:
    """(``extra`` or ``missing``, path) for each property ``value`` has and ``schema`` does not
    declare, and each declared one it lacks (an empty object lacks nothing: it is the
    serializer's "no value"); ``allOf`` parts are merged, free-form objects (no
    ``properties``) are left alone."""
    yield from _off(schema, value, ())


def _off(schema: Any, value: Any, path: tuple[Any, ...]) -> Iterator[tuple[str, tuple[Any, ...]]]:
    if not isinstance(schema, Mapping):
        return
    if isinstance(value, list) and isinstance(schema.get("items"), Mapping):
        for index, item in enumerate(value):
            yield from _off(schema["items"], item, (*path, index))
        return
    if not isinstance(value, dict):
        return
    parts = [schema, *(part for part in schema.get("allOf", []) if isinstance(part, Mapping))]
    properties: dict[str, Any] = {}
    for part in parts:
        properties.update(part.get("properties") or {})
    more = next((p["additionalProperties"] for p in parts if "additionalProperties" in p), None)
    if not properties:  # a free-form object or a map: nothing is extra or missing in it
        if isinstance(more, Mapping):
            for name, item in value.items():
                yield from _off(more, item, (*path, name))
        return
    for name, item in value.items():
        if name in properties:
            yield from _off(properties[name], item, (*path, name))
        elif isinstance(more, Mapping):
            yield from _off(more, item, (*path, name))
        else:
            yield "extra", (*path, name)
    if not value:
        return  # `{}` stands for "no value" (the docs' samples write TableRight so), like null
    for name in properties:
        if name not in value:
            yield "missing", (*path, name)
