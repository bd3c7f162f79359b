"""``python -m bench.state_file``: what the state file costs with 20 MB pictures.

For a store holding N pictures of about 20 MB (incompressible PNGs), it times, on this machine's
disk:

* *append*: one more picture saved, then ``Keeper.flush`` (one JSON line, write, fsync), the
  work the log does per change whatever the store holds;
* *rewrite*: the whole state written to a temporary file, fsynced and renamed, which a
  snapshot-per-change design would do on every change (``Keeper.compact`` is exactly that);
* *start*: reading the file back, checking it and compacting it, as ``mockso serve`` does.

Medians of three runs, in seconds. The figures are quoted in docs/running.md.
"""

from __future__ import annotations

import io
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image

from mockso.app import create_app
from mockso.app import get_mock
from mockso.core.persistence import Keeper

SIDE = 2600  # 2600 x 2600 RGB noise: a PNG of about 20 MB
AUTH = {"Authorization": "Basic dGplMDpUamUw", "Content-Type": "image/png"}


def picture(seed: int) -> bytes:
    noise = Image.frombytes("RGB", (SIDE, SIDE), _noise(SIDE * SIDE * 3, seed))
    out = io.BytesIO()
    noise.save(out, format="PNG", compress_level=1)
    return out.getvalue()


def _noise(size: int, seed: int) -> bytes:
    import random

    return random.Random(seed).randbytes(size)


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def measure(count: int, pictures: list[bytes], directory: Path) -> dict[str, float]:
    settings = {"max_upload": 32 << 20, "max_store_bytes": 2 << 30, "quiet": True}
    app = create_app(settings)
    client = app.test_client()
    path = directory / f"state-{count}.jsonl"
    keeper = Keeper.open(get_mock(app), path)
    for index in range(count - 1):
        client.put(f"/api/v1/Person/{index + 1}/Image", data=pictures[index % 2], headers=AUTH)
    keeper.flush()
    appends, rewrites, starts = [], [], []
    for run in range(3):
        client.put(f"/api/v1/Person/{count}/Image", data=pictures[run % 2], headers=AUTH)
        appends.append(timed(keeper.flush))
        rewrites.append(timed(keeper.compact))
    keeper.close()
    for _ in range(3):
        again = create_app(settings)
        starts.append(timed(lambda: Keeper.open(get_mock(again), path).close()))  # noqa: B023
    return {
        "append": statistics.median(appends),
        "rewrite": statistics.median(rewrites),
        "start": statistics.median(starts),
        "file_mb": path.stat().st_size / 1e6,
    }


def main() -> None:
    pictures = [picture(1), picture(2)]
    size = len(pictures[0]) / 1e6
    print(f"pictures of {size:.1f} MB; seconds, median of 3")
    print("| pictures stored | file MB | append one (log) | rewrite all (snapshot) | start |")
    print("|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as directory:
        for count in [int(n) for n in sys.argv[1:]] or [1, 5, 20]:
            row = measure(count, pictures, Path(directory))
            print(
                f"| {count} | {row['file_mb']:.0f} | {row['append']:.3f} | "
                f"{row['rewrite']:.3f} | {row['start']:.2f} |"
            )


if __name__ == "__main__":
    main()
