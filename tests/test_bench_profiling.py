"""bench.profiling: py-spy's raw samples summed per frame, under cheroot or granian."""

from __future__ import annotations

import sys
from pathlib import Path

# The bench is a folder of the repository, not part of the installed package: its root goes on
# sys.path for these imports only (left there, it changes how pytester finds the mockso plugin).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.profiling import NATIVE
from bench.profiling import summarize_profile

sys.path.remove(str(Path(__file__).resolve().parents[1]))

GATEWAY = "Gateway.__call__ (mockso/web/gateway.py:169)"
RECORD = "Recorder.record (mockso/web/gateway.py:60)"
RUNNER = "_callback_wrapper.<locals>._runner (granian/wsgi.py:51)"
PROCESS = 'process 42:"python granian --interface wsgi mockso.app:create_app"'
COMMUNICATE = "HTTPConnection.communicate (cheroot/server.py:1300)"
SELECT = "EpollSelector.select (selectors.py:451)"


def test_granian_stacks_count_as_serving_and_the_process_frame_is_dropped(tmp_path: Path) -> None:
    raw = tmp_path / "raw.txt"
    raw.write_text(
        f"{PROCESS};{GATEWAY};{RECORD} 6\n{PROCESS};{RUNNER} 3\n{PROCESS} 1\n", encoding="utf-8"
    )
    summary = summarize_profile(raw)
    assert summary["samples"] == 10
    assert summary["request_path_samples"] == 6
    assert summary["self"] == [[RECORD, 60.0], [RUNNER, 30.0], [NATIVE, 10.0]]
    assert summary["self_serving"] == [[RECORD, 100.0]]
    assert [GATEWAY, 60.0] in summary["inclusive_mockso"]
    assert dict(summary["packages"]) == {"mockso": 60.0, "granian": 30.0, "other": 10.0}


def test_cheroot_stacks_serve_under_communicate(tmp_path: Path) -> None:
    raw = tmp_path / "raw.txt"
    raw.write_text(f"{COMMUNICATE};{GATEWAY};{RECORD} 1\n{SELECT} 3\n", encoding="utf-8")
    summary = summarize_profile(raw)
    assert summary["request_path_samples"] == 1
    assert dict(summary["packages"]) == {"mockso": 25.0, "python stdlib": 75.0}
