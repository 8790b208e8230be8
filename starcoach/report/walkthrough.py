"""A scenario as a readable walkthrough, laid out like the seed page.

:func:`walkthrough` returns rich renderables in reading order (overview, the STAR steps with their
targets, levels, probes, the annotated weak answer, disqualifiers, preparation modes, the quiz
questions without their answers). It does not print: the CLI passes them to a Console, tests
render them to a string.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.panel import Panel
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from starcoach.framework import Framework
from starcoach.framework import framework as default_framework
from starcoach.scenario import Level, Probe, Scenario, Step

#: Letter shown beside each step, as on the seed page.
_LABEL = "bold"
_GOOD = "green"
_BAD = "red"
_TIP = "cyan"
_WARN = "yellow"


def _seconds(value: float) -> str:
    return f"{value:g}s"


def _field(label: str, text: str, style: str = _LABEL) -> Text:
    """"Label  text" with the label styled and the text plain (never parsed as markup)."""
    return Text.assemble((label, style), "  ", text)


def _phrases(phrases: tuple[str, ...]) -> Text:
    text = Text()
    for i, phrase in enumerate(phrases):
        if i:
            text.append("  ·  ", style="dim")
        text.append(f"\u201c{phrase}\u201d", style="italic")
    return Text.assemble(("Key phrases", _LABEL), "  ", text)


def _heading(title: str) -> Padding:
    return Padding(Rule(Text(title, style="bold"), align="left", style="dim"), (1, 0, 0, 0))


def step_panel(step: Step, framework: Framework | None = None) -> Panel:
    """One step (badge and title from the scenario's framework): target, strong example, key
    phrases, coaching and the common mistake."""
    fw = framework or default_framework()
    badge = fw.step(step.name).badge if step.name in fw.names else "?"
    parts: list[RenderableType] = [_field("Strong example", step.strong_example, _GOOD)]
    if step.senior_example:
        parts.append(_field("Senior version", step.senior_example, _GOOD))
    parts += [
        _phrases(step.key_phrases),
        _field("Coaching", step.coaching, _TIP),
        _field("Common mistake", step.common_mistake, _WARN),
    ]
    title = Text.assemble(
        (f" {badge} ", "bold reverse"),
        " ",
        (fw.title(step.name), "bold"),
        "  ",
        (f"Target: {_seconds(step.target_s)}", "magenta"),
        " ",
    )
    return Panel(Group(*_spaced(parts)), title=title, title_align="left", padding=(0, 1))


def level_panel(level: Level) -> Panel:
    """One level: guidance, model reflection, bar and time budget."""
    low, high = level.budget_s
    budget = f"{level.budget_label} ({_seconds(low)}-{_seconds(high)} for the whole answer)"
    parts = [
        Text(level.guidance),
        _field("Reflection", level.reflection, _GOOD),
        _field("Bar", level.bar, _TIP),
        _field("Time", budget, "magenta"),
    ]
    return Panel(Group(*_spaced(parts)), title=Text(level.name, style="bold"), title_align="left",
                 padding=(0, 1))


def probe_panel(number: int, probe: Probe) -> Panel:
    """One follow-up probe with its weak and strong answers."""
    parts = [
        _field("Probes", probe.probes, "dim"),
        _field("Weak", probe.weak_answer, _BAD),
        _field("Why weak", probe.weak_why, _BAD),
        _field("Strong", probe.strong_answer, _GOOD),
        _field("Key line", f"\u201c{probe.key_line}\u201d", _GOOD),
    ]
    title = Text.assemble((f"Probe {number}", "bold"), "  ", probe.question)
    return Panel(Group(*_spaced(parts)), title=title, title_align="left", padding=(0, 1))


def _spaced(parts: list[RenderableType]) -> list[RenderableType]:
    """The parts with a blank line between them."""
    out: list[RenderableType] = []
    for i, part in enumerate(parts):
        if i:
            out.append(Text(""))
        out.append(part)
    return out


def walkthrough(scenario: Scenario) -> list[RenderableType]:
    """The whole walkthrough of ``scenario`` as renderables, in reading order."""
    out: list[RenderableType] = []
    header = Text.assemble(
        (scenario.question, "bold"),
        "\n",
        (" · ".join(scenario.principles), "cyan"),
        ("  —  ", "dim"),
        (f"{scenario.id} v{scenario.version}", "dim"),
    )
    out.append(Panel(header, padding=(0, 1)))

    out.append(_heading("Scenario overview"))
    out.append(Padding(Text(scenario.overview), (0, 2)))
    out.append(Padding(Text(scenario.takeaways, style="dim"), (1, 2, 0, 2)))

    total = _seconds(scenario.total_target_s)
    out.append(_heading(f"The answer, step by step (targets add up to {total})"))
    out.extend(step_panel(step, scenario.framework) for step in scenario.steps)

    out.append(_heading("By level"))
    out.extend(level_panel(level) for level in scenario.levels)

    out.append(_heading("Follow-up probes"))
    out.extend(probe_panel(i, probe) for i, probe in enumerate(scenario.probes, 1))

    weak = scenario.weak_answer
    notes = Table.grid(padding=(0, 1))
    notes.add_column(style=_BAD, no_wrap=True)
    notes.add_column()
    for note in weak.annotations:
        notes.add_row("•", Text.assemble(note.note, "  ", (f"({note.kind})", "dim")))
    weak_parts = [
        Text(weak.text, style="italic"),
        notes,
        _field("Bar Raiser thinks", weak.bar_raiser, _BAD),
    ]
    out.append(_heading("Weak answer"))
    out.append(Panel(Group(*_spaced(weak_parts)), border_style=_BAD, padding=(0, 1)))

    out.append(_heading("Disqualifiers for this question"))
    out.append(Padding(Text("\n".join(f"✗ \u201c{d}\u201d" for d in scenario.disqualifiers),
                            style=_BAD), (0, 2)))

    out.append(_heading("Preparation modes"))
    for mode in scenario.modes:
        parts = [
            Text(mode.lead_in),
            _field("Emphasize", mode.emphasize, _GOOD),
            _field("Downplay", mode.downplay, "dim"),
        ]
        out.append(Panel(Group(*_spaced(parts)), title=Text(mode.name, style="bold"),
                         title_align="left", padding=(0, 1)))

    out.append(_heading("Quiz"))
    for i, question in enumerate(scenario.quiz, 1):
        lines = Text.assemble((f"{i}. {question.question}", "bold"))
        for n, option in enumerate(question.options, 1):
            lines.append(f"\n   {n}) {option}")
        out.append(Padding(lines, (0, 2, 1, 2)))
    out.append(Padding(Text(f"Answer them with: starcoach quiz {scenario.id}", style="dim"),
                       (0, 2)))
    return out
