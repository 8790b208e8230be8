"""The scenario's own vocabulary: the technical terms of its story, to bias transcription.

Candidates say the words of their story, and tiny.en writes "dead letter cue", "poll request" and
"the Q Lisa's" for "dead letter queue", "pull request" and "the queue leases". Whisper's hotwords
(text shown before every window; with ``condition_on_previous_text=False`` they reach every window,
unlike the initial prompt) make such terms likelier. This module picks them from the scenario:

- the texts: key phrases, strong examples (and the senior one), the probes' strong answers and the
  overview — what a strong candidate would say;
- a term is a noun phrase (spaCy's noun chunks) cut down to its nouns and adjectives, without
  leading common words, holding at least one uncommon noun: a word is common when at least half of
  the scenario bank uses it ("team", "fix", "service"), so the bank itself decides what is
  ordinary and no word list is kept by hand; numbers are left out (Whisper writes them well, and a
  number in the hotwords pulls other numbers towards it);
- terms from key phrases count three times, then by how often the scenario says them (a single
  word needs two); at most
  ``max_words`` words in all (Whisper's prompt holds 223 tokens, shared with the filler style
  prompt and the text so far).

Text processing with the analysis' spaCy pipeline (loaded anyway for the run); it never prints.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import replace
from typing import Iterable

from starcoach.scenario import Scenario, scan
from starcoach.transcribe import TranscribeOptions

#: Words a vocabulary holds at most (about 1.4 Whisper tokens a word).
MAX_WORDS = 40

_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")


def _texts(scenario: Scenario) -> tuple[list[str], list[str]]:
    """(key phrases, other texts a strong candidate would say)."""
    keys = [p for s in scenario.steps for p in s.key_phrases]
    texts = [s.strong_example for s in scenario.steps] + [s.senior_example for s in scenario.steps]
    texts += [p.strong_answer for p in scenario.probes] + [scenario.overview]
    return keys, [t for t in texts if t]


def _words(text: str) -> list[str]:
    return [re.sub(r"['’]s$", "", w).strip("'’-") for w in _WORD.findall(text)]


@functools.lru_cache(maxsize=1)
def _bank_common() -> frozenset[str]:
    return common_words(scan().scenarios)


def common_words(bank: Iterable[Scenario]) -> frozenset[str]:
    """Lower-case words used by at least half of the scenarios in ``bank``."""
    bank = list(bank)
    df: Counter[str] = Counter()
    for scenario in bank:
        keys, texts = _texts(scenario)
        words = {w.lower() for t in keys + texts for w in _words(t)}
        words |= {w.lower() for w in _words(scenario.question)}
        df.update(words)
    return frozenset(w for w, n in df.items() if n >= max(2, len(bank) / 2))


#: Parts of speech a term is made of (a noun phrase without its determiner, numbers or pronouns).
_TERM_POS = frozenset({"NOUN", "PROPN", "ADJ"})


def _terms(doc, common: frozenset[str], longest: int = 5) -> list[str]:
    """Noun phrases of ``doc`` cut down to their technical part: the tail of nouns, proper nouns
    and adjectives, without leading common words ("my dead letter queue alert pattern" →
    "dead letter queue alert pattern"), holding an uncommon noun; at most ``longest`` words."""
    terms = []
    for chunk in doc.noun_chunks:
        toks = list(chunk)
        start = len(toks)
        while start > 0 and (toks[start - 1].pos_ in _TERM_POS or toks[start - 1].text in "-"):
            start -= 1
        tail = toks[start:]
        while tail and (tail[0].text == "-" or tail[0].lower_ in common or not tail[0].is_alpha):
            tail = tail[1:]
        if not tail or not any(t.pos_ in ("NOUN", "PROPN") and t.lower_ not in common for t in tail):
            continue
        text = "".join(t.text_with_ws for t in tail).strip()
        words = text.replace("-", " - ").split()
        if len([w for w in words if w != "-"]) > longest:
            text = " ".join(w for w in words if w != "-")
            text = " ".join(text.split()[-longest:])
        terms.append(re.sub(r"\s*-\s*", "-", text))
    return terms


def scenario_vocabulary(scenario: Scenario, common: frozenset[str] | None = None,
                        max_words: int = MAX_WORDS) -> list[str]:
    """The scenario's technical terms, most important first ("dead letter queue alert", "pull
    request", "webhook", ...).

    Args:
        scenario: The scenario the candidate answers.
        common: Words never to bias towards (default: those of half the bundled bank or more).
        max_words: Budget in words over all terms.
    """
    common = _bank_common() if common is None else common
    from starcoach.analysis.nlp import load_nlp

    keys, texts = _texts(scenario)
    nlp = load_nlp()
    counts: Counter[str] = Counter()
    spelling: dict[str, str] = {}
    for bonus, pool in ((3, keys), (1, texts)):
        for doc in nlp.pipe(" ".join(t.split()) for t in pool):
            for term in _terms(doc, common):
                key = term.lower()
                counts[key] += bonus
                spelling.setdefault(key, term)
    chosen: list[str] = []
    used = 0
    for key, _ in sorted(counts.items(), key=lambda kv: (-kv[1], -len(kv[0].split()), kv[0])):
        if any(re.search(rf"\b{re.escape(key)}\b", c.lower()) for c in chosen):
            continue  # already inside a longer term
        n = len(key.split())
        if n == 1 and counts[key] < 2:
            continue  # a lone word said once is rarely a term ("lack", "issue")
        if used + n > max_words:
            continue
        chosen.append(spelling[key])
        used += n
    return chosen


def hotwords_for(scenario: Scenario, base: str | None) -> str:
    """``base`` (the filler hotwords) followed by the scenario's vocabulary."""
    terms = ", ".join(scenario_vocabulary(scenario))
    return ", ".join(t for t in ((base or "").strip(), terms) if t)


def transcribe_options(scenario: Scenario, base: TranscribeOptions | None = None) -> TranscribeOptions:
    """``base`` (default: the product's settings) with the scenario's vocabulary added to the
    hotwords: what a run (and ``analyze`` of an answer to the scenario) transcribes with.

    Measured on in-domain answers and real speech (BENCHMARKS.md, "Scenario vocabulary").
    """
    base = base or TranscribeOptions()
    return replace(base, hotwords=hotwords_for(scenario, base.hotwords))
