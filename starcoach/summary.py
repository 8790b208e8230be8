"""The end-of-run summary: where the time went, what to fix first, and how a Bar Raiser would lean.

Everything here is drawn from the step analyses (the ``starcoach analyze --json`` objects stored
in the session) and the probe verdicts; nothing is re-analysed. :func:`summarize` is pure, so it
is tested on hand-written analyses without loading a model.
"""

from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Iterable

from starcoach.analysis.model import Analysis, Finding
from starcoach.analysis.timing import timing_status
from starcoach.findings import coaching_for, finding_type, sinking
from starcoach.records import REQUIRED, Fields
from starcoach.scenario import Scenario

if TYPE_CHECKING:  # pragma: no cover - the session holds a RunSummary, so it imports this module
    from starcoach.session import ProbeResult, Session, StepResult



@dataclass
class TimelineEntry:
    """One bar of the timeline.

    Attributes:
        step: The STAR step.
        duration_s: Time spoken (0 when the step was not answered).
        target_s: The scenario's target.
        delta_s: ``duration_s - target_s`` (positive means over).
        status: ``under``, ``on``, ``over`` or ``missing``.
    """

    step: str
    duration_s: float
    target_s: float
    delta_s: float
    status: str

    @classmethod
    def from_dict(cls, data: Any, where: str) -> "TimelineEntry":
        f = Fields(data, where)
        return cls(f.text("step"), f.number("duration_s"), f.number("target_s"), f.number("delta_s"), f.text("status"))


@dataclass
class Fix:
    """One thing to fix, ranked by how much it costs the answer.

    Attributes:
        step: Where it happened (a STAR step, ``probe-N``, or ``answer`` for the whole answer).
        kind: The finding family (``handoff``, ``no-quantification``, ``timing``, ...).
        text: What was said (or what is missing), shown to the candidate.
        coaching: What to do instead.
        weight: Rank key; higher first.
    """

    step: str
    kind: str
    text: str
    coaching: str
    weight: float

    @classmethod
    def from_dict(cls, data: Any, where: str) -> "Fix":
        f = Fields(data, where)
        return cls(f.text("step"), f.text("kind"), f.text("text"), f.text("coaching"), f.number("weight"))


@dataclass
class ReflectionBar:
    """The level's bar for the reflection and whether the answer reached it.

    Attributes:
        level: Level display name.
        bar: What the bar is at this level.
        model_reflection: The scenario's model reflection at this level.
        met: True when the reflection was specific (and organisational where the level asks).
        why: One line saying why it was or was not met.
    """

    level: str
    bar: str
    model_reflection: str
    met: bool
    why: str

    @classmethod
    def from_dict(cls, data: Any, where: str) -> "ReflectionBar":
        f = Fields(data, where)
        return cls(f.text("level"), f.text("bar"), f.text("model_reflection"), f.boolean("met"), f.text("why"))


@dataclass
class BarRaiserRead:
    """A Bar Raiser style read for the scenario's principle.

    Attributes:
        lean: ``leaning hire`` or ``leaning no hire``.
        headline: One sentence in the walkthrough's style.
        for_: Evidence for, drawn from the findings.
        against: Evidence against, drawn from the findings.
    """

    lean: str
    headline: str
    for_: list[str] = field(default_factory=list)
    against: list[str] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: Any, where: str) -> "BarRaiserRead":
        """Read the JSON of :meth:`RunSummary.to_dict` (``for_`` is written as ``for``)."""
        f = Fields(data, where)
        return cls(f.text("lean"), f.text("headline"), f.texts("for", []), f.texts("against", []))


@dataclass
class RunSummary:
    """The summary shown at the end of a run and stored in ``session.summary``.

    Attributes:
        timeline: One entry per STAR step, in order.
        total_s: Sum of the counted steps' durations.
        budget_s: Upper end of the level's budget.
        budget_range_s: The level's (min, max) budget.
        budget_status: ``under``, ``within`` or ``over`` the budget range.
        top_fixes: The three costliest problems, worst first.
        reflection_bar: The level's reflection bar and whether it was met (None when the
            scenario's framework has no reflection step).
        bar_raiser: Leaning hire / no hire with reasons.
        probes: Count of probe verdicts (``strong``, ``mixed``, ``weak``, ``off-topic``, ``skipped``).
        complete: False when some planned step has no answer.
    """

    timeline: list[TimelineEntry]
    total_s: float
    budget_s: float
    budget_range_s: tuple[float, float]
    budget_status: str
    top_fixes: list[Fix]
    reflection_bar: ReflectionBar | None
    bar_raiser: BarRaiserRead
    probes: dict[str, int]
    complete: bool

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (``bar_raiser.for_`` is written as ``for``)."""
        data = asdict(self)
        data["budget_range_s"] = list(self.budget_range_s)
        data["bar_raiser"]["for"] = data["bar_raiser"].pop("for_")
        return data

    @classmethod
    def from_dict(cls, data: Any, where: str = "summary") -> "RunSummary":
        """Rebuild a summary saved with :meth:`to_dict`.

        Raises:
            RecordError: a field is missing or has the wrong type (its path is named).
        """
        f = Fields(data, where)
        lo, hi = f.numbers("budget_range_s", 2)
        return cls(
            timeline=f.records("timeline", TimelineEntry.from_dict), total_s=f.number("total_s"),
            budget_s=f.number("budget_s"), budget_range_s=(lo, hi), budget_status=f.text("budget_status"),
            top_fixes=f.records("top_fixes", Fix.from_dict),
            reflection_bar=f.optional_record("reflection_bar", ReflectionBar.from_dict, REQUIRED),
            bar_raiser=f.record("bar_raiser", BarRaiserRead.from_dict),
            probes=f.counts("probes"), complete=f.boolean("complete"),
        )


def budget_status(total_s: float, budget_range_s: tuple[float, float]) -> str:
    """``under``, ``within`` or ``over`` the level's budget range ("" when it is unknown)."""
    lo, hi = budget_range_s
    if not hi:
        return ""
    return "over" if total_s > hi else "under" if total_s < lo else "within"


def time_against_budget(session: Session) -> tuple[float, tuple[float, float], str]:
    """(total seconds, the level's budget range, ``under``/``within``/``over``) of any session,
    finished or interrupted."""
    if session.summary is not None:
        s = session.summary
        return s.total_s, s.budget_range_s, s.budget_status
    budget = session.budget_range_s
    if not budget[1] and session.budget_s:
        budget = (budget[0], session.budget_s)
    return session.total_s, budget, budget_status(session.total_s, budget)


def step_timeline(session: Session) -> list[TimelineEntry]:
    """Time against target per step: the summary's timeline, or for a run that never reached its
    summary (interrupted), the same entries computed from the steps answered so far."""
    if session.summary is not None:
        return session.summary.timeline
    return [TimelineEntry(s.step, s.duration_s, s.target_s, round(s.duration_s - s.target_s, 1),
                          timing_status(s.duration_s, s.target_s))
            for s in session.steps]


def verdict_counts(session: Session) -> dict[str, int]:
    """How many probes got each verdict (only verdicts that occur)."""
    if session.summary is not None:
        return {k: v for k, v in session.summary.probes.items() if v}
    counts: dict[str, int] = {}
    for p in session.probes:
        counts[p.verdict] = counts.get(p.verdict, 0) + 1
    return counts


def summarize(
    scenario: Scenario,
    level: str,
    steps: Iterable[StepResult],
    probes: Iterable[ProbeResult] = (),
    planned: Iterable[str] | None = None,
) -> RunSummary:
    """Summarize a run from its counted step results and probe verdicts.

    Args:
        scenario: The scenario answered.
        level: Level id (``sde1``, ``sde2``, ``senior``).
        steps: The counted take of each answered step.
        probes: Probe results (verdicts already judged).
        planned: The steps the run asked for (a run can narrow them; None: all the steps of the
            scenario's framework); others are not "missing".
    """
    by_step = {s.step: s for s in steps}
    probes = list(probes)
    fw = scenario.framework
    planned = [p for p in fw.names if planned is None or p in set(planned)]
    lvl = scenario.level(level)

    timeline = []
    for step in scenario.steps:
        if step.name not in planned and step.name not in by_step:
            continue
        result = by_step.get(step.name)
        duration = round(result.duration_s, 1) if result else 0.0
        status = timing_status(duration, step.target_s) if result else "missing"
        timeline.append(TimelineEntry(step.name, duration, step.target_s, round(duration - step.target_s, 1), status))

    total = round(sum(s.duration_s for s in by_step.values()), 1)
    lo, hi = lvl.budget_s

    fixes = _fixes(scenario, level, by_step, probes, planned, timeline)
    lesson = fw.with_role("lesson")
    reflection = None if lesson is None else _reflection_bar(scenario, level, by_step.get(lesson), lesson in planned)
    read = _bar_raiser(scenario, by_step, probes, planned, reflection)
    tally = {v: 0 for v in ("strong", "mixed", "weak", "off-topic", "skipped")}
    for p in probes:
        tally[p.verdict] = tally.get(p.verdict, 0) + 1
    return RunSummary(
        timeline=timeline,
        total_s=total,
        budget_s=hi,
        budget_range_s=(lo, hi),
        budget_status=budget_status(total, (lo, hi)),
        top_fixes=fixes[:3],
        reflection_bar=reflection,
        bar_raiser=read,
        probes=tally,
        complete=all(p in by_step for p in planned),
    )


# --- reading the analyses ---------------------------------------------------------------------


def first_person_share(analysis: Analysis) -> tuple[int, int]:
    """(I-statements, all agent statements) in one step's analysis."""
    i = len(analysis.i_statements)
    return i, i + len(analysis.we_statements) + len(analysis.other_statements) + len(analysis.passive_statements)


def _check_ok(analysis: Analysis, name: str) -> bool:
    check = analysis.checks.get(name)
    return bool(check and check.ok)


def scope_boundary_stated(analysis: Analysis) -> bool:
    """Whether the Task step said the work was outside the candidate's scope / unasked."""
    return _check_ok(analysis, "scope_boundary")


def reflection_specific(analysis: Analysis) -> bool:
    """Whether the reflection is story-specific (no generic-reflection disqualifier)."""
    if any(d.kind == "generic-reflection" for d in analysis.disqualifiers):
        return False
    return _check_ok(analysis, "reflection_specific")


def organisational_insight(analysis: Analysis) -> bool:
    """Whether the reflection names an organisational insight (the Senior bar)."""
    return _check_ok(analysis, "org_insight")


# --- ranking fixes -----------------------------------------------------------------------------

#: Rank of an analysis finding by severity; the registry adds each kind's bonus
#: (:attr:`starcoach.findings.FindingType.bonus`).
_SEVERITY_WEIGHT = {"high": 8.0, "medium": 5.0, "low": 2.5}


def _finding_kind(f: Finding) -> str:
    """The family a fix is filed under: a disqualifier's family, else the finding type."""
    if f.type in ("disqualifier", "handoff") and f.kind:
        return f.kind
    return f.type or f.kind or "finding"


def _fixes(scenario, level, by_step, probes, planned, timeline) -> list[Fix]:
    fixes: list[Fix] = []
    seen: set[tuple[str, str]] = set()

    def add(step: str, kind: str, text: str, coaching: str, weight: float) -> None:
        key = (step, "handoff" if kind == "routing" else kind)
        if key in seen:
            return
        seen.add(key)
        fixes.append(Fix(step, kind, text, coaching or coaching_for(kind), round(weight, 2)))

    fw = scenario.framework
    order = {name: i for i, name in enumerate(fw.names)}
    for name in planned:
        if name not in by_step:
            add(name, "missing-step", f"No answer for {name}", coaching_for("missing-step"), 9.0)
    for name, result in sorted(by_step.items(), key=lambda kv: order.get(kv[0], 9)):
        _fixes_from_findings(add, name, result)
    for entry in timeline:
        if entry.status == "over" and entry.delta_s > 0:
            step = scenario.step(entry.step)
            share = entry.delta_s / max(1.0, entry.target_s)
            add(entry.step, "timing", f"{entry.duration_s:.0f}s against a {entry.target_s:.0f}s target",
                step.common_mistake if fw.has_role(entry.step, "setting") else "", timing_weight("medium", share))
    for p in probes:  # a skipped probe is never a fix: nothing was said to fix
        if p.verdict == "weak":
            add(p.label, "probe", f"\"{p.question}\": {'; '.join(p.reasons[:2]) or 'weak answer'}",
                f"Model: {p.key_line}" if p.key_line else "", 6.0)
        elif p.verdict == "off-topic":
            add(p.label, "off-topic", f"\"{p.question}\": {p.reasons[0] if p.reasons else 'answered something else'}",
                coaching_for("off-topic"), 6.0)
    lesson = fw.with_role("lesson")
    if level == "senior" and lesson in by_step and not organisational_insight(by_step[lesson].analysis):
        add(lesson, "no-org-insight", finding_type("no-org-insight").missing, coaching_for("no-org-insight"), 5.5)
    fixes.sort(key=lambda f: (-f.weight, order.get(f.step, 9)))
    return fixes


def _fixes_from_findings(add, name: str, result: StepResult) -> None:
    """Fixes from the analysis' own ranked findings (severity info is not a problem)."""
    for f in result.analysis.findings:
        if f.severity not in _SEVERITY_WEIGHT:
            continue
        kind = _finding_kind(f)
        text = f.text.strip()
        if kind == "timing":
            status = timing_status(result.duration_s, result.target_s)
            text = f"{result.duration_s:.0f}s against a {result.target_s:.0f}s target ({status})"
        elif not text:
            text = finding_type(kind).missing or finding_type(kind).label
            if f.detail:
                text += f" ({f.detail})"
        elif kind in ("filler", "hedge", "repeat") and f.detail:
            text = f"{text} ({f.detail})"
        if kind == "timing":
            share = abs(result.duration_s - result.target_s) / max(1.0, result.target_s)
            add(name, kind, text, f.coaching, timing_weight(f.severity, share))
            continue
        add(name, kind, text, f.coaching, _SEVERITY_WEIGHT[f.severity] + finding_type(kind).bonus)


def timing_weight(severity: str, share: float) -> float:
    """Rank of a timing fix: always below every content finding (the lowest weighs 2.5), so a
    strong answer short of its targets is not told to fix its times before its words; over the
    target weighs more than under, and more the further off it is."""
    return round(1.0 + (1.0 if severity in ("high", "medium") else 0.0) + min(0.4, 0.4 * share), 2)


def _reflection_bar(scenario: Scenario, level: str, result: StepResult | None, asked: bool = True) -> ReflectionBar:
    lvl = scenario.level(level)
    if result is None:
        why = "No reflection was given" if asked else "The reflection was not part of this run"
        return ReflectionBar(lvl.name, lvl.bar, lvl.reflection, False, why)
    analysis = result.analysis
    if not reflection_specific(analysis):
        return ReflectionBar(lvl.name, lvl.bar, lvl.reflection, False, "The reflection is generic, not drawn from this story")
    if level == "senior" and not organisational_insight(analysis):
        return ReflectionBar(lvl.name, lvl.bar, lvl.reflection, False,
                             "Specific, but the Senior bar asks for an organisational insight")
    return ReflectionBar(lvl.name, lvl.bar, lvl.reflection, True, "Specific to this story"
                         + (" with an organisational insight" if level == "senior" else ""))


def _gap(kind: str, quoted: str) -> str:
    """A decisive gap in the headline's words (the registry's ``gap``; a kind without one "falls
    short on" what it sinks), ``quoted`` the words said."""
    row = finding_type(kind)
    return (row.gap or f"falls short on {row.sinks or 'depth'} ({{q}})").format(q=quoted)


def _bar_raiser(scenario, by_step, probes, planned, reflection: ReflectionBar | None) -> BarRaiserRead:
    principle = scenario.principle
    fw = scenario.framework
    sinks_ownership, sinks_impact = sinking("ownership"), sinking("impact")
    for_: list[str] = []
    against: list[str] = []
    ownership: list[str] = []  # the decisive gaps, in words for the headline, most serious first
    impact: list[str] = []

    def quote(item: Finding) -> str:
        return f"\"{item.text.strip()}\""

    for name in fw.names:
        result = by_step.get(name)
        title = fw.title(name)
        if result is None or result.analysis.no_speech:
            if name in planned:
                against.append(f"No {name} step" if result is None else f"Nothing heard in the {name} step")
                if fw.has_role(name, "actions"):
                    ownership.append(f"gives no {name} step" if result is None else f"says nothing in the {name} step")
                if fw.has_role(name, "outcome"):
                    impact.append(f"gives no {name}" if result is None else f"says nothing in the {name} step")
            continue
        analysis = result.analysis
        seen_quotes: set[str] = set()
        handoffs = [dataclasses.replace(h, kind=h.kind if h.kind in ("handoff", "routing") else "handoff")
                    for h in analysis.handoffs]
        for d in list(analysis.disqualifiers) + handoffs:
            quoted = d.text.strip().lower()
            if quoted and quoted in seen_quotes:
                continue
            seen_quotes.add(quoted)
            kind = d.kind
            if kind in sinks_ownership:
                ownership.append(_gap(kind, quote(d)))
                against.append(f"{kind.replace('-', ' ').capitalize()} in {name}: {quote(d)}")
            elif kind in sinks_impact:
                impact.append(_gap(kind, quote(d)))
                against.append(f"{kind.replace('-', ' ').capitalize()} in {name}: {quote(d)}")
            elif kind and kind != "generic-reflection":
                against.append(f"Disqualifier in {name}: {quote(d)}")
        if fw.has_role(name, "scope"):
            if scope_boundary_stated(analysis):
                for_.append("States the scope boundary, so the ownership was self-initiated")
            else:
                against.append("Never says the work was outside their scope or unasked")
        if fw.has_role(name, "actions"):
            i, total = first_person_share(analysis)
            if total and i / total >= 0.6:
                for_.append(f"{title} told in 'I' statements ({i} of {total})")
            elif total:
                ownership.append(f"leaves their own part unclear (only {i} of {total} {name} statements are 'I')")
                against.append(f"Individual contribution unclear: {i} of {total} {name} statements are 'I'")
            else:
                ownership.append("describes no individual action")
                against.append("No individual action described")
        if fw.has_role(name, "outcome"):
            quantified = analysis.quantified
            if quantified:
                for_.append(f"Quantified {name}: " + ", ".join(quote(q) for q in quantified[:2]))
            else:
                impact.append(f"puts no number on the {name}")
                against.append(f"{title} not quantified")
    lesson = fw.with_role("lesson")
    if reflection is not None and lesson in by_step and not by_step[lesson].analysis.no_speech:
        (for_ if reflection.met else against).append(f"{fw.title(lesson)}: {reflection.why.lower()}")

    answered = [p for p in probes if p.verdict != "skipped"]
    skipped = [p for p in probes if p.verdict == "skipped"]
    weak = [p for p in probes if p.verdict == "weak"]
    off_topic = [p for p in probes if p.verdict == "off-topic"]
    strong = [p for p in probes if p.verdict == "strong"]
    if strong:
        for_.append(f"Strong on {len(strong)} follow-up probe{'s' * (len(strong) > 1)}")
    for p in weak:
        against.append(f"Weak follow-up on \"{p.question}\"" + (f": {p.reasons[0]}" if p.reasons else ""))
    for p in off_topic:
        against.append(f"Did not answer \"{p.question}\": the answer was about something else")
    if skipped:
        # not answered is not answered badly: no evidence either way, and the read says so
        against.append(f"Follow-up{'s' * (len(skipped) > 1)} not answered ({len(skipped)} of {len(probes)}): "
                       "no evidence either way")

    against = list(dict.fromkeys(against))
    for_ = list(dict.fromkeys(for_))
    partial = [name for name in fw.names if name not in planned]
    missed = len(weak) + len(off_topic)
    hire = (not ownership and not impact and missed <= max(0, len(answered) // 3)
            and len(for_) >= len(against) - (1 if skipped else 0))
    lean = "leaning hire" if hire else "leaning no hire"
    unanswered = " The follow-ups were not answered." if skipped and not answered else (
        f" {len(skipped)} follow-up{'s were' if len(skipped) > 1 else ' was'} not answered." if skipped else "")
    if hire:
        headline = f"Clear individual ownership with measurable impact; leaning Hire for {principle}.{unanswered}"
    else:
        gaps = ownership[:1] + impact[:1] or ownership[1:2]
        if not gaps:
            if off_topic:
                gaps = ["does not answer the follow-up questions asked"]
            elif weak:
                gaps = ["falls short on the follow-ups"]
            else:
                gaps = ["shows too little depth to judge the principle"]
        said = ", and ".join(gaps)
        headline = f"{said[0].upper()}{said[1:]}: leaning No Hire for {principle}.{unanswered}"
    if partial:
        asked = ", ".join(name for name in fw.names if name in planned)
        headline = f"Partial run ({asked} only). {headline}"
    return BarRaiserRead(lean, headline, for_, against)
