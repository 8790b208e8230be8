"""Does a follow-up answer address the question it was given?

An interviewer who asks "How did you verify your fix?" and hears the Situation again does not
rate that answer on its content: it did not answer. :func:`address` tells such answers apart from
answers that address the question, however weakly ("I told the team about the fix and they merged
it" is on topic, and weak). Three signs, each of which a person would name:

- **form** — the question asks what you *would* do and the answer only tells what happened, or it
  asks what you *did* and the answer only says what you would do next time;
- **retelling** — the answer mostly repeats one of the candidate's own STAR steps (their
  transcripts in a run; the scenario's strong examples otherwise) and says nothing the question
  asks about (no word of the question, none of its focus: a check for "how did you verify", a
  reason for "why");
- **no topic** — an answer of some length shares nothing with the question, its focus, or what
  the probe's model answers talk about.

Short answers (fewer than :data:`MIN_WORDS` content words) and answers that wave the question away
("Not really, it went fine") are never off-topic: they are weak, and the probe judge says why.
Measured on tests/corpus/offtopic (a development and a held-out part; BENCHMARKS.md). The word
lists live in ``data/relevance.toml``. Pure functions of parsed text: no printing, no state.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from starcoach.analysis.lexicon import DATA_DIR, _read_toml, lexicon
from starcoach.analysis.nlp import parse

if TYPE_CHECKING:  # pragma: no cover
    from spacy.tokens import Doc

    from starcoach.scenario import Probe, Scenario

RELEVANCE_FILE = DATA_DIR / "relevance.toml"

#: Below this many content words an answer is too short to call off-topic (it is weak instead).
MIN_WORDS = 3
#: From this many content words an answer that shares nothing with the question is off-topic.
NO_TOPIC_MIN_WORDS = 6
#: A retelling: at least this share of the answer's content words come from one earlier step …
RETELL_SHARE = 0.6
#: … and this much more than from the question and the probe's model answers.
RETELL_MARGIN = 0.35
#: An answer sharing at least this much with the question and its model answers is on its topic.
PROBE_SHARE_ON_TOPIC = 0.3

#: Verbs too light to tie an answer to a question ("I did it", "I got it").
_LIGHT = lexicon().light_topic_verbs
#: What a "how did you get it accepted" probe expects to hear about.
_SOLUTION_WORDS = lexicon().solution_words


@dataclass(frozen=True)
class Relevance:
    """Whether an answer addresses its question.

    Attributes:
        on_topic: False when the answer does not address the question.
        why: What is wrong, one line for the candidate, when it is off-topic ("" otherwise).
        sign: ``form``, ``retelling`` or ``no-topic`` when off-topic; "" otherwise.
        retells: The STAR step an off-topic answer retells (sign ``retelling``), else "".
        evidence: Words tying the answer to the question (when on topic).
        fix: What to do instead, when it is off-topic.
    """

    on_topic: bool
    why: str = ""
    sign: str = ""
    retells: str = ""
    evidence: tuple[str, ...] = ()
    fix: str = ""


@dataclass(frozen=True)
class _Cues:
    questions: tuple[tuple[str, tuple[re.Pattern[str], ...]], ...]
    future: re.Pattern[str]
    reason: re.Pattern[str]
    generic: frozenset[str]


@lru_cache(maxsize=1)
def _cues() -> _Cues:
    raw = _read_toml(RELEVANCE_FILE)
    questions = tuple((form, tuple(re.compile(p) for p in raw["questions"][form]))
                      for form in ("differently", "hypothetical", "why", "yesno"))

    def words(items: list[str]) -> re.Pattern[str]:
        return re.compile(r"\b(" + "|".join(re.escape(w) for w in sorted(items, key=len, reverse=True)) + r")\b", re.I)

    return _Cues(questions, words(raw["answers"]["future"]), words(raw["answers"]["reason"]),
                 frozenset(_canon(w) for w in raw["words"]["generic"]))


def question_form(question: str) -> str:
    """What the question asks for: ``differently``, ``hypothetical``, ``why``, ``yesno`` or ``past``
    (what you did, what happened)."""
    text = question.strip().lower()
    for form, patterns in _cues().questions:
        if any(p.search(text) for p in patterns):
            return form
    return "past"


def _canon(word: str) -> str:
    """One spelling for a word and its synonyms ("verify", "check" and "test" are one)."""
    return min(lexicon().similar(word))


def _content(doc: Doc) -> frozenset[str]:
    return frozenset(_canon(t.lemma_.lower()) for t in doc
                     if t.pos_ in ("NOUN", "PROPN", "VERB", "ADJ", "NUM") and not t.is_stop
                     and t.lemma_.lower() not in _LIGHT and len(t.lemma_) > 1)


@lru_cache(maxsize=512)
def _content_of(text: str) -> frozenset[str]:
    return _content(parse(text))


@lru_cache(maxsize=256)
def _probe_words(question: str, answers: str) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(question words, model-answer verbs, everything the question and model answers say)."""
    q_doc, m_doc = parse(question), parse(answers)
    verbs = frozenset(_canon(t.lemma_.lower()) for t in m_doc if t.pos_ == "VERB" and t.lemma_.lower() not in _LIGHT)
    q = _content(q_doc) | frozenset(_canon(t.lemma_.lower()) for t in q_doc if t.pos_ in ("NOUN", "VERB", "ADJ"))
    return q, verbs, _content(q_doc) | _content(m_doc)


def _under_modal(tok) -> bool:
    for _ in range(6):
        if any(c.tag_ == "MD" for c in tok.children):
            return True
        if tok.head is tok:
            return False
        tok = tok.head
    return False


@dataclass(frozen=True)
class _Mood:
    hypothetical: bool  # would / could / if / next time / now …: speaks of what would be
    past: bool          # tells what happened (a past verb not under a modal)
    would_have: bool
    future: bool        # next time, earlier, instead …
    comparative: bool   # better, more careful …
    now: bool           # "I now build …"
    would_do: bool      # "I would push for …", "I'd be more careful" (not "would have")


def _mood(doc: Doc) -> _Mood:
    text = doc.text.lower()
    modal = any(t.tag_ == "MD" and t.lower_ in ("would", "'d", "could", "should", "might", "will", "'ll", "wo")
                for t in doc)
    cond = any(t.lower_ == "if" for t in doc)
    now = bool(re.search(r"\bnow\b", text)) and any(t.tag_ in ("VBZ", "VBP") for t in doc)
    future = bool(_cues().future.search(text))
    return _Mood(
        hypothetical=modal or cond or now or future,
        past=any(t.tag_ == "VBD" and not _under_modal(t) for t in doc),
        would_have=bool(re.search(r"\b(would|'d|could|should|might) have\b", text)),
        future=future,
        comparative=any(t.tag_ in ("JJR", "RBR") for t in doc),
        now=now,
        would_do=bool(re.search(r"\b(would|'d|will|'ll)\s+(?!have\b)(?!'ve\b)[a-z]", text)),
    )


def _dismisses(doc: Doc) -> bool:
    from starcoach.analysis.probes import _dismisses

    return _dismisses(doc)


def address(answer: str | Doc, probe: Probe, scenario: Scenario, context: Mapping[str, str] | None = None,
            focus: str | None = None) -> Relevance:
    """Whether ``answer`` addresses ``probe.question``.

    Args:
        answer: What the candidate said (text or a parsed doc).
        probe: The probe asked (its question, "probes" line, key line and model answers).
        scenario: Its scenario (the story's own words count less as evidence).
        context: The candidate's earlier answers, STAR step name -> transcript, to recognise a
            retelling; default: the scenario's strong examples.
        focus: The probe's focus (:func:`starcoach.analysis.probes.probe_focus`); computed when None.
    """
    from starcoach.analysis.probes import VALIDATION_VERBS, probe_focus

    doc = parse(answer) if isinstance(answer, str) else answer
    words = _content(doc)
    if len(words) < MIN_WORDS or _dismisses(doc):
        return Relevance(True)
    cues = _cues()
    form = question_form(probe.question)
    mood = _mood(doc)
    quoted = f'"{probe.question.strip()}"'
    changes = mood.future or mood.comparative or mood.now or mood.would_do
    if (form == "hypothetical" and not mood.hypothetical) or (form == "differently" and not changes):
        return Relevance(False, f"the question asks what you would do ({quoted}); the answer tells what happened",
                         "form", fix="answer the 'what would you do': the steps you would take, in order")
    what_next = mood.would_have or mood.future or mood.comparative or mood.now
    if mood.hypothetical and not mood.past and (
            (form in ("past", "yesno") and what_next) or (form == "why" and (mood.future or mood.comparative))):
        return Relevance(False, f"the question asks what you did ({quoted}); the answer says what you would do",
                         "form", fix="say what you actually did and what happened")

    focus = focus or probe_focus(probe)
    story = _content_of(f"{scenario.title}. {scenario.overview} {scenario.question}")
    q_words, m_verbs, probe_all = _probe_words(
        probe.question, f"{probe.strong_answer} {probe.weak_answer} {probe.key_line}")
    echo = sorted((words & q_words) - story - cues.generic)
    verbs = sorted((words & m_verbs) - story)
    if focus == "validation":
        focus_hits = sorted({t.lemma_.lower() for t in doc if t.pos_ == "VERB"} & VALIDATION_VERBS)
    elif focus == "solution":
        focus_hits = sorted(words & {_canon(w) for w in _SOLUTION_WORDS})
    else:
        focus_hits = []
    reason = bool(cues.reason.search(doc.text)) if form == "why" or focus == "motivation" else False
    probe_share = len(words & probe_all) / len(words)

    steps = dict(context) if context else {s.name: s.strong_example for s in scenario.steps}
    shares = [(len(words & _content_of(text)) / len(words), name) for name, text in steps.items() if text.strip()]
    share, step = max(shares, default=(0.0, ""))
    if (share >= RETELL_SHARE and share - probe_share >= RETELL_MARGIN and not focus_hits and not echo
            and not reason):
        return Relevance(False, f"this retells your {step.capitalize()} instead of answering {quoted}",
                         "retelling", step, fix="answer the question asked, with what you did")
    evidence = tuple(echo + verbs + focus_hits) + (("a reason",) if reason else ())
    named = q_words - cues.generic  # what the question names; "What did this cost you?" names one thing
    if not evidence and len(named) >= 2 and len(words) >= NO_TOPIC_MIN_WORDS and probe_share < PROBE_SHARE_ON_TOPIC:
        return Relevance(False, f"nothing in it answers {quoted}", "no-topic",
                         fix="answer the question asked, with what you did")
    return Relevance(True, evidence=evidence)
