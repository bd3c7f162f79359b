"""The whole app, driven by Hypothesis, against a model made of plain dicts.

Each rule sends one request through the Flask test client (strict mode: every answer is also
checked against the contract) and applies the same operation to the model; after each step,
what the app says must be what the model predicts: the picture bytes, every ImageInfo field a
client can write or the server derives, blob ids handed out in order, refused requests leaving
no trace.
"""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

import pytest
from helpers import AUTH
from helpers import CONCEPTUAL_TYPES
from helpers import Api
from helpers import gif
from helpers import jpeg
from helpers import multipart
from helpers import png
from helpers import tiff
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine
from hypothesis.stateful import invariant
from hypothesis.stateful import precondition
from hypothesis.stateful import rule
from PIL import Image

from mockso.app import create_app
from mockso.core.config import Settings

pytestmark = pytest.mark.fuzz

DEEP = settings.get_current_profile_name() == "fuzz"

KEYS = [("Person", 1), ("Person", 2), ("Contact", 1), ("Product", 3), ("Project", 1)]
PICTURES = [
    (png(3, 2), "image/png"),
    (png(5, 5, "RGBA"), "image/png"),
    (jpeg(4, 4), "image/jpeg"),
    (gif(6, 2), "image/gif"),
    (tiff(2, 3), "image/tiff"),
]
EMPTY: dict[str, Any] = {
    "BlobId": 0,
    "BlobSize": 0,
    "OriginalSize": 0,
    "MimeType": "",
    "Description": "",
    "ExtraInfo": "",
    "ConceptualType": "",
    "IsZipped": False,
    "IsEncrypted": False,
}
TEXT = st.none() | st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)
CHANGES = st.fixed_dictionaries(
    {},
    optional={
        "Description": TEXT,
        "ExtraInfo": TEXT,
        "ConceptualType": TEXT,
        "IsZipped": st.booleans(),
        "IsEncrypted": st.booleans(),
    },
)
REFUSED = [
    # (what, request) - each must get a 4xx and change nothing
    ("truncated png", lambda api, e, i: api.save(e, i, png(8, 8)[:40])),
    ("text as png", lambda api, e, i: api.save(e, i, b"hello", "image/png")),
    ("unknown key", lambda api, e, i: api.put_info(e, i, {"Colour": "red"})),
    ("read-only key", lambda api, e, i: api.put_info(e, i, {"TableRight": {}})),
    ("wrong type", lambda api, e, i: api.put_info(e, i, {"IsZipped": "yes"})),
    ("width 0", lambda api, e, i: api.image(e, i, w=0)),
    ("pdf", lambda api, e, i: api.save(e, i, b"%PDF-1.7\n", "application/pdf")),
    ("no credentials", lambda api, e, i: Api(api.client).delete(e, i)),
]


def http_date_order(text: str) -> datetime:
    return datetime.fromisoformat(text)


class AppAgainstModel(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        # Requests by the contract's letter: unknown and read-only keys are among the refusals.
        config = {"seed": 3, "strict": True, "requests": "strict"}
        app = create_app(Settings.load(config, environ={}))
        self.api = Api(app.test_client(), AUTH)
        self.pictures: dict[tuple[str, int], bytes] = {}
        self.infos: dict[tuple[str, int], dict[str, Any]] = {}
        self.next_blob_id = 1
        self.last_update: dict[tuple[str, int], datetime] = {}

    # -- writes --------------------------------------------------------------------------------

    @rule(
        key=st.sampled_from(KEYS),
        picture=st.sampled_from(PICTURES),
        method=st.sampled_from(["SaveImage", "SaveImage_POST"]),
        as_form=st.booleans(),
    )
    def save(
        self, key: tuple[str, int], picture: tuple[bytes, str], method: str, as_form: bool
    ) -> None:
        data, mime = picture
        if as_form:
            body, content_type = multipart(data, "photo", "x.bin", mime)
            response = self.api.save(*key, body, content_type, action=method)
        else:
            response = self.api.save(*key, data, mime, action=method)

        assert response.status_code == 200, response.get_data()
        assert response.get_json() == self.next_blob_id
        info = self.infos.get(key, dict(EMPTY))
        info.update(
            BlobId=self.next_blob_id, BlobSize=len(data), OriginalSize=len(data), MimeType=mime
        )
        info["ConceptualType"] = info["ConceptualType"] or CONCEPTUAL_TYPES[key[0]]
        self.infos[key] = info
        self.pictures[key] = data
        self.next_blob_id += 1
        self.wrote(key)

    @rule(key=st.sampled_from(KEYS), changes=CHANGES)
    def put_info(self, key: tuple[str, int], changes: dict[str, Any]) -> None:
        response = self.api.put_info(*key, changes)

        assert response.status_code == 200, response.get_data()
        self.infos.setdefault(key, dict(EMPTY)).update(changes)
        self.same_info(key, response.get_json())
        self.wrote(key)

    @rule(key=st.sampled_from(KEYS))
    def delete(self, key: tuple[str, int]) -> None:
        response = self.api.delete(*key)

        assert (response.status_code, response.get_data()) == (204, b"")
        self.infos.pop(key, None)
        self.pictures.pop(key, None)
        self.last_update.pop(key, None)

    @rule(key=st.sampled_from(KEYS), refused=st.sampled_from(REFUSED))
    def refused_request(self, key: tuple[str, int], refused: tuple[str, Any]) -> None:
        what, send = refused
        before = self.api.state(*key)

        response = send(self.api, *key)

        assert 400 <= response.status_code < 500, (what, response.status_code)
        assert set(response.get_json()) == {"Error", "ErrorType", "ErrorMessage", "ErrorSource"}
        assert self.api.state(*key) == before, what

    # -- reads ---------------------------------------------------------------------------------

    @rule(key=st.sampled_from(KEYS))
    def get_image(self, key: tuple[str, int]) -> None:
        response = self.api.image(*key)

        if key in self.pictures:
            assert response.status_code == 200
            assert response.get_data() == self.pictures[key]
            assert response.mimetype == self.infos[key]["MimeType"]
        else:
            assert response.status_code == 404

    @rule(key=st.sampled_from(KEYS), width=st.integers(1, 64))
    @precondition(lambda self: bool(self.pictures))
    def get_scaled_image(self, key: tuple[str, int], width: int) -> None:
        response = self.api.image(*key, w=width, ifBlank="ClearPixel")

        assert response.status_code == 200
        picture = Image.open(io.BytesIO(response.get_data()))
        if key in self.pictures:
            stored = Image.open(io.BytesIO(self.pictures[key]))
            assert picture.width == width
            assert picture.format == stored.format
        else:
            assert picture.format == "PNG"

    @rule(key=st.sampled_from(KEYS))
    def get_info(self, key: tuple[str, int]) -> None:
        response = self.api.info(*key)

        assert response.status_code == 200
        self.same_info(key, response.get_json())

    # -- checks --------------------------------------------------------------------------------

    def same_info(self, key: tuple[str, int], info: dict[str, Any]) -> None:
        expected = self.infos.get(key, EMPTY)
        assert {name: info[name] for name in expected} == expected
        if key in self.pictures:
            assert http_date_order(info["CreatedDate"]) <= http_date_order(info["UpdatedDate"])

    def wrote(self, key: tuple[str, int]) -> None:
        """UpdatedDate moves on with every write (a frozen clock ticks once per write)."""
        updated = http_date_order(self.api.info(*key).get_json()["UpdatedDate"])
        assert updated > self.last_update.get(key, datetime.min.replace(tzinfo=updated.tzinfo))
        self.last_update[key] = updated

    @invariant()
    def no_picture_is_stored_twice_under_one_blob_id(self) -> None:
        blob_ids = [info["BlobId"] for info in self.infos.values() if info["BlobId"]]
        assert len(blob_ids) == len(set(blob_ids))


# Deep: the profile's 1,000 runs of up to 50 steps (some 150,000 requests); in ci, 30 of 25.
AppAgainstModel.TestCase.settings = settings(
    max_examples=settings.default.max_examples if DEEP else 30,
    stateful_step_count=min(settings.default.stateful_step_count, 50) if DEEP else 25,
)
TestAppAgainstModel = AppAgainstModel.TestCase
