"""``starcoach progress``: trends over sessions, from the session index.

Per session: time discipline per step (time over target), the share of first-person statements,
quantified results, fillers per minute, probe verdicts and the Bar Raiser lean. Shown as terminal
charts (:func:`progress_renderables`) and as one self-contained HTML page with inline SVG charts
(:func:`render_progress_html`).
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from starcoach import __version__
from starcoach.index import SessionIndex
from starcoach.clock import format_clock
from starcoach.framework import steps_with_role
from starcoach.scenario import STEP_NAMES

SPARKS = "▁▂▃▄▅▆▇█"


@dataclass
class SessionTrend:
    """The figures of one session that progress follows.

    Attributes:
        session_id: The session.
        started_at: When it started.
        scenario: Scenario id.
        level: Level id.
        complete: Whether the run finished.
        step_ratio: Time over target per step (1.0 = on target).
        step_status: ``under``/``on``/``over`` per step.
        first_person_share: I-statements over all agent statements (None if none).
        quantified: Quantified results in the Result step (all steps if there is no Result).
        fillers_per_min: Fillers per minute of speech (None without timings).
        verdicts: Probe verdict counts.
        lean: The Bar Raiser lean.
        total_s: Total time.
        budget_s: Upper end of the budget.
    """

    session_id: str
    started_at: str
    scenario: str
    level: str
    complete: bool
    step_ratio: dict[str, float] = field(default_factory=dict)
    step_status: dict[str, str] = field(default_factory=dict)
    first_person_share: float | None = None
    quantified: int = 0
    fillers_per_min: float | None = None
    verdicts: dict[str, int] = field(default_factory=dict)
    lean: str = ""
    total_s: float = 0.0
    budget_s: float = 0.0

    @property
    def date(self) -> str:
        """``YYYY-MM-DD`` of the session."""
        return self.started_at[:10]


@dataclass
class Progress:
    """Trends over sessions, oldest first.

    Attributes:
        scenario: The scenario filter (None: all).
        sessions: One :class:`SessionTrend` per readable session.
        repaired: Set when the index had to be rebuilt while reading (the CLI says so).
    """

    scenario: str | None
    sessions: list[SessionTrend]
    repaired: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict."""
        return {"scenario": self.scenario, "sessions": [asdict(s) for s in self.sessions]}

    def series(self, name: str) -> list[float | None]:
        """One figure over the sessions (``first_person_share``, ``quantified``, ``fillers_per_min``)."""
        return [getattr(s, name) for s in self.sessions]

    def step_series(self, step: str) -> list[float | None]:
        """Time over target of one step over the sessions."""
        return [s.step_ratio.get(step) for s in self.sessions]

    @property
    def steps(self) -> list[str]:
        """Steps seen in any session, in STAR order."""
        seen = {k for s in self.sessions for k in s.step_ratio}
        return [s for s in STEP_NAMES if s in seen] + sorted(seen - set(STEP_NAMES))


def progress(scenario: str | None = None) -> Progress:
    """Read the trends from the index (synced with the session folders first)."""
    with SessionIndex() as index:
        rows = [r for r in index.sessions(scenario=scenario) if not r.error]
        steps = index.step_stats(scenario=scenario)
        verdicts = index.probe_verdicts(scenario=scenario)
        repaired = index.repaired
    by_id: dict[str, SessionTrend] = {}
    for r in rows:
        tally: dict[str, int] = {}
        for v in verdicts.get(r.session_id, []):
            tally[v] = tally.get(v, 0) + 1
        by_id[r.session_id] = SessionTrend(
            session_id=r.session_id, started_at=r.started_at, scenario=r.scenario, level=r.level,
            complete=r.complete, verdicts=tally, lean=r.lean, total_s=r.total_s, budget_s=r.budget_s)
    outcome_steps = steps_with_role("outcome")  # the Result of STAR
    agg: dict[str, dict[str, float]] = {}
    for st in steps:
        trend = by_id.get(st.session_id)
        if trend is None:
            continue
        if st.target_s:
            trend.step_ratio[st.step] = round(st.duration_s / st.target_s, 3)
            trend.step_status[st.step] = st.status
        a = agg.setdefault(st.session_id, {"i": 0, "all": 0, "fillers": 0, "minutes": 0.0, "q_result": -1, "q_all": 0})
        a["i"] += st.i_statements
        a["all"] += st.i_statements + st.we_statements + st.other_statements + st.passive_statements
        a["fillers"] += st.fillers
        a["minutes"] += (st.speech_s if st.speech_s else st.duration_s) / 60.0
        a["q_all"] += st.quantified
        if st.step in outcome_steps:
            a["q_result"] = st.quantified
    for sid, a in agg.items():
        trend = by_id[sid]
        trend.first_person_share = round(a["i"] / a["all"], 3) if a["all"] else None
        trend.fillers_per_min = round(a["fillers"] / a["minutes"], 2) if a["minutes"] > 0 else None
        trend.quantified = int(a["q_result"] if a["q_result"] >= 0 else a["q_all"])
    return Progress(scenario, [by_id[r.session_id] for r in rows], repaired)


def sparkline(values: list[float | None], lo: float | None = None, hi: float | None = None) -> str:
    """Values as block characters (a space for a missing value)."""
    present = [v for v in values if v is not None]
    if not present:
        return " " * len(values)
    lo = min(present) if lo is None else lo
    hi = max(present) if hi is None else hi
    span = (hi - lo) or 1.0
    return "".join(" " if v is None else SPARKS[min(len(SPARKS) - 1, max(0, int((v - lo) / span * (len(SPARKS) - 1) + 0.5)))]
                   for v in values)


def progress_renderables(p: Progress) -> list[Any]:
    """Terminal charts: a sparkline per trend, then a row per session."""
    from rich.table import Table
    from rich.text import Text

    out: list[Any] = []
    if not p.sessions:
        return [Text("No sessions yet" + (f" for {p.scenario}" if p.scenario else "") + ": run `starcoach run` or `starcoach demo`.")]
    n = len(p.sessions)
    out.append(Text(f"{n} session{'s' * (n != 1)}" + (f" of {p.scenario}" if p.scenario else "")
                    + f", {p.sessions[0].date} to {p.sessions[-1].date}", style="bold"))
    trends = Table(box=None, show_header=True, padding=(0, 1))
    trends.add_column("Trend")
    trends.add_column("Sessions →", no_wrap=True)
    trends.add_column("First", justify="right")
    trends.add_column("Last", justify="right")
    trends.add_column("Goal")

    def row(label: str, values: list[float | None], fmt, goal: str, lo=None, hi=None) -> None:
        present = [v for v in values if v is not None]
        trends.add_row(label, sparkline(values, lo, hi), fmt(present[0]) if present else "-",
                       fmt(present[-1]) if present else "-", goal)

    for step in p.steps:
        row(f"{step.capitalize()} time/target", p.step_series(step), lambda v: f"{v:.0%}", "≈100%", 0.0, 2.0)
    row("First-person share", p.series("first_person_share"), lambda v: f"{v:.0%}", "high", 0.0, 1.0)
    row("Quantified results", [float(v) for v in p.series("quantified")], lambda v: f"{v:.0f}", "≥ 1", 0.0)
    row("Fillers per minute", p.series("fillers_per_min"), lambda v: f"{v:.1f}", "low", 0.0)
    out.append(trends)

    table = Table(show_header=True, header_style="bold", padding=(0, 1))
    table.add_column("Date", no_wrap=True)
    table.add_column("Level")
    table.add_column("Steps " + "".join(st[0].upper() for st in p.steps), no_wrap=True)
    table.add_column("I-share", justify="right")
    table.add_column("Quant", justify="right")
    table.add_column("Fill/min", justify="right")
    table.add_column("Probes")
    table.add_column("Read")
    colour = {"on": "green", "over": "red", "under": "yellow"}
    for s in p.sessions:
        steps = Text("      ")
        for st in p.steps:
            ratio = s.step_ratio.get(st)
            steps.append(" " if ratio is None else sparkline([ratio], 0.0, 2.0),
                         style=colour.get(s.step_status.get(st, ""), ""))
        table.add_row(s.date + ("" if s.complete else "*"), s.level, steps,
                      f"{s.first_person_share:.0%}" if s.first_person_share is not None else "-",
                      str(s.quantified),
                      f"{s.fillers_per_min:.1f}" if s.fillers_per_min is not None else "-",
                      " ".join(f"{v}{k[0]}" for k, v in s.verdicts.items()) or "-",
                      Text(s.lean.replace("leaning ", "") or "-", style="red" if "no hire" in s.lean else "green" if s.lean else ""))
    out.append(table)
    out.append(Text("Steps: one bar per step, time against target (half height = on target); "
                    "green on, yellow under, red over. Probes: s strong, m mixed, w weak.", style="dim"))
    if any(not s.complete for s in p.sessions):
        out.append(Text("* interrupted run", style="dim"))
    return out


@dataclass
class LineChart:
    """An SVG line chart laid out in Python (the template only draws it)."""

    title: str
    series: list[dict[str, Any]]
    width: int = 640
    height: int = 200
    y_labels: list[dict[str, Any]] = field(default_factory=list)
    x_labels: list[dict[str, Any]] = field(default_factory=list)
    goal_y: float | None = None


_COLOURS = ["#1f6feb", "#2e8b57", "#c0392b", "#b7791f", "#8e44ad", "#16a085"]


def line_chart(title: str, dates: list[str], series: dict[str, list[float | None]], lo: float = 0.0,
               hi: float | None = None, fmt=lambda v: f"{v:g}", goal: float | None = None) -> LineChart:
    """Lay out one chart: x = sessions in order, y = the values."""
    chart = LineChart(title, [])
    left, right, top, bottom = 48, chart.width - 12, 12, chart.height - 28
    values = [v for vs in series.values() for v in vs if v is not None] + ([goal] if goal is not None else [])
    hi = hi if hi is not None else (max(values) if values else 1.0)
    hi = hi if hi > lo else lo + 1.0
    n = max(1, len(dates) - 1)

    def x(i: int) -> float:
        return round(left + (right - left) * (i / n if len(dates) > 1 else 0.5), 1)

    def y(v: float) -> float:
        return round(bottom - (bottom - top) * (min(max(v, lo), hi) - lo) / (hi - lo), 1)

    for k, (name, vs) in enumerate(series.items()):
        pts = [(x(i), y(v), v) for i, v in enumerate(vs) if v is not None]
        chart.series.append({"name": name, "colour": _COLOURS[k % len(_COLOURS)],
                             "points": " ".join(f"{a},{b}" for a, b, _ in pts),
                             "dots": [{"x": a, "y": b, "label": f"{name}: {fmt(v)}"} for a, b, v in pts]})
    chart.y_labels = [{"y": y(v), "text": fmt(v)} for v in (lo, (lo + hi) / 2, hi)]
    step = max(1, len(dates) // 8)
    chart.x_labels = [{"x": x(i), "text": d[5:]} for i, d in enumerate(dates) if i % step == 0 or i == len(dates) - 1]
    chart.goal_y = y(goal) if goal is not None else None
    return chart


def render_progress_html(p: Progress, generated: datetime | None = None) -> str:
    """The trends as one self-contained HTML page (inline SVG, nothing fetched)."""
    return _template().render(**progress_context(p, generated), css=_css())


def progress_context(p: Progress, generated: datetime | None = None) -> dict[str, Any]:
    """What ``progress.html`` draws (the export and the web app's Progress page share it)."""
    dates = [s.date for s in p.sessions]
    charts = [
        line_chart("Time against target per step (100% = on target)", dates,
                   {st.capitalize(): p.step_series(st) for st in p.steps}, 0.0, 2.0, lambda v: f"{v:.0%}", goal=1.0),
        line_chart("Share of first-person statements", dates, {"I-statements": p.series("first_person_share")},
                   0.0, 1.0, lambda v: f"{v:.0%}"),
        line_chart("Quantified results", dates, {"Quantified": [float(v) for v in p.series("quantified")]},
                   0.0, None, lambda v: f"{v:.0f}"),
        line_chart("Fillers per minute", dates, {"Fillers/min": p.series("fillers_per_min")}, 0.0, None,
                   lambda v: f"{v:.1f}"),
    ]
    return dict(p=p, charts=charts, version=__version__, clock=format_clock,
                generated=(generated or datetime.now()).strftime("%Y-%m-%d %H:%M"))


@functools.lru_cache(maxsize=1)
def _css():
    from importlib import resources

    from markupsafe import Markup

    return Markup(resources.files("starcoach.report").joinpath("session.css").read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=1)
def _template():
    import jinja2

    env = jinja2.Environment(loader=jinja2.PackageLoader("starcoach.report", ""), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    return env.get_template("progress.html")
