"""The dashboard at ``/__mockso/ui``: a web page to look at what a client did to the mock.

Four control operations of ``contracts/mockso-control.yaml``, bound by operationId in
``api.HANDLERS``: the page (a Jinja template, autoescaped), its script, style sheet and icon
(``static/``), a listing of the stored pictures with their ImageInfo but not their bytes, and one
picture as stored or scaled to a thumbnail by ``imaging``. The pictures come from control routes,
not from the mocked API, so the page shows them whatever the auth mode and without journaling
its own looking. Its actions (upload, delete) do go through the mocked API, as a client would.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from flask import Response
from flask import render_template

from mockso.control.calls import ControlCall
from mockso.control.calls import make_response
from mockso.core import codecs
from mockso.core import imaging
from mockso.core.errors import BadRequest
from mockso.core.errors import NotFound
from mockso.core.mock import Mock
from mockso.core.namespaces import DEFAULT
from mockso.core.schemas import output_zone
from mockso.core.store import Entry
from mockso.core.store import Key
from mockso.core.store import ScaledCache
from mockso.core.store import Store
from mockso.core.version import __version__

STATIC = Path(__file__).with_name("static")
INFO_SCHEMA = "BlobEntity"
# The page runs only its own files: no inline script, nothing from another origin.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'"
)
_NOSNIFF = {"X-Content-Type-Options": "nosniff"}
_MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}


def get_dashboard(call: ControlCall) -> Response:

    html = render_template(
        "dashboard.html",
        namespace=call.namespace or DEFAULT,
        entities=sorted(call.mock.entity_types),
        version=__version__,
    )
    headers = {
        "Content-Type": "text/html; charset=utf-8",
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-cache",
        **_NOSNIFF,
    }
    return make_response(200, headers, html.encode("utf-8"))


def get_dashboard_file(call: ControlCall) -> Response:
    name = call.params["file"]
    path = static_files().get(name)
    if path is None:
        raise NotFound(f"The dashboard has no file {name!r}")
    headers = {"Content-Type": _MEDIA_TYPES[path.suffix], "Cache-Control": "no-cache", **_NOSNIFF}
    return make_response(200, headers, path.read_bytes())


@functools.cache
def static_files() -> dict[str, Path]:
    """The files the page may load, by name: a fixed set, so no path can reach elsewhere."""
    return {path.name: path for path in STATIC.iterdir() if path.suffix in _MEDIA_TYPES}


def get_pictures(call: ControlCall) -> Response:
    mock, namespace = call.mock, call.namespace or DEFAULT
    space = mock.spaces.find(namespace)  # looking must not make a namespace
    entities = sorted(mock.entity_types)
    pictures = [item for item in (space.store.entries() if space else []) if item[1].data]
    order = {name: index for index, name in enumerate(entities)}
    # By entity type, then newest first: blob ids grow with every save in a namespace.
    pictures.sort(key=lambda item: (order.get(item[0][0], len(order)), -_blob_id(item[1])))
    token = output_zone.set((mock.zone, True))  # dates as the mocked API writes them
    try:
        summaries = [summary(mock, key, entry) for key, entry in pictures]
    finally:
        output_zone.reset(token)
    listing = {
        "namespace": namespace,
        "namespaces": [each.name for each in mock.spaces.all()],
        "entities": entities,
        "pictures": summaries,
    }
    body = codecs.encode_json(listing)
    return make_response(200, {"Content-Type": "application/json; charset=utf-8"}, body)


def summary(mock: Mock, key: Key, entry: Entry) -> dict[str, Any]:
    """One stored picture as the listing shows it: facts first, then its whole ImageInfo."""
    entity, entity_id = key
    data = entry.data or b""
    picture = _sniffed(data, mock.settings.max_pixels)
    info = _info_out(mock, entry)
    return {
        "entity": entity,
        "id": entity_id,
        "blobId": _blob_id(entry),
        "mimeType": picture.mime_type if picture else str(info.get("MimeType", "")),
        "size": len(data),
        "width": picture.width if picture else None,
        "height": picture.height if picture else None,
        "created": _text(info.get("CreatedDate")),
        "updated": _text(info.get("UpdatedDate")),
        "info": info,
    }


def get_picture(call: ControlCall) -> Response:
    mock, params = call.mock, call.params
    store, entry = _stored(mock, call.namespace or DEFAULT, params["entity"], params["id"])
    data, mime = fitted(store.scaled, entry, params.get("fit"), mock.settings.max_pixels)
    # no-store: after a reset the same URL shows another picture.
    return make_response(200, {"Content-Type": mime, "Cache-Control": "no-store", **_NOSNIFF}, data)


def _stored(mock: Mock, namespace: str, entity: str, entity_id: int) -> tuple[Store, Entry]:
    """The store and entry of a stored picture, or NotFound saying what is missing."""
    if entity not in mock.entity_types:
        raise NotFound(
            f"{entity!r} is not an entity type of the mocked contract; "
            f"it has {', '.join(sorted(mock.entity_types))}"
        )
    space = mock.spaces.find(namespace)
    entry = space.store.get(entity, entity_id) if space else None
    if space is None or entry is None or not entry.data:
        raise NotFound(
            f"Namespace {namespace!r} has no picture of {entity} {entity_id}; "
            "GET /__mockso/pictures lists them"
        )
    return space.store, entry


def fitted(cache: ScaledCache, entry: Entry, fit: int | None, max_pixels: int) -> tuple[bytes, str]:
    """The stored bytes, or (with ``fit``) the picture scaled down into a fit x fit square
    in a format browsers show (TIFF becomes PNG), from the store's cache of scaled pictures."""
    data = entry.data or b""
    try:
        picture = imaging.sniff(data, max_pixels=max_pixels)
        if fit is None:
            return data, picture.mime_type
        width, height = _fit(picture, fit)
        fmt = "PNG" if picture.format == "TIFF" else picture.format
        # The key the mocked API's GET Image?w=&h=&type= uses: the same pixels, cached once.
        key = (("blob", _blob_id(entry)), width, height, fmt)
        rendered = cache.get(key)
        if rendered is None:
            rendered = imaging.render(
                data, width=width, height=height, fmt=fmt, max_pixels=max_pixels
            )
            cache.put(key, rendered)
        return rendered
    except imaging.ImageError as error:
        raise BadRequest(str(error)) from error


def _fit(picture: imaging.Picture, fit: int) -> tuple[int, int]:
    """The picture's size scaled down (never up) to fit a fit x fit square."""
    scale = min(1.0, fit / max(picture.width, picture.height))
    return max(1, round(picture.width * scale)), max(1, round(picture.height * scale))


def _sniffed(data: bytes, max_pixels: int) -> imaging.Picture | None:
    try:
        return imaging.sniff(data, max_pixels=max_pixels)
    except imaging.ImageError:
        return None  # the listing still shows what it knows; the picture route says why


def _info_out(mock: Mock, entry: Entry) -> dict[str, Any]:
    """The ImageInfo as the mocked API answers it in JSON (through its BlobEntity schema)."""
    if INFO_SCHEMA in mock.schemas:
        return dict(mock.schemas[INFO_SCHEMA].dump(entry.info))
    # A contract without a BlobEntity still stores dates: write them as text.
    return dict(json.loads(json.dumps(dict(entry.info), default=str)))


def _blob_id(entry: Entry) -> int:
    return int(entry.info.get("BlobId") or 0)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
