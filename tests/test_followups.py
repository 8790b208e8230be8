"""Adaptive follow-ups: which gaps draw a question, how it is worded, and how its answer is judged.

Pure selection logic on hand-written analyses first (no model); then the real analyser on every
library scenario's strong and weak candidates (the demo's texts): a strong answer draws none or
one follow-up, a weak one two, each from a different gap; the follow-ups' own strong and weak
answers get their verdicts from the probe judge.
"""

from __future__ import annotations

import pytest

from analyses import analysis, finding
from starcoach.scenario import DEFAULT_SCENARIO_ID, find_scenario, scan


@pytest.fixture(scope="module")
def seed():
    return find_scenario(DEFAULT_SCENARIO_ID)


def _clean(step: str, text: str = "fine"):
    return analysis(step, text)


def _answers(**gaps):
    """Clean analyses of all five steps, with the given findings on some."""
    return {name: analysis(name, f"{name} text", findings=gaps.get(name, []))
            for name in ("situation", "task", "action", "result", "reflection")}


def test_biggest_gaps_first_one_per_family_at_most_two(seed):
    from starcoach.analysis.followups import choose_followups

    steps = _answers(
        action=[finding("disqualifier", "they handled it", "high", "handoff"),
                finding("we-statement", "we figured it out", "medium"),
                finding("first-person-low", "", "medium")],
        result=[finding("no-quantification", "", "high")],
        reflection=[finding("generic-reflection", "communication is important", "high", "generic-reflection")])
    chosen = choose_followups(seed, steps)
    assert [f.gap for f in chosen] == ["handoff", "impact"]   # 3.5 x high, then 3.0 x high (STAR order breaks ties)
    # Learn and Be Curious has no wording of its own for it; the seed's second principle, Ownership, has
    assert chosen[0].probe.question == "What happened after you passed it on? How did you make sure it got fixed?"
    assert chosen[0].because == "handoff in the action" and chosen[0].probe.focus == "follow-through"
    assert chosen[1].probe.question == "What was the measurable impact? Give me the numbers, before and after."
    assert len(choose_followups(seed, steps, limit=1)) == 1


def test_a_strong_answer_draws_none_or_one(seed):
    from starcoach.analysis.followups import choose_followups

    assert choose_followups(seed, _answers()) == []
    low = choose_followups(seed, _answers(result=[finding("no-second-order", "", "low")],
                                          reflection=[finding("hedge", "I think", "low")]))
    assert [f.gap for f in low] == ["second-order"]
    assert low[0].probe.question == "Did anything change beyond your fix? Did anyone else adopt it?"
    # two low gaps still draw one
    two_low = _answers(result=[finding("no-second-order", "", "low")], action=[finding("passive", "was deployed", "low")])
    assert len(choose_followups(seed, two_low)) == 1


def test_a_step_without_an_answer_is_a_gap_and_delivery_is_not(seed):
    from starcoach.analysis.followups import choose_followups

    steps = _answers(action=[finding("filler", "um", "medium"), finding("pace", "", "medium"),
                             finding("timing", "", "medium", "over")])
    assert choose_followups(seed, steps) == []            # how it was said is not asked about
    steps["result"] = None
    chosen = choose_followups(seed, steps)
    assert [(f.gap, f.because) for f in chosen] == [("impact", "no answer for the result")]
    assert choose_followups(seed, steps, planned=("situation", "task", "action")) == []   # --only: not planned
    silent = analysis("result", "", findings=[finding("no-speech", "", "high")])
    steps["result"] = silent
    assert [f.gap for f in choose_followups(seed, steps)] == ["impact"]


def test_a_scenario_probe_that_tests_the_same_thing_leaves_it_out(seed):
    from starcoach.analysis.followups import choose_followups

    steps = _answers(task=[finding("scope-boundary-missing", "", "high")],
                     reflection=[finding("generic-reflection", "", "high")])
    assert [f.gap for f in choose_followups(seed, steps)] == ["scope", "reflection"]
    # the seed's probe 2 ("What motivated you…") and probe 4 ("What would you do differently…")
    assert choose_followups(seed, steps, asked=seed.probes) == []
    assert [f.gap for f in choose_followups(seed, steps, asked=seed.probes[:2])] == ["reflection"]


def test_wording_follows_the_principle_where_it_matters():
    from starcoach.analysis.followups import choose_followups

    by_id = {s.id: s for s in scan().scenarios}
    gap = _answers(result=[finding("no-quantification", "", "high")])
    questions = {sid: choose_followups(by_id[sid], gap)[0].probe.question for sid in
                 ("customer-obsession-month-end-export", "frugality-photo-launch-without-new-hosts",
                  "learn-and-be-curious-proactive-learning")}
    assert questions == {
        "customer-obsession-month-end-export": "What changed for the customers, in numbers?",
        "frugality-photo-launch-without-new-hosts": "What did it save, in money, hosts or hours?",
        "learn-and-be-curious-proactive-learning": "What was the measurable impact? Give me the numbers, before and after.",
    }


def test_the_data_file_names_a_missing_key(tmp_path, monkeypatch):
    from starcoach.analysis import followups
    from starcoach.analysis.lexicon import AnalysisDataError

    bad = tmp_path / "followups.toml"
    bad.write_text('[[followup]]\nid = "impact"\nfamilies = []\n')
    monkeypatch.setattr(followups, "FOLLOWUPS_FILE", bad)
    followups.followup_specs.cache_clear()
    try:
        with pytest.raises(AnalysisDataError, match="followups.toml: followup 1 has no 'focus'"):
            followups.followup_specs()
    finally:
        followups.followup_specs.cache_clear()


@pytest.mark.slow
def test_library_strong_candidates_draw_at_most_one_weak_ones_two():
    """The real analyser on the demo candidates of all 16 scenarios."""
    from starcoach.analysis import analyze_answer
    from starcoach.analysis.followups import choose_followups
    from starcoach.demo import strong_candidate, weak_candidate

    for sc in scan().scenarios:
        strong = strong_candidate(sc)
        drawn = choose_followups(sc, {s.name: analyze_answer(strong.answers[s.name], s.name, sc) for s in sc.steps},
                                 asked=sc.probes)
        assert len(drawn) <= 1, (sc.id, [(f.gap, f.because) for f in drawn])
        weak = weak_candidate(sc)
        drawn = choose_followups(sc, {s.name: analyze_answer(weak.answers[s.name], s.name, sc) for s in sc.steps},
                                 asked=sc.probes)
        assert len(drawn) == 2 and len({f.gap for f in drawn}) == 2, (sc.id, drawn)
        assert {f.gap for f in drawn} <= {"handoff", "personal", "impact", "scope", "reflection"}


@pytest.mark.slow
@pytest.mark.parametrize("scenario_id", ["learn-and-be-curious-proactive-learning", "hire-and-develop-the-best-new-grad-on-call"])
def test_followups_are_judged_like_scenario_probes(scenario_id):
    """Each follow-up's own strong answer is strong, its weak answer weak; a step retold is
    off-topic (the Task given to the impact question); silence is skipped."""
    from starcoach.analysis import judge_probe
    from starcoach.analysis.followups import followup_probe, followup_specs

    sc = find_scenario(scenario_id)
    for spec in followup_specs():
        probe = followup_probe(spec, sc)
        strong, weak = judge_probe(probe.strong_answer, probe, sc), judge_probe(probe.weak_answer, probe, sc)
        assert strong.verdict == "strong", (spec.id, strong.reasons)
        assert weak.verdict == "weak", (spec.id, weak.reasons)
        assert judge_probe("", probe, sc).verdict == "skipped"
    impact = followup_probe(next(s for s in followup_specs() if s.id == "impact"), sc)
    assert judge_probe(sc.step("task").strong_example, impact, sc).verdict == "off-topic"
