"""Turn SuperOffice REST reference pages into one OpenAPI 3.0.3 document (``contract build``).

Every fact in the output comes from a page (see ``pages``): paths, methods, operationIds,
path/query/header parameters, request media types and body schemas, response codes with their
descriptions, the answer's media types and schema, and the samples as examples. What the pages do
not state is not invented; the few things derived here (an operationId for a page rendering that
shows none, named types of untyped properties, one tag per entity from the path) are listed in
the document's ``info.description``, together with the inconsistencies between the pages.

Output is deterministic: pages are read in a sorted order, paths are sorted, and dumping never
writes YAML anchors, so the same pages give byte-identical YAML whatever order they come in.
``merge`` adds the operations to an existing contract instead.

This module is the entry point and writes the build's section of ``info.description``; the work
is done by ``operations`` (with ``components``, ``parameters`` and ``bodies``),
``inconsistencies``, ``merging`` and ``yamldump``, whose public names are re-exported here.
No Flask import.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mockso.build import operations
from mockso.build.components import shape
from mockso.build.inconsistencies import inconsistencies
from mockso.build.merging import merge
from mockso.build.model import Field
from mockso.build.model import Page
from mockso.build.model import UnknownPage
from mockso.build.operations import DERIVED_ID
from mockso.build.operations import OPENAPI_VERSION
from mockso.build.pages import parse_file
from mockso.build.wording import entity_of_path
from mockso.build.wording import label
from mockso.build.yamldump import dump
from mockso.build.yamldump import fresh

__all__ = [
    "BUILD_HEADING",
    "DERIVED_ID",
    "OPENAPI_VERSION",
    "BuildError",
    "build",
    "dump",
    "entity_of_path",
    "inconsistencies",
    "merge",
    "read_pages",
    "shape",
]

BUILD_HEADING = "### Built from the reference pages"
_METHOD_ORDER = ("get", "put", "post", "delete", "patch", "head", "options")


class BuildError(ValueError):
    """Pages that cannot make one document (none at all, or two that clash)."""


def read_pages(paths: Iterable[str | Path]) -> tuple[list[Page], list[str]]:
    """The reference pages among ``paths`` and one message per file that is not one."""
    pages, skipped = [], []
    for path in paths:
        try:
            pages.append(parse_file(path))
        except UnknownPage as error:
            skipped.append(str(error))
    return pages, skipped


def build(pages: Sequence[Page], existing: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """One OpenAPI document from the pages, or ``existing`` with their operations merged in."""
    if not pages:
        raise BuildError("none of the inputs is a REST reference page")
    ordered = _unique(sorted(pages, key=_page_key))
    document, build_notes = operations.document(ordered)
    notes = [*inconsistencies(ordered), *build_notes]
    merged: list[str] = []
    if existing is not None:
        document, merged = merge(existing, document)
    info = document["info"]
    previous = info.get("description", "")
    info["description"] = _described(previous, ordered, (notes, merged), document)
    built: dict[str, Any] = fresh(document)
    return built


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
                raise BuildError(f"{other.source} and {page.source} both describe {label(page)}")
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


# -- info.description ----------------------------------------------------------------------------


def _described(
    previous: str,
    pages: Sequence[Page],
    notes: tuple[Sequence[str], Sequence[str]],
    document: Mapping[str, Any],
) -> str:
    """``previous`` without an earlier build section, then this build's section."""
    kept = previous.split(BUILD_HEADING, 1)[0].rstrip()
    section = "\n".join(_build_section(pages, notes, document)) + "\n"
    return f"{kept}\n\n{section}" if kept else section


def _build_section(
    pages: Sequence[Page],
    notes: tuple[Sequence[str], Sequence[str]],
    document: Mapping[str, Any],
) -> list[str]:
    """The lines of this build's section: sources, derivations, inconsistencies, merge notes."""
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
    return lines


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
            f"(`mockso.build.pages.COMPONENT_OF_PROPERTY`): {', '.join(resolved)}."
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
