"""An operation's parameters and security requirements, from its page's tables.

Path parts and query parameters become inline parameters (a query example from the page's query
string example); header rows become shared ``components.parameters``. The Authorization and
X-XSRF-TOKEN rows are not parameters: they say which security schemes apply, and Accept and
Content-Type are said by the media types instead. No Flask import.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from mockso.build.components import Components
from mockso.build.model import Field
from mockso.build.model import HeaderRow
from mockso.build.model import Page
from mockso.build.wording import clean
from mockso.build.wording import label

# OpenAPI ignores header parameters with these names: media types and security say it instead.
_NOT_PARAMETERS = ("authorization", "accept", "content-type")
_XSRF_HEADER = "x-xsrf-token"


def parameters(page: Page, components: Components) -> list[dict[str, Any]]:
    """The page's path, query and header parameters, in that order."""
    found = [_parameter(f, "path", page, components) for f in page.path_parts]
    found += [_parameter(f, "query", page, components) for f in page.query]
    for row in page.headers:
        if row.name.lower() not in (*_NOT_PARAMETERS, _XSRF_HEADER):
            found.append(_header(row, page, components))
    return found


def _parameter(field: Field, where: str, page: Page, components: Components) -> dict[str, Any]:
    if where == "path" and not field.required:
        components.notes.append(
            f"{label(page)}: the path part `{field.name}` is not marked Required "
            "(OpenAPI makes every path parameter required)."
        )
    parameter: dict[str, Any] = {
        "name": field.name,
        "in": where,
        "required": field.required or where == "path",
    }
    if field.description:
        parameter["description"] = clean(field.description)
    parameter["schema"] = components.type_schema(field.type)
    example = dict(page.query_example).get(field.name) if where == "query" else None
    if example is not None:
        parameter["example"] = _typed(example, parameter["schema"])
    return parameter


def _typed(text: str, schema: Mapping[str, Any]) -> Any:
    """The query string example's text as the value the schema types it as."""
    if schema.get("type") == "integer" and re.fullmatch(r"-?\d+", text):
        return int(text)
    if schema.get("type") == "boolean" and text.lower() in ("true", "false"):
        return text.lower() == "true"
    return text


def _header(row: HeaderRow, page: Page, components: Components) -> dict[str, str]:
    """A ``$ref`` to the shared header parameter; the first page's description is kept."""
    name = re.sub(r"[^A-Za-z0-9]", "", row.name)
    parameter = {
        "name": row.name,
        "in": "header",
        "required": False,
        "description": clean(row.description),
        "schema": {"type": "string"},
    }
    known = components.parameters.setdefault(name, parameter)
    if known["description"] != parameter["description"]:
        components.notes.append(
            f"The header {row.name} is described differently in {label(page)}: "
            f'"{row.description}" (kept: "{known["description"]}").'
        )
    return {"$ref": f"#/components/parameters/{name}"}


def security(page: Page, components: Components) -> list[dict[str, list[str]]]:
    """One requirement per scheme the Authorization row names, and one for an XSRF row."""
    requirements: list[dict[str, list[str]]] = []
    for row in page.headers:
        if row.name.lower() == "authorization":
            for scheme in re.findall(r"'([A-Za-z][\w-]*)'", row.description):
                requirements.append({_http_scheme(scheme, row.description, components): []})
        elif row.name.lower() == _XSRF_HEADER:
            components.security_schemes.setdefault(
                "XsrfToken",
                {
                    "type": "apiKey",
                    "in": "header",
                    "name": row.name,
                    "description": clean(row.description),
                },
            )
            requirements.append({"XsrfToken": []})
    return requirements


def _http_scheme(scheme: str, description: str, components: Components) -> str:
    # RFC 7235 scheme names are case-insensitive; the registered ones are written lowercase.
    registered = scheme.lower() in ("basic", "bearer")
    components.security_schemes.setdefault(
        scheme,
        {
            "type": "http",
            "scheme": scheme.lower() if registered else scheme,
            "description": f"`Authorization: {scheme} ...`. {clean(description)}",
        },
    )
    return scheme
