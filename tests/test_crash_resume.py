"""A run killed mid-take (``kill -9``, SIGTERM), then ``run --resume``: nothing recorded is lost.

Real ``starcoach run`` processes record answer files at real-time pace (the microphone's code
path); the test signals them while a take is being written, then checks what is on disk and
what a resumed run makes of it.
"""

from __future__ import annotations

import json
import signal
import struct
import wave
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from procs import answers_folder, sc, session_ids, spawn, wait_for, wav_seconds

pytestmark = pytest.mark.slow

RUN = ("--no-input", "--only", "situation,task", "--probes", "none", "--voice", "off")


def _session(home: Path, sid: str) -> dict:
    return json.loads((home / "sessions" / sid / "session.json").read_text())


def _start_and_wait_for_task_audio(home: Path, answers: Path, seconds: float):
    run = spawn("run", "--answers", str(answers), "--realtime", *RUN, home=home)
    sid = wait_for(lambda: (session_ids(home) or [None])[0], "the session to be saved", proc=run, timeout=120)
    task_wav = home / "sessions" / sid / "audio" / "task-1.wav"
    wait_for(lambda: wav_seconds(task_wav) >= seconds, f"{seconds} s of the task take", proc=run, timeout=180)
    return run, sid, task_wav


def test_kill_9_mid_take_then_resume_adopts_the_take_and_never_overwrites_it(starcoach_home, tmp_path, say):
    answers = answers_folder(say, tmp_path / "answers", ("situation", "task"))
    run, sid, task_wav = _start_and_wait_for_task_audio(starcoach_home, answers, 2.0)
    run.send_signal(signal.SIGKILL)
    run.communicate(timeout=30)
    assert run.returncode == -signal.SIGKILL
    before = _session(starcoach_home, sid)
    assert [t["step"] for t in before["takes"]] == ["situation"] and not before["complete"]
    kept = task_wav.read_bytes()[44:]  # the audio a crash left (the header may lag one flush)
    assert len(kept) / 2 / 16000 >= 2.0

    resumed = sc("run", "--resume", sid, "--answers", str(answers), *RUN, home=starcoach_home)
    assert resumed.returncode == 0, resumed.stderr
    assert "Recovered 1 take an earlier run was recording: task take 1" in resumed.stdout
    after = _session(starcoach_home, sid)
    assert after["complete"]
    tasks = [t for t in after["takes"] if t["step"] == "task"]
    assert [(t["take"], t["audio"], t["stopped_by"]) for t in tasks] == [
        (1, "audio/task-1.wav", "interrupt"), (2, "audio/task-2.wav", "end-of-file")]
    interrupted = tasks[0]
    assert interrupted["duration_s"] == pytest.approx(len(kept) / 2 / 16000, abs=0.01)
    words = interrupted["transcript"]["text"].lower()
    assert "team" in words or "ticket" in words, words  # transcribed: the first words of the answer
    assert [s["take"] for s in after["steps"] if s["step"] == "task"] == [2]
    # the crashed take's audio is intact, and its header now covers every sample
    assert task_wav.read_bytes()[44:] == kept
    with wave.open(str(task_wav)) as w:
        assert w.getnframes() == len(kept) // 2
    assert (starcoach_home / "sessions" / sid / "audio" / "task-2.wav").stat().st_size > 44


def test_sigterm_mid_take_stops_like_ctrl_c_and_resume_transcribes_the_take(starcoach_home, tmp_path, say):
    answers = answers_folder(say, tmp_path / "answers", ("situation", "task"))
    run, sid, task_wav = _start_and_wait_for_task_audio(starcoach_home, answers, 1.0)
    run.send_signal(signal.SIGTERM)
    out, err = run.communicate(timeout=60)
    assert run.returncode == 143, (out, err)
    assert "Traceback" not in err and "terminate called" not in err, err
    assert f"Everything recorded so far (2 takes) is saved in session {sid} (incomplete)" in out
    assert f"Resume:  starcoach run --resume {sid}" in out
    saved = _session(starcoach_home, sid)
    assert [(t["step"], t["stopped_by"]) for t in saved["takes"]] == [("situation", "end-of-file"), ("task", "interrupt")]
    with wave.open(str(task_wav)) as w:  # closed cleanly: the header describes every sample
        assert w.getnframes() * 2 + 44 == task_wav.stat().st_size and w.getnframes() >= 16000
    # resuming transcribes the stopped take too (it is kept, not counted) and asks the step again
    resumed = sc("run", "--resume", sid, "--answers", str(answers), *RUN, home=starcoach_home)
    assert resumed.returncode == 0, resumed.stderr
    tasks = [t for t in _session(starcoach_home, sid)["takes"] if t["step"] == "task"]
    assert [(t["take"], t["stopped_by"]) for t in tasks] == [(1, "interrupt"), (2, "end-of-file")]
    assert tasks[0]["transcript"]["text"].strip(), tasks[0]


# -- WAV headers (pure file handling) -------------------------------------------------------------


def _wav(path: Path, seconds: float) -> bytes:
    sf.write(str(path), np.full(int(seconds * 16000), 0.1, np.float32), 16000, subtype="PCM_16")
    return path.read_bytes()


def test_repair_header_covers_the_frames_on_disk_and_drops_a_partial_frame(tmp_path):
    from starcoach.wavfile import repair_header, truncation

    path = tmp_path / "take.wav"
    data = _wav(path, 1.0)
    stale = data[:4] + struct.pack("<I", 36 + 16000) + data[8:40] + struct.pack("<I", 16000) + data[44:] + b"\x01"
    path.write_bytes(stale)  # header half a second behind, plus half a frame from a full disk
    assert repair_header(path) == pytest.approx(1.0)
    assert path.stat().st_size == 44 + 32000
    with wave.open(str(path)) as w:
        assert w.getnframes() == 16000
    assert truncation(path) is None
    assert repair_header(tmp_path / "missing.wav") is None


def test_truncation_names_what_the_header_promised(tmp_path):
    from starcoach.wavfile import truncation

    path = tmp_path / "answer.wav"
    data = _wav(path, 9.0)
    path.write_bytes(data[: 44 + int(0.6 * 32000)])
    cut = truncation(path)
    assert cut is not None and (cut.declared_s, cut.present_s) == (9.0, 0.6)
    assert cut.describe(path) == "answer.wav is cut short: its header promises 9.0 s but the file holds 0.6 s"
    (tmp_path / "notes.txt").write_text("not audio")
    assert truncation(tmp_path / "notes.txt") is None
