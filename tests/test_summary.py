"""The run summary from hand-written analyses (pure logic, no models)."""

from __future__ import annotations

import pytest

from analyses import analysis, finding
from starcoach.scenario import DEFAULT_SCENARIO_ID, find_scenario
from starcoach.session import ProbeResult, StepResult
from starcoach.summary import summarize, timing_status


@pytest.fixture(scope="module")
def scenario():
    return find_scenario(DEFAULT_SCENARIO_ID)


def _step(name, duration, target, transcript="", **kw) -> StepResult:
    return StepResult(name, duration, target, transcript,
                      analysis(name, transcript, duration_s=duration, target_s=target, **kw))


def disq(text, kind, coaching=""):
    """A disqualifier as the analyser reports it: in the list and, high, among the findings."""
    return finding("disqualifier", text, "high", kind, coaching)


def strong_steps():
    return [
        _step("situation", 28, 30, "I noticed a 0.3% webhook drop rate.", found=["I noticed"]),
        _step("task", 18, 20, "Not my team, no ticket, nobody asked.", found=["not my team", "no ticket"],
              checks={"scope_boundary": True}),
        _step("action", 85, 90, "I pulled... I traced... I wrote...",
              i_statements=["I pulled", "I traced", "I wrote", "I added", "I submitted"],
              checks={"individual_contribution": True}),
        _step("result", 22, 20, "The drop rate went to zero; $8K per week.",
              quantified=["went to zero", "$8K per week"], checks={"business_impact": True}),
        _step("reflection", 14, 15, "the lack of a shared webhook reliability SLO was an organizational gap",
              found=["organizational gap"], checks={"reflection_specific": True, "org_insight": True}),
    ]


def weak_steps():
    assigned = disq("My manager asked me to", "assigned")
    handoff = disq("I did escalate it", "handoff")
    vague = disq("the team was happy", "vague-outcome")
    generic = disq("communication is important", "generic-reflection")
    return [
        _step("situation", 95, 30, "Our system has a lot of services...",
              findings=[finding("timing", "", "medium", "over", detail="+65 s")]),
        _step("task", 5, 20, "My manager asked me to look into it.", disqualifiers=[assigned],
              findings=[assigned, finding("scope-boundary-missing", "", "high")]),
        _step("action", 20, 90, "I did escalate it - I sent them a Slack message and they handled it.",
              i_statements=["I did escalate it"], other_statements=["they handled it"],
              we_statements=["we figured out the root cause together"],
              handoffs=["sent them a Slack message"], disqualifiers=[handoff],
              findings=[handoff, finding("we-statement", "we figured out the root cause together", "medium"),
                        finding("first-person-low", "", "medium", detail="33% of statements are 'I'")]),
        _step("result", 6, 20, "Things got better and the team was happy.", disqualifiers=[vague],
              findings=[vague, finding("no-quantification", "", "high")]),
        _step("reflection", 5, 15, "I learned communication is important.", disqualifiers=[generic],
              findings=[generic]),
    ]


def test_timing_status_tolerance():
    assert timing_status(30, 30) == "on"
    assert timing_status(34, 30) == "on"       # within 15% / 3 s
    assert timing_status(36, 30) == "over"
    assert timing_status(20, 30) == "under"
    assert timing_status(100, 90) == "on"      # 15% of 90 is 13.5 s
    assert timing_status(104, 90) == "over"


def test_strong_answer_leans_hire(scenario):
    probes = [ProbeResult(1, "How did you ensure...", "I brought a fix", "strong"),
              ProbeResult(2, "What motivated you...", "I noticed", "strong")]
    s = summarize(scenario, "senior", strong_steps(), probes)
    assert s.bar_raiser.lean == "leaning hire"
    assert "Learn and Be Curious" in s.bar_raiser.headline
    assert any("scope boundary" in r for r in s.bar_raiser.for_)
    assert any("'I' statements (5 of 5)" in r for r in s.bar_raiser.for_)
    assert any("$8K per week" in r for r in s.bar_raiser.for_)
    assert s.bar_raiser.against == []
    assert s.reflection_bar.met and s.reflection_bar.level == "Senior SDE"
    assert s.total_s == 167 and s.budget_s == 180 and s.budget_status == "within"
    assert [e.status for e in s.timeline] == ["on", "on", "on", "on", "on"]
    assert s.probes == {"strong": 2, "mixed": 0, "weak": 0, "off-topic": 0, "skipped": 0}
    assert s.complete
    assert all(f.kind not in ("handoff", "assigned", "no-quantification") for f in s.top_fixes)


def test_weak_answer_leans_no_hire_with_reasons_from_findings(scenario):
    probes = [ProbeResult(1, "How did you ensure your fix was accepted?", "I sent them a Slack message", "weak",
                          reasons=["hand-off: sent them a Slack message"], key_line="I brought a solution, not just a problem.")]
    s = summarize(scenario, "sde2", weak_steps(), probes)
    read = s.bar_raiser
    assert read.lean == "leaning no hire"
    # the read names the decisive gaps first, in the candidate's words; never "sounds competent"
    assert read.headline == ('The work was assigned, not self-initiated ("My manager asked me to"), and ends on a '
                             'vague outcome ("the team was happy"): leaning No Hire for Learn and Be Curious.')
    against = "\n".join(read.against)
    assert '"My manager asked me to"' in against
    assert "sent them a Slack message" in against
    assert "Result not quantified" in against
    assert "the team was happy" in against
    assert "Weak follow-up" in against
    kinds = [f.kind for f in s.top_fixes]
    assert len(kinds) == 3
    assert set(kinds) <= {"assigned", "handoff", "routing", "no-quantification", "vague-outcome", "missing-step"}
    assert kinds[0] in ("assigned", "handoff")
    assert all(f.coaching for f in s.top_fixes)
    assert not s.reflection_bar.met and "generic" in s.reflection_bar.why
    statuses = {e.step: e.status for e in s.timeline}
    assert statuses == {"situation": "over", "task": "under", "action": "under", "result": "under", "reflection": "under"}
    assert s.total_s == 131 and s.budget_status == "within"  # in budget, and still no hire


def test_missing_steps_and_only(scenario):
    steps = strong_steps()[:2]
    s = summarize(scenario, "sde2", steps, planned=("situation", "task"))
    assert s.complete and [e.step for e in s.timeline] == ["situation", "task"]
    assert s.bar_raiser.headline.startswith("Partial run (situation, task only). ")
    assert s.reflection_bar.why == "The reflection was not part of this run"
    s = summarize(scenario, "sde2", steps)
    assert not s.complete
    assert [e.status for e in s.timeline][2:] == ["missing"] * 3
    assert "No action step" in s.bar_raiser.against
    assert s.bar_raiser.lean == "leaning no hire"


def test_senior_reflection_needs_an_organisational_insight(scenario):
    steps = strong_steps()[:4] + [_step("reflection", 14, 15, "I learned how to debug webhook retries in their code.",
                                        found=["webhook"], checks={"reflection_specific": True})]
    assert summarize(scenario, "sde2", steps).reflection_bar.met
    senior = summarize(scenario, "senior", steps)
    assert not senior.reflection_bar.met
    assert "organisational" in senior.reflection_bar.why
    assert senior.top_fixes[0].kind == "no-org-insight"
    assert all(f.kind != "no-org-insight" for f in summarize(scenario, "sde2", steps).top_fixes)


def test_summary_json_shape(scenario):
    data = summarize(scenario, "sde1", strong_steps()).to_dict()
    assert set(data) >= {"timeline", "total_s", "budget_s", "top_fixes", "reflection_bar", "bar_raiser"}
    assert set(data["bar_raiser"]) == {"lean", "headline", "for", "against"}
    assert data["budget_range_s"] == [105.0, 135.0]
    assert data["budget_status"] == "over"


def test_top_fixes_follow_the_analysis_ranked_findings(scenario):
    """Fixes are drawn from the analysis' own ranked findings (severity, coaching)."""
    steps = strong_steps()
    steps[1] = _step("task", 8, 20, "I looked into it.", findings=[
        finding("scope-boundary-missing", "", "high", coaching="Explicitly state the scope boundary."),
        finding("timing", "", "low", "under", detail="12 s under")])
    team = finding("disqualifier", "We figured out the root cause together", "high", "team-credit",
                   coaching="Say 'I' for what you did.")
    steps[2] = _step("action", 80, 90, "I pulled the logs. We figured out the root cause together.",
                     i_statements=["I pulled"], we_statements=["We figured out"], disqualifiers=[team],
                     findings=[team, finding("i-statement", "I pulled", "info"),
                               finding("filler", "um", "low", detail="4 fillers")])
    s = summarize(scenario, "sde2", steps)
    kinds = [f.kind for f in s.top_fixes]
    assert kinds[:2] == ["scope-boundary-missing", "team-credit"]   # high + bigger bonus first, then STAR order
    assert s.top_fixes[0].text == "The scope boundary is not stated"
    assert s.top_fixes[0].coaching == "Explicitly state the scope boundary."
    assert s.top_fixes[1].text == "We figured out the root cause together"
    assert "i-statement" not in kinds                                # info findings are not problems
    assert s.bar_raiser.lean == "leaning no hire"
    assert any("Team credit in action" in r for r in s.bar_raiser.against)
    assert any("outside their scope" in r for r in s.bar_raiser.against)


def test_summary_round_trips_through_json(scenario):
    from starcoach.summary import RunSummary

    s = summarize(scenario, "sde2", weak_steps(), [ProbeResult(1, "Q?", "I sent a message", "weak", ["hand-off"])])
    assert RunSummary.from_dict(s.to_dict()) == s


def test_timing_ranks_below_every_content_fix(scenario):
    """A strong answer short of (or over) its targets is not told to fix its times before its
    words: timing fixes weigh less than the lightest content fix, and a clean short step's note
    (severity info) is no fix at all."""
    steps = strong_steps()
    steps[0] = _step("situation", 75, 30, steps[0].transcript, found=["I noticed"],
                     findings=[finding("timing", "", "medium", "over", detail="+45 s")])
    steps[2] = _step("action", 40, 90, steps[2].transcript,
                     i_statements=["I pulled", "I traced", "I wrote", "I added", "I submitted"],
                     checks={"individual_contribution": True},
                     findings=[finding("timing", "", "info", "under", detail="-50 s")])
    steps[3] = _step("result", 10, 20, steps[3].transcript, quantified=["went to zero", "$8K per week"],
                     checks={"business_impact": True},
                     findings=[finding("no-second-order", "", "low"), finding("timing", "", "low", "under")])
    fixes = summarize(scenario, "sde2", steps).top_fixes
    assert [(f.step, f.kind) for f in fixes] == [("result", "no-second-order"), ("situation", "timing"),
                                                 ("result", "timing")]
    assert fixes[1].weight > fixes[2].weight and fixes[0].weight > fixes[1].weight
    assert all(not (f.step == "action" and f.kind == "timing") for f in fixes)


def test_skipped_and_off_topic_probes(scenario):
    """A probe nobody answered is counted as skipped, is never a fix, and the read says the
    follow-ups were not answered (not that they were answered badly); an off-topic answer is a
    fix and counts against, like a weak one."""
    skipped = [ProbeResult(i, f"Q{i}?", "", "skipped", ["not answered: no speech was heard"]) for i in (1, 2, 3, 4)]
    s = summarize(scenario, "senior", strong_steps(), skipped)
    assert s.probes == {"strong": 0, "mixed": 0, "weak": 0, "off-topic": 0, "skipped": 4}
    assert all(f.kind not in ("probe", "off-topic") for f in s.top_fixes)
    assert s.bar_raiser.lean == "leaning hire"     # the steps carry it; unanswered is not answered badly
    assert s.bar_raiser.headline.endswith("The follow-ups were not answered.")
    assert "Follow-ups not answered (4 of 4): no evidence either way" in s.bar_raiser.against
    assert not any(r.startswith("Weak follow-up") for r in s.bar_raiser.against)

    mixed = [ProbeResult(1, "How did you verify your fix?", "While reviewing metrics I noticed…", "off-topic",
                         ["this retells your Situation instead of answering \"How did you verify your fix?\""]),
             ProbeResult(2, "Q2?", "I brought a fix", "strong"), skipped[2],
             ProbeResult(1, "What did you personally do?", "We did it.", "weak", ["'we' again"],
                         source="adaptive", gap="personal")]
    s = summarize(scenario, "sde2", strong_steps(), mixed)
    assert s.probes == {"strong": 1, "mixed": 0, "weak": 1, "off-topic": 1, "skipped": 1}
    fixes = {(f.step, f.kind) for f in s.top_fixes}
    assert ("probe-1", "off-topic") in fixes and ("followup-1", "probe") in fixes
    assert 'Did not answer "How did you verify your fix?": the answer was about something else' in s.bar_raiser.against
    assert "Follow-up not answered (1 of 4): no evidence either way" in s.bar_raiser.against
    assert s.bar_raiser.headline.endswith("1 follow-up was not answered.")


def test_a_step_with_no_speech_reads_as_not_answered(scenario):
    steps = strong_steps()
    steps[2] = _step("action", 30, 90, "", findings=[finding("no-speech", "", "high")])
    read = summarize(scenario, "sde2", steps).bar_raiser
    assert read.lean == "leaning no hire"
    assert read.headline.startswith("Says nothing in the action step: leaning No Hire")
    assert "Nothing heard in the action step" in read.against
