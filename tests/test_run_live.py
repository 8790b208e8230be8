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
    child.log_path = home.parent / f"pty-{int(time.time() * 1000)}.log"
    child.logfile_read = open(child.log_path, "w")  # kept for debugging
    return child


def _scrollback(child) -> list[str]:
    """Every line the terminal shows and has scrolled off, as a 110x50 terminal (pyte) draws the
    run's output: what the candidate can scroll back through."""
    import pyte

    child.logfile_read.close()
    screen = pyte.HistoryScreen(110, 50, history=100000, ratio=0.5)
    with open(child.log_path, encoding="utf-8", newline="") as f:  # keep every \r: the terminal needs them
        pyte.Stream(screen).feed(f.read())
    history = ["".join(ch.data for ch in (line[x] for x in range(screen.columns))).rstrip()
               for line in screen.history.top]
    return history + [line.rstrip() for line in screen.display]


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
    child.expect(r"Resume: +starcoach run --resume (\S+)\s")
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
    # the view shows 0:03 from 2.5 s on (the clock rounds half up), so at least 2.5 s is on disk
    assert 2.5 <= sf.info(str(wav)).duration < 5.0  # everything up to the Ctrl-C (within a second)

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


SHORT_SITUATION = "I noticed some webhooks were failing."
ASSIGNED_TASK = "My manager asked me to look into it, so I did."


def test_live_expand_keep_earlier_take_skip_and_adaptive_followup(virtual_mic, say, starcoach_home):
    """The keys of issue #11 through a terminal: f shows a step's full feedback, k keeps the earlier
    take after a redo, s skips a probe; an adaptive follow-up is asked and, met with silence, stops
    on its own and is skipped, not judged weak."""
    clips = {"situation": say(SITUATION), "short": say(SHORT_SITUATION), "task": say(ASSIGNED_TASK)}
    child = _spawn(["run", "--mode", "ownership", "--level", "sde2", "--only", "situation,task",
                    "--probes", "1,adaptive", "--voice", "off", "--silence", "1.5"], starcoach_home)
    child.expect("1/2 Situation")
    child.expect("to start speaking")
    child.send("\r")
    _speak(virtual_mic, clips["situation"], child)
    child.send(" ")
    child.expect("Situation: feedback")
    child.expect("full feedback · ")                          # the key is offered …
    child.send("f")
    child.expect("Situation: full feedback")                  # … and shows every finding
    child.expect("redo this step")
    child.send("r")
    child.expect(r"1/2 Situation, take 2")                    # one line, not the prompt panel again
    child.expect("to start speaking")
    child.send("\r")
    _speak(virtual_mic, clips["short"], child)
    child.send(" ")
    child.expect("Situation: feedback")
    child.expect("take 2")
    child.expect("keep an earlier take instead")
    child.send("k")
    child.expect("Take 1 of 2 counts now")
    child.expect("redo this step")
    child.send("\r")
    child.expect("2/2 Task")
    child.expect("to start speaking")
    child.send("\r")
    _speak(virtual_mic, clips["task"], child)
    child.send(" ")
    child.expect("Task: feedback")
    child.expect("redo this step")
    child.send("\r")
    child.expect("Follow-up questions")
    child.expect("How did you ensure your fix was accepted")
    child.expect("s: skip this question")
    child.send("s")
    child.expect("Verdict: skipped")
    child.expect(r"Interviewer:\S* What made you look into it\? Did anyone ask you to\?")
    child.expect("a follow-up on your answer")
    child.expect("Verdict: skipped", timeout=60)               # nothing said: it stopped by itself
    child.expect("Bar Raiser")
    child.expect(r"Saved session \S*?(\d{8}-\d{6}[-a-z0-9]*)\S* — review")
    session_id = child.match.group(1)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0

    # the scrollback holds no stale live panels (they redraw in place and vanish) and one prompt
    # panel per step, however many takes
    lines = _scrollback(child)
    assert any("Situation: full feedback" in line for line in lines)   # the screen is read right …
    assert not [line for line in lines if "· target" in line and "╭" in line], "stale live panel headers"
    assert sum("1/2 Situation ─" in line for line in lines) == 1
    assert sum("Situation: feedback" in line for line in lines) == 2 and any("1/2 Situation, take 2" in line
                                                                            for line in lines)

    session = _session(starcoach_home, session_id)
    steps = {s["step"]: s for s in session["steps"]}
    assert steps["situation"]["take"] == 1 and "webhook drop rate" in steps["situation"]["transcript"].lower()
    assert [(t["take"], t["counts"]) for t in steps["situation"]["takes"]] == [(1, True), (2, False)]
    probe, followup = session["probes"]
    assert (probe["source"], probe["index"], probe["verdict"]) == ("scenario", 1, "skipped")
    assert (followup["source"], followup["gap"], followup["verdict"]) == ("adaptive", "scope", "skipped")
    stops = {t["step"]: t["stopped_by"] for t in session["takes"] if t["step"].startswith(("probe", "followup"))}
    assert stops == {"probe-1": "skip", "followup-1": "silence"}
    summary = session["summary"]
    assert summary["probes"]["skipped"] == 2 and summary["probes"]["weak"] == 0
    assert all(f["kind"] not in ("probe", "off-topic") for f in summary["top_fixes"])
    assert "Follow-ups not answered (2 of 2): no evidence either way" in summary["bar_raiser"]["against"]


def test_resume_recaps_what_was_answered_and_numbers_as_the_full_run(virtual_mic, say, starcoach_home):
    child = _spawn(["run", "--mode", "ownership", "--level", "sde2", "--only", "situation,task",
                    "--probes", "none", "--voice", "off", "--silence", "1.5"], starcoach_home)
    child.expect("1/2 Situation")
    child.expect("to start speaking")
    child.send("\r")
    _speak(virtual_mic, say(SITUATION), child)
    child.send(" ")
    child.expect("Situation: feedback")
    child.expect("redo this step")
    child.send("\r")
    child.expect("2/2 Task")
    child.expect("to start speaking")
    child.send("q")
    child.expect(r"Resume: +starcoach run --resume (\S+)\s")
    session_id = child.match.group(1)
    child.expect(pexpect.EOF)
    child.close()

    child = _spawn(["run", "--resume", session_id, "--voice", "off"], starcoach_home)
    child.expect(f"Resuming {session_id}: already answered")
    child.expect(r"1/2 Situation\S*\s+\S*0:\d\d/0:30")
    child.expect("Still to answer: 2/2 Task")
    child.expect("2/2 Task")                                    # numbered as in the full run, not 1/1
    child.expect("to start speaking")
    child.send("q")
    child.expect("Stopped. Everything recorded so far")
    child.expect(pexpect.EOF)
    child.close()


def test_live_whole_answer_keep_the_earlier_answer(virtual_mic, say, starcoach_home):
    """Whole-answer mode through a terminal: answer, answer again, k keeps the first answer."""
    clips = {"first": say(SITUATION), "second": say(SHORT_SITUATION)}
    child = _spawn(["run", "--continuous", "--mode", "ownership", "--level", "sde2", "--only", "situation,task",
                    "--probes", "", "--voice", "off", "--silence", "1.5"], starcoach_home)
    for clip in ("first", "second"):
        child.expect("Answer the whole question in one go")
        child.send("\r")
        _speak(virtual_mic, clips[clip], child)
        child.send(" ")
        child.expect("answer again")
        if clip == "first":
            child.send("r")
    child.expect("keep an earlier answer instead")
    child.send("k")
    child.expect("Answer 1 of 2 counts now")
    child.expect("answer again")
    child.send("\r")
    child.expect(r"Saved session \S*?(\d{8}-\d{6}[-a-z0-9]*)\S* — review")
    session_id = child.match.group(1)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    session = _session(starcoach_home, session_id)
    assert session["steps"] and {s["audio"] for s in session["steps"]} == {"audio/answer-1.wav"}
    assert "webhook drop rate" in " ".join(s["transcript"] for s in session["steps"]).lower()
