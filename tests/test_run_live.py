"""The live run end to end: speech played into the virtual microphone, keys sent through a terminal.

``starcoach run`` runs in a pseudo-terminal (pexpect); the bundled voice speaks each answer into
../shared/tools/virtual-mic while the recorder listens; the test presses the keys a candidate
would (start, stop, redo, next, Ctrl-C) and then checks the saved session on disk.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest

pexpect = pytest.importorskip("pexpect")

pytestmark = [pytest.mark.slow, pytest.mark.mic]

STARCOACH = Path(sys.executable).parent / "starcoach"

SITUATION = "While reviewing system metrics, I noticed a webhook drop rate in the Platform team's logs."
TASK = "It was not my team, there was no ticket, and nobody had asked me to look into it."
PROBE_1 = "I brought a complete fix with tests to their tech lead, not just a problem."


def _spawn(args: list[str], home: Path):
    env = dict(os.environ, STARCOACH_HOME=str(home), TERM="xterm-256color")
    child = pexpect.spawn(str(STARCOACH), args, env=env, encoding="utf-8", timeout=90, dimensions=(50, 110))
    child.logfile_read = open(home.parent / f"pty-{int(time.time() * 1000)}.log", "w")  # kept for debugging
    return child


def _speak(virtual_mic, clip: Path, child) -> None:
    child.expect("Enter or space: stop")
    time.sleep(0.4)  # the stream opens as the view appears
    virtual_mic.play(clip).wait()


def _session(home: Path, session_id: str) -> dict:
    return json.loads((home / "sessions" / session_id / "session.json").read_text())


def test_live_run_keys_silence_redo_probe_summary(virtual_mic, say, starcoach_home):
    clips = {"situation": say(SITUATION), "task": say(TASK), "probe-1": say(PROBE_1)}
    child = _spawn(["run", "--mode", "ownership", "--level", "sde2", "--only", "situation,task",
                    "--probes", "1", "--voice", "off", "--silence", "1.5"], starcoach_home)
    child.expect("proactively learned something")          # the question
    child.expect("Mode: Ownership")
    child.expect("Emphasize")
    child.expect("1/2 Situation")
    child.expect("to start speaking")
    child.send("\r")
    _speak(virtual_mic, clips["situation"], child)
    stopped = time.monotonic()
    child.send(" ")                                           # stop by key
    child.expect("Situation: feedback")
    first_feedback_s = time.monotonic() - stopped
    child.expect("redo this step")
    child.send("r")                                           # redo: take 2
    child.expect("to start speaking")
    child.send("\r")
    _speak(virtual_mic, clips["situation"], child)            # ... stopped by silence this time
    child.expect("Situation: feedback")
    child.expect("take 2")
    child.send("\r")
    child.expect("2/2 Task")
    child.expect("to start speaking")
    child.send("\r")
    _speak(virtual_mic, clips["task"], child)
    child.send("\r")                                          # Enter stops too
    child.expect("Task: feedback")
    child.expect("redo this step")
    child.send("\r")
    child.expect("Interviewer:")
    child.expect("How did you ensure your fix was accepted")
    _speak(virtual_mic, clips["probe-1"], child)
    child.send(" ")
    child.expect("Verdict: (strong|mixed|weak)")
    child.expect("Summary")
    child.expect("Bar Raiser")
    child.expect(r"Saved session \S*?(\d{8}-\d{6}[-a-z0-9]*)\S* —")  # the whole id, not a prefix read so far
    session_id = child.match.group(1)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0

    session = _session(starcoach_home, session_id)
    assert session["complete"] and session["source"] == "microphone"
    assert session["mode"] == "ownership" and session["level"] == "sde2"
    takes = [(t["step"], t["take"], t["stopped_by"]) for t in session["takes"]]
    assert takes == [("situation", 1, "key"), ("situation", 2, "silence"), ("task", 1, "key"), ("probe-1", 1, "key")]
    folder = starcoach_home / "sessions" / session_id
    import soundfile as sf

    for take in session["takes"]:
        info = sf.info(str(folder / take["audio"]))
        assert info.samplerate == 16000
        assert abs(info.duration - take["duration_s"]) < 0.2
        assert take["duration_s"] > 3
    # silence stop: the take ended about 1.5 s after the speech did
    speech = sf.info(str(clips["situation"])).duration
    assert speech < session["takes"][1]["duration_s"] < speech + 4
    steps = {s["step"]: s for s in session["steps"]}
    assert list(steps) == ["situation", "task"] and steps["situation"]["take"] == 2
    assert "webhook" in steps["situation"]["transcript"].lower()
    assert "ticket" in steps["task"]["transcript"].lower()
    assert steps["task"]["analysis"]["checks"]["scope_boundary"]["ok"] is True
    assert session["probes"][0]["transcript"] and session["probes"][0]["verdict"] in ("strong", "mixed")
    assert session["summary"]["timeline"][0]["step"] == "situation"
    assert first_feedback_s < 6  # generous: the benchmark measures the real figure


def test_ctrl_c_mid_step_keeps_the_take_and_resume_finishes(virtual_mic, say, starcoach_home, tmp_path):
    clip = say(SITUATION)
    # no --mode / --level: the run asks for them
    child = _spawn(["run", "--only", "situation,task", "--probes", "0", "--voice", "off"], starcoach_home)
    child.expect("dive-deep.*Emphasize the technical learning")   # each mode with its lead-in
    child.expect(r"Preparation mode \S*\[ownership/dive-deep/deliver-results\]")
    child.sendline("dive-deep")
    child.expect(r"Level \S*\[sde1/sde2/senior\]")
    child.sendline("senior")
    child.expect("Mode: Dive Deep")
    child.expect("Level: Senior SDE")
    child.expect("to start speaking")
    child.send("\r")
    child.expect("Enter or space: stop")
    time.sleep(0.4)
    player = virtual_mic.play(clip)
    child.expect(r"0:03\S* / 0:30 target")                 # the view's clock: 3 s recorded
    child.sendintr()
    child.expect("Stopped. Everything recorded so far")
    child.expect(r"Resume: +starcoach run --resume (\S+)")
    session_id = child.match.group(1)
    child.expect(r"Review: +starcoach review")
    child.expect(pexpect.EOF)
    child.close()
    player.wait()
    assert child.exitstatus == 130

    session = _session(starcoach_home, session_id)
    assert session["complete"] is False and session["ended_at"]
    assert [(t["step"], t["stopped_by"]) for t in session["takes"]] == [("situation", "interrupt")]
    import soundfile as sf

    wav = starcoach_home / "sessions" / session_id / session["takes"][0]["audio"]
    assert 2.5 < sf.info(str(wav)).duration < 5.0  # everything up to the Ctrl-C (within a second)

    # resume it with recorded answers: it continues at the first missing step and finishes
    answers = tmp_path / "answers"
    answers.mkdir()
    os.symlink(say(SITUATION), answers / "situation.wav")
    os.symlink(say(TASK), answers / "task.wav")
    from starcoach.cli import main

    assert main(["run", "--resume", session_id, "--answers", str(answers), "--no-input", "--json"]) == 0
    session = _session(starcoach_home, session_id)
    assert session["complete"] is True and session["mode"] == "dive-deep" and session["level"] == "senior"
    assert [(t["step"], t["take"], t["stopped_by"]) for t in session["takes"]] == [
        ("situation", 1, "interrupt"), ("situation", 2, "end-of-file"), ("task", 1, "end-of-file")]
    assert [s["step"] for s in session["steps"]] == ["situation", "task"]
