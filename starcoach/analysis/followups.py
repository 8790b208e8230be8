"""Adaptive follow-ups: the interviewer probes where the answer is thin.

:func:`choose_followups` reads the analyses of the candidate's STAR steps and picks at most two
follow-up questions from their biggest gaps, one per gap family: no number in the Result asks for
the measurable impact, "we" everywhere asks what the candidate did personally, a hand-off asks what
happened after it was passed on, a generic reflection asks what they would do differently,
specifically; and so on (``data/followups.toml`` holds the families, the wording — per principle
where it matters — and the model answers the judge compares with). A strong answer draws none or
one. Each follow-up is a :class:`starcoach.scenario.Probe`, so it is read aloud and judged exactly
like the scenario's own probes. Pure functions: no printing, no state.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from starcoach.analysis.lexicon import DATA_DIR, AnalysisDataError, _read_toml
from starcoach.framework import ROLES
from starcoach.scenario import Probe

if TYPE_CHECKING:  # pragma: no cover
    from starcoach.analysis.model import Analysis
    from starcoach.scenario import Scenario

FOLLOWUPS_FILE = DATA_DIR / "followups.toml"

#: At most this many adaptive follow-ups in one run.
MAX_FOLLOWUPS = 2

#: How much a finding's severity opens a gap (a missing step counts as high).
SEVERITY_SCORE = {"high": 3.0, "medium": 2.0, "low": 1.0}


@dataclass(frozen=True)
class FollowupSpec:
    """One gap family of ``data/followups.toml`` (see its header)."""

    id: str
    families: frozenset[str]
    roles: tuple[str, ...]
    focus: str
    covered_by: frozenset[str]
    weight: float
    question: str
    principles: Mapping[str, str]
    probes: str
    key_line: str
    strong_answer: str
    weak_answer: str

    def question_for(self, principles: Iterable[str]) -> str:
        """The wording for the first of ``principles`` that has its own, else the plain one."""
        for principle in principles:
            if principle in self.principles:
                return self.principles[principle]
        return self.question


@dataclass(frozen=True)
class Followup:
    """An adaptive follow-up chosen for this answer.

    Attributes:
        gap: The gap family it probes (``impact``, ``personal``, ``handoff`` …).
        probe: The question with its model answers, judged like a scenario probe (its ``focus``
            tells the judge what to look for).
        because: What in the answer opened the gap ("no-quantification in result").
        score: How big the gap is (severity times the family's weight).
    """

    gap: str
    probe: Probe
    because: str
    score: float


@lru_cache(maxsize=1)
def followup_specs() -> tuple[FollowupSpec, ...]:
    """The gap families of ``data/followups.toml``, validated."""
    raw = _read_toml(FOLLOWUPS_FILE)
    specs = []
    for i, item in enumerate(raw.get("followup", []), 1):
        where = f"{FOLLOWUPS_FILE.name}: followup {i}"
        try:
            specs.append(FollowupSpec(
                id=str(item["id"]), families=frozenset(item["families"]), roles=tuple(item.get("roles", [])),
                focus=str(item["focus"]), covered_by=frozenset(item.get("covered_by", [])),
                weight=float(item["weight"]), question=" ".join(str(item["question"]).split()),
                principles={str(k): " ".join(str(v).split()) for k, v in item.get("principles", {}).items()},
                probes=str(item["probes"]).strip(), key_line=str(item["key_line"]).strip(),
                strong_answer=" ".join(str(item["strong_answer"]).split()),
                weak_answer=" ".join(str(item["weak_answer"]).split()),
            ))
        except KeyError as e:
            raise AnalysisDataError(f"{where} has no {e.args[0]!r}", "add it (the file's header lists every key)") from e
        bad = [r for r in specs[-1].roles if r not in ROLES]
        if bad:
            raise AnalysisDataError(f"{where}: unknown role {bad[0]!r}", f"expected one of {', '.join(ROLES)}")
    if not specs:
        raise AnalysisDataError(f"{FOLLOWUPS_FILE} has no [[followup]]", "restore it from git")
    return tuple(specs)


def followup_probe(spec: FollowupSpec, scenario: Scenario) -> Probe:
    """The follow-up as a probe of ``scenario``, worded for its principles."""
    return Probe(question=spec.question_for(scenario.principles), probes=spec.probes,
                 weak_answer=spec.weak_answer, weak_why="", strong_answer=spec.strong_answer,
                 key_line=spec.key_line, focus=spec.focus)


def choose_followups(
    scenario: Scenario,
    steps: Mapping[str, Analysis | None],
    planned: Iterable[str] | None = None,
    asked: Iterable[Probe] = (),
    limit: int = MAX_FOLLOWUPS,
) -> list[Followup]:
    """The follow-ups this answer calls for, biggest gap first.

    Args:
        scenario: The scenario answered (the wording follows its principles).
        steps: The analysis of each answered STAR step (None or a no-speech analysis: no answer).
        planned: The steps the run asked for (a planned step without an answer is a gap).
        asked: The scenario's probes asked in the same run; a follow-up testing what one of them
            tests is left out.
        limit: At most this many (:data:`MAX_FOLLOWUPS`).

    Returns:
        At most ``limit`` follow-ups, one per gap family. Gaps of at least medium severity come
        first; an answer without any draws at most one, on its biggest low gap.
    """
    from starcoach.analysis.probes import probe_focus

    covered = {probe_focus(p) for p in asked}
    gaps: list[tuple[float, float, int, FollowupSpec, str]] = []
    fw = scenario.framework
    planned = fw.names if planned is None else tuple(planned)
    order = {name: i for i, name in enumerate(fw.names)}
    for spec in followup_specs():
        if spec.covered_by & covered:
            continue
        best: tuple[float, int, str] | None = None
        for name in fw.names:
            analysis = steps.get(name)
            if analysis is None or analysis.no_speech:
                if name in planned and not set(fw.step(name).roles).isdisjoint(spec.roles):
                    found = (SEVERITY_SCORE["high"], order[name], f"no answer for the {name}")
                    best = found if best is None or found[0] > best[0] else best
                continue
            for f in analysis.findings:
                if (f.type in spec.families or f.kind in spec.families) and f.severity in SEVERITY_SCORE:
                    found = (SEVERITY_SCORE[f.severity], order[name], f"{f.kind if f.type == 'disqualifier' else f.type}"
                             f" in the {name}")
                    if best is None or found[0] > best[0]:
                        best = found
        if best is not None:
            severity, at, because = best
            gaps.append((severity, severity * spec.weight, at, spec, because))
    gaps.sort(key=lambda g: (-g[1], g[2]))
    serious = [g for g in gaps if g[0] >= SEVERITY_SCORE["medium"]]
    chosen = serious[:limit] if serious else gaps[:min(1, limit)]
    return [Followup(spec.id, followup_probe(spec, scenario), because, round(score, 2))
            for _severity, score, _at, spec, because in chosen]
