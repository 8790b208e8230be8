"""The interview framework is data: STAR (+ Reflection) is data/frameworks/star.toml, and a CAR
framework written here (tests/data/frameworks/car.toml, Context/Action/Result) runs through the
scenario schema, the analysis, the whole-answer split and a real scripted run without a line of
code naming its steps."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from starcoach.errors import FrameworkError
from starcoach.framework import framework
from starcoach.scenario import STEP_NAMES, check_file, find_scenario

REPO = Path(__file__).resolve().parent.parent
FRAMEWORKS = REPO / "tests" / "data" / "frameworks"
CAR_SCENARIOS = REPO / "tests" / "data" / "car"
CAR = CAR_SCENARIOS / "car-learn-and-be-curious.toml"


@pytest.fixture
def car(monkeypatch):
    """The CAR framework and its scenario, found the way a user's own files are."""
    monkeypatch.setenv("STARCOACH_FRAMEWORKS", str(FRAMEWORKS))
    monkeypatch.setenv("STARCOACH_SCENARIOS", str(CAR_SCENARIOS))
    return find_scenario("car-learn-and-be-curious")


def test_star_is_a_data_file():
    star = framework()
    assert star.names == STEP_NAMES == ("situation", "task", "action", "result", "reflection")
    assert [s.title for s in star.steps] == ["Situation", "Task", "Action", "Result", "Reflection"]
    assert star.with_role("scope") == "task" and star.requires("result", "business_impact")
    assert find_scenario("learn-and-be-curious-proactive-learning").framework == star


def test_a_scenario_names_its_framework_and_is_checked_against_it(car, monkeypatch):
    assert car.framework.id == "car" and [s.name for s in car.steps] == ["context", "action", "result"]
    monkeypatch.delenv("STARCOACH_FRAMEWORKS")
    monkeypatch.setenv("STARCOACH_HOME", str(REPO / "tests" / "data" / "no-such-home"))
    _, problems = check_file(CAR)
    assert problems[0].field == "framework"
    assert problems[0].message.startswith("Unknown interview framework 'car': expected one of star")
    with pytest.raises(FrameworkError, match="Unknown interview framework 'soar'"):
        framework("soar")


def test_a_car_answer_is_analysed_by_the_roles_of_its_steps(car):
    from starcoach.analysis import analyze_answer

    context = analyze_answer("My manager asked me to look into the webhook errors.", "context", car)
    assert context.checks["scope_boundary"].required  # CAR's context carries STAR's task
    assert {(f.type, f.kind) for f in context.findings} >= {("disqualifier", "assigned"),
                                                           ("scope-boundary-missing", "scope-boundary-missing")}
    result = analyze_answer("Things got better and the team was happy.", "result", car)
    assert result.checks["business_impact"].required
    assert {f.kind for f in result.findings} >= {"vague-outcome", "no-quantification"}
    assert next(f for f in result.findings if f.type == "no-quantification").severity == "high"
    action = analyze_answer("We figured it out together and they handled the fix.", "action", car)
    assert action.checks["individual_contribution"].required
    assert "no-individual-contribution" in {f.type for f in action.findings}
    with pytest.raises(Exception, match="Unknown step 'reflection'.*expected one of context, action, result, probe"):
        analyze_answer("I learned a lot.", "reflection", car)


def test_a_whole_car_answer_is_split_into_its_three_steps(car):
    from starcoach.segment import split_answer, words_from_text

    text = ("I noticed a 0.3% webhook drop rate in the Platform team's logs. It was not my team and there was no "
            "ticket. I read their pipeline code. I traced the failure to a race condition and I wrote a fix with "
            "tests. As a result the drop rate went to zero and we recovered 8,000 dollars per week.")
    segments = split_answer(words_from_text(text), car)
    assert [s.step for s in segments] == ["context", "action", "result"]
    assert segments[0].text.startswith("I noticed") and "race condition" in segments[1].text
    assert segments[2].text.startswith("As a result")


def test_the_summary_of_a_car_run_has_no_reflection_bar(car):
    from analyses import analysis, finding
    from starcoach.session import StepResult
    from starcoach.summary import RunSummary, summarize

    vague = finding("disqualifier", "the team was happy", "high", "vague-outcome")
    steps = [StepResult("context", 30, 40, "x", analysis("context", "x", checks={"scope_boundary": True})),
             StepResult("action", 80, 90, "I traced it.", analysis("action", "I traced it.", i_statements=["I traced"])),
             StepResult("result", 10, 25, "the team was happy", analysis("result", "the team was happy",
                                                                           disqualifiers=[vague], findings=[vague]))]
    s = summarize(car, "senior", steps)
    assert [e.step for e in s.timeline] == ["context", "action", "result"] and s.reflection_bar is None
    assert "Result not quantified" in s.bar_raiser.against
    assert "States the scope boundary, so the ownership was self-initiated" in s.bar_raiser.for_
    assert s.bar_raiser.lean == "leaning no hire" and "vague outcome" in s.bar_raiser.headline
    assert RunSummary.from_dict(json.loads(json.dumps(s.to_dict()))) == s


@pytest.mark.slow
def test_a_car_scenario_runs_end_to_end(say, tmp_path, starcoach_home):
    """A scripted run of the CAR scenario: spoken answers, real Whisper and spaCy, the summary,
    the saved session and its review."""
    answers = tmp_path / "answers"
    answers.mkdir()
    env = dict(os.environ, STARCOACH_FRAMEWORKS=str(FRAMEWORKS), STARCOACH_SCENARIOS=str(CAR_SCENARIOS),
               STARCOACH_HOME=str(starcoach_home))
    probe = "I brought a complete fix with tests to their tech lead, not just a problem."
    env_scenario = subprocess.run(
        [sys.executable, "-c", "from starcoach.scenario import find_scenario as f; s = f('car-learn-and-be-curious');"
                               "print('|'.join(x.strong_example for x in s.steps))"],
        capture_output=True, text=True, env=env, check=True).stdout.strip().split("|")
    for name, text in zip(("context", "action", "result"), env_scenario):
        (answers / f"{name}.wav").symlink_to(say(text))
    (answers / "probe-1.wav").symlink_to(say(probe))
    starcoach = Path(sys.executable).parent / "starcoach"
    run = subprocess.run([str(starcoach), "run", "car-learn-and-be-curious", "--answers", str(answers), "--no-input",
                          "--mode", "ownership", "--level", "senior", "--probes", "1", "--json"],
                         capture_output=True, text=True, env=env, timeout=600)
    assert run.returncode == 0, run.stderr
    session = json.loads(run.stdout)
    assert [s["step"] for s in session["steps"]] == ["context", "action", "result"]
    assert all(s["transcript"] and s["analysis"]["step"] == s["step"] for s in session["steps"])
    by_step = {s["step"]: s["analysis"] for s in session["steps"]}
    assert by_step["context"]["checks"]["scope_boundary"]["required"]
    assert by_step["context"]["checks"]["scope_boundary"]["ok"]          # "outside my team's scope"
    assert by_step["result"]["quantified"]                                # "0.3% to zero", "$8K"
    summary = session["summary"]
    assert [e["step"] for e in summary["timeline"]] == ["context", "action", "result"]
    assert summary["reflection_bar"] is None and summary["complete"]
    assert summary["bar_raiser"]["lean"] in ("leaning hire", "leaning no hire")
    assert any(r.startswith("Quantified result") for r in summary["bar_raiser"]["for"])
    assert session["probes"][0]["verdict"] in ("strong", "mixed")
    review = subprocess.run([str(starcoach), "review", "latest"], capture_output=True, text=True, env=env,
                            timeout=120)
    assert review.returncode == 0, review.stderr
    assert "Context" in review.stdout and "Bar Raiser read" in review.stdout and "Reflection bar" not in review.stdout


@pytest.mark.slow
@pytest.mark.mic
def test_a_live_car_run_through_the_microphone(virtual_mic, say, starcoach_home):
    """The CAR framework in a live run: each step spoken into the virtual microphone, stopped by
    key, transcribed by Whisper and analysed by spaCy; the views title the steps by the framework."""
    pexpect = pytest.importorskip("pexpect")
    clips = {
        "context": say("I noticed a webhook drop rate in the Platform team's logs. It was not my team, and there "
                       "was no ticket."),
        "action": say("I traced the failure to a race condition in their retry logic, and I wrote a fix with tests."),
        "result": say("The drop rate went to zero, and we recovered eight thousand dollars per week."),
    }
    env = dict(os.environ, STARCOACH_FRAMEWORKS=str(FRAMEWORKS), STARCOACH_SCENARIOS=str(CAR_SCENARIOS),
               STARCOACH_HOME=str(starcoach_home), TERM="xterm-256color")
    starcoach = Path(sys.executable).parent / "starcoach"
    child = pexpect.spawn(str(starcoach), ["run", "car-learn-and-be-curious", "--mode", "ownership", "--level", "sde2",
                                           "--probes", "0", "--voice", "off"],
                          env=env, encoding="utf-8", timeout=120, dimensions=(50, 110))
    child.logfile_read = open(starcoach_home.parent / "car-live.log", "w")
    child.expect("Steps: Context 40s · Action 90s · Result 20s")
    for number, (step, title) in enumerate((("context", "Context"), ("action", "Action"), ("result", "Result")), 1):
        child.expect(f"{number}/3 {title}")
        child.expect("to start speaking")
        child.send("\r")
        child.expect("Enter or space: stop")
        time.sleep(0.4)  # the stream opens as the view appears
        virtual_mic.play(clips[step]).wait()
        child.send(" ")
        child.expect(f"{title}: feedback")
        child.expect("redo this step")
        child.send("\r")
    child.expect("Summary")
    child.expect("Bar Raiser")
    child.expect(r"Saved session \S*?(\d{8}-\d{6}[-a-z0-9]*)\S* —")
    session_id = child.match.group(1)
    child.expect(pexpect.EOF)
    child.close()
    child.logfile_read.close()
    assert child.exitstatus == 0
    shown = (starcoach_home.parent / "car-live.log").read_text()
    assert "Reflection bar" not in shown and "Situation" not in shown

    session = json.loads((starcoach_home / "sessions" / session_id / "session.json").read_text())
    assert session["complete"] and session["source"] == "microphone"
    assert [t["step"] for t in session["takes"]] == ["context", "action", "result"]
    steps = {s["step"]: s for s in session["steps"]}
    assert list(steps) == ["context", "action", "result"]
    assert "webhook" in steps["context"]["transcript"].lower() and "race" in steps["action"]["transcript"].lower()
    scope = steps["context"]["analysis"]["checks"]["scope_boundary"]
    assert scope["required"] and scope["ok"]
    assert steps["action"]["analysis"]["checks"]["individual_contribution"]["ok"]
    assert steps["result"]["analysis"]["quantified"]
    assert [e["step"] for e in session["summary"]["timeline"]] == ["context", "action", "result"]
    assert session["summary"]["reflection_bar"] is None


def test_adaptive_followups_follow_the_roles_of_car_steps(car):
    from starcoach.analysis.followups import choose_followups

    chosen = choose_followups(car, {"context": None, "action": None, "result": None}, planned=("result",))
    assert [(f.gap, f.because) for f in chosen] == [("impact", "no answer for the result")]
    chosen = choose_followups(car, {"context": None}, planned=("context",))
    assert [f.gap for f in chosen] == ["scope"]  # CAR's context carries STAR's task: whose problem it was


@pytest.mark.slow
def test_the_web_practice_offers_car_steps_and_asks_a_car_question_its_own(monkeypatch, tmp_path):
    """The practice page offers the steps of every framework the bank uses; a CAR question is asked
    the chosen steps that are its own, and a choice with none of them is one clear error."""
    from websockets.sync.client import connect

    from webserver import Served

    monkeypatch.setenv("STARCOACH_FRAMEWORKS", str(FRAMEWORKS))
    monkeypatch.setenv("STARCOACH_SCENARIOS", f"{REPO / 'scenarios'}{os.pathsep}{CAR_SCENARIOS}")
    served = Served(tmp_path / "home", "--voice", "off", "--no-warm")
    try:
        page = served.get("/practice", headers=served.authed()).text
        offered = [line.split('value="')[1].split('"')[0] for line in page.splitlines() if 'name="only"' in line]
        assert offered == ["situation", "task", "action", "result", "reflection", "context"]
        assert '<label for="step-context">Context</label>' in page

        def start(only: list[str]) -> dict:
            url = f"ws://127.0.0.1:{served.port}/ws/practice"
            with connect(url, origin=f"http://127.0.0.1:{served.port}", additional_headers=served.authed(),
                         open_timeout=10) as ws:
                ws.send(json.dumps({"type": "start", "scenario": "car-learn-and-be-curious", "only": only,
                                    "probes": "none", "adaptive": False}))
                while True:
                    message = json.loads(ws.recv(timeout=60))
                    if message["type"] in ("plan", "error"):
                        return message

        plan = start(offered)
        assert plan["type"] == "plan" and [s["label"] for s in plan["steps"]] == ["context", "action", "result"]
        assert [s["label"] for s in start(["situation", "result"])["steps"]] == ["result"]
        error = start(["situation", "task"])
        assert error["type"] == "error" and "None of the chosen steps (situation, task)" in json.dumps(error)
        assert "context, action, result" in json.dumps(error)
    finally:
        served.stop()
