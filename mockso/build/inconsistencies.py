"""What the reference pages say differently where they describe the same thing, in words.

The same route of different entities (``POST .../Image`` for Project and Person) should document
the same codes and query parameters; routes should not differ only in letter case; one entity
should be named by one path part; and a page's samples should match the page. Each finding is
one sentence for the contract's ``info.description``. No Flask import.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from collections.abc import Sequence

from mockso.build.model import Page
from mockso.build.wording import entity_of_path
from mockso.build.wording import label
from mockso.build.wording import tag


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
        groups[_shape_of(page.path).lower()][_shape_of(page.path)].append(label(page))
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
    codes = {tag(p): ", ".join(sorted(dict(p.response.codes))) for p in siblings}
    if len(set(codes.values())) > 1:
        listed = "; ".join(f"{entity}: {c}" for entity, c in sorted(codes.items()))
        yield f"{route} documents different response codes per entity: {listed}."
    errors = sorted({c for p in siblings for c, _ in p.response.codes if c[0] in "45"})
    for code in errors:
        texts = {
            tag(p): dict(p.response.codes)[code] for p in siblings if code in dict(p.response.codes)
        }
        if len(set(texts.values())) > 1:
            listed = "; ".join(f'{entity}: "{text}"' for entity, text in sorted(texts.items()))
            yield f"{code} of {route} is described differently per entity: {listed}."


def _query_notes(method: str, siblings: list[Page]) -> Iterator[str]:
    names = {tag(p): ", ".join(f.name for f in p.query) or "none" for p in siblings}
    if len(set(names.values())) > 1:
        listed = "; ".join(f"{entity}: {n}" for entity, n in sorted(names.items()))
        yield (
            f"{method} {_shape_of(siblings[0].path)} takes different query parameters "
            f"per entity: {listed}."
        )


def _entity_id_notes(pages: Sequence[Page]) -> Iterator[str]:
    """One entity named by different path parts (Project's ``{id}`` next to ``{projectId}``)."""
    by_entity = _id_parts(pages)
    for entity, names in sorted(by_entity.items()):
        if len(names) > 1:
            listed = "; ".join(
                f"`{{{name}}}` in {', '.join(label(p) for p in named)}"
                for name, named in sorted(names.items())
            )
            also = [
                f"{label(p)} takes `{f.name}` as a query parameter"
                for named in names.values()
                for p in named
                for f in p.query
                if f.name in names
            ]
            extra = f" ({'; '.join(also)})" if also else ""
            yield f"{entity} is named by different path parts: {listed}{extra}."


def _id_parts(pages: Sequence[Page]) -> dict[str, dict[str, list[Page]]]:
    """Entity → the name of the path part right after it → the pages that use that name."""
    by_entity: dict[str, dict[str, list[Page]]] = defaultdict(lambda: defaultdict(list))
    for page in pages:
        segments = page.path.split("/")
        entity = entity_of_path(page.path)
        index = segments.index(entity) + 1 if entity in segments else len(segments)
        match = re.fullmatch(r"\{(\w+)\}", segments[index]) if index < len(segments) else None
        if match:
            by_entity[entity][match.group(1)].append(page)
    return by_entity


def _sample_notes(page: Page) -> Iterator[str]:
    sample = page.sample_request
    if sample is not None and (sample.method, sample.path) != (page.method, page.path):
        yield f"{label(page)}: the sample request is {sample.method} {sample.path}."
    if sample is not None:
        missing = [f.name for f in page.query if f.required and f.name not in sample.query]
        if missing:
            yield (
                f"{label(page)}: the sample request leaves out the required query parameter "
                f"{', '.join(missing)}."
            )
    answer = page.sample_response
    if answer is not None and answer.status not in dict(page.response.codes):
        yield f"{label(page)}: the sample response's status {answer.status} is not documented."
    response = page.response
    if response.body_type_text is not None and response.body_type_text != response.type_text:
        yield (
            f"{label(page)}: 'Response: {response.type_text}' but "
            f"'Response body: {response.body_type_text}'."
        )
