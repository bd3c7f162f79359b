"""An operation's request body and responses: media types, schemas and the samples as examples.

The request body takes the Content-Type row's media types; the first 2xx response (not 204)
takes the Accept row's, with raw bytes for image and octet-stream types. A response with a
property table is a named component when the page names its type (``Response: Name`` or
"Carrier object for Name"). A sample becomes an example only where its media type and status
fit; otherwise the build notes why not. No Flask import.
"""

from __future__ import annotations

import http
import re
from collections.abc import Iterable
from collections.abc import Mapping
from typing import Any

from mockso.build.components import REF
from mockso.build.components import Components
from mockso.build.doctypes import KNOWN_COMPONENTS
from mockso.build.model import Page
from mockso.build.wording import clean
from mockso.build.wording import label

_CARRIER = re.compile(r"Carrier object for (\w+)")


def request_body(page: Page, components: Components) -> dict[str, Any]:
    """The ``requestBody`` of a page that has a Request Body section."""
    body = page.body
    assert body is not None
    schema = _body_schema(page, components)
    content: dict[str, Any] = {}
    for media in body.content_types:
        if media == "multipart/form-data" and not _is_object(schema):
            content[media] = {"schema": {"type": "object", "properties": {body.name: schema}}}
        else:
            content[media] = {"schema": schema}
    _request_example(page, content, components)
    result: dict[str, Any] = {}
    if body.description:
        result["description"] = clean(body.description)
    result["content"] = content
    return result


def _body_schema(page: Page, components: Components) -> dict[str, Any]:
    body = page.body
    assert body is not None
    if body.properties:
        carrier = response_component(page, components)
        response_rows = {(f.name, f.type) for f in page.response.properties}
        if carrier and {(f.name, f.type) for f in body.properties} <= response_rows:
            return {"$ref": REF + carrier}  # the carrier's request table lists a subset
        return components.object_schema(body.properties, "")
    if body.type is not None:
        return components.type_schema(body.type)
    return {}


def _request_example(page: Page, content: dict[str, Any], components: Components) -> None:
    sample = page.sample_request
    if sample is None or not sample.has_body:
        return
    media = _media_type(sample.headers)
    if media in content:
        content[media]["example"] = sample.body
    else:
        components.notes.append(
            f"{label(page)}: the sample request's body is sent as {media or 'no media type'}, "
            "which the Content-Type row does not list; the sample is not used as an example."
        )


def responses(page: Page, components: Components) -> dict[str, Any]:
    """One response per documented code; only the first success has content."""
    success = next((code for code, _ in sorted(page.response.codes) if code[0] == "2"), None)
    result: dict[str, Any] = {}
    for code, text in sorted(page.response.codes):
        response: dict[str, Any] = {"description": clean(text) or _phrase(code)}
        has_content = code == success and code != "204"
        content = _response_content(page, components) if has_content else {}
        if content:
            response["content"] = content
        result[code] = response
    _response_example(page, result, components)
    return result


def _response_content(page: Page, components: Components) -> dict[str, Any]:
    schema = _response_schema(page, components)
    if schema is None:
        return {}
    content = {}
    for media in page.accept:
        raw = media.startswith("image/") or media == "application/octet-stream"
        content[media] = {"schema": {"type": "string", "format": "binary"} if raw else schema}
    return content


def _response_schema(page: Page, components: Components) -> dict[str, Any] | None:
    response = page.response
    name = response_component(page, components)
    if name is not None:
        return {"$ref": REF + name}
    if response.properties:
        return components.object_schema(response.properties, response.description)
    if response.type is None:
        return None
    schema = components.type_schema(response.type)
    if response.description and "$ref" not in schema:
        schema["description"] = clean(response.description)
    return schema


def response_component(page: Page, components: Components) -> str | None:
    """The named type the response is: ``Response: Name``, or 'Carrier object for Name'."""
    response = page.response
    name = response.type.name if response.type and response.type.kind == "component" else None
    carrier = _CARRIER.search(response.description)
    if name is None and carrier and response.properties:
        name = carrier.group(1)
    if name is None or not response.properties:
        return name if name in KNOWN_COMPONENTS else None
    schema = components.object_schema(response.properties, response.description)
    components.define(name, schema, page)
    return name


def _response_example(page: Page, result: dict[str, Any], components: Components) -> None:
    sample = page.sample_response
    if sample is None or not sample.has_body:
        return
    content = result.get(sample.status, {}).get("content", {})
    media = _media_type(sample.headers)
    if media in content:
        content[media]["example"] = sample.body
        return
    where = (
        f"as {media}, which the operation does not answer with"
        if content
        else f"for {sample.status}, which has no documented body"
    )
    components.notes.append(
        f"{label(page)}: the sample response has a body {where}; it is not used as an example."
    )


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
