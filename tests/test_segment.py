"""Whole-answer mode: splitting one answer into STAR steps and timing each step (pure logic)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from starcoach.scenario import DEFAULT_SCENARIO_ID, STEP_NAMES, find_scenario
from starcoach.segment import split_answer, words_from_text

DATA = Path(__file__).parent / "data"


def _load(name: str) -> list[dict]:
    with open(DATA / name, "rb") as f:
        return tomllib.load(f)["answer"]


def word_accuracy(answer: dict, scenario=None) -> float:
    gold: list[str] = []
    for step, text in answer["parts"]:
        gold += [step] * len(text.split())
    segments = split_answer(words_from_text(" ".join(t for _, t in answer["parts"])), scenario)
    pred: list[str] = []
    for seg in segments:
        pred += [seg.step] * len(seg.words)
    assert len(pred) == len(gold)
    return sum(p == g for p, g in zip(pred, gold)) / len(gold)


def test_tuning_answers_split_almost_perfectly():
    answers = _load("continuous_answers.toml")
    assert len(answers) >= 12
    scores = {a["id"]: word_accuracy(a) for a in answers}
    mean = sum(scores.values()) / len(scores)
    assert mean >= 0.97, scores
    assert min(scores.values()) >= 0.85, scores


def test_held_out_answers_split_well():
    answers = _load("continuous_heldout.toml")
    scores = {a["id"]: word_accuracy(a) for a in answers}
    assert sum(scores.values()) / len(scores) >= 0.88, scores


def test_the_seed_strong_examples_split_into_their_steps():
    scenario = find_scenario(DEFAULT_SCENARIO_ID)
    answer = {"parts": [[s.name, s.strong_example] for s in scenario.steps]}
    assert word_accuracy(answer, scenario) == 1.0


def test_steps_are_timed_from_word_timestamps():
    words = []
    t = 0.0
    for text, gap in (("I noticed a 3% error rate in the billing logs.", 0.2),
                      ("It was not my team and nobody asked me to look.", 0.2),
                      ("I traced the bug and I wrote a fix.", 1.5),
                      ("Errors went to zero after my fix.", 0.2),
                      ("I learned to look at other teams' dashboards.", 0.0)):
        for i, token in enumerate(text.split()):
            words.append({"word": token, "start": round(t, 2), "end": round(t + 0.3, 2)})
            t += 0.4
        t += gap
    segments = split_answer(words, duration_s=t + 2.0)
    assert [s.step for s in segments] == list(STEP_NAMES)
    # each step runs from its first word to the next step's first word
    for a, b in zip(segments, segments[1:]):
        assert a.end_s == b.start_s == b.words[0]["start"]
    assert segments[0].start_s == 0.0
    action = segments[2]
    assert action.text == "I traced the bug and I wrote a fix."
    assert action.duration_s == pytest.approx(9 * 0.4 + 1.5, abs=0.01)
    # the last step ends one second after its last word at most, within the recording
    assert segments[-1].end_s == pytest.approx(segments[-1].words[-1]["end"] + 1.0)


def test_order_is_kept_and_steps_can_be_missing():
    text = ("I traced the leak to a listener and I fixed it. Memory went from 8 gigabytes to 2. "
            "Looking back, I learned to watch growth rates, not levels.")
    segments = split_answer(words_from_text(text))
    assert [s.step for s in segments] == ["action", "result", "reflection"]
    order = [STEP_NAMES.index(s.step) for s in segments]
    assert order == sorted(order)


def test_only_planned_steps_are_used():
    text = "While I was on call I noticed the queue growing. Nobody had asked me to look at it, so I decided to."
    segments = split_answer(words_from_text(text), steps=("situation", "task"))
    assert [s.step for s in segments] == ["situation", "task"]
    assert segments[1].text.startswith("Nobody had asked me")


def test_a_long_pause_ends_a_unit_without_punctuation():
    words = words_from_text("while reviewing the logs I noticed timeouts")
    tail = words_from_text("as a result latency went down to 200 milliseconds")
    shift = words[-1]["end"] + 2.0
    for w in tail:
        w["start"] += shift
        w["end"] += shift
    segments = split_answer(words + tail, steps=("situation", "result"))
    assert [s.step for s in segments] == ["situation", "result"]
    assert segments[1].text.startswith("as a result")


def test_empty_answer_gives_no_segments():
    assert split_answer([]) == []
    assert split_answer(words_from_text("   ")) == []


def test_step_text_keeps_the_transcript_spacing():
    # Whisper splits "0.3%" into three words; the step text must read as the transcript does.
    text = "I noticed a 0.3% drop rate. Nobody had asked me to look at it."
    tokens = ["I", "noticed", "a", "0", ".3", "%", "drop", "rate.", "Nobody", "had", "asked", "me", "to",
              "look", "at", "it."]
    words = [{"word": t, "start": i * 0.4, "end": i * 0.4 + 0.3} for i, t in enumerate(tokens)]
    segments = split_answer(words, steps=("situation", "task"), text=text)
    assert [s.text for s in segments] == ["I noticed a 0.3% drop rate.", "Nobody had asked me to look at it."]
    assert all("_sep" not in w for s in segments for w in s.words)
