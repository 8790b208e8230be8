"""Bounded memory: ``starcoach transcribe`` and ``starcoach analyze`` stream a file from disk, so
their peak memory does not grow with its length (a 2-hour file peaked at 3.2 GB when it was
decoded whole, and the voice-energy measure framed the whole answer at once).

Each command runs in a fresh process on a 2-minute and on a 10-minute file (the same speech at the
start and the end, silence between, so Whisper has little to decode and the test stays quick).
The process reports its peak of traced allocations (tracemalloc; numpy's arrays count) and its
peak resident size. Holding 8 more minutes of audio once would add 31 MB (float32 at 16 kHz).
BENCHMARKS.md has the 30-minute and 2-hour figures (benchmarks/bench_memory.py).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent

_PROBE = r"""
import contextlib, io, json, re, sys, tracemalloc
tracemalloc.start()
from starcoach.cli import main
from starcoach.lazy import is_loaded
with contextlib.redirect_stdout(io.StringIO()) as out:
    rc = main(sys.argv[1:])
hwm = int(re.search(r"VmHWM:\s+(\d+)", open("/proc/self/status").read()).group(1)) / 1024
print(json.dumps({"rc": rc, "traced_mb": tracemalloc.get_traced_memory()[1] / 2**20, "rss_mb": hwm,
                  "out": out.getvalue(), "pyav_loaded": is_loaded("av")}))
"""


def _long_file(path: Path, clip: Path, seconds: float) -> Path:
    """``clip``, silence, ``clip`` again: ``seconds`` long, written block by block."""
    import numpy as np
    import soundfile as sf

    from starcoach.transcribe import load_audio

    speech = load_audio(clip)
    silence = np.zeros(10 * 16000, np.float32)
    with sf.SoundFile(path, "w", 16000, 1, subtype="PCM_16", format="WAV") as out:
        out.write(speech)
        left = int(seconds * 16000) - 2 * len(speech)
        while left > 0:
            out.write(silence[:left])
            left -= len(silence)
        out.write(speech)
    return path


def _peak(args: list[str]) -> dict:
    done = subprocess.run([sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, cwd=REPO,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["rc"] == 0, result
    return result


@pytest.fixture(scope="module")
def short_and_long(tmp_path_factory, say):
    clip = say("I traced the failure to a missing retry and wrote the fix myself in two days.")
    folder = tmp_path_factory.mktemp("long")
    return _long_file(folder / "2min.wav", clip, 120), _long_file(folder / "10min.wav", clip, 600)


@pytest.mark.parametrize("command", [["transcribe", "--json"], ["analyze", "--step", "action", "--json"]],
                         ids=["transcribe", "analyze"])
def test_peak_memory_does_not_grow_with_the_length_of_the_file(short_and_long, command):
    short, long = short_and_long
    a = _peak([*command, str(short)])
    b = _peak([*command, str(long)])
    for result in (a, b):  # both really transcribed: the speech at both ends is there
        text = json.loads(result["out"])
        text = text.get("text") or text.get("transcript") or json.dumps(text)
        assert text.lower().count("traced") == 2, text
    assert b["traced_mb"] - a["traced_mb"] < 8, (a, b)
    assert b["rss_mb"] - a["rss_mb"] < 30, (a, b)
    # A WAV file is read straight from disk: PyAV (FFmpeg, ~25 MB resident) never loads.
    assert not a["pyav_loaded"] and not b["pyav_loaded"], (a, b)


def test_a_compressed_file_still_decodes_through_pyav(tmp_path):
    flac = REPO.parent / "shared" / "speech" / "stereo_diarization.right.flac"
    if not flac.exists():
        pytest.skip(f"{flac} is not here (../shared/speech/)")
    result = _peak(["transcribe", "--json", str(flac)])
    assert result["pyav_loaded"]
    assert "horizon seems extremely distant" in json.loads(result["out"])["text"].lower()
