"""Whole-answer mode: split one spoken answer into its STAR steps and time each step.

A candidate answering in one go still moves through situation, task, action, result and
reflection, in that order, and signals each move: "I noticed…" sets the scene, "it wasn't my
team…" states the task, "I traced… I wrote…" is the action, numbers and "after my fix" are the
result, "I learned… looking back…" is the reflection. :func:`split_answer` cuts the transcript
into sentence-sized units (at sentence ends, long pauses and step-opening cues after a comma),
scores each unit for every step from those cues, its similarity to the scenario's strong example
for the step, and its position in the answer, then picks the best assignment that keeps STAR
order (a small dynamic programme). Each step is timed from its words' timestamps.

Pure Python on word lists: no model is loaded here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterable, Sequence

from starcoach.analysis.lexicon import lexicon
from starcoach.framework import Framework, framework
from starcoach.scenario import Scenario

#: A pause at least this long (seconds) between words ends a unit even without punctuation.
UNIT_PAUSE_S = 0.9

#: Cost of a step the answer never enters (keeps the split from skipping steps lightly).
SKIP_PENALTY = 0.6

# The cues per step, their weights and each step's typical share of an answer are the framework's
# (data/frameworks/star.toml): a scenario of another framework is split by its own steps.


@lru_cache(maxsize=16)
def _split_cue(openers: tuple[str, ...]) -> re.Pattern | None:
    """A step-opening phrase right after a comma or "and" starts a new unit."""
    if not openers:
        return None
    return re.compile(r"(?:,|;|\band\b|\bso\b)\s+(?=(?:" + "|".join(map(re.escape, openers)) + r")\b)")


_STOP = lexicon().stop
_TOKEN = re.compile(r"[a-z0-9$%.']+")



@dataclass
class StepSegment:
    """The part of a whole answer that belongs to one STAR step.

    Attributes:
        step: The STAR step.
        start_s: When the step starts in the recording (first word's start).
        end_s: When it ends (the next step's first word, or the last word's end).
        text: What was said in this step.
        words: Word timings of the step, as dicts (``word`` without surrounding spaces, ``start``,
            ``end``, ``probability``).
        cues: The cue phrases that placed units in this step (for explaining the split).
    """

    step: str
    start_s: float
    end_s: float
    text: str
    words: list[dict[str, Any]] = field(default_factory=list)
    cues: list[str] = field(default_factory=list)

    @property
    def duration_s(self) -> float:
        """Seconds spent on this step."""
        return max(0.0, self.end_s - self.start_s)


@dataclass
class _Unit:
    words: list[dict[str, Any]]

    @property
    def text(self) -> str:
        return _join(self.words)


def _word_dict(word: Any) -> dict[str, Any]:
    if isinstance(word, dict):
        d = dict(word)
    else:
        d = {k: getattr(word, k) for k in ("word", "start", "end") if hasattr(word, k)}
        d["probability"] = getattr(word, "probability", 1.0)
    d.setdefault("probability", 1.0)
    d["word"] = str(d.get("word", "")).strip()
    d["start"] = float(d.get("start", 0.0))
    d["end"] = float(d.get("end", d["start"]))
    return d


def words_from_text(text: str, wps: float = 2.5) -> list[dict[str, Any]]:
    """Word dicts with evenly spread times for plain text (tests and text-only answers)."""
    out = []
    for i, token in enumerate(text.split()):
        start = i / wps
        out.append({"word": token, "start": round(start, 3),
                    "end": round(start + 0.8 / wps, 3), "probability": 1.0})
    return out


def _units(words: list[dict[str, Any]], split_cue: re.Pattern | None = None) -> list[_Unit]:
    units: list[_Unit] = []
    current: list[dict[str, Any]] = []
    for i, w in enumerate(words):
        if current and w["start"] - current[-1]["end"] >= UNIT_PAUSE_S:
            units.append(_Unit(current))
            current = []
        current.append(w)
        token = w["word"].strip()
        if token.endswith((".", "?", "!")):
            units.append(_Unit(current))
            current = []
    if current:
        units.append(_Unit(current))
    # split further at step-opening cues after a comma
    refined: list[_Unit] = []
    for unit in units:
        refined.extend(_split_at_cues(unit, split_cue))
    return [u for u in refined if u.text]


def _split_at_cues(unit: _Unit, split_cue: re.Pattern | None) -> list[_Unit]:
    text = unit.text.lower()
    cuts = [m.end() for m in split_cue.finditer(text)] if split_cue is not None else []
    if not cuts:
        return [unit]
    # map character offsets (in the space-joined text) to word indices
    offsets, pos = [], 0
    for w in unit.words:
        offsets.append(pos)
        pos += len(w["word"]) + 1
    pieces, start = [], 0
    for cut in cuts:
        idx = next((i for i, off in enumerate(offsets) if off >= cut - 1), None)
        if idx is None or idx <= start:
            continue
        pieces.append(_Unit(unit.words[start:idx]))
        start = idx
    pieces.append(_Unit(unit.words[start:]))
    return [p for p in pieces if p.words]


def _join(words: list[dict[str, Any]]) -> str:
    out = []
    for i, w in enumerate(words):
        if w["word"]:
            out.append(("" if not out else w.get("_sep", " ")) + w["word"])
    return "".join(out)


def _attach_separators(words: list[dict[str, Any]], text: str) -> None:
    """Record whether each word follows a space in ``text`` ("0.3%" is three Whisper words)."""
    pos = 0
    for w in words:
        found = text.find(w["word"], pos) if w["word"] else -1
        if found < 0:
            w["_sep"] = " "
            continue
        w["_sep"] = " " if found == 0 or text[found - 1].isspace() or found > pos + 1 else ""
        pos = found + len(w["word"])


def _content_tokens(text: str) -> set[str]:
    tokens = {t.strip(".'") for t in _TOKEN.findall(text.lower())}
    return {t[:6] for t in tokens if t and t not in _STOP and len(t) > 2}


def _scores(unit: _Unit, position: float, examples: list[set[str]], steps: Sequence[str],
            fw: Framework) -> tuple[list[float], list[list[str]]]:
    text = unit.text.lower()
    scores, cues = [], []
    tokens = _content_tokens(text)
    bounds, acc = [], 0.0
    total = sum(s.share for s in fw.steps)
    for step in fw.steps:
        bounds.append((acc / total, (acc + step.share) / total))
        acc += step.share
    for name in steps:
        k = fw.names.index(name)
        score, hits = 0.0, []
        for pattern, weight in fw.step(name).cues:
            m = pattern.search(text)
            if m:
                score += weight
                hits.append(m.group(0))
        if examples and tokens:
            overlap = len(tokens & examples[k]) / max(4, len(tokens))
            score += 2.0 * overlap
        lo, hi = bounds[k]
        dist = 0.0 if lo <= position <= hi else min(abs(position - lo), abs(position - hi))
        score += 0.6 - 2.0 * dist
        scores.append(score)
        cues.append(hits)
    return scores, cues


def split_answer(
    words: Iterable[Any],
    scenario: Scenario | None = None,
    steps: Sequence[str] | None = None,
    duration_s: float | None = None,
    text: str | None = None,
) -> list[StepSegment]:
    """Split one whole answer into its steps (STAR, or the scenario's framework), in order, each
    timed from word timestamps.

    Args:
        words: The answer's words in order, as :class:`starcoach.transcribe.Word` or dicts with
            ``word``, ``start`` and ``end`` (surrounding spaces are ignored).
        scenario: When given, similarity to its strong examples helps place units.
        steps: The steps the answer is expected to cover (the framework's order is kept; None: all).
        duration_s: Length of the recording; the last step ends here when given.
        text: The transcript's text; when given, step texts keep its spacing ("0.3%" rather
            than the words joined with spaces).

    Returns:
        One segment per step the answer reaches, in the framework's order. Steps the answer never
        enters are left out (the caller reports them as missing).
    """
    fw = scenario.framework if scenario is not None else framework()
    steps = [s for s in fw.names if steps is None or s in set(steps)]
    word_list = [_word_dict(w) for w in words]
    if text:
        _attach_separators(word_list, text)
    units = _units(word_list, _split_cue(fw.openers))
    if not units or not steps:
        return []
    examples = []
    if scenario is not None:
        examples = [_content_tokens(scenario.step(n).strong_example + " " + " ".join(scenario.step(n).key_phrases))
                    for n in fw.names]
    n_words = len(word_list)
    table, cue_table, seen = [], [], 0
    for unit in units:
        middle = (seen + len(unit.words) / 2) / n_words
        seen += len(unit.words)
        s, c = _scores(unit, middle, examples, steps, fw)
        table.append(s)
        cue_table.append(c)
    assignment = _best_order(table, len(steps))
    segments: list[StepSegment] = []
    for unit, k, cues in zip(units, assignment, cue_table):
        name = steps[k]
        if segments and segments[-1].step == name:
            seg = segments[-1]
            seg.words.extend(unit.words)
            seg.cues.extend(cues[k])
        else:
            segments.append(StepSegment(name, unit.words[0]["start"], unit.words[-1]["end"], "", list(unit.words), list(cues[k])))
    for i, seg in enumerate(segments):
        seg.text = _join(seg.words)
        seg.words = [{k: v for k, v in w.items() if k != "_sep"} for w in seg.words]
        if i + 1 < len(segments):
            seg.end_s = segments[i + 1].words[0]["start"]
        else:
            seg.end_s = max(seg.words[-1]["end"], min(duration_s or 0.0, seg.words[-1]["end"] + 1.0))
    return segments


def _best_order(table: list[list[float]], n_steps: int) -> list[int]:
    """Best non-decreasing step index per unit (Viterbi over a left-to-right chain)."""
    n = len(table)
    neg = float("-inf")
    best = [[neg] * n_steps for _ in range(n)]
    back = [[0] * n_steps for _ in range(n)]
    for k in range(n_steps):
        best[0][k] = table[0][k] - SKIP_PENALTY * k
    for i in range(1, n):
        for k in range(n_steps):
            for j in range(k + 1):
                value = best[i - 1][j] - SKIP_PENALTY * max(0, k - j - 1) + table[i][k]
                if value > best[i][k]:
                    best[i][k], back[i][k] = value, j
    k = max(range(n_steps), key=lambda s: best[n - 1][s] - SKIP_PENALTY * (n_steps - 1 - s))
    out = [k]
    for i in range(n - 1, 0, -1):
        k = back[i][k]
        out.append(k)
    return out[::-1]
