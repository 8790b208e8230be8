"""``starcoach devices``, ``record`` and ``transcribe``: real commands, real output, real signals."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from starcoach.cli import main

SR = 16000
SENTENCE = "I wrote the fix myself, and the error rate went from three percent to zero."
EXPECTED_WORDS = "i wrote the fix myself and the error rate went from 3% to 0".split()


def _words(text: str) -> list[str]:
    return text.lower().replace(",", "").replace(".", "").split()


def _one_line_error(err: str, code: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith(f"starcoach: error {code}: ") and "Traceback" not in err
    return lines[0]


@pytest.mark.slow
def test_transcribe_json(say, capsys):
    assert main(["transcribe", str(say(SENTENCE)), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"text", "duration_s", "words", "speech_s", "language", "model", "no_speech", "pauses"} <= set(out)
    assert _words(out["text"]) == EXPECTED_WORDS
    assert out["model"] == "tiny.en" and out["language"] == "en" and out["no_speech"] is False
    assert [w["word"].strip(",.").lower() for w in out["words"]] == EXPECTED_WORDS
    assert set(out["words"][0]) == {"word", "start", "end", "probability"}
    assert 0 < out["speech_s"] <= out["duration_s"]


@pytest.mark.slow
def test_transcribe_silence_says_no_speech(tmp_path, capsys):
    path = tmp_path / "quiet.flac"
    sf.write(path, np.zeros(3 * SR, np.float32), SR)
    assert main(["transcribe", str(path)]) == 0
    assert "(no speech detected)" in capsys.readouterr().out
    assert main(["transcribe", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["text"] == "" and out["no_speech"] is True and out["words"] == []


@pytest.mark.parametrize("kind", ["empty", "corrupt", "unsupported", "missing"])
def test_transcribe_bad_files_are_one_line_errors(tmp_path, capsys, kind):
    path = tmp_path / {"unsupported": "notes.txt"}.get(kind, f"{kind}.wav")
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "corrupt":
        path.write_bytes(b"RIFF\xff\xff\x00\x00WAVEfmt \x10\x00\x00\x00" + os.urandom(300))
    elif kind == "unsupported":
        path.write_text("Situation, task, action, result.\n" * 50)
    assert main(["transcribe", str(path)]) == 1
    line = _one_line_error(capsys.readouterr().err, "E200")
    assert str(path) in line


def test_transcribe_unknown_model(say, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("STARCOACH_MODELS_DIR", str(tmp_path / "models"))
    assert main(["transcribe", str(say(SENTENCE)), "--model", "large-v9"]) == 1
    line = _one_line_error(capsys.readouterr().err, "E300")
    assert "'large-v9'" in line and str(tmp_path / "models" / "large-v9") in line


def test_devices_lists_the_virtual_mic(virtual_mic, capsys):
    assert main(["devices", "--json"]) == 0
    devices = json.loads(capsys.readouterr().out)
    assert any(d["is_default"] for d in devices)
    assert {"index", "name", "hostapi", "channels", "default_samplerate", "is_default"} <= set(devices[0])
    assert main(["devices"]) == 0
    assert "default" in capsys.readouterr().out


@pytest.mark.parametrize("device", ["57", "no-such-mic"])
def test_record_with_a_missing_device_is_one_line(virtual_mic, tmp_path, capsys, device):
    out = tmp_path / "x.wav"
    assert main(["record", str(out), "--input-device", device]) == 1
    line = _one_line_error(capsys.readouterr().err, "E210")
    assert device in line and "available input devices" in line and "default" in line
    assert line.endswith("(--input-device)")  # the CLI names the flag the library's error is about
    assert not out.exists()


def test_input_device_from_the_environment(virtual_mic, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("STARCOACH_INPUT_DEVICE", "no-such-mic")
    assert main(["record", str(tmp_path / "x.wav")]) == 1
    assert "'no-such-mic'" in _one_line_error(capsys.readouterr().err, "E210")


@pytest.mark.slow
def test_record_from_file_with_live_transcript(say, tmp_path, capsys):
    out = tmp_path / "take.wav"
    assert main(["record", str(out), "--from-file", str(say(SENTENCE)), "--transcribe", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["stopped_by"] == "end_of_source" and result["path"] == str(out)
    assert sf.info(str(out)).duration == pytest.approx(result["duration_s"], abs=1e-3)
    assert _words(result["transcript"]["text"]) == EXPECTED_WORDS
    assert result["stop_to_transcript_s"] >= 0


def _start_recording(out: Path, *extra: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.Popen([sys.executable, "-m", "starcoach", "record", str(out), "--silence", "0", *extra],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)


def _wait_for_audio(out: Path, seconds: float, proc: subprocess.Popen, timeout: float = 30) -> float:
    """Wait until the WAV on disk holds ``seconds`` of audio; return when that was seen."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        if out.exists() and (out.stat().st_size - 44) / 2 / SR >= seconds:
            return time.monotonic()
        time.sleep(0.02)
    raise AssertionError(f"no {seconds} s of audio in {out} after {timeout} s")


@pytest.mark.mic
def test_ctrl_c_mid_recording_leaves_a_playable_wav(virtual_mic, tmp_path):
    out = tmp_path / "take.wav"
    proc = _start_recording(out)
    _wait_for_audio(out, 1.0, proc)
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=20)
    assert proc.returncode == 130, stderr
    assert "stopped (Ctrl-C); saved" in stderr and str(out) in stderr and "Traceback" not in stderr
    info = sf.info(str(out))
    data, rate = sf.read(out, dtype="float32")
    assert rate == SR and info.frames == len(data) >= 1.4 * SR
    assert out.stat().st_size == 44 + 2 * len(data)  # the header describes every sample


@pytest.mark.mic
def test_kill_9_mid_recording_loses_at_most_a_second(virtual_mic, tmp_path):
    out = tmp_path / "take.wav"
    proc = _start_recording(out)
    seen_at = _wait_for_audio(out, 1.0, proc)
    time.sleep(2.0)
    recorded_by_now = 1.0 + (time.monotonic() - seen_at)  # at least this much was captured
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=20)
    assert proc.returncode == -signal.SIGKILL
    data, rate = sf.read(out, dtype="float32")
    assert rate == SR
    assert len(data) / SR >= recorded_by_now - 1.0
    # Readers that trust the header (Python's wave, browsers) see it too: it is rewritten at each flush.
    import wave

    with wave.open(str(out)) as w:
        assert w.getframerate() == SR and w.getnframes() / SR >= recorded_by_now - 1.0


@pytest.mark.mic
def test_record_stops_on_a_key_press_with_a_live_meter(virtual_mic, tmp_path):
    import pexpect

    out = tmp_path / "take.wav"
    child = pexpect.spawn(sys.executable, ["-m", "starcoach", "record", str(out), "--silence", "0"],
                          encoding="utf-8", timeout=30, dimensions=(24, 100))
    child.expect("REC")
    child.expect(r"\d:0[1-9]\.\d")  # the clock has passed one second
    child.send("x")
    child.expect(r"Saved ([\d.]+) s to .*\(stopped by key press\)")
    duration = float(child.match.group(1))
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert sf.info(str(out)).duration == pytest.approx(duration, abs=0.05)
    assert duration >= 1.0
