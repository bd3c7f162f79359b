"""What schemathesis must know about mockso's contract that JSON Schema alone cannot say.

Loaded by ``tests/test_fuzz.py`` (an import) and by ``make fuzz URL=...`` (``SCHEMATHESIS_HOOKS``).
Nothing here switches a check off; it tells schemathesis what the contract's bodies look like on
the wire, so that "valid" and "invalid" mean what they mean to a SuperOffice client:

* **Pictures.** A body declared as an image media type, or the ``image`` part of a form whose
  ``encoding`` names them, is a picture; ``type: string, format: binary`` alone would have random
  bytes pass for valid data, which mockso rightly refuses. Real PNG, JPEG, GIF and TIFF files of
  a few sizes and colour modes are sent instead.
* **Local dates.** ``date-time`` admits the local form without an offset that SuperOffice writes
  under an ``SO-TimeZone`` header without ``, includeTZOffset`` (documented in the contract).
  Response conformance keeps checking every date, with mockso's own format check, the one its
  strict mode uses, rather than not checking formats at all.
* **DataContract XML.** XML bodies are written as .NET's DataContractSerializer writes them: a
  null is ``i:nil="true"`` (schemathesis's generic writer sends the text ``null``, which no .NET
  reader takes for a null object).
* **Nested form fields.** Form bodies write nested objects as ``UpdatedBy[Name]=...``, the
  ``deepObject`` style the contract declares; schemathesis's own form serializer leaves nested
  objects to the HTTP client, which sends only their keys or, under WSGI, nothing at all.
* **Text on the wire.** XML and form bodies are text: an integer sent where the contract wants a
  string arrives as a perfectly good string, and an empty element or field for an object is one
  with no members. Schemathesis reads form bodies "as sent" before calling a schema-violating
  request accepted (ST201), except for that last rule; XML it does not read at all.
  ``filter_failure`` below drops an ST201 only when the body is the one invalid part of the
  request and the bytes actually sent, read by the media type's own rules, satisfy the schema.
* **Placeholders.** ``GET .../Image?ifBlank=SrNoPhoto`` (or any placeholder but ``Null``) asks
  for a stand-in picture when none is stored, so after a DELETE its 200 is the contract's
  documented placeholder, not the deleted picture: that one use-after-free report (ST301) is
  dropped. (The stateful test's model checks that such an answer is not the deleted picture.)

* **Leniency.** mockso reads requests as the real server does (``requests: lenient``): it takes
  some schema-violating requests (``ifBlank=clearpixel``, unknown members, ``"true"`` for a
  boolean, ``PUT .../Imageinfo`` for the twin ``.../ImageInfo``) and journals each as a
  deviation. Such an ST201 (or ST204/ST205: a method, or an ``Allow`` listing, that only the
  twin spelling has) is dropped only
  when the mock journaled a deviation for that very request; one taken silently stays a
  failure. Under
  ``requests: strict`` nothing is taken, so nothing is dropped this way.

``DROPPED`` lists what ``filter_failure`` dropped, ``LEANED`` what it dropped for a journaled
deviation, and the report counts both.
"""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl
from urllib.parse import unquote
from urllib.parse import urlencode
from urllib.parse import urlsplit

import requests
import schemathesis
from hypothesis import strategies as st
from openapi_schema_validator import OAS30WriteValidator
from PIL import Image
from schemathesis.core.failures import AcceptedNegativeData
from schemathesis.core.failures import Failure
from schemathesis.core.jsonschema import DRAFT4_SUPPLEMENTAL_FORMATS
from schemathesis.core.parameters import ParameterLocation
from schemathesis.openapi.checks import AllowHeaderMismatch
from schemathesis.openapi.checks import UnsupportedMethodResponse
from schemathesis.openapi.checks import UseAfterFree

from mockso.core.contract import Contract
from mockso.core.validation import FORMAT_CHECKER

CONTRACT = Contract.from_path()
XSI = "http://www.w3.org/2001/XMLSchema-instance"

# --- pictures --------------------------------------------------------------------------------

# (format, mode, width, height): small, but each format in several shapes and colour modes.
_SHAPES = {
    "image/png": [
        ("PNG", "RGB", 1, 1),
        ("PNG", "RGBA", 7, 3),
        ("PNG", "P", 16, 16),
        ("PNG", "L", 2, 40),
    ],
    "image/jpeg": [("JPEG", "RGB", 1, 1), ("JPEG", "RGB", 33, 17), ("JPEG", "L", 8, 8)],
    "image/gif": [("GIF", "P", 1, 1), ("GIF", "P", 20, 10)],
    "image/tiff": [("TIFF", "RGB", 1, 1), ("TIFF", "L", 9, 4)],
}


def _picture(fmt: str, mode: str, width: int, height: int) -> bytes:
    image = Image.linear_gradient("L").resize((width, height)).convert(mode)
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


PICTURES = {
    media_type: [_picture(*shape) for shape in shapes] for media_type, shapes in _SHAPES.items()
}

# --- dates -----------------------------------------------------------------------------------


def local_or_rfc3339_date_time(value: object) -> bool:
    """RFC 3339, or the offset-less local date-time SuperOffice writes under SO-TimeZone."""
    return FORMAT_CHECKER.conforms(value, "date-time")


# --- DataContract XML ------------------------------------------------------------------------

_XML_FORBIDDEN = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_XML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#xD;"})


def _element_name(name: object) -> str:
    """A generated key as an element name (negative data brings keys XML cannot name)."""
    text = re.sub(r"[^A-Za-z0-9_.\-]", "_", str(name))
    return text if text[:1].isalpha() or text[:1] == "_" else f"x_{text}"


def _xml_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return _XML_FORBIDDEN.sub("", str(value)).translate(_XML_ESCAPES)


def _in_contract_order(value: Mapping[Any, Any], schema: Mapping[str, Any]) -> list[Any]:
    """The keys as DataContractSerializer writes members: the contract's order, unknown last."""
    order = {name: index for index, name in enumerate(_resolve(schema).get("properties", {}))}
    return sorted(value, key=lambda key: order.get(key, len(order)))


def _write_xml(
    name: str, value: Any, out: list[str], schema: Mapping[str, Any] | None = None
) -> None:
    properties = _resolve(schema or {}).get("properties", {})
    if value is None:
        out.append(f'<{name} i:nil="true"/>')
    elif isinstance(value, Mapping):
        out.append(f"<{name}>")
        for key in _in_contract_order(value, schema or {}):
            _write_xml(_element_name(key), value[key], out, properties.get(key))
        out.append(f"</{name}>")
    elif isinstance(value, list):
        for item in value:
            _write_xml(name, item, out)
    else:
        out.append(f"<{name}>{_xml_text(value)}</{name}>")


def datacontract_xml(
    root: str, namespace: str | None, value: Any, schema: Mapping[str, Any] | None = None
) -> bytes:
    """``value`` as DataContractSerializer XML: root in the contract's namespace, members in the
    ``schema``'s order (the real server skips a member that comes out of order), nulls as nil."""
    out: list[str] = []
    declarations = f' xmlns:i="{XSI}"' + (f' xmlns="{namespace}"' if namespace else "")
    if isinstance(value, list):  # negative data: a list is no element, its items go in the root
        for item in value:
            _write_xml("item", item, out)
        return f"<{root}{declarations}>{''.join(out)}</{root}>".encode()
    _write_xml(root, value, out, schema)
    out[0] = out[0].replace(f"<{root}", f"<{root}{declarations}", 1)
    return "".join(out).encode("utf-8")


def _media_schema(case: Any) -> dict[str, Any]:
    body = CONTRACT.operation(case.operation.definition.raw["operationId"]).request_body
    assert body is not None
    return dict(body.content[case.media_type.split(";")[0].strip().lower()].schema)


def serialize_datacontract_xml(context: Any, value: Any) -> bytes:
    schema = _media_schema(context.case)
    xml = schema.get("xml", {})
    return datacontract_xml(xml.get("name", "BlobEntity"), xml.get("namespace"), value, schema)


# --- forms -----------------------------------------------------------------------------------


def _form_fields(name: str, value: Any, out: list[tuple[str, str]]) -> None:
    if isinstance(value, Mapping):
        if name and not value:
            out.append((name, ""))  # an object with no members: an empty field, like <X/>
        for key, child in value.items():
            _form_fields(f"{name}[{key}]" if name else str(key), child, out)
    elif isinstance(value, list):
        for item in value:
            _form_fields(name, item, out)
    elif value is None:
        out.append((name, ""))  # a form has no null; leaving the field out could empty the form
    elif isinstance(value, bool):
        out.append((name, "true" if value else "false"))
    else:
        out.append((name, str(value)))


def form_body(value: Any) -> bytes:
    """``value`` as a form, nested objects as ``UpdatedBy[Name]=`` (the contract's deepObject).

    Schemathesis spells a null as the text ``null`` (a string to any form reader), and hands a
    nested dict to the HTTP client, which sends only its keys (``UpdatedBy=Name``) or, under
    WSGI, drops the field without a word, while reporting what it meant to send.
    """
    if not isinstance(value, Mapping):  # negative data: not an object at all
        return (value if isinstance(value, str) else json.dumps(value)).encode("utf-8")
    fields: list[tuple[str, str]] = []
    _form_fields("", value, fields)
    return urlencode(fields).encode("ascii")


def serialize_form(context: Any, value: Any) -> bytes:
    # The case's own body: `value` has been through schemathesis's preparation, nulls spelled out.
    return form_body(context.case.body)


# --- bodies as sent --------------------------------------------------------------------------


class Unreadable(ValueError):
    """The bytes sent are not a body of this media type at all."""


def _resolve(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    """The object schema behind a lone ``allOf`` (how the loader keeps nullable $refs)."""
    while "allOf" in schema and len(schema["allOf"]) == 1 and "properties" not in schema:
        schema = schema["allOf"][0]
    return schema


# Truth words: XML Schema's (xs:boolean, as XmlConvert reads it) and a form's (the two words).
XML_TRUTH = {"true": True, "false": False, "1": True, "0": False}
FORM_TRUTH = {"true": True, "false": False}


def _typed_text(text: str, schema: Mapping[str, Any], truth: Mapping[str, bool]) -> Any:
    """Text read as the schema's type by its media type's lexical rules (ASCII digits,
    ``truth`` words)."""
    schema = _resolve(schema)
    kind = schema.get("type")
    if kind == "integer" and re.fullmatch(r"-?[0-9]+", text.strip(), re.ASCII):
        return int(text.strip())
    if kind == "boolean" and text.strip() in truth:
        return truth[text.strip()]
    return text


def _xml_reading(element: ET.Element, schema: Mapping[str, Any]) -> Any:
    schema = _resolve(schema)
    if element.get(f"{{{XSI}}}nil") in ("true", "1"):
        return None
    children = list(element)
    if not children:
        text = element.text or ""
        if schema.get("type") == "object" and not text.strip():
            return {}  # DataContractSerializer reads <UpdatedBy/> as one with no members
        return _typed_text(text, schema, XML_TRUTH)
    properties = schema.get("properties", {})
    value: dict[str, Any] = {}
    for child in children:
        name = child.tag.rpartition("}")[2]
        if name in value:
            raise Unreadable(f"{name} twice")
        value[name] = _xml_reading(child, properties.get(name, {}))
    return value


def _form_reading(body: bytes, schema: Mapping[str, Any]) -> Any:
    value: dict[str, Any] = {}
    for name, text in parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True):
        *groups, last = re.findall(r"[^.\[\]]+", name)
        node, node_schema = value, _resolve(schema)
        for group in groups:
            node = node.setdefault(group, {})
            node_schema = _resolve(node_schema.get("properties", {}).get(group, {}))
        if last in node:
            raise Unreadable(f"{name} twice")
        field = _resolve(node_schema.get("properties", {}).get(last, {}))
        # An empty field for an object sets none of its members, like an empty XML element.
        empty_object = not text.strip() and field.get("type") == "object"
        node[last] = {} if empty_object else _typed_text(text, field, FORM_TRUTH)
    return value


def body_as_sent(media_type: str, schema: Mapping[str, Any], body: bytes) -> Any:
    """The value a reader of ``media_type`` makes of the bytes sent; ``Unreadable`` if none."""
    try:
        if media_type.endswith("xml"):
            return _xml_reading(ET.fromstring(body), schema)
        if media_type == "application/x-www-form-urlencoded":
            return _form_reading(body, schema)
        if media_type.endswith("json"):
            return json.loads(body)
    except (ET.ParseError, ValueError, UnicodeDecodeError) as error:
        raise Unreadable(str(error)) from error
    raise Unreadable(f"no reader for {media_type}")


def body_as_sent_is_valid(media_type: str, schema: Mapping[str, Any], body: bytes) -> bool:
    """Whether the text bytes sent (XML, form), read by the media type's own rules, satisfy
    ``schema``. JSON is typed on the wire: what schemathesis generated is what was sent."""
    if not (media_type.endswith("xml") or media_type == "application/x-www-form-urlencoded"):
        return False
    try:
        value = body_as_sent(media_type, schema, body)
    except Unreadable:
        return False
    validator = OAS30WriteValidator(schema, format_checker=FORMAT_CHECKER)
    return not any(validator.iter_errors(value))


def sent_body(case: Any, request_body: bytes | str | None) -> Any:
    """What the server read from a case's body as it went out (``Unreadable`` if nothing)."""
    if case.media_type is None or request_body is None:
        raise Unreadable("no body")
    data = request_body.encode("utf-8") if isinstance(request_body, str) else request_body
    media_type = case.media_type.split(";")[0].strip().lower()
    return body_as_sent(media_type, _media_schema(case), data)


def only_the_body_is_invalid(case: Any) -> bool:
    meta = case.meta
    if meta is None or not meta.is_negative_at(ParameterLocation.BODY):
        return False
    return not any(
        info.mode.is_negative
        for location, info in meta.components.items()
        if location != ParameterLocation.BODY
    )


DROPPED: list[str] = []


def asks_for_a_placeholder(case: Any) -> bool:
    return (case.query or {}).get("ifBlank") not in (None, "Null")


def deviations_of(case: Any, response: Any) -> tuple[str, ...]:
    """What mockso journaled that this response's request leaned on: the newest journal record
    of its method, path and query, read in process (an app under test) or from the control API
    (a live server). Checks send requests of their own, so the newest record may be another's."""
    request = response.request
    url = urlsplit(request.url)
    wanted = (request.method.upper(), unquote(url.path), url.query)
    app = getattr(case.operation.schema, "app", None)
    if app is not None:
        from mockso.control import reports
        from mockso.core.journal import Query

        for record in reports.journal(app.extensions["mockso"], Query(limit=50)):
            if (record.method, record.path, record.query) == wanted:
                return record.deviations
        return ()
    control = f"{url.scheme}://{url.netloc}/__mockso/journal"
    found = requests.get(control, params={"limit": 50, "method": wanted[0]}, timeout=10).json()
    for record in found:
        if (record["method"], record["path"], record["query"]) == wanted:
            return tuple(record["deviations"])
    return ()


# Schema-violating requests a lenient mockso took as the real server takes them, each with the
# deviations it journaled (the dropped ST201s of `requests: lenient`).
LEANED: list[str] = []


def keep_failure(context: Any, failure: Failure, case: Any, response: Any) -> bool:
    """False for an ST201 whose body, read as sent, was valid (the server was right); for an
    ST201, ST204 or ST205 that mockso took leniently and journaled as a deviation (the real
    server takes it too: lenient requests, every leniency reported); and for an ST301 on a read
    that asked for a placeholder (the contract's answer to a missing one)."""
    if isinstance(failure, UseAfterFree) and asks_for_a_placeholder(case):
        DROPPED.append(f"{case.operation.label} ifBlank={case.query['ifBlank']}: placeholder")
        return False
    if isinstance(failure, AcceptedNegativeData | UnsupportedMethodResponse | AllowHeaderMismatch):
        leaned = deviations_of(case, response)
        if leaned:
            LEANED.append(f"{case.operation.label}: {leaned[0]}")
            return False
    if not isinstance(failure, AcceptedNegativeData) or case.media_type is None:
        return True
    media_type = case.media_type.split(";")[0].strip().lower()
    body = response.request.body
    if isinstance(body, str):
        body = body.encode("utf-8")
    if not isinstance(body, bytes) or not only_the_body_is_invalid(case):
        return True
    if body_as_sent_is_valid(media_type, _media_schema(case), body):
        DROPPED.append(f"{case.operation.label} {media_type}: {body[:200]!r}")
        return False
    return True


# --- registration ----------------------------------------------------------------------------


def register() -> None:
    for media_type, pictures in PICTURES.items():
        schemathesis.openapi.media_type(media_type, st.sampled_from(pictures))
    # The format checks schemathesis hands its OpenAPI 3.0 (Draft 4) validators, for responses
    # and for telling valid from invalid generated data; a custom check wins over the built-in.
    DRAFT4_SUPPLEMENTAL_FORMATS["date-time"] = local_or_rfc3339_date_time
    schemathesis.serializer("application/xml", "text/xml")(serialize_datacontract_xml)
    schemathesis.serializer("application/x-www-form-urlencoded")(serialize_form)
    schemathesis.hook("filter_failure")(keep_failure)


register()
