"""The scenario's own vocabulary: its technical terms become Whisper hotwords in a run and in
``analyze`` (benchmarks/bench_vocabulary.py: in-domain WER 8.36% → 7.47%, real speech no loss).
"""

from __future__ import annotations

import re

import pytest

from starcoach.scenario import find_scenario
from starcoach.transcribe import FILLER_HOTWORDS, TranscribeOptions
from starcoach.vocabulary import MAX_WORDS, common_words, scenario_vocabulary, transcribe_options

SEED = "learn-and-be-curious-proactive-learning"


def test_the_seed_scenario_vocabulary_names_its_technical_terms():
    terms = scenario_vocabulary(find_scenario(SEED))
    lowered = [t.lower() for t in terms]
    assert any(t.startswith("dead letter queue") for t in lowered), terms
    assert "webhook drop rate" in lowered, terms
    assert sum(len(t.split()) for t in terms) <= MAX_WORDS
    for term in lowered:  # no number, no pronoun or article leading a term
        assert not re.search(r"\d", term), term
        assert term.split()[0] not in ("the", "a", "my", "their", "i", "we"), term


def test_common_words_are_those_of_half_the_bank():
    seed = find_scenario(SEED)
    assert {"the", "i", "team"} <= common_words([seed, seed, seed])
    assert "webhook" not in common_words([seed, find_scenario("ownership-orphaned-certificates")])


def test_hotwords_keep_the_fillers_first():
    options = transcribe_options(find_scenario(SEED))
    assert options.hotwords.startswith(FILLER_HOTWORDS + ", ")
    assert options.prompt == TranscribeOptions().prompt  # the filler prompt is untouched
    assert transcribe_options(find_scenario(SEED), TranscribeOptions(beam_size=1)).beam_size == 1


@pytest.mark.slow
def test_a_term_of_the_story_comes_out_right_with_the_vocabulary(say):
    """espeak-ng's "the old resolution" came out "the old revolution" without the frugality
    scenario's terms (bench_vocabulary.py, 2026-12-01); with them, "resolution"."""
    from starcoach.transcribe import transcribe_file

    scenario = find_scenario("frugality-photo-launch-without-new-hosts")
    text = " ".join(scenario.steps[1].strong_example.split())
    assert "old resolution" in text
    clip = say(text, voice="espeak")
    transcript = transcribe_file(clip, options=transcribe_options(scenario)).text.lower()
    assert "old resolution" in transcript and "full resolution" in transcript, transcript
