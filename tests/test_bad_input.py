"""Bad input and odd places: one clear line, never a traceback, never a hang.

A read-only data folder, scenario files that are huge, devices or FIFOs, a scenario saved with a
byte-order mark, a user's copy of a bundled scenario, unreadable and truncated audio, and
arguments that parse but make no sense.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from procs import mount_tmpfs, one_error_line, sc, unmount, without_file_permission_override
from starcoach.cli import main
from starcoach.scenario import DEFAULT_SCENARIO_ID, find_scenario


def _error_line(capsys, *fragments: str) -> str:
    err = capsys.readouterr().err
    lines = [line for line in err.strip().splitlines() if not line.startswith("starcoach: note:")]
    assert len(lines) == 1 and lines[0].startswith("starcoach: error E"), err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


# -- 7. a read-only data folder -------------------------------------------------------------------


def test_a_read_only_data_folder_gets_one_line(tmp_path):
    home = tmp_path / "home"
    mount_tmpfs(home, "1m", read_only=True)
    try:
        result = sc("scenarios", "new", "my-question", home=home, cwd=tmp_path)
        one_error_line(result, f"Cannot write {home / 'scenarios' / 'my-question.toml'}",
                       "read-only file system", "-o PATH")
        sf.write(str(tmp_path / "situation.wav"), np.zeros(16000, np.float32), 16000)
        result = sc("run", "--answers", str(tmp_path), "--no-input", "--only", "situation", home=home, cwd=tmp_path)
        one_error_line(result, "read-only file system", "STARCOACH_HOME")
    finally:
        unmount(home)


# -- 8. scenario files that are not scenario files ------------------------------------------------


def test_huge_device_and_fifo_scenario_files_are_refused_at_once(tmp_path, capsys):
    big = tmp_path / "big.toml"
    with open(big, "w") as f:
        f.write('id = "big"\n' + ("# padding padding padding padding padding padding padding\n" * 40000))
    assert main(["scenarios", "show", str(big)]) == 1
    _error_line(capsys, f"{big}", "2.2 MB, too large for a scenario file (at most 1.0 MB)")
    assert main(["scenarios", "show", "/dev/zero"]) == 1
    _error_line(capsys, "/dev/zero", "a device, not a scenario file")
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    assert main(["scenarios", "show", str(fifo)]) == 1
    _error_line(capsys, "a FIFO (named pipe), not a scenario file")
    # a FIFO among the user's scenarios does not hang the list either
    user = Path(os.environ["STARCOACH_HOME"]) / "scenarios"
    user.mkdir(parents=True)
    os.mkfifo(user / "stuck.toml")
    assert main(["scenarios"]) == 0
    assert "skipped" in capsys.readouterr().err


def test_a_scenario_saved_with_a_byte_order_mark_is_accepted(tmp_path, capsys):
    seed = find_scenario(DEFAULT_SCENARIO_ID).path
    copy = tmp_path / "bom" / seed.name
    copy.parent.mkdir()
    copy.write_bytes(b"\xef\xbb\xbf" + seed.read_bytes())
    assert main(["scenarios", "validate", str(copy)]) == 0
    assert main(["scenarios", "show", str(copy)]) == 0
    assert "Invalid statement" not in capsys.readouterr().err
    assert find_scenario(str(copy)) == find_scenario(DEFAULT_SCENARIO_ID)  # every field read alike


# -- 10. a user's copy of a bundled scenario --------------------------------------------------------


def test_a_users_copy_of_a_bundled_scenario_wins_everywhere_with_a_note(tmp_path, capsys):
    bundled = find_scenario(DEFAULT_SCENARIO_ID)
    user = Path(os.environ["STARCOACH_HOME"]) / "scenarios"
    user.mkdir(parents=True)
    mine = user / bundled.path.name
    mine.write_text(bundled.path.read_text(encoding="utf-8").replace(bundled.question, "MY OWN WORDING?", 1),
                    encoding="utf-8")
    note = f"starcoach: note: using {mine}, which replaces the bundled scenario '{DEFAULT_SCENARIO_ID}'"

    assert find_scenario(DEFAULT_SCENARIO_ID).question == "MY OWN WORDING?"
    assert main(["scenarios"]) == 0
    out, err = capsys.readouterr()
    assert note in err and "skipped" not in err and "duplicate" not in err
    assert main(["scenarios", "show", DEFAULT_SCENARIO_ID]) == 0
    out, err = capsys.readouterr()
    assert "MY OWN WORDING?" in out and note in err
    assert main(["quiz", DEFAULT_SCENARIO_ID, "--no-input"]) == 0
    out, err = capsys.readouterr()
    assert "MY OWN WORDING?" in out and note in err
    assert main(["run", DEFAULT_SCENARIO_ID, "--answers", str(tmp_path / "none"), "--no-input"]) == 1
    assert note in capsys.readouterr().err


# -- 9. audio that cannot be read, or was cut short -------------------------------------------------


def test_unreadable_audio_says_permission_denied(tmp_path, starcoach_home):
    clip = tmp_path / "answer.wav"
    sf.write(str(clip), np.zeros(16000, np.float32), 16000)
    clip.chmod(0)
    result = sc("transcribe", str(clip), home=starcoach_home, prefix=without_file_permission_override())
    one_error_line(result, f"Cannot read {clip}: permission denied", "chmod u+r")


@pytest.mark.slow
def test_a_truncated_wav_warns_before_it_is_transcribed(tmp_path, capsys, say):
    samples, rate = sf.read(str(say("I traced the failure to a race condition and I wrote the fix myself.")))
    full = tmp_path / "full.wav"
    sf.write(str(full), samples, rate, subtype="PCM_16")
    cut = tmp_path / "cut.wav"
    cut.write_bytes(full.read_bytes()[: 44 + 2 * rate])  # one second of a longer answer, header unchanged
    assert main(["transcribe", str(cut)]) == 0
    err = capsys.readouterr().err
    assert "starcoach: warning: cut.wav is cut short: its header promises" in err
    assert "but the file holds 1.0 s (copied or downloaded only in part?); only those 1.0 s are used" in err


# -- 11. arguments that parse but make no sense ---------------------------------------------------


@pytest.mark.parametrize("argv, message", [
    (["run", "--loop", "0"], "--loop 0 makes no sense — give the number of questions, 1 or more"),
    (["run", "--loop", "-2"], "--loop -2 makes no sense"),
    (["run", "--silence", "-5", "--answers", ".", "--no-input"], "--silence -5 makes no sense — give a number of seconds above 0 (0 turns it off)"),
    (["record", "x.wav", "--max", "-1"], "--max -1 makes no sense — give a number of seconds above 0, e.g. --max 120"),
    (["record", "x.wav", "--max", "0"], "--max 0 makes no sense"),
    (["record", "x.wav", "--max", "nan"], "--max nan makes no sense"),
    (["record", "x.wav", "--silence", "-5"], "--silence -5 makes no sense"),
])
def test_nonsense_numbers_are_refused(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 1
    _error_line(capsys, message)
    assert not (tmp_path / "x.wav").exists()


def test_record_to_a_folder_says_so(tmp_path, capsys):
    assert main(["record", str(tmp_path)]) == 1
    _error_line(capsys, f"{tmp_path} is a folder, not a file name", f"e.g. {tmp_path / 'take.wav'}")
    assert not (tmp_path / "take.wav").exists()
