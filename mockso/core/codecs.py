"""Request-body decoders and answer encoders for the three wire formats the WebAPI speaks.

The real SuperOffice WebAPI is ASP.NET Web API: it reads JSON, DataContractSerializer XML and
``application/x-www-form-urlencoded`` bodies, and answers in JSON or XML.  This module turns
request bodies into plain Python data (dicts, lists, strings, numbers, ``None``) and answers
into bytes.  It knows nothing about HTTP or about the contract: XML and form values stay
strings because typing happens later, in schemas built from the contract.

Every decoder treats the body as hostile: malformed input, DTDs and entities, deep nesting,
duplicate keys and invalid UTF-8 all end in :class:`CodecError`, whose text is a sentence fit
to show the client.  Body *size* is not limited here; the web layer caps it before decoding.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import sys
import urllib.parse
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from collections.abc import Mapping
from typing import Any
from typing import NoReturn

import defusedxml
import defusedxml.ElementTree as DET

__all__ = [
    "ARRAYS_NAMESPACE",
    "MAP_ITEM_NAME",
    "MAP_KEYS",
    "MAX_DEPTH",
    "XSI_NAMESPACE",
    "CodecError",
    "decode_form",
    "decode_json",
    "decode_xml",
    "decode_xml_qualified",
    "encode_json",
    "encode_xml",
]

#: Deepest nesting any decoder accepts (JSON arrays/objects, XML elements, dotted form names).
#: BlobEntity needs 4; the limit only exists so hostile bodies cannot exhaust the stack.
MAX_DEPTH = 64

XSI_NAMESPACE = "http://www.w3.org/2001/XMLSchema-instance"
#: DataContractSerializer puts the items of a serialised ``Dictionary<,>`` in this namespace.
ARRAYS_NAMESPACE = "http://schemas.microsoft.com/2003/10/Serialization/Arrays"

#: Properties whose dict values are ``Dictionary<string, T>`` on the .NET side, and so are
#: written as ``KeyValueOf…`` items rather than as one element per key.
MAP_KEYS = frozenset({"FieldProperties"})
#: Item element name for those dictionaries.  .NET appends an 8-character hash of the value
#: type's namespace; the real hash for SuperOffice is unknown, so this one is made up (readers
#: match the ``KeyValueOf`` prefix only, as :func:`decode_xml` does).
MAP_ITEM_NAME = "KeyValueOfstringFieldPropertyq7Xk2mRb"
_MAP_ITEM_PREFIX = "KeyValueOf"
# The item element names .NET uses for arrays of each primitive type.
_ARRAY_ITEM_NAMES = {str: "string", int: "int", float: "double", bool: "boolean"}

_UTF8_BOM = b"\xef\xbb\xbf"


class CodecError(ValueError):
    """str(e) is a user-facing sentence naming what was wrong and what is expected."""


# --------------------------------------------------------------------------------------------
# JSON
# --------------------------------------------------------------------------------------------

# A JSON string, or an unterminated one running to the end.  Unrolled so that matching is
# linear even on hostile input such as a megabyte of backslashes or escaped quotes.
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_NOT_BRACKETS_OR_QUOTES = bytes(b for b in range(256) if b not in b'[]{}"')
_ONE_KIND_OF_BRACKET = bytes.maketrans(b"{}", b"[]")
_BRACKET_STEP = {ord("["): 1, ord("]"): -1}


def _brackets_outside_strings(raw: bytes) -> bytes:
    if b"\\" in raw:  # escapes (\" among them) need the real string grammar
        return _JSON_STRING.sub(b"", raw).translate(None, _NOT_BRACKETS)
    # Without escapes every string lies between a pair of quotes: split is several times
    # faster than the regex on bodies made of many small strings.
    residue = raw.translate(None, _NOT_BRACKETS_OR_QUOTES)
    return b"".join(residue.split(b'"')[::2])


def _json_depth_exceeds(raw: bytes, limit: int) -> bool:
    """Tell whether arrays/objects in ``raw`` nest deeper than ``limit``, without recursing.

    The json module's C scanner recurses once per level, so a deep body must be refused before
    it is parsed.  Brackets inside strings do not count.
    """
    if raw.count(b"[") + raw.count(b"{") <= limit:  # fast path: most bodies stop here
        return False
    brackets = _brackets_outside_strings(raw).translate(_ONE_KIND_OF_BRACKET)
    if b"[" * (limit + 1) in brackets:  # the usual attack shape, found by a C substring search
        return True
    depths = itertools.accumulate(map(_BRACKET_STEP.__getitem__, brackets))
    return max(depths, default=0) > limit


def _refuse_constant(name: str) -> NoReturn:
    raise CodecError(
        f"The body contains {name}, which is not valid JSON; "
        "send numbers as finite decimal literals (RFC 8259)."
    )


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999 would otherwise become inf and be echoed as Infinity
        raise CodecError(f"The number {text[:40]} in the body is too large for a 64-bit float.")
    return value


def _unique_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):  # a repeated key: report the first one repeated
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise CodecError(
                    f"The body repeats the key {json.dumps(key, ensure_ascii=False)} "
                    "in one object; each key may appear only once."
                )
            seen.add(key)
    return result


def _utf8_text(body: bytes, what: str) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CodecError(
            f"The body is not valid UTF-8 {what}: byte 0x{body[exc.start]:02x} at offset "
            f"{exc.start} cannot be decoded; send the body encoded as UTF-8."
        ) from None


def decode_json(body: bytes) -> Any:
    """Parse an RFC 8259 JSON body (UTF-8, optional BOM) into plain Python data.

    Refused with :class:`CodecError`: an empty body, invalid UTF-8, syntax errors (with line
    and column), ``NaN``/``Infinity``, numbers that overflow a float, duplicate object keys and
    nesting deeper than :data:`MAX_DEPTH`.
    """
    raw = body.removeprefix(_UTF8_BOM)
    if not raw.strip(b" \t\r\n"):
        raise CodecError("The body is empty: expected a JSON document.")
    text = _utf8_text(raw, "JSON")
    if _json_depth_exceeds(raw, MAX_DEPTH):
        raise CodecError(
            f"The body nests arrays or objects more than {MAX_DEPTH} levels deep; "
            f"at most {MAX_DEPTH} levels are accepted."
        )
    return _strict_loads(text)


def _strict_loads(text: str) -> Any:
    """json.loads with the RFC 8259 hooks, every failure turned into a CodecError."""
    try:
        return json.loads(
            text,
            object_pairs_hook=_unique_object,
            parse_constant=_refuse_constant,
            parse_float=_finite_float,
        )
    except json.JSONDecodeError as exc:
        reason = exc.msg.removesuffix(" at")  # "Unterminated string starting at"
        raise CodecError(
            f"The body is not valid JSON: {reason} at line {exc.lineno}, column {exc.colno}."
        ) from None
    except CodecError:
        raise
    except ValueError:  # int() refuses integers longer than sys.get_int_max_str_digits()
        raise CodecError(
            "The body contains an integer with too many digits; send numbers of at most "
            f"{sys.get_int_max_str_digits()} digits."
        ) from None


def encode_json(value: Any) -> bytes:
    """Serialise ``value`` as compact UTF-8 JSON; datetimes must already be strings."""
    try:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        return text.encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate (legal in a JSON "\ud800" escape) has no UTF-8 form; \u-escaping
        # everything keeps the answer valid JSON that means the same thing.
        text = json.dumps(value, ensure_ascii=True, separators=(",", ":"), allow_nan=False)
        return text.encode("ascii")


# --------------------------------------------------------------------------------------------
# XML: decoding
# --------------------------------------------------------------------------------------------

_XSI_NIL = f"{{{XSI_NAMESPACE}}}nil"


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _parse_xml(body: bytes) -> ET.Element:
    if not body.removeprefix(_UTF8_BOM).strip(b" \t\r\n"):
        raise CodecError("The body is empty: expected an XML document.")
    try:
        return DET.fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except defusedxml.DefusedXmlException:
        raise CodecError(
            "XML with a DTD or entity declarations is refused; send the document without "
            "a <!DOCTYPE>."
        ) from None
    except ET.ParseError as exc:
        line, column = exc.position
        reason = str(exc).partition(":")[0]
        raise CodecError(
            f"The body is not well-formed XML: {reason} at line {line}, column {column + 1}."
        ) from None


def _check_xml_depth(root: ET.Element) -> None:
    """Refuse trees deeper than MAX_DEPTH iteratively, so that the recursive walk is safe."""
    stack = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise CodecError(
                f"The body nests XML elements more than {MAX_DEPTH} levels deep; "
                f"at most {MAX_DEPTH} levels are accepted."
            )
        stack.extend((child, depth + 1) for child in element)


def _is_nil(element: ET.Element) -> bool:
    nil = element.get(_XSI_NIL, "false").strip()
    if nil in ("true", "1"):
        if len(element) or (element.text or "").strip():
            raise CodecError(
                f'The element "{_local(element.tag)}" is marked i:nil="true" but has content; '
                "send either a value or the nil marker."
            )
        return True
    return False


def _check_no_mixed_text(element: ET.Element) -> None:
    texts = [element.text, *(child.tail for child in element)]
    if any(text and text.strip() for text in texts):
        raise CodecError(
            f'The element "{_local(element.tag)}" mixes text with child elements; '
            "expected either text or child elements."
        )


def _xml_value(element: ET.Element) -> Any:
    """Convert one element: nil → None, leaf → its text, otherwise a dict of its children."""
    if _is_nil(element):
        return None
    if len(element) == 0:
        return element.text or ""
    _check_no_mixed_text(element)
    if any(_local(child.tag).startswith(_MAP_ITEM_PREFIX) for child in element):
        return _xml_map(element)
    result: dict[str, Any] = {}
    for child in element:
        name = _local(child.tag)
        if name in result:
            raise CodecError(
                f'The element "{name}" appears more than once inside "{_local(element.tag)}"; '
                "each property may appear only once."
            )
        result[name] = _xml_value(child)
    return result


def _map_entry(item: ET.Element, owner: str) -> tuple[str, Any]:
    names = [_local(child.tag) for child in item]
    if not _local(item.tag).startswith(_MAP_ITEM_PREFIX) or names != ["Key", "Value"]:
        raise CodecError(
            f'The dictionary "{owner}" has an item "{_local(item.tag)}" that is not a '
            "KeyValueOf… element holding exactly <Key> then <Value>."
        )
    key_element, value_element = item
    key = _xml_value(key_element)
    if not isinstance(key, str):
        raise CodecError(f'The dictionary "{owner}" has a nil or structured <Key>; expected text.')
    return key, _xml_value(value_element)


def _xml_map(element: ET.Element) -> dict[str, Any]:
    """Read a DataContractSerializer ``Dictionary<string, T>``: KeyValueOf…/Key/Value items."""
    owner = _local(element.tag)
    result: dict[str, Any] = {}
    for item in element:
        _check_no_mixed_text(item)
        key, value = _map_entry(item, owner)
        if key in result:
            raise CodecError(
                f'The dictionary "{owner}" has the key "{key}" more than once; '
                "each key may appear only once."
            )
        result[key] = value
    return result


def xml_namespace(tag: str) -> str | None:
    """The namespace of an ElementTree tag (``{ns}name``), None for none."""
    return tag[1:].partition("}")[0] if tag.startswith("{") else None


def decode_xml_qualified(body: bytes) -> tuple[str | None, str, Any]:
    """As :func:`decode_xml`, with the root element's namespace first (None for none)."""
    root = _parse_xml(body)
    _check_xml_depth(root)
    return xml_namespace(root.tag), *_xml_root(root)


def decode_xml(body: bytes) -> tuple[str, Any]:
    """Parse a DataContractSerializer-style XML body into ``(root local name, value)``.

    Namespaces are dropped from names.  An element with children becomes a dict, one with
    ``i:nil="true"`` becomes None, a leaf becomes its text; ``KeyValueOf…`` items become a dict.
    An empty root element is an entity without members: ``{}``.
    DTDs, entities, malformed XML, repeated elements and deep nesting raise :class:`CodecError`.
    """
    root = _parse_xml(body)
    _check_xml_depth(root)
    return _xml_root(root)


def _xml_root(root: ET.Element) -> tuple[str, Any]:
    if len(root) == 0 and not (root.text or "").strip() and not _is_nil(root):
        # A request's root is the entity sent (DataContractSerializer reads <BlobEntity/> as
        # one with no members), not a string, so an empty root is an empty object.
        return _local(root.tag), {}
    return _local(root.tag), _xml_value(root)


# --------------------------------------------------------------------------------------------
# XML: encoding
# --------------------------------------------------------------------------------------------

# Conservative element names (ASCII NCName subset): every BlobEntity property fits, and no key
# can smuggle markup or a namespace prefix into the output.
_XML_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")
# Characters XML 1.0 cannot carry at all, not even as character references.
_XML_FORBIDDEN = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# \r must be a character reference or parsers turn it into \n; > is escaped so "]]>" is safe.
_XML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#xD;"})
_ATTR_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", '"': "&quot;"})


def xml_safe(value: Any) -> Any:
    """``value`` with every character XML 1.0 cannot carry replaced by U+FFFD.

    JSON clients may store such characters; an XML answer then shows the replacement character
    instead of failing, and the stored value stays exact for JSON answers.
    """
    if isinstance(value, str):
        return _XML_FORBIDDEN.sub("\ufffd", value)
    if isinstance(value, Mapping):
        return {key: xml_safe(item) for key, item in value.items()}
    return value


def _xml_name(name: object) -> str:
    if not isinstance(name, str):
        raise TypeError(f"XML element names must be str, not {type(name).__name__}")
    if not _XML_NAME.fullmatch(name) or name.startswith(_MAP_ITEM_PREFIX):
        raise CodecError(f'The property name "{name}" cannot be written as an XML element name.')
    return name


def _xml_text(value: str, element: str) -> str:
    bad = _XML_FORBIDDEN.search(value)
    if bad:
        raise CodecError(
            f'The value of "{element}" contains the character U+{ord(bad.group()):04X}, '
            "which XML cannot represent."
        )
    return value.translate(_XML_ESCAPES)


def _scalar_text(value: object, element: str) -> str:
    """Lexical form DataContractSerializer uses for a primitive value."""
    if isinstance(value, bool):  # before int: bool is an int subclass
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):  # xs:double spellings
            return {"nan": "NaN", "inf": "INF", "-inf": "-INF"}[str(value)]
        return repr(value)
    if isinstance(value, str):
        return _xml_text(value, element)
    raise TypeError(f"cannot encode {type(value).__name__} as XML (element {element!r})")


def _element(name: str, value: Any, depth: int, attrs: str = "") -> Iterator[str]:
    """Yield the markup of one element; ``depth`` is 1 for the root (names dNp1 prefixes)."""
    if value is None:
        yield f'<{name}{attrs} i:nil="true"/>'
    elif isinstance(value, Mapping) and name in MAP_KEYS and value:
        yield from _map_element(name, value, depth, attrs)
    elif isinstance(value, list | tuple):
        yield from _array_element(name, value, depth, attrs)
    elif isinstance(value, Mapping):
        if not value:
            yield f"<{name}{attrs}/>"
            return
        yield f"<{name}{attrs}>"
        for key, child in value.items():
            yield from _element(_xml_name(key), child, depth + 1)
        yield f"</{name}>"
    else:
        text = _scalar_text(value, name)
        yield f"<{name}{attrs}>{text}</{name}>" if text else f"<{name}{attrs}/>"


def _array_element(
    name: str, value: list[Any] | tuple[Any, ...], depth: int, attrs: str
) -> Iterator[str]:
    """Write a list as DataContractSerializer writes arrays of primitives: one item per value."""
    prefix = f"d{depth}p1"
    yield f'<{name}{attrs} xmlns:{prefix}="{ARRAYS_NAMESPACE}">'
    for item in value:
        yield from _element(
            f"{prefix}:{_ARRAY_ITEM_NAMES.get(type(item), 'anyType')}", item, depth + 1
        )
    yield f"</{name}>"


def _map_element(name: str, value: Mapping[Any, Any], depth: int, attrs: str) -> Iterator[str]:
    """Write a dict the way DataContractSerializer writes ``Dictionary<string, T>``."""
    prefix = f"d{depth}p1"  # .NET's own naming: d<depth>p<n>
    item = f"{prefix}:{MAP_ITEM_NAME}"
    yield f'<{name}{attrs} xmlns:{prefix}="{ARRAYS_NAMESPACE}">'
    for key, child in value.items():
        if not isinstance(key, str):
            raise TypeError(f"dictionary keys must be str, not {type(key).__name__}")
        yield f"<{item}><{prefix}:Key>{_xml_text(key, name)}</{prefix}:Key>"
        yield from _element(f"{prefix}:Value", child, depth + 2)
        yield f"</{item}>"
    yield f"</{name}>"


def encode_xml(value: Any, *, root: str, namespace: str | None) -> bytes:
    """Serialise ``value`` as DataContractSerializer would, as UTF-8 bytes without a prolog.

    ``encode_xml(336, root="int", namespace=SERIALIZATION_NS)`` gives the blob-id answer;
    a dict gives one child element per key in insertion order, None gives ``i:nil="true"``.
    Lists become DataContract arrays; other types raise TypeError; names or characters XML
    cannot carry raise :class:`CodecError`.
    """
    attrs = ""
    if value is None or isinstance(value, Mapping):  # only these can contain i:nil
        attrs += f' xmlns:i="{XSI_NAMESPACE}"'
    if namespace is not None:
        attrs += f' xmlns="{namespace.translate(_ATTR_ESCAPES)}"'
    return "".join(_element(_xml_name(root), value, 1, attrs)).encode("utf-8")


# --------------------------------------------------------------------------------------------
# Form
# --------------------------------------------------------------------------------------------


def _form_pairs(body: bytes) -> list[tuple[str, str]]:
    text = _utf8_text(body, "form data")
    try:
        return urllib.parse.parse_qsl(
            text,
            keep_blank_values=True,
            strict_parsing=True,
            encoding="utf-8",
            errors="strict",
            max_num_fields=1000,
        )
    except UnicodeDecodeError:
        raise CodecError(
            "The body has a percent-escape that is not valid UTF-8; encode the form as UTF-8."
        ) from None
    except ValueError as exc:
        raise CodecError(
            f"The body is not valid application/x-www-form-urlencoded data ({exc}); "
            "expected name=value pairs joined by &, at most 1000 of them."
        ) from None


# A nested form name: ``CreatedBy.AssociateId`` (MVC model binding) or ``CreatedBy[AssociateId]``
# (jQuery style, as Web API's form formatter and OpenAPI's deepObject write it), or both mixed.
_FORM_HEAD = re.compile(r"[^.\[\]]+")
_FORM_PART = re.compile(r"\.([^.\[\]]+)|\[([^.\[\]]+)\]")


def _form_path(name: str) -> list[str]:
    head = _FORM_HEAD.match(name)
    parts = [head.group()] if head else []
    position = head.end() if head else 0
    while head and position < len(name) and len(parts) <= MAX_DEPTH:
        part = _FORM_PART.match(name, position)
        if part is None:
            break
        parts.append(part.group(1) or part.group(2))
        position = part.end()
    if not parts or position < len(name) or len(parts) > MAX_DEPTH:
        raise CodecError(
            f'The form field name "{name}" is not a valid dotted name; expected names like '
            f"CreatedBy.AssociateId or CreatedBy[AssociateId], at most {MAX_DEPTH} parts."
        )
    return parts


def _form_insert(result: dict[str, Any], name: str, value: str) -> None:
    *groups, last = _form_path(name)
    node = result
    for index, part in enumerate(groups):
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            prefix = ".".join(groups[: index + 1])
            raise CodecError(
                f'The form field "{prefix}" is given both a value and sub-fields ("{name}"); '
                "send one or the other."
            )
        node = child
    if last in node:
        what = "both a value and sub-fields" if isinstance(node[last], dict) else "more than once"
        raise CodecError(f'The form field "{name}" is given {what}; send it once.')
    node[last] = value


def decode_form(body: bytes) -> dict[str, Any]:
    """Parse a UTF-8 ``application/x-www-form-urlencoded`` body; dotted or bracketed names nest.

    ``CreatedBy.AssociateId=5`` and ``CreatedBy[AssociateId]=5`` both give
    ``{"CreatedBy": {"AssociateId": "5"}}``.  Values stay
    strings.  Empty bodies, bad encoding, malformed pairs and repeated names raise
    :class:`CodecError`.
    """
    if not body:
        raise CodecError("The body is empty: expected application/x-www-form-urlencoded data.")
    result: dict[str, Any] = {}
    for name, value in _form_pairs(body):
        _form_insert(result, name, value)
    return result
