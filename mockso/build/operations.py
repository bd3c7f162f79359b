"""One OpenAPI document from ordered reference pages: one operation per page.

Named types the pages define are collected before any operation is built, so that a page's own
property table wins over ``doctypes.KNOWN_COMPONENTS``. The security requirement of the first
operation becomes the document's; operations that need the same drop theirs. An operation whose
id the page did not show carries ``DERIVED_ID``. No Flask import.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from mockso.build import bodies
from mockso.build import parameters
from mockso.build.components import Components
from mockso.build.model import Page
from mockso.build.wording import clean
from mockso.build.wording import tag

OPENAPI_VERSION = "3.0.3"
DERIVED_ID = "x-mockso-derived-operation-id"


def document(pages: Sequence[Page]) -> tuple[dict[str, Any], list[str]]:
    """The document built from ``pages`` (in the order given), and the notes made on the way."""
    components = Components()
    for page in pages:  # named types defined by pages first: they win over the module's
        bodies.response_component(page, components)
    paths: dict[str, dict[str, Any]] = {}
    for page in pages:
        paths.setdefault(page.path, {})[page.method.lower()] = operation(page, components)
    components.complete()
    operations = [op for item in paths.values() for op in item.values()]
    root = operations[0]["security"]
    for op in operations:
        if op["security"] == root:
            del op["security"]
    built = {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "SuperOffice WebAPI (built from its reference pages)",
            "version": _version(pages),
        },
        "security": root,
        "tags": [{"name": name} for name in sorted({tag(p) for p in pages})],
        "paths": {path: paths[path] for path in sorted(paths)},
        "components": components.sections(),
    }
    return built, components.notes


def operation(page: Page, components: Components) -> dict[str, Any]:
    """The operation one page describes, with its own security requirement."""
    op: dict[str, Any] = {"operationId": page.operation_id, "tags": [tag(page)]}
    if page.id_derived:
        op[DERIVED_ID] = True
    if page.summary:
        op["summary"] = clean(page.summary)
    if page.description:
        op["description"] = clean(page.description)
    found = parameters.parameters(page, components)
    if found:
        op["parameters"] = found
    if page.body is not None:
        op["requestBody"] = bodies.request_body(page, components)
    op["responses"] = bodies.responses(page, components)
    op["security"] = parameters.security(page, components)
    return op


def _version(pages: Sequence[Page]) -> str:
    found = {m for p in pages for m in re.findall(r"/(v\d+)/", p.path + "/")}
    return ", ".join(sorted(found)) or "unversioned"
