"""Turn SuperOffice REST reference pages into one OpenAPI 3.0.3 document (``contract build``).

Every fact in the output comes from a page (see ``docpages``): paths, methods, operationIds,
path/query/header parameters, request media types and body schemas, response codes with their
descriptions, the answer's media types and schema, and the samples as examples. What the pages do
not state is not invented; the few things derived here (an operationId for a page rendering that
shows none, named types of untyped properties, one tag per entity from the path) are listed in
the document's ``info.description``, together with the inconsistencies between the pages.

Output is deterministic: pages are read in a sorted order, paths are sorted, and dumping never
writes YAML anchors, so the same pages give byte-identical YAML whatever order they come in.
``merge`` adds the operations to an existing contract instead. No Flask import.
"""

from __future__ import annotations

import http
import re
from collections import defaultdict
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from mockso import docpages
from mockso.docpages import DocType
from mockso.docpages import Field
from mockso.docpages import Page
from mockso.docpages import UnknownPage

OPENAPI_VERSION = "3.0.3"
BUILD_HEADING = "### Built from the reference pages"
DERIVED_ID = "x-mockso-derived-operation-id"
_REF = "#/components/schemas/"
_METHOD_ORDER = ("get", "put", "post", "delete", "patch", "head", "options")
# OpenAPI ignores header parameters with these names: media types and security say it instead.
_NOT_PARAMETERS = ("authorization", "accept", "content-type")
_XSRF_HEADER = "x-xsrf-token"
_CARRIER = re.compile(r"Carrier object for (\w+)")
# <see cref="T:...">text</see> in descriptions: the docs' generator leaks C# doc comments.
_SEE_CREF = re.compile(r"<see cref=\"[^\"]*\">(.*?)</see>")


class BuildError(ValueError):
    """Pages that cannot make one document (none at all, or two that clash)."""


# -- entry points ------------------------------------------------------------------------------


def read_pages(paths: Iterable[str | Path]) -> tuple[list[Page], list[str]]:
    """The reference pages among ``paths`` and one message per file that is not one."""
    pages, skipped = [], []
    for path in paths:
        try:
            pages.append(docpages.parse_file(path))
        except UnknownPage as error:
            skipped.append(str(error))
    return pages, skipped


def build(pages: Sequence[Page], existing: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """One OpenAPI document from the pages, or ``existing`` with their operations merged in."""
    if not pages:
        raise BuildError("none of the inputs is a REST reference page")
    ordered = _unique(sorted(pages, key=_page_key))
    assembly = _Assembly()
    document = assembly.document(ordered)
    notes = [*inconsistencies(ordered), *assembly.notes]
    merged: list[str] = []
    if existing is not None:
        document, merged = merge(existing, document)
    info = document["info"]
    previous = info.get("description", "")
    info["description"] = _described(previous, ordered, (notes, merged), document)
    fresh: dict[str, Any] = _fresh(document)
    return fresh


class _Dumper(yaml.SafeDumper):
    """Writes multi-line text as ``|`` blocks, so long descriptions stay readable."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value and not value.endswith(" ") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def dump(document: Mapping[str, Any]) -> str:
    """The document as YAML; shared objects are copied so that no anchors are written."""
    text: str = yaml.dump(
        _fresh(document), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100
    )
    return text


def _page_key(page: Page) -> tuple[str, int, str, str]:
    method = page.method.lower()
    order = _METHOD_ORDER.index(method) if method in _METHOD_ORDER else len(_METHOD_ORDER)
    return page.path, order, page.operation_id, page.source


def _unique(pages: list[Page]) -> list[Page]:
    """One page per operation: a page with an id beats a derived one; other clashes are errors."""
    by_operation: dict[tuple[str, str], Page] = {}
    by_id: dict[str, Page] = {}
    for page in pages:
        key = (page.method, page.path)
        other = by_operation.get(key)
        if other is not None:
            if other.id_derived == page.id_derived:
                raise BuildError(f"{other.source} and {page.source} both describe {_op(page)}")
            if page.id_derived:
                continue
            del by_id[other.operation_id]
        clash = by_id.get(page.operation_id)
        if clash is not None:
            raise BuildError(
                f"{clash.source} and {page.source} both use operationId {page.operation_id}"
            )
        by_operation[key], by_id[page.operation_id] = page, page
    return sorted(by_operation.values(), key=_page_key)


def _fresh(node: Any) -> Any:
    """A copy sharing no dict or list, so YAML writes no anchors and edits stay local."""
    if isinstance(node, Mapping):
        return {key: _fresh(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_fresh(item) for item in node]
    return node


def entity_of_path(path: str) -> str:
    """The entity a path is about: the segment after the version (``/api/v1/Project/...``)."""
    segments = [s for s in path.split("/") if s]
    for index, segment in enumerate(segments[:-1]):
        if re.fullmatch(r"v\d+", segment) and "{" not in segments[index + 1]:
            return segments[index + 1]
    literal = [s for s in segments if "{" not in s and s != "api"]
    return literal[0] if literal else "api"


# -- one document from pages -------------------------------------------------------------------


class _Assembly:
    """Turns pages into operations, collecting the shared components as it goes."""

    def __init__(self) -> None:
        self.schemas: dict[str, dict[str, Any]] = {}
        self.parameters: dict[str, dict[str, Any]] = {}
        self.security_schemes: dict[str, dict[str, Any]] = {}
        self.notes: list[str] = []
        self._schema_pages: dict[str, str] = {}
        self._wanted: set[str] = set()

    def document(self, pages: list[Page]) -> dict[str, Any]:
        for page in pages:  # named types defined by pages first: they win over the module's
            self._response_component(page)
        paths: dict[str, dict[str, Any]] = {}
        for page in pages:
            paths.setdefault(page.path, {})[page.method.lower()] = self.operation(page)
        self._known_components()
        operations = [op for item in paths.values() for op in item.values()]
        root = operations[0]["security"]
        for op in operations:
            if op["security"] == root:
                del op["security"]
        return {
            "openapi": OPENAPI_VERSION,
            "info": {
                "title": "SuperOffice WebAPI (built from its reference pages)",
                "version": _version(pages),
            },
            "security": root,
            "tags": [{"name": name} for name in sorted({_tag(p) for p in pages})],
            "paths": {path: paths[path] for path in sorted(paths)},
            "components": self._components(),
        }

    def _components(self) -> dict[str, Any]:
        sections = {
            "schemas": self.schemas,
            "parameters": self.parameters,
            "securitySchemes": self.security_schemes,
        }
        return {name: dict(sorted(items.items())) for name, items in sections.items() if items}

    def operation(self, page: Page) -> dict[str, Any]:
        op: dict[str, Any] = {"operationId": page.operation_id, "tags": [_tag(page)]}
        if page.id_derived:
            op[DERIVED_ID] = True
        if page.summary:
            op["summary"] = _clean(page.summary)
        if page.description:
            op["description"] = _clean(page.description)
        parameters = self._parameters(page)
        if parameters:
            op["parameters"] = parameters
        if page.body is not None:
            op["requestBody"] = self._request_body(page)
        op["responses"] = self._responses(page)
        op["security"] = self._security(page)
        return op

    # -- parameters ----------------------------------------------------------------------------

    def _parameters(self, page: Page) -> list[dict[str, Any]]:
        parameters = [self._parameter(f, "path", page) for f in page.path_parts]
        parameters += [self._parameter(f, "query", page) for f in page.query]
        for row in page.headers:
            if row.name.lower() not in (*_NOT_PARAMETERS, _XSRF_HEADER):
                parameters.append(self._header(row, page))
        return parameters

    def _parameter(self, field: Field, where: str, page: Page) -> dict[str, Any]:
        if where == "path" and not field.required:
            self.notes.append(
                f"{_op(page)}: the path part `{field.name}` is not marked Required "
                "(OpenAPI makes every path parameter required)."
            )
        parameter: dict[str, Any] = {
            "name": field.name,
            "in": where,
            "required": field.required or where == "path",
        }
        if field.description:
            parameter["description"] = _clean(field.description)
        parameter["schema"] = self._type_schema(field.type)
        example = dict(page.query_example).get(field.name) if where == "query" else None
        if example is not None:
            parameter["example"] = _typed(example, parameter["schema"])
        return parameter

    def _header(self, row: docpages.HeaderRow, page: Page) -> dict[str, str]:
        name = re.sub(r"[^A-Za-z0-9]", "", row.name)
        parameter = {
            "name": row.name,
            "in": "header",
            "required": False,
            "description": _clean(row.description),
            "schema": {"type": "string"},
        }
        known = self.parameters.setdefault(name, parameter)
        if known["description"] != parameter["description"]:
            self.notes.append(
                f"The header {row.name} is described differently in {_op(page)}: "
                f'"{row.description}" (kept: "{known["description"]}").'
            )
        return {"$ref": f"#/components/parameters/{name}"}

    # -- security ------------------------------------------------------------------------------

    def _security(self, page: Page) -> list[dict[str, list[str]]]:
        requirements: list[dict[str, list[str]]] = []
        for row in page.headers:
            if row.name.lower() == "authorization":
                for scheme in re.findall(r"'([A-Za-z][\w-]*)'", row.description):
                    requirements.append({self._http_scheme(scheme, row.description): []})
            elif row.name.lower() == _XSRF_HEADER:
                self.security_schemes.setdefault(
                    "XsrfToken",
                    {
                        "type": "apiKey",
                        "in": "header",
                        "name": row.name,
                        "description": _clean(row.description),
                    },
                )
                requirements.append({"XsrfToken": []})
        return requirements

    def _http_scheme(self, scheme: str, description: str) -> str:
        # RFC 7235 scheme names are case-insensitive; the registered ones are written lowercase.
        registered = scheme.lower() in ("basic", "bearer")
        self.security_schemes.setdefault(
            scheme,
            {
                "type": "http",
                "scheme": scheme.lower() if registered else scheme,
                "description": f"`Authorization: {scheme} ...`. {_clean(description)}",
            },
        )
        return scheme

    # -- bodies --------------------------------------------------------------------------------

    def _request_body(self, page: Page) -> dict[str, Any]:
        body = page.body
        assert body is not None
        schema = self._body_schema(page)
        content: dict[str, Any] = {}
        for media in body.content_types:
            if media == "multipart/form-data" and not _is_object(schema):
                content[media] = {"schema": {"type": "object", "properties": {body.name: schema}}}
            else:
                content[media] = {"schema": schema}
        self._request_example(page, content)
        result: dict[str, Any] = {}
        if body.description:
            result["description"] = _clean(body.description)
        result["content"] = content
        return result

    def _body_schema(self, page: Page) -> dict[str, Any]:
        body = page.body
        assert body is not None
        if body.properties:
            carrier = self._response_component(page)
            response_rows = {(f.name, f.type) for f in page.response.properties}
            if carrier and {(f.name, f.type) for f in body.properties} <= response_rows:
                return {"$ref": _REF + carrier}  # the carrier's request table lists a subset
            return self._object(body.properties, "")
        if body.type is not None:
            return self._type_schema(body.type)
        return {}

    def _request_example(self, page: Page, content: dict[str, Any]) -> None:
        sample = page.sample_request
        if sample is None or not sample.has_body:
            return
        media = _media_type(sample.headers)
        if media in content:
            content[media]["example"] = sample.body
        else:
            self.notes.append(
                f"{_op(page)}: the sample request's body is sent as {media or 'no media type'}, "
                "which the Content-Type row does not list; the sample is not used as an example."
            )

    # -- responses -----------------------------------------------------------------------------

    def _responses(self, page: Page) -> dict[str, Any]:
        success = next((code for code, _ in sorted(page.response.codes) if code[0] == "2"), None)
        responses: dict[str, Any] = {}
        for code, text in sorted(page.response.codes):
            response: dict[str, Any] = {"description": _clean(text) or _phrase(code)}
            content = self._response_content(page) if code == success and code != "204" else {}
            if content:
                response["content"] = content
            responses[code] = response
        self._response_example(page, responses)
        return responses

    def _response_content(self, page: Page) -> dict[str, Any]:
        schema = self._response_schema(page)
        if schema is None:
            return {}
        content = {}
        for media in page.accept:
            raw = media.startswith("image/") or media == "application/octet-stream"
            content[media] = {"schema": {"type": "string", "format": "binary"} if raw else schema}
        return content

    def _response_schema(self, page: Page) -> dict[str, Any] | None:
        response = page.response
        name = self._response_component(page)
        if name is not None:
            return {"$ref": _REF + name}
        if response.properties:
            return self._object(response.properties, response.description)
        if response.type is None:
            return None
        schema = self._type_schema(response.type)
        if response.description and "$ref" not in schema:
            schema["description"] = _clean(response.description)
        return schema

    def _response_component(self, page: Page) -> str | None:
        """The named type the response is: ``Response: Name``, or 'Carrier object for Name'."""
        response = page.response
        name = response.type.name if response.type and response.type.kind == "component" else None
        carrier = _CARRIER.search(response.description)
        if name is None and carrier and response.properties:
            name = carrier.group(1)
        if name is None or not response.properties:
            return name if name in docpages.KNOWN_COMPONENTS else None
        self._define(name, self._object(response.properties, response.description), page)
        return name

    def _response_example(self, page: Page, responses: dict[str, Any]) -> None:
        sample = page.sample_response
        if sample is None or not sample.has_body:
            return
        content = responses.get(sample.status, {}).get("content", {})
        media = _media_type(sample.headers)
        if media in content:
            content[media]["example"] = sample.body
            return
        where = (
            f"as {media}, which the operation does not answer with"
            if content
            else f"for {sample.status}, which has no documented body"
        )
        self.notes.append(
            f"{_op(page)}: the sample response has a body {where}; it is not used as an example."
        )

    # -- schemas -------------------------------------------------------------------------------

    def _type_schema(self, doc_type: DocType) -> dict[str, Any]:
        schema: dict[str, Any]
        if doc_type.kind == "component" and self._describable(doc_type.name):
            self._wanted.add(doc_type.name)
            schema = {"$ref": _REF + doc_type.name}
        elif doc_type.kind == "scalar":
            kind, fmt = docpages.SCALARS[doc_type.name]
            schema = {"type": kind, "format": fmt} if fmt else {"type": kind}
        elif doc_type.kind == "enum":
            schema = {"type": "string", "enum": list(doc_type.members)}
        else:
            schema = {"type": "object"}
        return {"type": "array", "items": schema} if doc_type.array else schema

    def _object(self, fields: Sequence[Field], description: str) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "object"}
        if description:
            schema["description"] = _clean(description)
        properties = {}
        for field in fields:
            properties[field.name] = self._type_schema(field.type)
            # OpenAPI 3.0 ignores keywords beside a $ref, so a reference keeps no description.
            if field.description and "$ref" not in properties[field.name]:
                properties[field.name]["description"] = _clean(field.description)
        schema["properties"] = properties
        return schema

    def _describable(self, name: str) -> bool:
        """Whether a named type has a property table: from a page (read first) or the module."""
        if name in self.schemas or name in docpages.KNOWN_COMPONENTS:
            return True
        note = f"The type {name} is named but no page describes it; it is a free-form object."
        if note not in self.notes:
            self.notes.append(note)
        return False

    def _define(self, name: str, schema: dict[str, Any], page: Page) -> None:
        if name not in self.schemas:
            self.schemas[name], self._schema_pages[name] = schema, _op(page)
        elif shape(self.schemas[name]) != shape(schema):
            note = (
                f"{name} has different property tables in {self._schema_pages[name]} "
                f"and {_op(page)}; the first is kept."
            )
            if note not in self.notes:
                self.notes.append(note)

    def _known_components(self) -> None:
        """Named types the pages refer to but do not define, from docpages' table."""
        while self._wanted - set(self.schemas):
            name = sorted(self._wanted - set(self.schemas))[0]
            fields = docpages.known_component(name)
            self.schemas[name] = self._object(fields, "")
            self._schema_pages[name] = "mockso.docpages.KNOWN_COMPONENTS"


def shape(schema: Mapping[str, Any]) -> dict[str, Any]:
    """A component's property names with their types (type, format, $ref, enum, items)."""

    def of(node: Mapping[str, Any]) -> tuple[Any, ...]:
        items = node.get("items")
        return (
            node.get("type"),
            node.get("format"),
            node.get("$ref"),
            tuple(node.get("enum", ())),
            of(items) if isinstance(items, Mapping) else None,
        )

    return {name: of(node) for name, node in schema.get("properties", {}).items()}


def _version(pages: Sequence[Page]) -> str:
    found = {m for p in pages for m in re.findall(r"/(v\d+)/", p.path + "/")}
    return ", ".join(sorted(found)) or "unversioned"


def _tag(page: Page) -> str:
    return entity_of_path(page.path)


def _op(page: Page) -> str:
    return f"{page.method} {page.path}"


def _clean(text: str) -> str:
    return _SEE_CREF.sub(r"\1", text).strip()


def _phrase(code: str) -> str:
    try:
        return http.HTTPStatus(int(code)).phrase
    except ValueError:
        return code


def _is_object(schema: Mapping[str, Any]) -> bool:
    return "$ref" in schema or schema.get("type") == "object"


def _media_type(headers: Iterable[tuple[str, str]]) -> str:
    value = next((v for k, v in headers if k.lower() == "content-type"), "")
    return value.partition(";")[0].strip().lower()


def _typed(text: str, schema: Mapping[str, Any]) -> Any:
    if schema.get("type") == "integer" and re.fullmatch(r"-?\d+", text):
        return int(text)
    if schema.get("type") == "boolean" and text.lower() in ("true", "false"):
        return text.lower() == "true"
    return text


# -- inconsistencies between pages -------------------------------------------------------------


def inconsistencies(pages: Sequence[Page]) -> list[str]:
    """What the pages say differently where they describe the same thing, in words."""
    notes = [*_casing_notes(pages), *_sibling_notes(pages), *_entity_id_notes(pages)]
    for page in pages:
        notes += _sample_notes(page)
    return notes


def _shape_of(path: str) -> str:
    """``/api/v1/Project/{projectId}/Image`` → ``/api/v1/*/{}/Image``: the same route per entity."""
    entity = entity_of_path(path)
    parts = ["*" if s == entity else re.sub(r"\{\w+\}", "{}", s) for s in path.split("/")]
    return "/".join(parts)


def _casing_notes(pages: Sequence[Page]) -> Iterator[str]:
    groups: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for page in pages:
        groups[_shape_of(page.path).lower()][_shape_of(page.path)].append(_op(page))
    for spellings in groups.values():
        if len(spellings) > 1:
            listed = "; ".join(
                f"`{spelling}` in {', '.join(ops)}" for spelling, ops in sorted(spellings.items())
            )
            yield f"Routes differ only in letter case: {listed}."


def _sibling_notes(pages: Sequence[Page]) -> Iterator[str]:
    """The same route of different entities (e.g. POST .../Image) documented differently."""
    groups: dict[tuple[str, str], list[Page]] = defaultdict(list)
    for page in pages:
        groups[(page.method, _shape_of(page.path).lower())].append(page)
    for (method, _), siblings in sorted(groups.items()):
        if len(siblings) > 1:
            yield from _code_notes(method, siblings)
            yield from _query_notes(method, siblings)


def _code_notes(method: str, siblings: list[Page]) -> Iterator[str]:
    route = f"{method} {_shape_of(siblings[0].path)}"
    codes = {_tag(p): ", ".join(sorted(dict(p.response.codes))) for p in siblings}
    if len(set(codes.values())) > 1:
        listed = "; ".join(f"{entity}: {c}" for entity, c in sorted(codes.items()))
        yield f"{route} documents different response codes per entity: {listed}."
    errors = sorted({c for p in siblings for c, _ in p.response.codes if c[0] in "45"})
    for code in errors:
        texts = {
            _tag(p): dict(p.response.codes)[code]
            for p in siblings
            if code in dict(p.response.codes)
        }
        if len(set(texts.values())) > 1:
            listed = "; ".join(f'{entity}: "{text}"' for entity, text in sorted(texts.items()))
            yield f"{code} of {route} is described differently per entity: {listed}."


def _query_notes(method: str, siblings: list[Page]) -> Iterator[str]:
    names = {_tag(p): ", ".join(f.name for f in p.query) or "none" for p in siblings}
    if len(set(names.values())) > 1:
        listed = "; ".join(f"{entity}: {n}" for entity, n in sorted(names.items()))
        yield (
            f"{method} {_shape_of(siblings[0].path)} takes different query parameters "
            f"per entity: {listed}."
        )


def _entity_id_notes(pages: Sequence[Page]) -> Iterator[str]:
    """One entity named by different path parts (Project's ``{id}`` next to ``{projectId}``)."""
    by_entity: dict[str, dict[str, list[Page]]] = defaultdict(lambda: defaultdict(list))
    for page in pages:
        segments = page.path.split("/")
        entity = entity_of_path(page.path)
        index = segments.index(entity) + 1 if entity in segments else len(segments)
        match = re.fullmatch(r"\{(\w+)\}", segments[index]) if index < len(segments) else None
        if match:
            by_entity[entity][match.group(1)].append(page)
    for entity, names in sorted(by_entity.items()):
        if len(names) > 1:
            listed = "; ".join(
                f"`{{{name}}}` in {', '.join(_op(p) for p in named)}"
                for name, named in sorted(names.items())
            )
            also = [
                f"{_op(p)} takes `{f.name}` as a query parameter"
                for named in names.values()
                for p in named
                for f in p.query
                if f.name in names
            ]
            extra = f" ({'; '.join(also)})" if also else ""
            yield f"{entity} is named by different path parts: {listed}{extra}."


def _sample_notes(page: Page) -> Iterator[str]:
    sample = page.sample_request
    if sample is not None and (sample.method, sample.path) != (page.method, page.path):
        yield f"{_op(page)}: the sample request is {sample.method} {sample.path}."
    if sample is not None:
        missing = [f.name for f in page.query if f.required and f.name not in sample.query]
        if missing:
            yield (
                f"{_op(page)}: the sample request leaves out the required query parameter "
                f"{', '.join(missing)}."
            )
    answer = page.sample_response
    if answer is not None and answer.status not in dict(page.response.codes):
        yield f"{_op(page)}: the sample response's status {answer.status} is not documented."
    response = page.response
    if response.body_type_text is not None and response.body_type_text != response.type_text:
        yield (
            f"{_op(page)}: 'Response: {response.type_text}' but "
            f"'Response body: {response.body_type_text}'."
        )


# -- merging into an existing contract ---------------------------------------------------------


def merge(
    existing: Mapping[str, Any], built: Mapping[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """``existing`` with the built operations added or replacing theirs; and what to note."""
    document: dict[str, Any] = _fresh(existing)
    notes: list[str] = []
    renames = _scheme_renames(document, built)
    document.setdefault("security", _renamed(built.get("security", []), renames))
    paths = document.setdefault("paths", {})
    for path, item in built["paths"].items():
        for method, op in item.items():
            security = op.get("security", built.get("security", []))
            op = {k: v for k, v in op.items() if k != "security"}
            if _renamed(security, renames) != document["security"]:
                op["security"] = _renamed(security, renames)
            notes += _replace(paths, path, method, op)
    notes += _add_components(document, built, renames)
    known = {tag.get("name") for tag in document.setdefault("tags", [])}
    document["tags"] += [tag for tag in built.get("tags", []) if tag["name"] not in known]
    return document, notes


def _scheme_identity(scheme: Mapping[str, Any]) -> tuple[str, str]:
    if scheme.get("type") == "http":
        return "http", str(scheme.get("scheme", "")).lower()
    return str(scheme.get("type")), f"{scheme.get('in')}:{str(scheme.get('name', '')).lower()}"


def _scheme_renames(existing: Mapping[str, Any], built: Mapping[str, Any]) -> dict[str, str]:
    """Built security scheme names → the existing contract's names for the same scheme."""
    ours = existing.get("components", {}).get("securitySchemes", {})
    by_identity = {_scheme_identity(s): name for name, s in ours.items()}
    theirs = built.get("components", {}).get("securitySchemes", {})
    return {
        name: by_identity.get(_scheme_identity(scheme), name) for name, scheme in theirs.items()
    }


def _renamed(requirements: list[Any], renames: Mapping[str, str]) -> list[dict[str, Any]]:
    return [{renames.get(k, k): v for k, v in r.items()} for r in requirements]


def _replace(paths: dict[str, Any], path: str, method: str, op: dict[str, Any]) -> list[str]:
    """Put ``op`` at path/method; keep the replaced one's x- keys and, if ours is derived, id."""
    notes = []
    old = paths.get(path, {}).get(method)
    if old is not None:
        if op.get(DERIVED_ID) and old.get("operationId"):
            notes.append(
                f"{method.upper()} {path}: the page shows no operation id; the existing "
                f"`{old['operationId']}` is kept (instead of `{op['operationId']}`)."
            )
            del op[DERIVED_ID]
            op["operationId"] = old["operationId"]
        op.update({k: v for k, v in old.items() if k.startswith("x-") and k not in op})
    for other_path, item in list(paths.items()):
        for other_method, other in list(item.items()):
            same_place = (other_path, other_method) == (path, method)
            if (
                isinstance(other, Mapping)
                and not same_place
                and (other.get("operationId") == op["operationId"])
            ):
                del item[other_method]
                notes.append(
                    f"{op['operationId']} moved from {other_method.upper()} {other_path} "
                    f"to {method.upper()} {path}, as the page says."
                )
        if not item:
            del paths[other_path]
    paths.setdefault(path, {})[method] = op
    return notes


def _add_components(
    document: dict[str, Any], built: Mapping[str, Any], renames: Mapping[str, str]
) -> list[str]:
    """Add the built components the document lacks; existing ones (and their extras) stay."""
    notes = []
    components = document.setdefault("components", {})
    for section, items in built.get("components", {}).items():
        target = components.setdefault(section, {})
        for name, value in items.items():
            if section == "securitySchemes" and renames.get(name, name) in target:
                continue
            if name not in target:
                target[name] = value
            elif section == "schemas" and shape(target[name]) != shape(value):
                notes.append(
                    f"components.schemas.{name}: the existing definition is kept; the pages' "
                    "property table differs from it."
                )
    return notes


# -- info.description ----------------------------------------------------------------------------


def _described(
    previous: str,
    pages: Sequence[Page],
    notes: tuple[Sequence[str], Sequence[str]],
    document: Mapping[str, Any],
) -> str:
    """``previous`` without an earlier build section, then this build's section."""
    kept = previous.split(BUILD_HEADING, 1)[0].rstrip()
    inconsistent, merged = notes
    sources = ", ".join(sorted(Path(p.source).name for p in pages))
    lines = [
        BUILD_HEADING,
        "",
        f"`mockso contract build` read {len(pages)} SuperOffice REST reference pages "
        f"({sources}). Operation ids, paths, parameters, media types, status codes, schemas "
        "and examples are theirs.",
        "",
        "Derived here, because the pages do not state it:",
        "",
        *(f"* {item}" for item in _derivations(pages, document)),
        "",
        "Inconsistencies in the docs:",
        "",
        *(f"{n}. {note}" for n, note in enumerate(dict.fromkeys(inconsistent), 1)),
    ]
    if not inconsistent:
        lines.append("None found among these pages.")
    if merged:
        lines += ["", "Merged into an existing contract:", "", *(f"* {note}" for note in merged)]
    section = "\n".join(lines) + "\n"
    return f"{kept}\n\n{section}" if kept else section


def _derivations(pages: Sequence[Page], document: Mapping[str, Any]) -> list[str]:
    items = ["Each operation's tag is its entity, the path segment after the version."]
    for path, item in document.get("paths", {}).items():
        for method, op in item.items():
            if isinstance(op, Mapping) and op.get(DERIVED_ID):
                items.append(
                    f"`{op['operationId']}` ({method.upper()} {path}): the page's plain "
                    "rendering shows no operation id, so it is made from method and path."
                )
    untyped = sorted(
        {(f.type.name, f.name) for p in pages for f in _all_fields(p) if f.type.untyped}
    )
    resolved = [f"{prop} → {name}" for name, prop in untyped if name]
    free = [prop for name, prop in untyped if not name]
    if resolved:
        items.append(
            "Untyped properties are named types, by property name "
            f"(`mockso.docpages.COMPONENT_OF_PROPERTY`): {', '.join(resolved)}."
        )
    if free:
        items.append(
            f"Untyped properties with no known type are free-form objects: {', '.join(free)}."
        )
    return items


def _all_fields(page: Page) -> Iterator[Field]:
    yield from page.response.properties
    if page.body is not None:
        yield from page.body.properties
