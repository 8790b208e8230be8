"""The coach's plumbing without models: plans, answer folders, resume, CLI errors, the view."""

from __future__ import annotations

import io

import pytest

from analyses import analysis, finding
from starcoach.cli import main
from starcoach.cli.views import level_meter, render_summary, timing_colour
from starcoach.errors import AudioError, StarcoachError
from starcoach.run import (
    MockRun, PlanError, RunPlan, check_answer_files, find_answer_files, parse_probes, plan_from_session, resume_run,
    steps_from_only,
)
from starcoach.scenario import DEFAULT_SCENARIO_ID, STEP_NAMES, find_scenario
from starcoach.session import ProbeResult, StepResult, Take


@pytest.fixture(scope="module")
def scenario():
    return find_scenario(DEFAULT_SCENARIO_ID)


def test_answer_files_any_extension_and_probes(tmp_path):
    for name in ("situation.wav", "task.MP3", "action.flac", "result.m4a", "reflection.ogg", "probe-1.opus",
                 "probe-12.wav", "notes.txt", "situation.txt", ".hidden.wav", "other.wav"):
        (tmp_path / name).write_bytes(b"x")
    files = find_answer_files(tmp_path)
    assert sorted(files) == ["action", "probe-1", "probe-12", "reflection", "result", "situation", "task"]
    assert files["task"].name == "task.MP3"


def test_answer_files_errors_name_the_problem(tmp_path, scenario):
    with pytest.raises(AudioError, match="does not exist"):
        find_answer_files(tmp_path / "nope")
    (tmp_path / "task.wav").write_bytes(b"x")
    (tmp_path / "task.mp3").write_bytes(b"x")
    with pytest.raises(AudioError, match="Two answers for 'task'"):
        find_answer_files(tmp_path)
    (tmp_path / "task.mp3").unlink()
    files = find_answer_files(tmp_path)
    with pytest.raises(AudioError, match=r"No audio for situation, action, result, reflection .*found: task"):
        check_answer_files(files, RunPlan(scenario, "ownership", "sde2"), tmp_path)
    check_answer_files(files, RunPlan(scenario, "ownership", "sde2", steps=("task",)), tmp_path)
    with pytest.raises(AudioError, match="No audio for answer"):
        check_answer_files(files, RunPlan(scenario, "ownership", "sde2", continuous=True), tmp_path)


def test_only_and_probes_parsing(scenario):
    assert steps_from_only("task, situation") == ("situation", "task")
    assert steps_from_only(None) == STEP_NAMES
    with pytest.raises(StarcoachError, match="Unknown step 'actoin'.*expected one of situation"):
        steps_from_only("actoin")
    assert parse_probes(None, 4) is None
    assert parse_probes("all", 4) is None
    assert parse_probes("0", 4) == () == parse_probes("none", 4)
    assert parse_probes("2", 4) == (2,)
    assert parse_probes("3,1", 4) == (1, 3)
    assert parse_probes("1-2,4", 4) == (1, 2, 4)
    with pytest.raises(StarcoachError, match="No probe 5"):
        parse_probes("1,5", 4)
    with pytest.raises(StarcoachError, match="not a list of probe numbers"):
        parse_probes("some", 4)
    plan = RunPlan(scenario, "ownership", "sde2", steps=("situation", "task"), probes=(2,))
    assert plan.labels() == ["situation", "task", "probe-2"]


def test_plan_build_checks_what_a_person_chose(scenario):
    """The rules every front end shares: loose spellings, defaults, and errors that name the field."""
    plan = RunPlan.build(scenario, "Dive Deep", "Senior SDE", only="task, situation", probes="3,1")
    assert (plan.mode, plan.level, plan.steps, plan.probes) == ("dive-deep", "senior", ("situation", "task"), (1, 3))
    default = RunPlan.build(scenario)
    assert (default.mode, default.level, default.steps, default.probes) == ("ownership", "sde2", STEP_NAMES, None)
    assert RunPlan.build(scenario, level="sr").level == "senior"
    assert RunPlan.build(scenario, probes=[2]).probes == (2,)
    for kwargs, field in (({"mode": "bravery"}, "mode"), ({"level": "principal"}, "level"),
                          ({"only": "actoin"}, "only"), ({"probes": "9"}, "probes"), ({"probes": "x"}, "probes")):
        with pytest.raises(PlanError) as e:
            RunPlan.build(scenario, **kwargs)
        assert e.value.field == field and e.value.value == kwargs[field]
        assert "--" not in e.value.one_line()  # the library names no CLI flag


def test_resume_run_gives_the_plan_and_refuses_a_finished_session(scenario):
    from starcoach.run import RunError
    from starcoach.store import save_session

    run = MockRun(RunPlan.build(scenario, "dive-deep", only="task", probes="1"), lambda label: None)
    save_session(run.session)
    session, plan = resume_run("latest")
    assert session.session_id == run.session.session_id and plan == run.plan
    session.complete = True
    save_session(session)
    with pytest.raises(RunError, match="is already complete"):
        resume_run(session.session_id)


def test_probes_can_ask_for_adaptive_followups(scenario):
    from starcoach.run import parse_followups, parse_probes

    assert parse_followups(None) == 2 == parse_followups("all")          # default: every probe, then adaptive
    assert parse_followups("1,3") == 0 == parse_followups("none") == parse_followups([1, 3])
    assert parse_followups("1,3,adaptive") == 2 == parse_followups("a")
    assert parse_probes("1,3,adaptive", 4) == (1, 3) and parse_probes("adaptive", 4) == ()
    assert RunPlan.build(scenario).followups == 2 and RunPlan.build(scenario, probes="2").followups == 0
    assert RunPlan.build(scenario, probes="2,adaptive").labels()[-3:] == ["probe-2", "followup-1", "followup-2"]
    plan = RunPlan(scenario, "ownership", "sde2", steps=("situation",), probes=(1, 3), followups=2)
    assert plan.labels() == ["situation", "probe-1", "probe-3", "followup-1", "followup-2"]
    session = MockRun(plan, lambda label: None).session
    assert plan_from_session(session, scenario).followups == 2
    assert plan.step_number("situation") == (1, 1)
    full = RunPlan(scenario, "ownership", "sde2")
    assert full.step_number("action") == (3, 5) and full.budget_s == (120.0, 150.0)


def _render(renderable, width: int = 100) -> str:
    from rich.console import Console

    out = io.StringIO()
    Console(file=out, width=width, color_system=None).print(renderable)
    return " ".join(out.getvalue().replace("│", " ").split())


def test_one_budget_figure_and_step_targets_as_guidance(scenario):
    from starcoach.cli.views import render_intro

    text = _render(render_intro(RunPlan(scenario, "ownership", "sde2", continuous=True)))
    assert "Budget for the whole answer: 2:00–2:30." in text
    assert "Answer in one go; step targets as guidance: Situation 30s · Task 20s · Action 90s" in text
    assert "2:55" not in text and "About 2-2.5 minutes" not in text


def test_probe_panels_say_skipped_off_topic_and_follow_up():
    from starcoach.cli.views import render_probe

    skipped = _render(render_probe(ProbeResult(2, "What motivated you?", "", "skipped",
                                               ["not answered: no speech was heard"], key_line="I noticed.")))
    assert "Probe 2: What motivated you?" in skipped and "Verdict: skipped (not answered" in skipped
    off = _render(render_probe(ProbeResult(1, "What did you personally do?", "We had a lot of services.", "off-topic",
                                           ["nothing in it answers \"What did you personally do?\""],
                                           source="adaptive", gap="personal")))
    assert "Follow-up 1: What did you personally do?" in off and "Verdict: off-topic" in off
    assert "nothing in it answers" in off


def test_resume_recap_numbers_steps_as_in_the_full_run(scenario):
    from starcoach.cli.views import render_recap

    plan = RunPlan(scenario, "ownership", "sde2", probes=(1,), followups=2)
    session = MockRun(plan, lambda label: None).session
    session.steps = [StepResult("situation", 28, 30, "I noticed.", analysis("situation", "I noticed.")),
                     StepResult("task", 30, 20, "It was assigned.", analysis("task", "It was assigned.", findings=[
                         finding("scope-boundary-missing", "", "high")]), take=2)]
    session.takes = [Take("task", 1, "audio/task-1.wav", "", 25, "key"), Take("task", 2, "audio/task-2.wav", "", 30, "key")]
    text = _render(render_recap(session, plan), width=120)
    assert f"Resuming {session.session_id}: already answered" in text
    assert "1/5 Situation 0:28/0:30 on nothing to fix" in text
    assert "2/5 Task 0:30/0:20 over take 2 of 2 1 to fix · first: scope boundary missing" in text
    assert "Still to answer: 3/5 Action, 4/5 Result, 5/5 Reflection, Probe 1, Follow-up 1, Follow-up 2" in text


def test_pending_and_resume_plan(scenario):
    plan = RunPlan(scenario, "dive-deep", "senior", steps=("situation", "task", "action"), probes=(1, 3))
    run = MockRun(plan, lambda label: None)
    assert run.pending() == ["situation", "task", "action", "probe-1", "probe-3"]
    session = run.session
    assert session.plan == ["situation", "task", "action", "probe-1", "probe-3"]
    assert session.budget_s == 180 and session.budget_range_s == (150, 180)
    session.steps.append(StepResult("situation", 20, 30, "x", analysis("situation", "x")))
    session.takes.append(Take("task", 1, "audio/task-1.wav", "", 3.0, "interrupt"))
    resumed_plan = plan_from_session(session, scenario)
    assert resumed_plan == plan
    resumed = MockRun(resumed_plan, lambda label: None, session=session)
    assert resumed.pending() == ["task", "action", "probe-1", "probe-3"]
    session.probes.append(ProbeResult(1, "q", "a", "strong"))
    assert resumed.pending() == ["task", "action", "probe-3"]
    # whole-answer mode asks the answer until one was recorded to the end
    cont = MockRun(RunPlan(scenario, "ownership", "sde2", continuous=True, probes=()), lambda label: None)
    assert cont.pending() == ["answer"]
    cont.session.takes.append(Take("answer", 1, "audio/answer-1.wav", "", 3.0, "interrupt"))
    assert cont.pending() == ["answer"]
    cont.session.takes.append(Take("answer", 2, "audio/answer-2.wav", "", 90.0, "key"))
    assert cont.pending() == []


def test_resume_refuses_another_scenario(scenario):
    other = MockRun(RunPlan(scenario, "ownership", "sde2"), lambda label: None).session
    other.scenario = "some-other-scenario"
    with pytest.raises(StarcoachError, match="is for scenario 'some-other-scenario'"):
        MockRun(RunPlan(scenario, "ownership", "sde2"), lambda label: None, session=other)


def test_sessions_started_in_the_same_second_get_distinct_ids(scenario):
    from starcoach.store import save_session

    first = MockRun(RunPlan(scenario, "ownership", "sde2"), lambda label: None)
    save_session(first.session)
    second = MockRun(RunPlan(scenario, "ownership", "sde2"), lambda label: None)
    assert second.session.session_id != first.session.session_id


def test_cli_errors_are_one_line(tmp_path, capsys):
    assert main(["run", "--answers", str(tmp_path / "missing"), "--no-input"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "does not exist" in err and "E200" in err
    assert main(["run", "--mode", "bravery", "--answers", str(tmp_path), "--no-input"]) == 1
    err = capsys.readouterr().err
    assert "Unknown mode 'bravery'" in err and "ownership, dive-deep, deliver-results" in err
    assert main(["run", "--level", "principal", "--answers", str(tmp_path), "--no-input"]) == 1
    assert "Unknown level 'principal'" in capsys.readouterr().err
    assert main(["run", "--only", "actoin", "--answers", str(tmp_path), "--no-input"]) == 1
    assert "Unknown step 'actoin'" in capsys.readouterr().err
    assert main(["run", "--answers", str(tmp_path), "--no-input"]) == 1
    assert "No audio for situation" in capsys.readouterr().err
    assert main(["run", "no-such-scenario", "--answers", str(tmp_path), "--no-input"]) == 1
    assert "no-such-scenario" in capsys.readouterr().err
    # no terminal and no answers: a live run cannot start
    assert main(["run", "--no-input"]) == 1
    assert "needs a terminal" in capsys.readouterr().err
    assert main(["run", "--resume", "20990101-000000-nothing", "--answers", str(tmp_path), "--no-input"]) == 1
    assert "No session" in capsys.readouterr().err  # "No sessions saved yet" or "No session '...'"


def test_live_view_colours_and_meter():
    assert timing_colour(10, 30) == "green"
    assert timing_colour(25, 30) == "yellow"
    assert timing_colour(30, 30) == "yellow"
    assert timing_colour(31, 30) == "red"
    assert level_meter(1.0, 10) == "█" * 10
    assert level_meter(0.0, 10) == "░" * 10
    assert level_meter(0.0316, 10) == "█" * 5 + "░" * 5  # -30 dBFS is half of -60..0 dB


def test_summary_renders_timeline_budget_fixes_and_read(scenario):
    from rich.console import Console

    from starcoach.summary import summarize

    run = MockRun(RunPlan(scenario, "ownership", "sde1", steps=("situation", "result")), lambda label: None)
    session = run.session
    session.steps = [StepResult("situation", 45, 30, "x", analysis("situation", "x")),
                     StepResult("result", 20, 20, "y", analysis("result", "y", findings=[
                         finding("no-quantification", "", "high")]))]
    session.total_s = 65
    session.summary = summarize(scenario, "sde1", session.steps, planned=("situation", "result"))
    out = io.StringIO()
    Console(file=out, width=100, color_system=None).print(render_summary(session, scenario))
    text = out.getvalue()
    assert "Situation" in text and "0:45/0:30 over" in text and "0:20/0:20 on" in text
    assert "Total 1:05 against the sde1 budget 1:45–2:15: under" in text
    assert "1. [Result] No number in the result" in text
    flat = " ".join(text.replace("│", " ").split())
    assert "Bar Raiser: Partial run (situation, result only). Puts no number on the result: leaning No Hire for Learn and Be Curious." in flat
    assert flat.index("Bar Raiser:") < flat.index("Top things to fix")   # the verdict opens the summary


def test_feedback_panel_says_when_no_speech_was_heard(scenario):
    from rich.console import Console

    from starcoach.cli.views import render_feedback

    from starcoach.findings import coaching_for

    silent = analysis("task", "", duration_s=6.0, target_s=20,
                      findings=[finding("no-speech", "", "high", coaching=coaching_for("no-speech"))])
    result = StepResult("task", 6.0, 20, "", silent, take=2)
    out = io.StringIO()
    Console(file=out, width=140, color_system=None).print(render_feedback(result, scenario))
    text = out.getvalue()
    assert "Task: feedback" in text and "take 2" in text
    assert ("No speech detected: check the microphone (`starcoach devices`, `starcoach doctor`) and redo this "
            "step.") in text
    assert "target" not in text and "wpm" not in text and "Key phrases" not in text  # nothing else to coach


def test_a_missing_model_is_reported_before_the_first_answer(tmp_path, capsys):
    (tmp_path / "task.wav").write_bytes(b"not audio")
    assert main(["run", "--answers", str(tmp_path), "--no-input", "--only", "task", "--probes", "none",
                 "--model", str(tmp_path / "no-such-model")]) == 1
    err = capsys.readouterr().err
    assert "E300" in err and "no-such-model" in err and err.count("\n") == 1


def test_feedback_lists_six_fixes_and_the_expand_key_shows_all(scenario):
    from starcoach.cli.views import render_feedback

    many = [finding("hedge", f"maybe {i}", "low", coaching=f"Coaching {i}.") for i in range(9)]
    result = StepResult("action", 80, 90, "text", analysis("action", "text", duration_s=80, target_s=90,
                                                          findings=many))
    short = _render(render_feedback(result, scenario, more_hint="f: full feedback"))
    assert "Coaching 5." in short and "Coaching 6." not in short
    assert "… and 3 more (f: full feedback)" in short
    full = _render(render_feedback(result, scenario, full=True))
    assert "Action: full feedback" in full and "Coaching 8." in full and "more (" not in full
