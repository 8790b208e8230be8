"""What a mock run looks like in the terminal: the question, each step's prompt and feedback, the
probes' verdicts, the summary, and the demo's comparison, as rich renderables.

Nothing here runs the coach or reads the keyboard; :mod:`starcoach.cli.run` (the command) and
:mod:`starcoach.cli.live` (the interactive run) print what these functions return.
"""

from __future__ import annotations

from typing import Any

from starcoach.clock import format_clock as _clock

def timing_colour(elapsed: float, target: float) -> str:
    """Green well before the target, yellow from 80% of it, red once past it."""
    if target <= 0 or elapsed < 0.8 * target:
        return "green"
    if elapsed <= target:
        return "yellow"
    return "red"


def level_meter(level: float, width: int = 24) -> str:
    """An input level bar from a 0..1 level (drawn on a dB scale, -60 dBFS to 0)."""
    import math

    db = 20 * math.log10(max(level, 1e-6))
    fill = max(0, min(width, round((db + 60) / 60 * width)))
    return "█" * fill + "░" * (width - fill)


def render_intro(plan) -> Any:
    """The question, the mode's emphasis, the level and its budget."""
    from rich.console import Group
    from rich.panel import Panel
    from rich.text import Text

    sc = plan.scenario
    mode = sc.mode(plan.mode)
    level = sc.level(plan.level)
    body = Text()
    body.append(sc.question + "\n\n", style="bold")
    body.append(f"Mode: {mode.name}. ", style="cyan")
    body.append(mode.lead_in + "\n")
    body.append("  Emphasize: ", style="green")
    body.append(mode.emphasize + "\n")
    body.append("  Downplay:  ", style="yellow")
    body.append(mode.downplay + "\n")
    body.append(f"Level: {level.name}. ", style="cyan")
    body.append(f"{level.guidance} Budget for the whole answer: {budget_text(plan)}.\n")
    steps = " · ".join(f"{sc.framework.title(s.name)} {s.target_s:.0f}s" for s in sc.steps if s.name in plan.steps)
    body.append(("Answer in one go; step targets as guidance: " if plan.continuous else "Steps: ") + steps,
                style="dim")
    return Group(Panel(body, title=f"[bold]{sc.principle}[/] · {sc.title}", border_style="blue"))


def budget_text(plan) -> str:
    """The level's budget for the whole answer, the one figure every screen uses ("2:00–2:30")."""
    lo, hi = plan.budget_s
    return f"{_clock(lo)}–{_clock(hi)}"


def render_step_prompt(plan, step: str, number: int, total: int) -> Any:
    from rich.panel import Panel
    from rich.text import Text

    s = plan.scenario.step(step)
    body = Text()
    body.append(f"Target {s.target_s:.0f}s. ", style="bold")
    body.append(s.coaching + "\n")
    body.append("Avoid: ", style="yellow")
    body.append(s.common_mistake)
    return Panel(body, title=f"[bold]{number}/{total} {plan.scenario.framework.title(step)}", border_style="cyan")


def render_feedback(result, scenario, full: bool = False, more_hint: str = "") -> Any:
    """A step's feedback: time against target, findings with coaching, highlighted transcript
    (``full``: every finding, not the first six)."""
    from rich.console import Group
    from rich.panel import Panel
    from rich.text import Text

    from starcoach.analysis.timing import timing_status
    from starcoach.report.feedback import render_analysis

    status = timing_status(result.duration_s, result.target_s)
    colour = {"under": "yellow", "on": "green", "over": "red"}[status]
    # the shared renderer shows the time against target itself
    parts: list[Any] = [Text(f"take {result.take}", style="dim")] if result.take > 1 else []
    parts.append(render_analysis(result.analysis, None if full else 6, more_hint))
    title = f"{scenario.framework.title(result.step)}: {'full ' if full else ''}feedback"
    return Panel(Group(*parts), title=f"[bold]{title}", border_style=colour)


def render_probe(result) -> Any:
    from rich.console import Group
    from rich.panel import Panel
    from rich.text import Text

    from starcoach.report.feedback import highlighted_transcript

    colour = {"strong": "green", "mixed": "yellow", "weak": "red", "off-topic": "magenta"}.get(result.verdict, "dim")
    head = Text()
    head.append(f"Verdict: {result.verdict}", style=f"bold {colour}")
    if result.verdict == "skipped":
        head.append(" (not answered: it does not count against you, and it is not evidence for you)", style="dim")
    parts: list[Any] = [head]
    for reason in result.reasons[:4]:
        parts.append(Text(f"• {reason}"))
    if result.key_line:
        parts.append(Text(f"Model line: {result.key_line}", style="cyan"))
    if result.transcript:
        parts.append(Text(""))
        parts.append(highlighted_transcript(result.analysis) if result.analysis else Text(result.transcript))
    name = "Follow-up" if result.source == "adaptive" else "Probe"
    return Panel(Group(*parts), title=f"[bold]{name} {result.index}: {result.question}", border_style=colour)


def render_summary(session, scenario) -> Any:
    """The Bar Raiser read first (its decisive gap), then timeline bars, total against budget, top
    three fixes, the reflection bar and the probe verdicts."""
    from rich.console import Group
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    summary = session.summary
    table = Table.grid(padding=(0, 1))
    table.add_column(justify="right", style="bold")
    table.add_column()
    table.add_column(justify="right")
    longest = max([e.duration_s for e in summary.timeline] + [e.target_s for e in summary.timeline] + [1])
    width = 36
    for e in summary.timeline:
        colour = {"under": "yellow", "on": "green", "over": "red", "missing": "dim"}[e.status]
        fill = round(e.duration_s / longest * width)
        mark = round(e.target_s / longest * width)
        bar = Text()
        for i in range(width):
            if i == mark:
                bar.append("│", style="bold")
            elif i < fill:
                bar.append("█", style=colour)
            else:
                bar.append(" ")
        label = f"{_clock(e.duration_s)}/{_clock(e.target_s)} {e.status}"
        table.add_row(scenario.framework.title(e.step), bar, Text(label, style=colour))
    br = summary.bar_raiser
    hire = br.lean == "leaning hire"
    parts: list[Any] = [Text(f"Bar Raiser: {br.headline}", style="bold green" if hire else "bold red")]
    for r in br.for_[:4]:
        parts.append(Text(f"  + {r}", style="green"))
    for r in br.against[:5]:
        parts.append(Text(f"  − {r}", style="red"))
    parts.extend([Text(""), table])
    lo, hi = summary.budget_range_s
    budget_colour = {"within": "green", "under": "yellow", "over": "red"}.get(summary.budget_status, "white")
    parts.append(Text(f"Total {_clock(summary.total_s)} against the {session.level} budget "
                      f"{_clock(lo)}–{_clock(hi)}: {summary.budget_status}", style=budget_colour))
    if summary.top_fixes:
        parts.append(Text("\nTop things to fix", style="bold"))
        for i, f in enumerate(summary.top_fixes, 1):
            line = Text(f"{i}. [{scenario.framework.title(f.step)}] ")
            line.append(f.text)
            if f.coaching:
                line.append(f" — {f.coaching}", style="dim")
            parts.append(line)
    rb = summary.reflection_bar
    if rb is not None:
        parts.append(Text(f"\nReflection bar ({rb.level}): {rb.bar}", style="bold"))
        parts.append(Text(("✓ " if rb.met else "✗ ") + rb.why, style="green" if rb.met else "red"))
        parts.append(Text(f"Model: {rb.model_reflection}", style="dim"))
    if any(summary.probes.values()):
        parts.append(Text("Probes: " + ", ".join(f"{v} {k}" for k, v in summary.probes.items() if v), style="dim"))
    return Panel(Group(*parts), title=f"[bold]Summary · {scenario.principle}", border_style="blue")


def render_recap(session, plan) -> Any:
    """What a resumed session already holds: each answered step (numbered as in the full run),
    its time against target and what to fix; each probe's verdict; and what is still to answer."""
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    from starcoach.analysis.timing import timing_status

    table = Table.grid(padding=(0, 2))
    for _ in range(4):
        table.add_column()
    done = {s.step: s for s in session.steps}
    pending = []
    for step in plan.steps:
        number, total = plan.step_number(step)
        name = f"{number}/{total} {plan.scenario.framework.title(step)}"
        result = done.get(step)
        if result is None:
            pending.append(name)
            continue
        status = timing_status(result.duration_s, result.target_s)
        colour = {"under": "yellow", "on": "green", "over": "red"}[status]
        fixes = [f for f in result.analysis.findings if f.severity not in ("info",)]
        if result.analysis.no_speech:
            note = Text("no speech heard", style="yellow")
        elif fixes:
            note = Text(f"{len(fixes)} to fix · first: {fixes[0].text or fixes[0].type.replace('-', ' ')}"[:70])
        else:
            note = Text("nothing to fix", style="green")
        takes = len(session.takes_for(step))
        table.add_row(Text(name, style="bold"), Text(f"{_clock(result.duration_s)}/{_clock(result.target_s)} {status}",
                                                     style=colour),
                      Text(f"take {result.take} of {takes}" if takes > 1 else "", style="dim"), note)
    answered = {p.label: p for p in session.probes}
    for label in plan.labels():
        if not label.startswith(("probe-", "followup-")):
            continue
        kind, n = label.split("-")
        name = f"{'Probe' if kind == 'probe' else 'Follow-up'} {n}"
        probe = answered.get(label)
        if probe is None:
            pending.append(name)
        else:
            table.add_row(Text(name, style="bold"), Text(probe.verdict), Text(""), Text(probe.question[:60], style="dim"))
    parts: list[Any] = [table]
    if pending:
        parts.append(Text("Still to answer: " + ", ".join(pending), style="cyan"))
    from rich.console import Group

    return Panel(Group(*parts), title=f"[bold]Resuming {session.session_id}: already answered", border_style="cyan")


def render_demo_comparison(strong, weak) -> Any:
    from rich.table import Table

    table = Table(title="Demo: the same question, two candidates")
    table.add_column("")
    table.add_column("Strong")
    table.add_column("Weak")
    table.add_row("Bar Raiser", strong.summary.bar_raiser.lean, weak.summary.bar_raiser.lean)
    table.add_row("Total", f"{strong.total_s:.0f}s", f"{weak.total_s:.0f}s")
    for name in ("strong", "mixed", "weak", "off-topic", "skipped"):
        if name in ("off-topic", "skipped") and not (strong.summary.probes.get(name) or weak.summary.probes.get(name)):
            continue
        table.add_row(f"Probes {name}", str(strong.summary.probes.get(name, 0)), str(weak.summary.probes.get(name, 0)))
    follow = lambda s: ", ".join(f"{p.gap}: {p.verdict}" for p in s.probes if p.source == "adaptive") or "none"  # noqa: E731
    table.add_row("Adaptive follow-ups", follow(strong), follow(weak))
    top = lambda s: "\n".join(f.text[:50] for f in s.summary.top_fixes) or "—"  # noqa: E731
    table.add_row("Top fixes", top(strong), top(weak))
    return table


def render_adopted(event) -> str:
    """The line a resumed run prints about takes a crashed run recorded but never listed."""
    n = len(event.takes)
    which = ", ".join(f"{t.step.replace('-', ' ')} take {t.take} ({t.duration_s:.1f} s)"
                      for t in event.takes)
    return (f"Recovered {n} take{'s' * (n != 1)} an earlier run was recording: {which}; "
            f"kept as interrupted (transcribed, not counted).")


def print_saved(console, session) -> None:
    console.print(f"Saved session [bold]{session.session_id}[/] — review it with "
                  f"`starcoach review {session.session_id}`", soft_wrap=True)


def print_interrupted(console, session) -> None:
    takes = len(session.takes)
    console.print(
        f"\nStopped. Everything recorded so far ({takes} take{'s' * (takes != 1)}) is saved in session "
        f"[bold]{session.session_id}[/] (incomplete).\n"
        f"  Resume:  starcoach run --resume {session.session_id}\n"
        f"  Review:  starcoach review {session.session_id}",
        soft_wrap=True,
    )


# --------------------------------------------------------------------------------- scripted view


class ScriptedView:
    """Prints a scripted or demo run as it goes: feedback per step, verdicts per probe."""

    def __init__(self, console, quiet: bool = False) -> None:
        self.console = console
        self.quiet = quiet
        self.plan = None

    def intro(self, plan, resumed=None) -> None:
        """The question; for a resumed session (``resumed``: the session) what is already answered."""
        self.plan = plan
        if not self.quiet:
            self.console.print(render_intro(plan))
            if resumed is not None:
                self.console.print(render_recap(resumed, plan))

    def candidate(self, candidate, plan) -> None:
        self.plan = plan
        if self.quiet:
            return
        self.console.rule(f"[bold]Demo: the {candidate.name} candidate")
        self.console.print(render_intro(plan))

    def on_event(self, event) -> None:
        from starcoach import run as r  # light: the coach imports its models when it runs

        if self.quiet:
            return
        if isinstance(event, r.TakesAdopted):
            self.console.print(render_adopted(event), soft_wrap=True)
        elif isinstance(event, r.StepFeedback):
            self.console.print(render_feedback(event.result, self.plan.scenario))
            self.console.print(f"[dim]feedback {event.latency_s:.2f}s after the answer ended[/]")
        elif isinstance(event, r.ProbeAsked):
            extra = " [dim](a follow-up on your answer)[/]" if event.source == "adaptive" else ""
            self.console.print(f"\n[bold cyan]Interviewer:[/] {event.question}{extra}")
        elif isinstance(event, r.ProbeJudged):
            self.console.print(render_probe(event.result))


def render_kept(result, takes: int) -> Any:
    """One line after ``k``: which take counts now."""
    from rich.text import Text

    fixes = sum(1 for f in result.analysis.findings if f.severity != "info")
    line = Text(f"Take {result.take} of {takes} counts now", style="bold cyan")
    line.append(f" · {_clock(result.duration_s)} against {_clock(result.target_s)} · "
                f"{fixes} thing{'s' * (fixes != 1)} to fix · k again for an earlier one", style="dim")
    return line
