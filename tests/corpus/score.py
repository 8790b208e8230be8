"""Score the answer analysis against the labelled corpus (conventions: README.md).

Used by ``tests/test_analysis_corpus.py`` and ``benchmarks/bench_analysis.py``::

    from score import load_corpus, score_corpus
    report = score_corpus(load_corpus(), analyze)   # analyze(text, step) -> Analysis.to_dict()
    report.table()

Spans: a predicted item is right when its character span overlaps a labelled quote of the same type
(for disqualifiers and hand-offs also the same kind); precision counts predicted items that overlap
no label, recall counts labels no prediction overlaps. Checks are scored as yes/no per answer.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

CORPUS_DIR = Path(__file__).resolve().parent

#: Span types: corpus key -> key of the analysis JSON.
SPAN_TYPES: dict[str, str] = {
    "i": "i_statements",
    "we": "we_statements",
    "other": "other_statements",
    "passive": "passive_statements",
    "handoffs": "handoffs",
    "quantified": "quantified",
    "disqualifiers": "disqualifiers",
    "fillers": "fillers",
    "hedges": "hedges",
    "repeats": "repeats",
}

#: Checks: corpus key -> (check name in the analysis JSON, True when the label means check failed).
CHECKS: dict[str, tuple[str, bool]] = {
    "scope_boundary": ("scope_boundary", False),
    "no_individual_contribution": ("individual_contribution", True),
    "business_impact": ("business_impact", False),
    "second_order": ("second_order", False),
    "specific_reflection": ("reflection_specific", False),
    "org_insight": ("org_insight", False),
}


@dataclass
class Label:
    start: int
    end: int
    kind: str
    text: str


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


@dataclass
class Report:
    """Precision and recall per finding type and per check, with the errors."""

    spans: dict[str, Tally]
    checks: dict[str, Tally]
    answers: int

    def rows(self) -> list[tuple[str, int, int, int, float, float]]:
        out = []
        for name, t in [*self.spans.items(), *((f"check: {k}", v) for k, v in self.checks.items())]:
            out.append((name, t.tp, t.fp, t.fn, t.precision, t.recall))
        return out

    def table(self) -> str:
        lines = ["| finding type | TP | FP | FN | precision | recall |", "|---|---:|---:|---:|---:|---:|"]
        for name, tp, fp, fn, p, r in self.rows():
            lines.append(f"| {name} | {tp} | {fp} | {fn} | {p:.1%} | {r:.1%} |")
        return "\n".join(lines)

    def errors(self) -> list[str]:
        return [e for t in [*self.spans.values(), *self.checks.values()] for e in t.errors]

    def worst(self) -> tuple[str, float]:
        name, value = "", 1.0
        for n, _tp, _fp, _fn, p, r in self.rows():
            if min(p, r) < value:
                name, value = n, min(p, r)
        return name, value


def load_corpus(directory: Path = CORPUS_DIR) -> list[dict[str, Any]]:
    """Every labelled answer of ``directory/*.toml``."""
    answers = []
    for path in sorted(directory.glob("*.toml")):
        with path.open("rb") as f:
            data = tomllib.load(f)
        for a in data.get("answer", []):
            a["_file"] = path.name
            answers.append(a)
    return answers


def locate(text: str, quotes: list[str], answer_id: str = "?") -> list[Label]:
    """Character spans of ``quotes`` in ``text`` ("kind: quote" keeps the kind), each searched after
    the previous one, case-insensitively on word boundaries."""
    labels = []
    pos = 0
    for q in quotes:
        kind, quote = "", q
        if ": " in q and q.split(": ", 1)[0] in {"handoff", "routing", "assigned", "team-credit", "vague-outcome",
                                                 "generic-reflection"}:
            kind, quote = q.split(": ", 1)
        pattern = re.compile(r"(?<!\w)" + re.escape(quote) + r"(?!\w)", re.I)
        m = pattern.search(text, pos) or pattern.search(text)
        if m is None:
            raise ValueError(f"corpus answer {answer_id}: quote {quote!r} not found in its text")
        labels.append(Label(m.start(), m.end(), kind, quote))
        pos = m.start() + 1
    return labels


def _predicted(analysis: dict[str, Any], key: str) -> list[dict[str, Any]]:
    if key == "repeats":
        return list((analysis.get("delivery") or {}).get("repeats") or [])
    return list(analysis.get(key) or [])


def _overlaps(item: dict[str, Any], label: Label) -> bool:
    s, e = item.get("start"), item.get("end")
    return s is not None and e is not None and s < label.end and label.start < e


def score_answer(answer: dict[str, Any], analysis: dict[str, Any], spans: dict[str, Tally],
                 checks: dict[str, Tally]) -> None:
    """Add one answer's results to the tallies."""
    text = answer["text"]
    aid = answer["id"]
    for ckey, akey in SPAN_TYPES.items():
        quotes = list(answer.get(ckey, []))
        if ckey == "disqualifiers":
            quotes = quotes + list(answer.get("handoffs", []))
        labels = locate(text, quotes, aid)
        predicted = _predicted(analysis, akey)
        tally = spans.setdefault(ckey, Tally())
        use_kind = ckey in ("disqualifiers", "handoffs")
        for label in labels:
            hit = any(_overlaps(p, label) and (not use_kind or not label.kind or p.get("kind") == label.kind)
                      for p in predicted)
            if hit:
                tally.tp += 1
            else:
                tally.fn += 1
                tally.errors.append(f"{aid} {ckey} missed {label.kind + ': ' if label.kind else ''}{label.text!r}")
        for p in predicted:
            if not any(_overlaps(p, label) and (not use_kind or not label.kind or p.get("kind") == label.kind)
                       for label in labels):
                tally.fp += 1
                tally.errors.append(f"{aid} {ckey} extra {p.get('kind', '')}: {p.get('text')!r}")
    for ckey, expected in (answer.get("checks") or {}).items():
        name, inverted = CHECKS[ckey]
        got = bool(((analysis.get("checks") or {}).get(name) or {}).get("ok"))
        if inverted:
            got = not got
        tally = checks.setdefault(ckey, Tally())
        if expected and got:
            tally.tp += 1
        elif got and not expected:
            tally.fp += 1
            tally.errors.append(f"{aid} check {ckey}: said yes, label no")
        elif expected and not got:
            tally.fn += 1
            tally.errors.append(f"{aid} check {ckey}: said no, label yes")


def score_corpus(answers: list[dict[str, Any]], analyze: Callable[[str, str], dict[str, Any]]) -> Report:
    """Analyse every answer with ``analyze(text, step)`` and score the results."""
    spans: dict[str, Tally] = {k: Tally() for k in SPAN_TYPES}
    checks: dict[str, Tally] = {k: Tally() for k in CHECKS}
    for answer in answers:
        score_answer(answer, analyze(answer["text"], answer["step"]), spans, checks)
    return Report(spans, checks, len(answers))


# --- off-topic probe answers (tests/corpus/offtopic) -------------------------------------------------


@dataclass
class TopicReport:
    """How the off-topic detector did on one part of tests/corpus/offtopic.

    ``groups`` counts (label, predicted) per source group: ``own`` (the probe's own model answers,
    which the detector reads as references), ``corpus`` (labelled probe answers), ``probe``
    (another probe's model answer), ``step`` (a STAR step's strong example), ``written``.
    """

    groups: dict[str, dict[tuple[str, str], int]] = field(default_factory=dict)
    wrong: list[str] = field(default_factory=list)

    def count(self, label: str, predicted: str, groups: tuple[str, ...] | None = None) -> int:
        return sum(n for g, tally in self.groups.items() if groups is None or g in groups
                   for (lab, pred), n in tally.items() if lab == label and pred == predicted)

    def rate(self, label: str, groups: tuple[str, ...] | None = None) -> tuple[int, int]:
        """(right, total) for answers labelled ``label``."""
        right = self.count(label, label, groups)
        other = "off" if label == "on" else "on"
        return right, right + self.count(label, other, groups)

    def line(self) -> str:
        on_r, on_n = self.rate("on")
        off_r, off_n = self.rate("off")
        fresh_r, fresh_n = self.rate("on", ("corpus", "probe", "step", "written"))
        return (f"on-topic kept {on_r}/{on_n} ({on_r / max(1, on_n):.0%}; without the probe's own model answers "
                f"{fresh_r}/{fresh_n}), off-topic caught {off_r}/{off_n} ({off_r / max(1, off_n):.0%}), "
                f"accuracy {(on_r + off_r) / max(1, on_n + off_n):.1%}")


def load_offtopic(part: str) -> list[dict[str, Any]]:
    """The labelled answers of ``offtopic/<part>.toml`` (``dev`` or ``holdout``)."""
    with (CORPUS_DIR / "offtopic" / f"{part}.toml").open("rb") as f:
        return tomllib.load(f)["answer"]


def score_offtopic(answers: list[dict[str, Any]], scenarios: dict[str, Any]) -> TopicReport:
    """Run :func:`starcoach.analysis.relevance.address` on every labelled answer (``unclear`` ones
    are not scored); each answer's context is its scenario's strong examples."""
    from starcoach.analysis.relevance import address

    report = TopicReport()
    for a in answers:
        if a["label"] == "unclear":
            continue
        scenario = scenarios[a["scenario"]]
        result = address(a["text"], scenario.probes[a["probe"] - 1], scenario)
        predicted = "on" if result.on_topic else "off"
        group = a["source"].split(":")[0].split("-")[0]
        tally = report.groups.setdefault(group, {})
        tally[(a["label"], predicted)] = tally.get((a["label"], predicted), 0) + 1
        if predicted != a["label"]:
            report.wrong.append(f"{a['id']} ({a['source']}): labelled {a['label']}, judged {predicted} "
                                f"[{result.sign}] — {a['text'][:70]}")
    return report
