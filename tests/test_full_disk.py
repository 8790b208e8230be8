"""A full disk during a take: the take stops, what was written is kept, one line says so, exit 1.

The disk is a real one: a 2 MB tmpfs mounted for the test and filled up to a few seconds of
audio, so the recorder's writes really fail with ENOSPC in the middle of a take. Mounting needs
root (CI runs as root); elsewhere the tests skip and say why.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import wave
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from procs import answers_folder, mount_tmpfs, one_error_line, sc, session_ids, unmount


@pytest.fixture
def small_disk(tmp_path):
    """A 2 MB tmpfs at ``tmp_path/disk`` (unmounted afterwards); skips where it cannot be mounted."""
    mount = tmp_path / "disk"
    mount_tmpfs(mount, "2m")
    try:
        yield mount
    finally:
        unmount(mount)


def fill(disk: Path, leave_bytes: int) -> None:
    """Fill ``disk`` so that about ``leave_bytes`` stay free."""
    free = shutil.disk_usage(disk).free
    with open(disk / ".filler", "wb") as f:
        f.write(b"\0" * max(0, free - leave_bytes))
    assert abs(shutil.disk_usage(disk).free - leave_bytes) < 16 * 1024


def _tone(path: Path, seconds: float) -> Path:
    t = np.arange(int(seconds * 16000)) / 16000
    sf.write(str(path), (0.2 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), 16000)
    return path


def _header_matches_data(path: Path) -> float:
    """Seconds in a WAV whose header describes exactly the samples on disk (else fail)."""
    with wave.open(str(path)) as w:
        frames = w.getnframes()
    assert 44 + 2 * frames == path.stat().st_size, (frames, path.stat().st_size)
    return frames / 16000


def test_record_on_a_full_disk_keeps_the_audio_and_says_how_much(small_disk, tmp_path, starcoach_home):
    fill(small_disk, 200 * 1024)  # about 6 s of 16 kHz audio
    out = small_disk / "take.wav"
    result = sc("record", str(out), "--from-file", str(_tone(tmp_path / "long.wav", 20.0)), "--silence", "0",
                home=starcoach_home)
    line = one_error_line(result, f"The disk holding {small_disk} is full: kept", f"of audio in {out}",
                          "free some space")
    kept = float(re.search(r"kept ([\d.]+) s", line).group(1))
    on_disk = _header_matches_data(out)
    assert 5.0 < on_disk < 7.0 and kept == pytest.approx(on_disk, abs=0.05)
    data, _ = sf.read(str(out), dtype="float32")
    assert np.abs(data).max() > 0.1  # the tone, not silence


def test_a_run_on_a_full_disk_stops_the_take_keeps_it_and_resumes_after(small_disk, tmp_path, say):
    home = small_disk / "starcoach"
    answers = answers_folder(say, tmp_path / "answers", ("situation",))
    _tone(answers / "task.wav", 20.0)  # longer than the room left after the situation
    args = ("--answers", str(answers), "--no-input", "--only", "situation,task", "--probes", "none")
    fill(small_disk, 400 * 1024)
    result = sc("run", *args, home=home)
    assert "terminate called" not in result.stderr
    sid = session_ids(home)[0]
    task = home / "sessions" / sid / "audio" / "task-1.wav"
    line = one_error_line(result, f"The disk holding {task.parent} is full: kept", f"{task} (task take 1)",
                          f"then resume session {sid} (`starcoach run --resume {sid}`)")
    kept = float(re.search(r"kept ([\d.]+) s", line).group(1))
    assert kept > 1.0 and _header_matches_data(task) == pytest.approx(kept, abs=0.05)
    assert _header_matches_data(home / "sessions" / sid / "audio" / "situation-1.wav") > 2.0
    saved = json.loads((home / "sessions" / sid / "session.json").read_text())
    assert [t["step"] for t in saved["takes"]][0] == "situation"

    os.unlink(small_disk / ".filler")  # space again: the resumed run keeps the cut take and finishes
    resumed = sc("run", "--resume", sid, *args, home=home)
    assert resumed.returncode == 0, resumed.stderr
    saved = json.loads((home / "sessions" / sid / "session.json").read_text())
    tasks = [(t["take"], t["stopped_by"], t["duration_s"]) for t in saved["takes"] if t["step"] == "task"]
    assert saved["complete"] and tasks[0][:2] == (1, "interrupt") and tasks[0][2] == pytest.approx(kept, abs=0.05)
    assert tasks[1][:2] == (2, "end-of-file")


def test_a_note_on_a_full_disk_is_one_line_and_leaves_session_json_whole(small_disk, monkeypatch):
    from starcoach.session import Session
    from starcoach.store import save_session

    home = small_disk / "starcoach"
    sid = "20261127-143005-full"
    monkeypatch.setenv("STARCOACH_HOME", str(home))
    save_session(Session(session_id=sid, scenario="s", scenario_version="1", question="q", principle="p",
                         mode="ownership", level="sde2", started_at="2026-11-27T14:30:05+00:00"))
    path = home / "sessions" / sid / "session.json"
    before = path.read_bytes()
    fill(small_disk, 0)
    result = sc("note", sid, "--at", "0:00", "A note that does not fit", home=home)
    one_error_line(result, f"The disk holding {path.parent} is full (writing session.json)", "free some space")
    assert path.read_bytes() == before
