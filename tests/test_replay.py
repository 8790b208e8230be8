"""Replay: the engine on an injected clock, the transcript-only replay through the real command
(``--no-audio``, at a fast speed, timed), keys in a pseudo-terminal, and audio through sounddevice
into the virtual microphone's sink.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from sessionfactory import bank, handmade_session  # noqa: F401 - fixture
from starcoach.replay import Replay, ReplayError, replay_events
from starcoach.report.export import load_timeline
from starcoach.errors import TimelineError
from starcoach.report.timeline import build_timeline, join_words
from starcoach.session import Note
from starcoach.store import add_note

REPO = Path(__file__).resolve().parent.parent
STARCOACH = REPO / ".venv" / "bin" / "starcoach"


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


class RecordingSink:
    """Stands in for the speaker in engine unit tests: records what it was told."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def start(self, position_s: float, speed: float) -> None:
        self.calls.append(("start", round(position_s, 3), speed))

    def stop(self) -> None:
        self.calls.append(("stop",))

    def close(self) -> None:
        self.calls.append(("close",))


@pytest.fixture
def timeline():
    session = handmade_session()
    session.notes.append(Note(at_s=1.2, text="Who decided?", step="action"))
    return build_timeline(session)  # no folder: durations from the recorder's clock, no audio


# -- engine ----------------------------------------------------------------------------------------


def test_position_follows_the_clock_and_pauses(timeline):
    clock, sink = FakeClock(), RecordingSink()
    replay = Replay(timeline, speed=2.0, clock=clock, sink=sink)
    assert replay.position() == 0.0 and not replay.playing
    replay.play()
    clock.advance(1.5)
    assert replay.position() == pytest.approx(3.0)
    replay.pause()
    clock.advance(10)
    assert replay.position() == pytest.approx(3.0)
    replay.toggle()
    clock.advance(0.5)
    frame = replay.frame()
    assert frame.position_s == pytest.approx(4.0) and frame.playing and frame.section == 0
    assert timeline.words[frame.word].start_s <= 4.0 < timeline.words[frame.word + 1].start_s
    assert sink.calls == [("start", 0.0, 2.0), ("stop",), ("start", 3.0, 2.0)]
    clock.advance(1000)
    assert replay.finished and not replay.playing and replay.position() == timeline.duration_s
    assert sink.calls[-1] == ("stop",)
    replay.play()  # at the end, play starts over
    assert replay.position() == 0.0 and sink.calls[-1] == ("start", 0.0, 2.0)


def test_seek_skip_next_and_previous_step(timeline):
    clock, sink = FakeClock(), RecordingSink()
    replay = Replay(timeline, clock=clock, sink=sink)
    starts = [s.start_s for s in timeline.sections]
    replay.play()
    assert replay.next_section() == starts[1]
    assert replay.next_section() == starts[2]
    clock.advance(3.0)
    assert replay.previous_section() == starts[2]  # well into a step: back to its start
    assert replay.previous_section() == starts[1]  # at its start: the step before
    assert replay.skip(-100) == 0.0 and replay.previous_section() == 0.0
    assert replay.seek(1e9) == timeline.duration_s and not replay.playing
    replay.seek(2.0)
    assert replay.go_to_section("result") == timeline.sections[3].start_s
    with pytest.raises(TimelineError, match="Unknown step 'resutl'.*expected one of situation, task, action, result, reflection"):
        replay.go_to_section("resutl")
    assert ("start", round(starts[1], 3), 1.0) in sink.calls


def test_events_arrive_in_order_and_a_seek_skips_them(timeline):
    clock = FakeClock()
    replay = Replay(timeline, speed=4.0, clock=clock)
    replay.play()
    seen = []
    while not replay.finished:
        clock.advance(0.1)
        seen += replay.events()
    assert seen == replay_events(timeline)
    words = [timeline.words[e.index].text for e in seen if e.kind == "word"]
    assert words == [w.text for w in timeline.words]
    kinds = [e.kind for e in seen]
    assert kinds[0] == "section" and kinds.count("section") == len(timeline.sections)
    assert kinds.count("note") == 2 and kinds.count("finding") == len(timeline.findings)
    for e in seen:  # a finding is reported once its last word has been spoken
        if e.kind == "finding":
            f = timeline.findings[e.index]
            last = max(f.words)
            assert seen.index(next(x for x in seen if x.kind == "word" and x.index == last)) < seen.index(e)
    replay.seek(0.0)
    replay.play()
    replay.seek(timeline.sections[2].start_s)
    clock.advance(0.01)
    jumped = replay.events()
    assert jumped and jumped[0].kind == "section" and jumped[0].index == 2


def test_a_sink_that_reports_what_is_heard_leads(timeline):
    class LaggingSpeaker(RecordingSink):
        heard: float | None = None

        def position(self) -> float | None:
            return self.heard

    clock, sink = FakeClock(), LaggingSpeaker()
    replay = Replay(timeline, clock=clock, sink=sink)
    replay.play()
    clock.advance(5.0)
    assert replay.position() == pytest.approx(5.0)  # nothing reported yet: the clock
    sink.heard = 3.5  # the device is behind the clock: the transcript waits for the sound
    assert replay.position() == 3.5 and replay.frame().word == timeline.word_at(3.5)
    replay.pause()
    sink.heard = None
    assert replay.position() == 3.5
    replay.play()
    sink.heard = timeline.duration_s + 0.2
    assert replay.finished and sink.calls[-1] == ("stop",)


def test_speed_is_checked(timeline):
    with pytest.raises(ReplayError, match="Speed 100 is out of range.*between 0.25 and 64"):
        Replay(timeline, speed=100)


# -- the command, transcript only -------------------------------------------------------------------




@pytest.mark.slow
def test_no_audio_replays_the_transcript_at_its_pace(bank):
    session = bank.install("strong")
    add_note(session.session_id, Note(at_s=1.0, text="Nice opener", step="situation"))
    timeline = load_timeline("latest")
    speed = 8.0
    proc = subprocess.Popen([str(STARCOACH), "replay", "latest", "--no-audio", "--speed", str(speed)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ, COLUMNS="120"))
    lines, stamps = [], []
    for line in proc.stdout:  # time each line as it arrives: start-up does not count
        lines.append(line.rstrip("\n"))
        stamps.append(time.monotonic())
    assert proc.wait(timeout=60) == 0, proc.stderr.read()
    out = "\n".join(lines)
    elapsed = stamps[-1] - stamps[0]
    pace = timeline.duration_s / speed
    assert pace * 0.9 <= elapsed <= pace * 1.3 + 0.5, (elapsed, pace)
    headers = [line for line in out.splitlines() if line.startswith("── ")]
    assert [h.split(" · ")[0][3:] for h in headers[:-1]] == [s.title for s in timeline.sections]
    assert headers[-1].startswith("── end")
    spoken = " ".join(line for line in out.splitlines() if not line.startswith(("──", "  ", "✎", "“")))
    assert " ".join(spoken.split()) == join_words(timeline.words)
    assert "✎ 0:01 coach: Nice opener" in out
    for f in timeline.findings:
        assert f"{f.finding.type} “{f.finding.text}”" in out
    # the note comes after the words spoken before 0:01 and before those after it
    assert out.index("Nice opener") > out.index(timeline.words[0].text)


@pytest.mark.slow
def test_no_audio_from_a_step(bank):
    bank.install("strong")
    result = subprocess.run([str(STARCOACH), "replay", "--step", "reflection", "--no-audio", "--speed", "32"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert result.stdout.startswith("── Reflection") and "── Situation" not in result.stdout
    bad = subprocess.run([str(STARCOACH), "replay", "--step", "relfection", "--no-audio"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1 and "Unknown step 'relfection'" in bad.stderr and "Traceback" not in bad.stderr


@pytest.mark.slow
def test_keys_in_a_terminal(bank):
    import pexpect

    bank.install("strong")
    timeline = load_timeline("latest")
    child = pexpect.spawn(str(STARCOACH), ["replay", "latest", "--no-audio"], encoding="utf-8", timeout=15,
                          dimensions=(40, 120), env=dict(os.environ, TERM="xterm"))
    child.expect("Situation")
    child.send("n")
    child.expect("Task")
    child.send(" ")
    child.expect("paused")
    child.send("n")
    child.expect("Action")
    child.send("p")  # at the start of Action: back to Task
    child.expect("Task")
    child.send("\x1b[C")  # right arrow: 5 s on, past the end of Task (4-5 s long)
    child.expect(timeline.sections[timeline.section_at(timeline.sections[1].start_s + 5.0)].title)
    child.send("9")  # 90 %
    child.expect(timeline.sections[timeline.section_at(0.9 * timeline.duration_s)].title)
    child.send("q")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


# -- audio -----------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.mic
def test_audio_plays_through_sounddevice(bank, virtual_mic):
    import numpy as np
    import sounddevice as sd

    from starcoach.replay import SoundDeviceSink

    session = bank.install("strong")
    timeline = load_timeline(session.session_id)
    sink = SoundDeviceSink(timeline)
    replay = Replay(timeline, speed=4.0, sink=sink)
    # Record the sink's monitor (the virtual microphone) while the replay plays into the sink.
    recording = sd.rec(int(16000 * (timeline.duration_s / 4 + 1.0)), samplerate=16000, channels=1, dtype="float32")
    replay.play()
    while not replay.finished:
        time.sleep(0.05)
    sd.wait()
    replay.close()
    assert sink.frames_played == pytest.approx(timeline.duration_s * sink.rate / 4, rel=0.1)
    assert float(np.sqrt(np.mean(recording ** 2))) > 0.005


@pytest.mark.slow
def test_audio_replay_without_a_device_says_use_no_audio(bank):
    bank.install("strong")
    result = subprocess.run([str(STARCOACH), "replay", "--output-device", "nonexistent-speaker"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "No audio output device 'nonexistent-speaker'" in result.stderr and "--no-audio" in result.stderr


# -- the session clock ----------------------------------------------------------------------------


@pytest.mark.slow
def test_whole_answer_mode_shares_one_recording(bank):
    session = bank.install("continuous")
    timeline = load_timeline("latest")
    parts = [s.audio for s in timeline.sections]
    assert {p.path.name for p in parts} == {"answer-1.wav"}
    for step, sec in zip(session.steps, timeline.sections):
        assert sec.start_s == pytest.approx(step.offset_s, abs=0.001)
        assert parts[0].path == sec.audio.path and sec.audio.file_start_s == pytest.approx(step.offset_s, abs=0.001)
        for wi in sec.words:  # words stay inside their step, on the recording's own clock
            assert sec.start_s - 0.05 <= timeline.words[wi].start_s <= sec.end_s + 0.05
    assert timeline.sections[-1].end_s == pytest.approx(timeline.duration_s)
    from starcoach.report.audio import session_audio
    import soundfile as sf

    track = session_audio(timeline)
    original, rate = sf.read(str(parts[0].path), dtype="float32")
    assert track.duration_s == pytest.approx(len(original) / rate, abs=0.01)


@pytest.mark.slow
def test_separate_takes_play_back_to_back(bank):
    session = bank.install("strong")
    timeline = load_timeline("latest")
    import soundfile as sf

    t = 0.0
    for sec in timeline.sections:
        assert sec.start_s == pytest.approx(t)
        t += sf.info(str(sec.audio.path)).duration
        words = [timeline.words[i] for i in sec.words]
        assert words and all(sec.start_s <= w.start_s <= sec.end_s + 0.05 for w in words)
    assert timeline.duration_s == pytest.approx(t)
    action = timeline.sections[2]
    assert action.take == 2 and action.n_takes == 2 and action.audio.path.name == "action-2.wav"
    assert timeline.sections[-1].name == "probe-1" and timeline.sections[-1].question == session.probes[0].question


@pytest.mark.slow
def test_an_earlier_take_can_be_replayed(bank):
    """The strong session redid the Action: take 2 counts, take 1 plays with --take 1."""
    bank.install("strong")
    counted = subprocess.run([str(STARCOACH), "replay", "--step", "action", "--no-audio", "--speed", "32"],
                             capture_output=True, text=True, timeout=60)
    earlier = subprocess.run([str(STARCOACH), "replay", "--step", "action", "--take", "1", "--no-audio",
                              "--speed", "32"], capture_output=True, text=True, timeout=60)
    assert counted.returncode == 0 and earlier.returncode == 0, earlier.stderr
    assert "retry logic" not in counted.stdout and "I wrote a fix" in counted.stdout
    assert "retry logic" in earlier.stdout and earlier.stdout.startswith("── Action")
    assert "take 1 of 2" in earlier.stdout.splitlines()[0]
    bad = subprocess.run([str(STARCOACH), "replay", "--step", "action", "--take", "7", "--no-audio"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1 and bad.stderr.count("\n") == 1
    assert "No take 7 of action to play" in bad.stderr and "takes of action: 1, 2" in bad.stderr
