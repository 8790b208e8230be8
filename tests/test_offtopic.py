"""Off-topic and unanswered probe answers: the detector on the labelled set (tests/corpus/offtopic),
and the probe judge's verdicts ``off-topic`` and ``skipped``.

The set holds on-topic and off-topic answers built from the 16 scenarios' probes, their model
answers and step texts, split by scenario into a development part (the detector was tuned on it)
and a held-out part. An answer wrongly called off-topic is worse than one missed (a missed one is
still judged on its content, as before), so the bar on kept on-topic answers is high.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parent / "corpus"
sys.path.insert(0, str(CORPUS))

from score import load_offtopic, score_offtopic  # noqa: E402


@pytest.fixture(scope="module")
def scenarios():
    from starcoach.scenario import scan

    return {s.id: s for s in scan().scenarios}


def test_the_set_is_split_by_scenario_and_labelled():
    dev, held = load_offtopic("dev"), load_offtopic("holdout")
    assert not {a["scenario"] for a in dev} & {a["scenario"] for a in held}
    assert len({a["scenario"] for a in dev} | {a["scenario"] for a in held}) == 16
    for part in (dev, held):
        assert {a["label"] for a in part} == {"on", "off", "unclear"}
        assert sum(a["label"] == "off" for a in part) >= 50
        assert len({a["id"] for a in part}) == len(part)
    sources = {a["source"].split(":")[0].split("-")[0] for a in dev + held}
    assert sources == {"own", "corpus", "probe", "step", "written"}


@pytest.mark.slow
@pytest.mark.parametrize("part, keep_on, catch_off", [("dev", 0.98, 0.65), ("holdout", 0.95, 0.55)])
def test_off_topic_detector_on_the_labelled_set(scenarios, part, keep_on, catch_off):
    report = score_offtopic(load_offtopic(part), scenarios)
    print(f"\n{part}: {report.line()}")
    on_r, on_n = report.rate("on")
    off_r, off_n = report.rate("off")
    assert on_r / on_n >= keep_on, "\n".join(report.wrong)
    assert off_r / off_n >= catch_off, "\n".join(report.wrong)
    # the issue's own example: the Situation given to "How did you verify your fix?"
    if part == "dev":
        step_r, step_n = report.rate("off", ("step",))
        assert step_r == step_n


@pytest.mark.slow
def test_the_situation_given_to_the_verify_probe_is_off_topic_with_a_line_that_says_so(scenarios):
    from starcoach.analysis import judge_probe

    seed = scenarios["learn-and-be-curious-proactive-learning"]
    verify = seed.probes[2]
    v = judge_probe(seed.step("situation").strong_example, verify, seed)
    assert v.verdict == "off-topic" and not v.strong_signals and not v.weak_signals
    assert v.reasons == ['this retells your Situation instead of answering "How did you verify your fix actually '
                         'resolved the issue?"', "answer the question asked, with what you did"]
    # in the candidate's own words, against their own Situation as the run passes it
    own_situation = "So I was on the payments team and I saw that about one in three hundred webhooks just vanished."
    retold = "Right, so, on the payments team I saw about one in three hundred webhooks just vanish, nobody had an alert."
    assert judge_probe(retold, verify, seed, context={"situation": own_situation}).verdict == "off-topic"
    # the weak answer addresses the question, badly: weak, not off-topic
    assert judge_probe(verify.weak_answer, verify, seed).verdict == "weak"
    # what you did, to "what would you do differently": the form does not answer it
    differently = judge_probe("I wrote unit tests for it and they all passed.", seed.probes[3], seed)
    assert differently.verdict == "off-topic" and "asks what you would do" in differently.reasons[0]


@pytest.mark.slow
@pytest.mark.parametrize("text", ["", "   ", "..."])
def test_a_probe_with_no_speech_is_skipped_not_weak(scenarios, text):
    from starcoach.analysis import judge_probe

    seed = scenarios["learn-and-be-curious-proactive-learning"]
    v = judge_probe(text, seed.probes[1], seed)
    assert v.verdict == "skipped" and v.reasons == ["not answered: no speech was heard"]
    assert v.analysis.no_speech and not v.weak_signals
    assert v.to_dict()["verdict"] == "skipped"
