import base64

import pytest
import requests

# A 4x3 PNG.
PHOTO = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAQAAAADCAIAAAA7ljmRAAAAFElEQVR42mM8ISfHAANMDEgAhQMAJtoBCpDU3DQAAAAASUVORK5CYII="
)


def upload_photo(base_url: str, person_id: int, photo: bytes) -> dict:
    """The client under test: save a person's photo, then read back its ImageInfo."""
    auth = ("tje0", "Tje0")
    saved = requests.put(
        f"{base_url}/api/v1/Person/{person_id}/Image",
        data=photo,
        headers={"Content-Type": "image/png"},
        auth=auth,
        timeout=10,
    )
    saved.raise_for_status()
    info = requests.get(f"{base_url}/api/v1/Person/{person_id}/ImageInfo", auth=auth, timeout=10)
    info.raise_for_status()
    return info.json()


def test_upload_photo_returns_the_image_info(mockso):
    info = upload_photo(mockso.url, 5, PHOTO)

    assert info["MimeType"] == "image/png"
    assert info["BlobSize"] == len(PHOTO)
    assert info["ConceptualType"] == "PERSONPHOTO"
    [save] = mockso.journal(operation_id="v1PersonEntity_SaveImage")
    assert save.status == 200
    mockso.assert_no_deviations()  # nothing leaned on the real server's leniency


def test_upload_photo_raises_when_the_info_is_not_found(mockso):
    mockso.rule("v1PersonEntity_GetImageInfo", code=404, times=1)

    with pytest.raises(requests.HTTPError) as raised:
        upload_photo(mockso.url, 5, PHOTO)

    assert raised.value.response.status_code == 404
    assert raised.value.response.json()["ErrorType"] == "SoNotFoundException"
