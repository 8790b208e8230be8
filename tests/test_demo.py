"""``starcoach demo``: the synthetic strong and weak candidates through the full pipeline.

This is also the scripted run on synthesized strong and weak answers: both candidates' audio goes
through the same file sources, transcription, analysis, probe judging and summary as
``run --answers``; the test checks the findings and verdicts the walkthrough expects.
"""

from __future__ import annotations

import re

import pytest

from starcoach.cli import main
from starcoach.demo import strong_candidate, weak_candidate
from starcoach.scenario import DEFAULT_SCENARIO_ID, STEP_NAMES, find_scenario
from starcoach.store import load_session, session_dir

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def scenario():
    return find_scenario(DEFAULT_SCENARIO_ID)


def test_candidates_say_what_the_walkthrough_models_and_warns_about(scenario):
    strong = strong_candidate(scenario, "senior")
    assert strong.answers["action"] == scenario.step("action").strong_example
    assert strong.answers["reflection"] == scenario.level("senior").reflection
    assert strong.answers["probe-1"] == scenario.probes[0].strong_answer
    weak = weak_candidate(scenario)
    assert "I did escalate it" in weak.answers["action"]
    assert "We figured out the root cause together." in weak.answers["action"]   # quoted common mistake
    assert "Things got better and the team was happy." in weak.answers["result"]
    assert weak.answers["reflection"] == "I learned communication is important."
    assert weak.answers["probe-2"] == scenario.probes[1].weak_answer
    assert set(weak.answers) == set(strong.answers) == set(STEP_NAMES) | {f"probe-{i}" for i in range(1, 5)}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """Run ``starcoach demo --probes 1-2`` once (both candidates) and load the saved sessions."""
    import os

    home = tmp_path_factory.mktemp("demo-home")
    old = os.environ.get("STARCOACH_HOME")
    os.environ["STARCOACH_HOME"] = str(home)
    try:
        import contextlib
        import io

        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = main(["demo", "--probes", "1-2", "--level", "sde2", "--mode", "ownership"])
        text = out.getvalue()
        ids = re.findall(r"Saved session (\S+) — review it", text)
        sessions = [load_session(i) for i in ids]
        folders = [session_dir(i) for i in ids]
    finally:
        if old is None:
            os.environ.pop("STARCOACH_HOME", None)
        else:
            os.environ["STARCOACH_HOME"] = old
    return {"code": code, "text": text, "strong": sessions[0], "weak": sessions[1], "folders": folders}


def _steps(session):
    return {s.step: s.analysis for s in session.steps}


def test_demo_prints_both_runs_and_the_comparison(demo):
    assert demo["code"] == 0
    text = demo["text"]
    for heading in ("Demo: the strong candidate", "Demo: the weak candidate", "Strong candidate: summary",
                    "Weak candidate: summary", "Demo: the same question, two candidates"):
        assert heading in text
    assert "Action: feedback" in text and "Verdict: strong" in text and "Verdict: weak" in text
    assert "Bar Raiser" in text


def test_demo_sessions_are_saved_with_audio_per_take(demo, scenario):
    for session, folder in zip((demo["strong"], demo["weak"]), demo["folders"]):
        assert session.complete and session.source == "demo"
        assert session.scenario == scenario.id and session.scenario_version == scenario.version
        assert [s.step for s in session.steps] == list(STEP_NAMES)
        assert [p.index for p in session.probes] == [1, 2]
        for take in session.takes:
            assert (folder / take.audio).stat().st_size > 10_000
            assert take.transcript.words and take.analysis
        assert session.total_s == pytest.approx(sum(s.duration_s for s in session.steps), abs=0.05)
        assert session.budget_s == 150


def test_demo_takes_have_the_words_transcribe_gives_for_their_audio(demo):
    """Bug: the strong Situation ended with an invented "Okay, let's see what happens." that
    ``starcoach transcribe`` of the same WAV did not have (scripted runs decoded with longer
    chunks, and a phrase Whisper made up at a chunk's end was kept)."""
    from starcoach.scenario import find_scenario
    from starcoach.transcribe import load_whisper, transcribe_file
    from starcoach.vocabulary import transcribe_options

    whisper = load_whisper()
    for session, folder in zip((demo["strong"], demo["weak"]), demo["folders"]):
        options = transcribe_options(find_scenario(session.scenario))  # the run's: with the scenario's terms
        for take in session.takes:
            if take.step in ("situation", "result"):
                again = transcribe_file(folder / take.audio, whisper, options)
                assert take.transcript.text == again.text, (session.session_id, take.step)
                assert "happens" not in take.transcript.text.lower(), take.transcript.text


def test_strong_candidate_leans_hire(demo):
    session = demo["strong"]
    steps = _steps(session)
    for name, analysis in steps.items():
        assert analysis.disqualifiers == (), (name, analysis.disqualifiers)
        assert analysis.handoffs == (), name
    assert steps["action"].we_statements == ()
    assert len(steps["action"].i_statements) >= 6
    assert steps["task"].checks["scope_boundary"].ok is True
    quantified = " ".join(q.text for q in steps["result"].quantified).lower()
    assert "zero" in quantified and "0.3%" in quantified
    assert [p.verdict for p in session.probes] == ["strong", "strong"]
    read = session.summary.bar_raiser
    assert read.lean == "leaning hire" and read.against == []
    assert session.summary.reflection_bar.met is True
    kinds = {f.kind for f in session.summary.top_fixes}
    assert not kinds & {"assigned", "handoff", "routing", "team-credit", "no-quantification", "vague-outcome"}


def test_weak_candidate_is_flagged_for_every_annotation_and_leans_no_hire(demo, scenario):
    session = demo["weak"]
    steps = _steps(session)
    flagged = {(f.kind, f.type) for a in steps.values() for f in a.findings}
    flagged_kinds = {k for pair in flagged for k in pair}
    for annotation in scenario.weak_answer.annotations:
        assert annotation.kind in flagged_kinds, annotation
    assert {"assigned"} <= {d.kind for d in steps["task"].disqualifiers}
    assert {"handoff", "routing"} <= {d.kind for d in steps["action"].disqualifiers}
    assert steps["action"].we_statements  # "we figured out the root cause together"
    assert {"vague-outcome"} <= {d.kind for d in steps["result"].disqualifiers}
    assert steps["result"].quantified == ()
    assert {"generic-reflection"} <= {d.kind for d in steps["reflection"].disqualifiers}
    assert [p.verdict for p in session.probes] == ["weak", "weak"]
    assert any("hand" in r for r in session.probes[0].reasons)        # hand-off, not brought a fix
    assert any("assigned" in r for r in session.probes[1].reasons)    # assigned, not self-initiated
    read = session.summary.bar_raiser
    assert read.lean == "leaning no hire"
    # the decisive gaps first, in the candidate's words (issue #11): never "sounds competent"
    assert read.headline.startswith('The work was assigned, not self-initiated ("My manager asked me to')
    assert '), and ends on a vague outcome ("' in read.headline
    assert read.headline.endswith(": leaning No Hire for Learn and Be Curious.")
    against = "\n".join(read.against).lower()
    assert "i did escalate it" in against and "slack message" in against and "result not quantified" in against
    top = [f.kind for f in session.summary.top_fixes]
    assert top[0] in ("assigned", "handoff") and len(top) == 3
    assert session.summary.reflection_bar.met is False


def test_run_or_demo_without_a_terminal_says_so_and_runs_the_demo(capsys):
    """``make run`` on a machine where the live run cannot start: one line, then the demo."""
    assert main(["run", "--or-demo", "--only", "task", "--probes", "none"]) == 0
    out = capsys.readouterr().out
    first = out.splitlines()[0]
    assert first == "starcoach: not running in a terminal; running the demo instead (`starcoach demo`)."
    assert "Demo: the strong candidate" in out and "Demo: the same question, two candidates" in out
    assert out.count("Saved session") == 2
