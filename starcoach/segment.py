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
from typing import Any, Iterable, Sequence

from starcoach.analysis.lexicon import lexicon
from starcoach.scenario import STEP_NAMES, Scenario

#: A pause at least this long (seconds) between words ends a unit even without punctuation.
UNIT_PAUSE_S = 0.9

#: Cost of a step the answer never enters (keeps the split from skipping steps lightly).
SKIP_PENALTY = 0.6

# Cue patterns per step, with weights. Matched on lower-cased unit text.
_CUES: dict[str, list[tuple[str, float]]] = {
    "situation": [
        (r"\b(while|when) (i was |we were )?(working|reviewing|looking|on call|on-call|doing|building|running|migrating)", 2.0),
        (r"\bi (noticed|saw|spotted|found out|came across|discovered|realized that)\b", 1.2),
        (r"\b(at|in) my (last|previous|current|old|first) (job|company|role|team|position)\b", 2.0),
        (r"\b(a few|a couple of|two|three|several) (months|years|weeks) ago\b", 1.5),
        (r"\bthere (was|were)\b", 0.8),
        (r"\bwe (had|were|used)\b", 0.6),
        (r"\b(was|were) (causing|failing|dropping|timing|leaking|breaking|slowing|losing|growing|getting)\b", 0.9),
        (r"\b(no|without|didn't have|did not have) (alert|alerting|monitoring|dashboards?|owner)\b", 0.8),
        (r"\b(context|background|the situation)\b", 1.5),
        (r"\b(our|the) (service|system|team|app|pipeline|product) (was|had|handled|processed)\b", 0.8),
    ],
    "task": [
        (r"\bnot my (team|service|code|system|job|area|responsibility|project)\b", 2.5),
        (r"\b(wasn't|was not|isn't|weren't) (my|our) (team|service|code|system|job|area|responsibility|project)\b", 2.5),
        (r"\b(no|wasn't a|was no|there was no|without a|didn't have a) (ticket|jira|task|request|assignment)\b", 2.2),
        (r"\b(nobody|no one|no-one) (had )?(asked|assigned|requested|told)\b", 2.5),
        (r"\boutside (of )?(my|our) (team|scope|area|remit|responsibilit)", 2.5),
        (r"\b(belonged|belongs) to\b|\bowned by\b", 1.5),
        (r"\b(my|the) (goal|task|job|responsibility|challenge|objective|mission) (was|became|here)\b", 2.0),
        (r"\bi (needed|had|wanted|decided|chose|set out) to\b", 1.2),
        (r"\b(take|took|taking) ownership\b|\bown(ed)? (it|the problem)\b", 1.8),
        (r"\b(scope|in scope|out of scope)\b", 1.0),
        (r"\b(so|and) i (decided|chose)\b", 0.8),
    ],
    "action": [
        (r"^(so |and |then )?(first|firstly|second|then|next|after that|afterwards|finally|to start|from there)\b", 1.4),
        (r"\bi (pulled|traced|wrote|built|added|reproduced|submitted|dug|read|taught myself|implemented|created|set up|"
         r"debugged|profiled|ran|tested|deployed|reached out|met|designed|proposed|fixed|changed|rewrote|instrumented|"
         r"migrated|analy[sz]ed|reviewed|went through|looked at|looked into|compared|bisected|wrote up|paired|scheduled|"
         r"drafted|replaced|refactored|patched|opened|filed|sent|asked|talked|spoke|presented|benchmarked|measured|"
         r"checked|isolated|narrowed|rolled out|shipped|cut|moved|split|automated|scripted|documented|learned how|"
         r"studied|mapped|collected|gathered|grepped|queried|correlated|reverted|rebuilt|raised|put together|started)\b", 1.5),
        (r"\b(we|my team|our team) (pulled|traced|wrote|built|added|figured|fixed|implemented|worked|debugged|deployed)\b", 1.0),
        (r"\b(pull request|pr|patch|commit|code review|unit tests?|test environment|locally|prototype|script|query)\b", 0.7),
        (r"\bby (reviewing|reading|adding|writing|running|using)\b", 0.7),
        (r"\bi [a-z]+ed\b", 0.8),
        (r"\b(myself|by hand)\b", 0.5),
    ],
    "result": [
        (r"\d|\bpercent\b|%|\$|\b(zero|half|double|twice|thousand|million|hundred)\b", 1.0),
        (r"\b(as a result|in the end|ultimately|the result|the outcome|the impact|end result|overall)\b", 2.0),
        (r"\b(after|since) (my|the|that|this) (fix|change|patch|launch|rollout|release)\b", 1.8),
        (r"\b(went|dropped|fell|came|got|down) (down )?to (zero|\d)", 2.0),
        (r"\b(reduced|cut|saved|recovered|increased|improved|dropped|eliminated|decreased|doubled|halved|sped up|grew)\b", 1.0),
        (r"\b(adopted|rolled out to|became (the )?(a )?standard|other teams|reused|now uses|still uses)\b", 1.3),
        (r"\bper (week|month|day|year|quarter|hour|request)\b|\bevery (week|month)\b", 1.2),
        (r"\b(team was happy|things got better|was a success|went well|customers were happy)\b", 1.5),
    ],
    "reflection": [
        (r"\bi (learned|learnt|realized|realised)\b", 2.0),
        (r"\b(lesson|takeaway|take-away|looking back|in hindsight|in retrospect|on reflection|if i did it again|next time)\b", 2.5),
        (r"\b(taught me|showed me|made me realize|reminded me)\b", 2.2),
        (r"\bi would (do|have|propose|push|start|change|set|add)\b|\bi'd (do|have|propose|push|start)\b", 2.0),
        (r"\b(the real|the underlying|the deeper) (root )?(cause|problem|issue|lesson)\b", 2.0),
        (r"\b(organi[sz]ational|systemic|culture|cultural|process) (gap|issue|problem|lesson|change|insight)\b", 1.8),
        (r"\b(what i took away|what i learned|from then on|going forward)\b", 2.0),
        (r"\b(is|are) important\b", 1.2),
    ],
}
_CUE_RES = {step: [(re.compile(p), w) for p, w in cues] for step, cues in _CUES.items()}

# A step-opening cue right after a comma or "and" starts a new unit.
_SPLIT_CUE = re.compile(
    r"(?:,|;|\band\b|\bso\b)\s+(?=(?:as a result|in the end|looking back|in hindsight|what i learned|i learned|"
    r"the lesson|next time|after my fix|after the fix|ultimately|but i decided|so i decided|nobody asked|"
    r"no one asked|it wasn't my team|this wasn't my team)\b)"
)

_STOP = lexicon().stop
_TOKEN = re.compile(r"[a-z0-9$%.']+")

#: Typical share of the answer each step takes (the seed's targets: 30/20/90/20/15 s).
_EXPECTED_SHARE = (30, 20, 90, 20, 15)


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


def _units(words: list[dict[str, Any]]) -> list[_Unit]:
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
        refined.extend(_split_at_cues(unit))
    return [u for u in refined if u.text]


def _split_at_cues(unit: _Unit) -> list[_Unit]:
    text = unit.text.lower()
    cuts = [m.end() for m in _SPLIT_CUE.finditer(text)]
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


def _scores(unit: _Unit, position: float, examples: list[set[str]], steps: Sequence[str]) -> tuple[list[float], list[list[str]]]:
    text = unit.text.lower()
    scores, cues = [], []
    tokens = _content_tokens(text)
    bounds, acc = [], 0.0
    total = sum(_EXPECTED_SHARE)
    for share in _EXPECTED_SHARE:
        bounds.append((acc / total, (acc + share) / total))
        acc += share
    for name in steps:
        k = STEP_NAMES.index(name)
        score, hits = 0.0, []
        for pattern, weight in _CUE_RES[name]:
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
    steps: Sequence[str] = STEP_NAMES,
    duration_s: float | None = None,
    text: str | None = None,
) -> list[StepSegment]:
    """Split one whole answer into STAR steps, in order, each timed from word timestamps.

    Args:
        words: The answer's words in order, as :class:`starcoach.transcribe.Word` or dicts with
            ``word``, ``start`` and ``end`` (surrounding spaces are ignored).
        scenario: When given, similarity to its strong examples helps place units.
        steps: The steps the answer is expected to cover (STAR order is kept).
        duration_s: Length of the recording; the last step ends here when given.
        text: The transcript's text; when given, step texts keep its spacing ("0.3%" rather
            than the words joined with spaces).

    Returns:
        One segment per step the answer reaches, in STAR order. Steps the answer never enters
        are left out (the caller reports them as missing).
    """
    steps = [s for s in STEP_NAMES if s in set(steps)]
    word_list = [_word_dict(w) for w in words]
    if text:
        _attach_separators(word_list, text)
    units = _units(word_list)
    if not units or not steps:
        return []
    examples = []
    if scenario is not None:
        examples = [_content_tokens(scenario.step(n).strong_example + " " + " ".join(scenario.step(n).key_phrases))
                    for n in STEP_NAMES]
    n_words = len(word_list)
    table, cue_table, seen = [], [], 0
    for unit in units:
        middle = (seen + len(unit.words) / 2) / n_words
        seen += len(unit.words)
        s, c = _scores(unit, middle, examples, steps)
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
