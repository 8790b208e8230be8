"""Hand-written analyses for tests of pure logic (the summary, the run's bookkeeping, the views).

They are real :class:`starcoach.analysis.model.Analysis` objects, shaped the way the analyser
shapes them: every problem is a finding (with type, kind, severity and coaching), the per-family
lists hold the words, and the step checks say what the answer has. Only the judging is done by
hand, so a test states exactly what the analyser would have found.
"""

from __future__ import annotations

from collections.abc import Iterable

from starcoach.analysis.model import Analysis, Check, Delivery, Finding, KeyPhraseMatch
from starcoach.analysis.timing import time_against_target
from starcoach.scenario import DEFAULT_SCENARIO_ID

#: Every check the analyser runs on a step.
CHECK_NAMES = ("scope_boundary", "individual_contribution", "business_impact", "second_order",
               "reflection_specific", "org_insight", "self_initiated")


def finding(type_: str, text: str = "", severity: str = "info", kind: str = "", coaching: str = "",
            detail: str = "", start: int | None = None, end: int | None = None,
            start_s: float | None = None, end_s: float | None = None) -> Finding:
    """One finding (``kind`` defaults to ``type_``, as in the analyser)."""
    return Finding(type_, text, start, end, coaching, severity, start_s, end_s, kind, detail)


def _items(type_: str, items: Iterable[str | Finding], transcript: str) -> tuple[Finding, ...]:
    out = []
    for item in items:
        if isinstance(item, Finding):
            out.append(item)
            continue
        at = transcript.find(item)
        out.append(finding(type_, item, start=at if at >= 0 else None, end=at + len(item) if at >= 0 else None))
    return tuple(out)


def analysis(
    step: str,
    transcript: str = "",
    *,
    duration_s: float | None = None,
    target_s: float | None = None,
    level: str = "sde2",
    i_statements: Iterable[str | Finding] = (),
    we_statements: Iterable[str | Finding] = (),
    other_statements: Iterable[str | Finding] = (),
    passive_statements: Iterable[str | Finding] = (),
    handoffs: Iterable[str | Finding] = (),
    quantified: Iterable[str | Finding] = (),
    disqualifiers: Iterable[Finding] = (),
    fillers: Iterable[str | Finding] = (),
    hedges: Iterable[str | Finding] = (),
    found: Iterable[str] = (),
    missing: Iterable[str] = (),
    findings: Iterable[Finding] = (),
    checks: dict[str, bool] | None = None,
    wpm: float | None = None,
) -> Analysis:
    """An analysis of one step; ``checks`` names the checks that pass (the others fail)."""
    passed = checks or {}
    fillers_ = _items("filler", fillers, transcript)
    hedges_ = _items("hedge", hedges, transcript)
    words = len(transcript.split())
    return Analysis(
        step=step, transcript=transcript, level=level, scenario_id=DEFAULT_SCENARIO_ID,
        duration_s=duration_s, target_s=target_s, wpm=wpm,
        i_statements=_items("i-statement", i_statements, transcript),
        we_statements=_items("we-statement", we_statements, transcript),
        other_statements=_items("other-statement", other_statements, transcript),
        passive_statements=_items("passive", passive_statements, transcript),
        handoffs=_items("handoff", handoffs, transcript),
        quantified=_items("quantified", quantified, transcript),
        disqualifiers=tuple(disqualifiers), fillers=fillers_, hedges=hedges_,
        key_phrases=tuple(KeyPhraseMatch(p, True, p) for p in found) + tuple(KeyPhraseMatch(p, False) for p in missing),
        findings=tuple(findings),
        timing=time_against_target(target_s, duration_s, words),
        delivery=Delivery(words, wpm, (120, 170), None, len(fillers_), len(hedges_)),
        checks={name: Check(name, passed.get(name, False), False) for name in CHECK_NAMES},
    )
