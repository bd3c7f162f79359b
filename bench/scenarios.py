"""What is measured: the scenarios, the pictures they send, and the requests that check them."""

from __future__ import annotations

import http.client
import io
import math
import random
from dataclasses import dataclass
from pathlib import Path

from bench.common import WORK
from bench.processes import request


@dataclass(frozen=True)
class Scenario:
    key: str
    title: str
    lua: str
    method: str
    path: str
    body: str | None = None  # key into the pictures dict
    content_type: str | None = None
    small: bool = True  # counts for the "p99 at 16 connections <= 5 ms" goal
    quick: bool = False  # part of --quick


SCENARIOS = [
    Scenario(
        "info",
        "GET ImageInfo (stored picture)",
        "get_imageinfo.lua",
        "GET",
        "/api/v1/Person/1/ImageInfo",
        quick=True,
    ),
    Scenario(
        "image", "GET Image (stored 20 KB PNG)", "get_image.lua", "GET", "/api/v1/Person/1/Image"
    ),
    Scenario(
        "scaled",
        "GET Image ?w=64&h=64 (scaled, cached)",
        "get_image_scaled.lua",
        "GET",
        "/api/v1/Person/1/Image?w=64&h=64",
    ),
    Scenario(
        "put20k",
        "PUT Image 20 KB PNG",
        "put_image_20k.lua",
        "PUT",
        "/api/v1/Person/2/Image",
        "png20k",
        "image/png",
        quick=True,
    ),
    Scenario(
        "post2m",
        "POST Image 2 MB JPEG",
        "post_image_2m.lua",
        "POST",
        "/api/v1/Person/3/Image",
        "jpeg2m",
        "image/jpeg",
        small=False,
        quick=True,
    ),
    Scenario(
        "mixed",
        "Mixed CI-like sequence (save, ImageInfo, Image, PUT ImageInfo, DELETE)",
        "mixed.lua",
        "MIXED",
        "/api/v1/Person/1000+",
        quick=True,
    ),
]
BY_KEY = {s.key: s for s in SCENARIOS}

# (method, path, key into the pictures dict, Content-Type)
Step = tuple[str, str, str | None, str | None]

# The mixed sequence as plain requests, for the smoke check (mirrors bench/lua/mixed.lua).
MIXED_STEPS: list[Step] = [
    ("PUT", "/api/v1/Person/{id}/Image", "png20k", "image/png"),
    ("GET", "/api/v1/Person/{id}/ImageInfo", None, None),
    ("GET", "/api/v1/Person/{id}/Image?ifBlank=ClearPixel", None, None),
    ("PUT", "/api/v1/Person/{id}/ImageInfo", "info_json", "application/json"),
    ("DELETE", "/api/v1/Person/{id}/Image", None, None),
]

# The state every scenario needs: Person 1 has the 20 KB PNG, its 64x64 copy is cached.
PREPARE_STEPS: list[Step] = [
    ("PUT", "/api/v1/Person/1/Image", "png20k", "image/png"),
    ("PUT", "/api/v1/Person/2/Image", "png20k", "image/png"),
    ("GET", "/api/v1/Person/1/Image?w=64&h=64", None, None),
]


# --------------------------------------------------------------------------------------------
# Pictures


def make_pictures() -> dict[str, Path]:
    """The request bodies in bench/work, made once: random noise, so they do not compress."""
    from PIL import Image

    WORK.mkdir(parents=True, exist_ok=True)
    wanted = {
        "png20k": ("PNG", 20_000, 2_000, 3.0, "png20k.png"),
        "png1m": ("PNG", 1_000_000, 20_000, 3.0, "png1m.png"),
        "jpeg2m": ("JPEG", 2_000_000, 40_000, 0.9, "jpeg2m.jpg"),
    }
    paths: dict[str, Path] = {}
    for key, (fmt, target, tolerance, bpp, name) in wanted.items():
        path = WORK / name
        if not path.exists() or abs(path.stat().st_size - target) > tolerance:
            path.write_bytes(
                _noise_picture(fmt, target, seed=len(key) * 7919 + target, bytes_per_pixel=bpp)
            )
        paths[key] = path
    small = WORK / "png64.png"  # what the constant app answers to a scaled GET
    if not small.exists():
        with Image.open(paths["png20k"]) as picture:
            picture.resize((64, 64)).save(small, "PNG")
    paths["png64"] = small
    info = WORK / "imageinfo.json"
    info.write_text('{"Description": "bench", "ExtraInfo": "mixed"}', encoding="utf-8")
    paths["info_json"] = info
    return paths


def _noise_picture(fmt: str, target: int, seed: int, bytes_per_pixel: float) -> bytes:
    """Random pixels (so they do not compress), sized so the file is close to ``target`` bytes."""
    from PIL import Image

    rng = random.Random(seed)
    width = max(8, round(math.sqrt(target / bytes_per_pixel)))
    height = width
    best = b""
    for _ in range(10):
        pixels = rng.randbytes(width * height * 3)
        out = io.BytesIO()
        picture = Image.frombytes("RGB", (width, height), pixels)
        if fmt == "JPEG":
            picture.save(out, "JPEG", quality=90)
        else:
            picture.save(out, fmt)
        data = out.getvalue()
        if not best or abs(len(data) - target) < abs(len(best) - target):
            best = data
        if abs(len(data) - target) <= target * 0.003:
            break
        height = max(1, round(height * target / len(data)))
    return best


# --------------------------------------------------------------------------------------------
# Checks before the load


def smoke(port: int, scenario: Scenario, pictures: dict[str, Path]) -> list[str]:
    """Send the scenario's requests once; the ones not answered 2xx, described."""
    if scenario.key == "mixed":
        steps = [(m, p.format(id=999), b, c) for m, p, b, c in MIXED_STEPS]
    else:
        steps = [(scenario.method, scenario.path, scenario.body, scenario.content_type)]
    refused = []
    for method, path, body_key, content_type in steps:
        body = pictures[body_key].read_bytes() if body_key else None
        try:
            status, answer = request(port, method, path, body, content_type)
        except (OSError, http.client.HTTPException) as error:
            refused.append(f"{method} {path}: {error!r}")
            continue
        if not 200 <= status < 300:
            refused.append(f"{method} {path} -> {status} {answer[:300].decode(errors='replace')}")
    return refused


def prepare(port: int, pictures: dict[str, Path]) -> list[str]:
    """Put the server in the state of PREPARE_STEPS; the steps not answered 2xx, described."""
    problems = []
    for method, path, body_key, content_type in PREPARE_STEPS:
        body = pictures[body_key].read_bytes() if body_key else None
        status, answer = request(port, method, path, body, content_type)
        if not 200 <= status < 300:
            problems.append(f"{method} {path} -> {status} {answer[:200].decode(errors='replace')}")
    return problems
