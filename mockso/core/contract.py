"""Load an OpenAPI 3.0 contract once and expose it as read-only operations.

Everything the mock knows about the API (paths, methods, parameters, media types, status codes,
schemas, security schemes) is read here from ``contracts/``. Local ``$ref``s are resolved into
shared, inlined schema objects so that validators and generators never chase references at
request time; the raw schema (with its ``$ref``) is kept beside the resolved one because the
component name matters to marshmallow and XML. No Flask import.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

import yaml

from mockso.core.errors import ContractError

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
_REF_PREFIX = "#/components/schemas/"
_TEMPLATE_PART = re.compile(r"^\{([A-Za-z_][A-Za-z0-9_]*)\}$")


def _bundled_contract(name: str = "superoffice-images.yaml") -> Path:
    """The bundled contract: inside the package when installed from a wheel (setup.cfg ships the
    top-level ``contracts/`` as ``mockso/contracts``), else the checkout's ``contracts/``."""
    package = Path(__file__).resolve().parents[1]  # mockso/, above mockso/core/
    installed = package / "contracts" / name
    return installed if installed.is_file() else package.parent / "contracts" / name


DEFAULT_CONTRACT = _bundled_contract()

Schema = Mapping[str, Any]


@dataclass(frozen=True)
class Parameter:
    """One path, query or header parameter of an operation."""

    name: str
    location: str
    required: bool
    schema: Schema


@dataclass(frozen=True)
class MediaType:
    """A media type of a body: its resolved schema, its raw schema and its example."""

    name: str
    schema: Schema
    raw_schema: Schema
    example: Any = None
    # Named examples (``examples:`` in the contract), by name, as their values.
    examples: Mapping[str, Any] = field(default_factory=dict)

    @property
    def component(self) -> str | None:
        """The component schema name when the body is a ``$ref`` to one, or a lone
        ``allOf: [{$ref}]`` (how OpenAPI 3.0 adds keywords such as ``minProperties`` to one)."""
        schema = self.raw_schema
        if "$ref" not in schema and len(schema.get("allOf", ())) == 1:
            schema = schema["allOf"][0]
        ref = schema.get("$ref", "")
        return ref[len(_REF_PREFIX) :] if ref.startswith(_REF_PREFIX) else None


@dataclass(frozen=True)
class Response:
    """A documented status code of an operation."""

    status: str
    description: str
    content: Mapping[str, MediaType]
    # Header objects by name: ``{"schema": ..., "required": ...}``.
    headers: Mapping[str, Mapping[str, Any]]


@dataclass(frozen=True)
class RequestBody:
    """The request body an operation takes."""

    required: bool
    content: Mapping[str, MediaType]


class PathTemplate:
    """A contract path such as ``/api/v1/Person/{personId}/Image``: literal segments and
    ``{name}`` parameters, each parameter one whole segment. The one reading of path templates
    that the request path (its regexes) and the control API (its Flask rules) share."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.segments: tuple[tuple[str, bool], ...] = tuple(
            (found.group(1), True) if (found := _TEMPLATE_PART.match(part)) else (part, False)
            for part in path.strip("/").split("/")
        )

    def pattern(self, *, ignore_case: bool) -> re.Pattern[str]:
        """A regex matching a whole request path; parameters come out as named groups."""
        literal = "(?i:{})" if ignore_case else "{}"
        parts = [
            f"(?P<{text}>[^/]+)" if is_parameter else literal.format(re.escape(text))
            for text, is_parameter in self.segments
        ]
        return re.compile("/" + "/".join(parts) + r"\Z")

    def rule(self) -> str:
        """The path in werkzeug's rule syntax (``<personId>`` for ``{personId}``)."""
        return "/" + "/".join(f"<{t}>" if p else t for t, p in self.segments)

    def shape(self) -> str:
        """The path with every parameter written ``{}`` and letters folded: two paths of one
        shape differ only in letter case or parameter names."""
        return "/" + "/".join("{}" if p else t.lower() for t, p in self.segments)


@dataclass(frozen=True)
class Operation:
    """One method on one path, as the contract states it."""

    operation_id: str
    method: str
    path: str
    tags: tuple[str, ...]
    summary: str
    parameters: tuple[Parameter, ...]
    request_body: RequestBody | None
    responses: Mapping[str, Response]
    security: tuple[Mapping[str, Any], ...]
    extensions: Mapping[str, Any] = field(default_factory=dict)

    @functools.cached_property
    def template(self) -> PathTemplate:
        """The path as a template: matched by the request path, written as a Flask rule."""
        return PathTemplate(self.path)

    @functools.cached_property
    def success(self) -> Response:
        """The first documented 2xx response."""
        for status in sorted(self.responses):
            if status.startswith("2"):
                return self.responses[status]
        raise ContractError(f"operation {self.operation_id} documents no 2xx response")

    def parameter(self, name: str) -> Parameter | None:
        """The parameter called ``name``, in any location."""
        return self._parameters_by_name.get(name)

    @functools.cached_property
    def _parameters_by_name(self) -> dict[str, Parameter]:
        # Asked several times per request; reversed so that the first of a name wins.
        return {p.name: p for p in reversed(self.parameters)}


class Contract:
    """A parsed, reference-resolved OpenAPI 3.0 document."""

    def __init__(self, document: Mapping[str, Any], source: str = "<dict>") -> None:
        self.source = source
        self.document = document
        self._resolved: dict[int, Any] = {}
        self.operations = tuple(self._read_operations())

    @classmethod
    def from_path(cls, path: str | Path | None = None) -> Contract:
        """Read a YAML or JSON contract file (the bundled image contract by default)."""
        path = Path(path) if path else DEFAULT_CONTRACT
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise ContractError(f"{path}: cannot read the contract: {error}") from error
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when the wheel has it
        try:
            document = yaml.load(text, Loader=loader)
        except yaml.YAMLError as error:
            raise ContractError(f"{path}: not valid YAML: {error}") from error
        if not isinstance(document, dict):
            raise ContractError(f"{path}: the contract must be a mapping at the top level")
        return cls(document, source=str(path))

    @classmethod
    def from_dict(cls, document: Mapping[str, Any]) -> Contract:
        """Use an already-parsed document."""
        return cls(document)

    @classmethod
    def combine(cls, contracts: Sequence[Contract]) -> Contract:
        """One contract serving every operation of several (``--contract A --contract B``).

        Paths, components, tags and security schemes are united; the same name with different
        content in two contracts is a ContractError naming both, never a silent override.
        """
        if len(contracts) == 1:
            return contracts[0]
        document: dict[str, Any] = dict(contracts[0].document)
        document["paths"], document["components"], document["tags"] = {}, {}, []
        for contract in contracts:
            _unite(document["paths"], contract.document.get("paths", {}), "paths", contract)
            for section, entries in contract.document.get("components", {}).items():
                target = document["components"].setdefault(section, {})
                _unite(target, entries, f"components.{section}", contract)
            tags = {tag.get("name"): tag for tag in document["tags"]}
            for tag in contract.document.get("tags", []):
                if tag.get("name") not in tags:
                    document["tags"].append(tag)
        return cls(document, source=" + ".join(c.source for c in contracts))

    def __iter__(self) -> Iterator[Operation]:
        return iter(self.operations)

    def __len__(self) -> int:
        return len(self.operations)

    def operation(self, operation_id: str) -> Operation:
        """The operation with this operationId."""
        for operation in self.operations:
            if operation.operation_id == operation_id:
                return operation
        raise KeyError(operation_id)

    @property
    def component_schemas(self) -> Mapping[str, Schema]:
        """``components.schemas`` as written, ``$ref``s intact."""
        return dict(self.document.get("components", {}).get("schemas", {}))

    def schema(self, name: str) -> Schema:
        """A component schema with every reference resolved."""
        try:
            raw = self.document["components"]["schemas"][name]
        except KeyError as error:
            raise ContractError(f"{self.source}: no component schema {name!r}") from error
        resolved: Schema = self.resolve(raw, f"#/components/schemas/{name}")
        return resolved

    @property
    def security_schemes(self) -> Mapping[str, Mapping[str, Any]]:
        """``components.securitySchemes`` by name."""
        return dict(self.document.get("components", {}).get("securitySchemes", {}))

    def tag(self, name: str) -> Mapping[str, Any]:
        """The top-level tag object called ``name`` (empty when undeclared)."""
        return next((t for t in self.document.get("tags", []) if t.get("name") == name), {})

    def resolve(self, node: Any, where: str, seen: tuple[str, ...] = ()) -> Any:
        """Inline every local ``$ref`` below ``node``; shared targets stay shared objects."""
        if isinstance(node, list):
            return [self.resolve(item, where, seen) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str):
            return self._follow(ref, where, seen)
        return {key: self.resolve(value, f"{where}/{key}", seen) for key, value in node.items()}

    def _follow(self, ref: str, where: str, seen: tuple[str, ...]) -> Any:
        if not ref.startswith("#/"):
            raise ContractError(f"{self.source}: {where}: only local $refs are supported: {ref}")
        if ref in seen:
            raise ContractError(f"{self.source}: {where}: recursive $ref {ref} is not supported")
        target: Any = self.document
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(target, dict) or part not in target:
                raise ContractError(f"{self.source}: {where}: $ref {ref} points nowhere")
            target = target[part]
        key = id(target)
        if key not in self._resolved:
            self._resolved[key] = self.resolve(target, ref, (*seen, ref))
        return self._resolved[key]

    def _read_operations(self) -> Iterator[Operation]:
        paths = self.document.get("paths")
        if not isinstance(paths, dict) or not paths:
            raise ContractError(f"{self.source}: the contract has no paths")
        root_security = tuple(self.document.get("security", ()))
        for path, item in paths.items():
            shared = item.get("parameters", [])
            for method in HTTP_METHODS:
                if method in item:
                    where = f"#/paths/{path.replace('/', '~1')}/{method}"
                    yield self._operation(path, method, item[method], shared, root_security, where)

    def _operation(
        self,
        path: str,
        method: str,
        raw: Mapping[str, Any],
        shared: list[Any],
        root_security: tuple[Mapping[str, Any], ...],
        where: str,
    ) -> Operation:
        operation_id = raw.get("operationId")
        if not operation_id:
            raise ContractError(f"{self.source}: {where}: every operation needs an operationId")
        security = raw.get("security")
        return Operation(
            operation_id=operation_id,
            method=method.upper(),
            path=path,
            tags=tuple(raw.get("tags", ())),
            summary=raw.get("summary", ""),
            parameters=self._parameters([*shared, *raw.get("parameters", [])], where),
            request_body=self._request_body(raw.get("requestBody"), where),
            responses=self._responses(raw.get("responses", {}), where),
            security=root_security if security is None else tuple(security),
            extensions={k: v for k, v in raw.items() if k.startswith("x-")},
        )

    def _parameters(self, raw: list[Any], where: str) -> tuple[Parameter, ...]:
        merged: dict[tuple[str, str], Parameter] = {}
        for node in raw:
            spec = self.resolve(node, f"{where}/parameters")
            location = spec["in"]
            merged[(spec["name"], location)] = Parameter(  # later (operation) wins, as OAS says
                name=spec["name"],
                location=location,
                required=bool(spec.get("required", location == "path")),
                schema=spec.get("schema", {}),
            )
        return tuple(merged.values())

    def _request_body(self, raw: Any, where: str) -> RequestBody | None:
        if raw is None:
            return None
        spec = self.resolve(raw, f"{where}/requestBody")
        content = self._content(self._unresolved(raw).get("content", {}), where)
        return RequestBody(required=bool(spec.get("required", False)), content=content)

    def _responses(self, raw: Mapping[str, Any], where: str) -> dict[str, Response]:
        responses = {}
        for status, node in raw.items():
            spec = self.resolve(node, f"{where}/responses/{status}")
            unresolved = self._unresolved(node)
            responses[str(status)] = Response(
                status=str(status),
                description=spec.get("description", ""),
                content=self._content(unresolved.get("content", {}), where),
                headers=dict(spec.get("headers", {})),
            )
        return responses

    def _unresolved(self, node: Mapping[str, Any]) -> Mapping[str, Any]:
        """Follow a top-level ``$ref`` (to components.responses) without inlining its insides."""
        while isinstance(node, Mapping) and "$ref" in node:
            target: Any = self.document
            for part in node["$ref"][2:].split("/"):
                target = target[part]
            node = target
        return node

    def _content(self, raw: Mapping[str, Any], where: str) -> dict[str, MediaType]:
        content = {}
        for name, spec in raw.items():
            raw_schema = spec.get("schema", {})
            content[name.lower()] = MediaType(
                name=name.lower(),
                schema=self.resolve(raw_schema, f"{where}/content/{name}"),
                raw_schema=raw_schema,
                example=spec.get("example"),
                examples={
                    name: self.resolve(node, f"{where}/content/{name}/examples").get("value")
                    for name, node in (spec.get("examples") or {}).items()
                },
            )
        return content


def _unite(
    target: dict[str, Any], entries: Mapping[str, Any], section: str, contract: Contract
) -> None:
    """Add ``entries`` to ``target``; a name already there must mean the same thing."""
    for name, value in entries.items():
        if section == "paths" and name in target:
            clash = set(target[name]) & set(value) & set(HTTP_METHODS)
            if clash:
                raise ContractError(
                    f"{contract.source}: {', '.join(sorted(clash)).upper()} {name} is already "
                    "defined by an earlier contract"
                )
            target[name] = {**target[name], **value}
        elif name in target and _meaning(target[name]) != _meaning(value):
            raise ContractError(
                f"{contract.source}: {section}.{name} differs from the one in an earlier contract"
            )
        else:
            target[name] = value


def _meaning(node: Any) -> Any:
    """A component without its top-level description: two wordings of one thing are one thing."""
    return {k: v for k, v in node.items() if k != "description"} if isinstance(node, dict) else node
