"""The run summary of a session, read tolerantly, for every view (terminal, HTML, Markdown).

``Session.summary`` holds :meth:`starcoach.summary.RunSummary.to_dict` for a finished run, and
nothing (or only part of it) for an interrupted or older one. :func:`digest` turns whatever is
there into one dataclass, recomputing the per-step timeline from the steps when it is missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starcoach.report.findings import timing_status
from starcoach.session import Session


@dataclass
class StepTime:
    """One bar of the time-against-target chart."""

    step: str
    duration_s: float
    target_s: float
    status: str


@dataclass
class FixLine:
    """One of the top things to fix."""

    step: str
    kind: str
    text: str
    coaching: str


@dataclass
class Digest:
    """The summary of a session as every report shows it.

    Attributes:
        times: Time against target per step, in order.
        total_s: Total time of the counted steps.
        budget_range_s: The level's (min, max) budget; (0, 0) if unknown.
        budget_status: ``under``/``within``/``over`` ("" if unknown).
        fixes: The top fixes, worst first.
        lean: The Bar Raiser lean ("" if none).
        headline: The Bar Raiser headline.
        for_: Evidence for.
        against: Evidence against.
        reflection_met: Whether the level's reflection bar was met (None if unknown).
        reflection_why: Why.
        reflection_bar: What the bar is at this level.
        model_reflection: The model reflection at this level.
        probes: Count of probe verdicts.
    """

    times: list[StepTime]
    total_s: float
    budget_range_s: tuple[float, float]
    budget_status: str
    fixes: list[FixLine] = field(default_factory=list)
    lean: str = ""
    headline: str = ""
    for_: list[str] = field(default_factory=list)
    against: list[str] = field(default_factory=list)
    reflection_met: bool | None = None
    reflection_why: str = ""
    reflection_bar: str = ""
    model_reflection: str = ""
    probes: dict[str, int] = field(default_factory=dict)

    @property
    def budget_s(self) -> float:
        """Upper end of the budget."""
        return self.budget_range_s[1]


def digest(session: Session) -> Digest:
    """Read the summary of ``session`` (recomputing what an interrupted run did not store)."""
    summary = session.summary if isinstance(session.summary, dict) else {}
    times = []
    for entry in summary.get("timeline") or []:
        if isinstance(entry, dict) and entry.get("step"):
            duration = _f(entry.get("duration_s"))
            target = _f(entry.get("target_s"))
            times.append(StepTime(str(entry["step"]), duration, target,
                                  str(entry.get("status") or timing_status(duration, target))))
    if not times:
        times = [StepTime(s.step, _f(s.duration_s), _f(s.target_s), timing_status(_f(s.duration_s), _f(s.target_s)))
                 for s in session.steps]
    total = _f(summary.get("total_s")) or _f(session.total_s) or sum(t.duration_s for t in times)
    budget = summary.get("budget_range_s") or session.budget_range_s or (0.0, 0.0)
    budget = (_f(budget[0]), _f(budget[1])) if isinstance(budget, (list, tuple)) and len(budget) == 2 else (0.0, 0.0)
    if not budget[1] and session.budget_s:
        budget = (budget[0], _f(session.budget_s))
    status = str(summary.get("budget_status") or "")
    if not status and budget[1]:
        status = "over" if total > budget[1] else "under" if total < budget[0] else "within"
    fixes = []
    for f in summary.get("top_fixes") or []:
        if isinstance(f, dict):
            fixes.append(FixLine(str(f.get("step", "")), str(f.get("kind", "")), str(f.get("text", "")),
                                 str(f.get("coaching", ""))))
        elif f:
            fixes.append(FixLine("", "", str(f), ""))
    read = summary.get("bar_raiser")
    read = read if isinstance(read, dict) else ({"lean": read} if isinstance(read, str) else {})
    bar = summary.get("reflection_bar")
    bar = bar if isinstance(bar, dict) else {}
    probes = summary.get("probes") if isinstance(summary.get("probes"), dict) else {}
    if not probes and session.probes:
        probes = {}
        for p in session.probes:
            probes[p.verdict] = probes.get(p.verdict, 0) + 1
    return Digest(
        times=times, total_s=total, budget_range_s=budget, budget_status=status, fixes=fixes,
        lean=str(read.get("lean") or ""), headline=str(read.get("headline") or ""),
        for_=[str(x) for x in read.get("for") or read.get("for_") or read.get("reasons") or []],
        against=[str(x) for x in read.get("against") or []],
        reflection_met=bar.get("met") if isinstance(bar.get("met"), bool) else None,
        reflection_why=str(bar.get("why") or ""), reflection_bar=str(bar.get("bar") or ""),
        model_reflection=str(bar.get("model_reflection") or ""),
        probes={str(k): int(v) for k, v in probes.items() if isinstance(v, int) and v},
    )


def _f(value: Any) -> float:
    try:
        return float(value or 0.0)
    except (TypeError, ValueError):
        return 0.0
