"""A run's follow-ups and takes, end to end on synthesized speech (real Whisper, real spaCy).

- a probe with no speech is ``skipped`` (not weak), counted as skipped, never a top fix, and the
  Bar Raiser read says the follow-ups were not answered;
- adaptive follow-ups are asked after the scenario's probes, judged like them, and marked
  ``source: adaptive`` in ``--json`` (the contract: ``question``, ``transcript``, ``verdict``,
  ``source``);
- ``--json`` steps carry every take and which one counts; an earlier take can be kept;
- a take where nothing is said stops on its own, like the silence stop after speech;
- whole-answer mode records against the level's budget, the one figure the candidate is shown.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from starcoach.cli import main
from starcoach.demo import synthesize_answers, weak_candidate, strong_candidate
from starcoach.scenario import DEFAULT_SCENARIO_ID, find_scenario

pytestmark = pytest.mark.slow

HANDED_OFF = "I'm not sure, they handled it from there and I went back to my own work."


@pytest.fixture(scope="module")
def scenario():
    return find_scenario(DEFAULT_SCENARIO_ID)


@pytest.fixture(scope="module")
def weak_files(scenario, speech_cache):
    return synthesize_answers(weak_candidate(scenario), speech_cache / "weak-candidate",
                              labels=("task", "action", "result"))


@pytest.fixture(scope="module")
def strong_files(scenario, speech_cache):
    return synthesize_answers(strong_candidate(scenario), speech_cache / "strong-candidate", labels=("action",))


def _silence(path, seconds: float):
    import soundfile as sf

    sf.write(str(path), np.zeros(int(16000 * seconds), np.float32), 16000)
    return path


def test_skipped_probe_and_adaptive_followup_in_the_json_contract(capsys, tmp_path, weak_files, say, starcoach_home):
    answers = tmp_path / "answers"
    answers.mkdir()
    for label in ("task", "action", "result"):
        (answers / f"{label}.wav").symlink_to(weak_files[label])
    _silence(answers / "probe-3.wav", 4.0)                       # asked, nothing said
    (answers / "followup-1.wav").symlink_to(say(HANDED_OFF))     # the first follow-up; no file for a second
    assert main(["run", "--answers", str(answers), "--no-input", "--json", "--only", "task,action,result",
                 "--probes", "3,adaptive", "--mode", "ownership", "--level", "sde2"]) == 0
    out = json.loads(capsys.readouterr().out)

    for p in out["probes"]:
        assert {"question", "transcript", "verdict", "source", "index", "reasons", "key_line"} <= set(p)
        assert p["verdict"] in ("strong", "mixed", "weak", "off-topic", "skipped")
        assert p["source"] in ("scenario", "adaptive")
    scenario_probe, followup = out["probes"]
    assert scenario_probe["source"] == "scenario" and scenario_probe["index"] == 3
    assert scenario_probe["verdict"] == "skipped" and scenario_probe["transcript"] == ""
    assert scenario_probe["reasons"] == ["not answered: no speech was heard"]
    # the weak answer hands the problem off: the interviewer asks what happened after
    assert followup["source"] == "adaptive" and followup["index"] == 1 and followup["gap"] == "handoff"
    assert followup["question"] == "What happened after you passed it on? How did you make sure it got fixed?"
    assert followup["verdict"] == "weak" and "handled it" in followup["transcript"]
    assert followup["audio"] == "audio/followup-1-1.wav"

    summary = out["summary"]
    assert summary["probes"] == {"strong": 0, "mixed": 0, "weak": 1, "off-topic": 0, "skipped": 1}
    assert all(f["step"] != "probe-3" for f in summary["top_fixes"])
    against = summary["bar_raiser"]["against"]
    assert "Follow-up not answered (1 of 2): no evidence either way" in against
    assert not any("Weak follow-up on \"How did you verify" in a for a in against)
    assert summary["bar_raiser"]["headline"].endswith("1 follow-up was not answered.")

    # every step carries its takes and which one counts
    for step in out["steps"]:
        assert step["takes"] == [{"take": 1, "audio": f"audio/{step['step']}-1.wav",
                                  "duration_s": step["duration_s"], "stopped_by": "end-of-file",
                                  "transcript": step["transcript"], "counts": True,
                                  "findings": step["takes"][0]["findings"]}]
    assert out["plan"] == ["task", "action", "result", "probe-3", "followup-1", "followup-2"]


def test_keep_an_earlier_take(tmp_path, strong_files, weak_files, scenario, starcoach_home):
    """Redo the Action, then keep the first take: the summary, the JSON and review follow it."""
    from starcoach.capture import FileSource
    from starcoach.run import MockRun, RunPlan

    files = iter([strong_files["action"], weak_files["action"]])
    run = MockRun(RunPlan(scenario, "ownership", "sde2", steps=("action",), probes=()),
                  lambda label: FileSource(next(files)), source_kind="files")
    run.start()
    first = run.record_step("action")
    second = run.record_step("action")
    assert (first.take, second.take) == (1, 2) and run.session.steps[0].take == 2
    kept = run.keep_take("action", 1)
    assert kept.take == 1 and kept.transcript == first.transcript
    assert run.session.steps == [kept]
    session = run.finish()
    data = session.to_dict()
    assert [(t["take"], t["counts"]) for t in data["steps"][0]["takes"]] == [(1, True), (2, False)]
    assert data["steps"][0]["take"] == 1 and data["steps"][0]["transcript"] == first.transcript
    # the weak second take ("I did escalate it … they handled it") does not count
    assert session.steps[0].analysis.transcript == first.transcript
    assert not any("escalate" in f.text.lower() or "handled" in f.text.lower() for f in session.summary.top_fixes)
    assert not any("Handoff in action" in r for r in session.summary.bar_raiser.against)
    from starcoach.errors import StarcoachError

    with pytest.raises(StarcoachError, match="No finished take 5 of action"):
        run.keep_take("action", 5)


def test_a_take_where_nothing_is_said_stops_on_its_own(tmp_path, scenario, starcoach_home):
    """Like the silence stop after speech: nothing heard for ``lead_silence_s`` ends the take; a
    probe answered with silence is skipped, a step gets the one no-speech line."""
    from starcoach.capture import FileSource
    from starcoach.run import MockRun, RunPlan

    quiet = _silence(tmp_path / "quiet.wav", 8.0)
    run = MockRun(RunPlan(scenario, "ownership", "sde2", steps=("task",), probes=(1,)),
                  lambda label: FileSource(quiet), source_kind="files", silence_stop_s=1.5, lead_silence_s=3.0)
    run.start()
    step = run.record_step("task")
    take = run.session.takes[-1]
    assert take.stopped_by == "silence" and 2.9 <= take.duration_s <= 4.0
    assert step.analysis.no_speech and [f.type for f in step.analysis.findings] == ["no-speech"]
    probe = run.ask_probe(1)
    assert probe.verdict == "skipped" and run.session.takes[-1].stopped_by == "silence"
    run.finish()


def test_skip_key_skips_even_after_speech(tmp_path, weak_files, scenario, starcoach_home):
    import threading

    from starcoach.capture import FileSource
    from starcoach.run import MockRun, RunPlan

    run = MockRun(RunPlan(scenario, "ownership", "sde2", steps=("task",), probes=(2,)),
                  lambda label: FileSource(weak_files["task"]), source_kind="files")
    run.start()
    stop, skip = threading.Event(), threading.Event()
    skip.set()
    stop.set()
    probe = run.ask_probe(2, stop, skip)
    assert probe.verdict == "skipped" and probe.reasons == ["skipped: the candidate chose not to answer"]
    assert run.session.takes[-1].stopped_by == "skip" and (starcoach_home / "sessions" /
                                                          run.session.session_id / probe.audio).exists()
    run.interrupt()


def test_whole_answer_is_timed_against_the_level_budget(tmp_path, weak_files, scenario, starcoach_home):
    from starcoach.capture import FileSource
    from starcoach.run import MockRun, RunPlan, TakeStarted

    events = []
    plan = RunPlan(scenario, "ownership", "sde2", continuous=True, probes=())
    run = MockRun(plan, lambda label: FileSource(weak_files["task"]), source_kind="files", on_event=events.append)
    run.start()
    run.record_answer()
    started = [e for e in events if isinstance(e, TakeStarted)]
    assert plan.budget_s == (120.0, 150.0) and started[0].target_s == 150.0
    run.finish()


def test_keep_an_earlier_whole_answer(tmp_path, strong_files, weak_files, scenario, starcoach_home):
    """Whole-answer mode: answer again, then keep the first answer — its steps count again."""
    from starcoach.capture import FileSource
    from starcoach.errors import StarcoachError
    from starcoach.run import MockRun, RunPlan

    files = iter([strong_files["action"], weak_files["action"]])
    run = MockRun(RunPlan(scenario, "ownership", "sde2", continuous=True, probes=()),
                  lambda label: FileSource(next(files)), source_kind="files")
    run.start()
    first = run.record_answer()
    second = run.record_answer()
    assert {r.audio for r in first} == {"audio/answer-1.wav"} and {r.audio for r in second} == {"audio/answer-2.wav"}
    assert {s.audio for s in run.session.steps} == {"audio/answer-2.wav"}
    kept = run.keep_answer(1)
    assert [(r.step, r.transcript, r.offset_s) for r in kept] == [(r.step, r.transcript, r.offset_s) for r in first]
    assert {s.audio for s in run.session.steps} == {"audio/answer-1.wav"}
    session = run.finish()
    # the weak second answer ("I did escalate it … they handled it") does not count
    assert not any("escalate" in f.text.lower() or "handled" in f.text.lower() for f in session.summary.top_fixes)
    data = session.to_dict()
    assert all(s["audio"] == "audio/answer-1.wav" for s in data["steps"])
    with pytest.raises(StarcoachError, match="No finished answer 3"):
        run.keep_answer(3)
