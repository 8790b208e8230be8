"""``starcoach review``: the whole session in the terminal (rich renderables, never printed here).

The summary (time against target per step, total against the budget, the Bar Raiser read, what to
fix first, the reflection bar), then each step and probe: its transcript with flagged words
highlighted, its findings with coaching lines, and the coach's notes. :func:`section_text` is
shared with the replay view, which adds the current-word highlight.
"""

from __future__ import annotations

from typing import Any

from starcoach.clock import format_clock
from starcoach.report.timeline import Timeline
from starcoach.scenario import LEVEL_NAMES, MODE_NAMES
from starcoach.summary import TimelineEntry, step_timeline, time_against_budget, verdict_counts

#: Styles, one place: flagged words, the word being spoken, statuses, verdicts.
FLAG_STYLE = "bold yellow"
NOW_STYLE = "reverse bold"
STATUS_STYLE = {"on": "green", "within": "green", "over": "red", "under": "yellow", "missing": "red"}
VERDICT_STYLE = {"strong": "green", "mixed": "yellow", "weak": "red", "skipped": "dim"}
BAR_WIDTH = 36


def section_text(timeline: Timeline, index: int, current: int | None = None, dim_after: bool = False,
                 window: int | None = None):
    """A section's transcript as rich Text: flagged words highlighted, ``current`` word marked.

    Args:
        timeline: The session.
        index: Which section.
        current: Index (into ``timeline.words``) of the word being spoken, if any.
        dim_after: Dim the words not spoken yet (replay).
        window: Show at most this many words around ``current`` (replay on a small terminal).
    """
    from rich.text import Text

    text = Text()
    sec = timeline.sections[index]
    indexes = list(sec.words)
    if window and len(indexes) > window:
        at = indexes.index(current) if current in sec.words else 0
        lo = max(0, min(at - window * 2 // 3, len(indexes) - window))
        indexes = indexes[lo:lo + window]
        if lo > 0:
            text.append("… ", style="dim")
    first = True
    for wi in indexes:
        w = timeline.words[wi]
        if wi == current:
            style = NOW_STYLE
        elif dim_after and (current is None or wi > current):
            style = "dim" + (" yellow" if w.findings else "")
        else:
            style = FLAG_STYLE if w.findings else ""
        if not first and w.space_before:
            text.append(" ")
        first = False
        text.append(w.text, style=style)
    return text


def time_table(times: list[TimelineEntry]):
    """Per-step time against target as bars (``█`` spoken, ``│`` the target)."""
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, show_header=False, padding=(0, 1))
    table.add_column("step")
    table.add_column("bar", no_wrap=True)
    table.add_column("time", justify="right")
    table.add_column("status")
    span = max([t.duration_s for t in times] + [t.target_s for t in times] + [1.0])
    for t in times:
        filled = int(round(BAR_WIDTH * t.duration_s / span))
        mark = int(round(BAR_WIDTH * t.target_s / span)) if t.target_s else -1
        bar = Text()
        for i in range(BAR_WIDTH + 1):
            if i == mark:
                bar.append("│", style="bold")
            elif i < filled:
                bar.append("█", style=STATUS_STYLE.get(t.status, ""))
            else:
                bar.append(" ")
        table.add_row(t.step.capitalize(), bar,
                      f"{format_clock(t.duration_s)} / {format_clock(t.target_s)}" if t.target_s else format_clock(t.duration_s),
                      Text(t.status, style=STATUS_STYLE.get(t.status, "")))
    return table


def summary_renderables(timeline: Timeline) -> list[Any]:
    """The summary block."""
    from rich.text import Text

    s = timeline.session
    total_s, budget, status = time_against_budget(s)
    probes = verdict_counts(s)
    times = step_timeline(s)
    out: list[Any] = []
    total = Text(f"Total {format_clock(total_s)}")
    if budget[1]:
        total.append(f" against a budget of {format_clock(budget[0])}–{format_clock(budget[1])}")
    if status:
        total.append(f" ({status})", style=STATUS_STYLE.get(status, ""))
    if probes:
        total.append("   probes: " + ", ".join(f"{v} {k}" for k, v in probes.items()))
    out.append(total)
    if times:
        out.append(time_table(times))
    summary = s.summary
    if summary is not None:
        read = summary.bar_raiser
        lean = Text("Bar Raiser read: ", style="bold")
        lean.append(read.lean, style="red" if "no hire" in read.lean else "green")
        if read.headline:
            lean.append(f" — {read.headline}")
        out.append(lean)
        for x in read.for_:
            out.append(Text(f"  + {x}", style="green"))
        for x in read.against:
            out.append(Text(f"  - {x}", style="red"))
        if summary.top_fixes:
            out.append(Text("Fix first", style="bold"))
            for i, f in enumerate(summary.top_fixes, 1):
                line = Text(f"  {i}. ")
                if f.step:
                    line.append(f"{f.step}: ", style="bold")
                line.append(f.text)
                if f.coaching:
                    line.append(f" — {f.coaching}", style="dim")
                out.append(line)
        bar = summary.reflection_bar
        if bar is not None:
            line = Text("Reflection bar: ", style="bold")
            line.append("met" if bar.met else "not met", style="green" if bar.met else "red")
            if bar.why:
                line.append(f" — {bar.why}")
            out.append(line)
    if not s.complete:
        out.append(Text("This run was interrupted: steps after the last one shown were not recorded.", style="yellow"))
    return out


def section_renderables(timeline: Timeline, index: int, hear=None) -> list[Any]:
    """One step or probe: heading, transcript, notes, findings, the step's other takes (``hear``:
    see :func:`other_take_lines`)."""
    from rich.rule import Rule
    from rich.text import Text

    sec = timeline.sections[index]
    title = f"{sec.title}  {format_clock(sec.duration_s or sec.end_s - sec.start_s)}"
    if sec.target_s:
        title += f" against {format_clock(sec.target_s)} ({sec.status})"
    if sec.n_takes > 1:
        title += f"  take {sec.take} of {sec.n_takes}"
    out: list[Any] = [Rule(title, align="left", style=STATUS_STYLE.get(sec.status, "dim"))]
    if sec.question:
        out.append(Text(f"“{sec.question}”", style="italic"))
    if sec.verdict:
        line = Text("Verdict: ")
        line.append(sec.verdict, style=VERDICT_STYLE.get(sec.verdict, "bold"))
        if sec.reasons:
            line.append(" — " + "; ".join(sec.reasons))
        out.append(line)
    text = section_text(timeline, index)
    out.append(text if text else Text("(nothing was said)", style="dim"))
    if sec.estimated:
        out.append(Text("(word times estimated: the session has no word timings)", style="dim"))
    if sec.key_line:
        out.append(Text(f"Model line: “{sec.key_line}”", style="dim"))
    for n in timeline.notes:
        if n.section == index:
            out.append(note_text(n.at_s - sec.start_s, n.note.author, n.note.text))
    for f in timeline.findings_in(index):
        out.append(finding_text(f, sec.start_s))
    out.extend(other_take_lines(timeline, index, hear))
    return out


def other_take_lines(timeline: Timeline, index: int, hear=None) -> list[Any]:
    """The step's takes that do not count: number, length, how it ended, what to fix, its words,
    and (``hear(step, take)``: a front end's way to play one, e.g. a command line) how to hear it."""
    from rich.text import Text

    sec = timeline.sections[index]
    if not sec.other_takes:
        return []
    out: list[Any] = [Text(f"  Other takes of {sec.title} (take {sec.take} counts):", style="bold dim")]
    for t in sec.other_takes:
        line = Text(f"  take {t.take} · {format_clock(t.duration_s)} · stopped by {t.stopped_by}", style="dim")
        line.append(f" · {t.findings} to fix" if t.transcript else " · not transcribed", style="dim")
        if t.transcript:
            words = t.transcript if len(t.transcript) <= 140 else t.transcript[:137] + "…"
            line.append(f" — “{words}”", style="italic dim")
        out.append(line)
        if hear is not None and t.audio is not None and t.transcript:
            out.append(Text(f"    hear it: {hear(sec.name, t.take)}", style="dim"))
    return out


def note_text(at_s: float, author: str, text: str):
    """A coach's note line."""
    from rich.text import Text

    line = Text(f"✎ {format_clock(at_s)} ", style="cyan")
    line.append(f"{author or 'coach'}: ", style="bold cyan")
    line.append(text)
    return line


def finding_text(f, section_start: float):
    """A finding line: time, type, the words, the coaching."""
    from rich.text import Text

    line = Text("  ")
    line.append(format_clock(f.start_s - section_start) if f.start_s is not None else "   ·", style="dim")
    line.append(f" {f.finding.label}", style="bold")
    if f.finding.text:
        line.append(f" “{f.finding.text}”", style=FLAG_STYLE)
    if f.finding.coaching:
        line.append(f" — {f.finding.coaching}", style="dim")
    return line


def review_renderables(timeline: Timeline, hear=None) -> list[Any]:
    """The full review: header, summary, then every section."""
    from rich.text import Text


    s = timeline.session
    out: list[Any] = [Text(s.question or s.scenario, style="bold")]
    meta = " · ".join(x for x in (s.principle, s.scenario, MODE_NAMES.get(s.mode, s.mode),
                                   LEVEL_NAMES.get(s.level, s.level), s.started_at.replace("T", " ")[:16]) if x)
    out.append(Text(f"{meta} · {s.session_id}" + ("" if s.complete else " · incomplete"), style="dim"))
    out.append(Text(""))
    out += summary_renderables(timeline)
    for i in range(len(timeline.sections)):
        out.append(Text(""))
        out += section_renderables(timeline, i, hear)
    unplaced = [n for n in timeline.notes if not timeline.sections]
    for n in unplaced:
        out.append(note_text(n.at_s, n.note.author, n.note.text))
    return out


def replay_view(timeline: Timeline, frame, audio: bool = True):
    """What ``starcoach replay`` shows on a terminal for one :class:`~starcoach.replay.ReplayFrame`."""
    from rich.console import Group
    from rich.progress_bar import ProgressBar
    from rich.text import Text

    if not timeline.sections:
        return Text("This session has nothing to replay.")
    sec = timeline.sections[frame.section]
    state = "■ end" if frame.finished else ("▶" if frame.playing else "⏸ paused")
    head = Text(f"{state}  ", style="bold")
    head.append(sec.title, style="bold cyan")
    head.append(f"  {format_clock(frame.position_s)} / {format_clock(frame.duration_s)}  ×{frame.speed:g}")
    if sec.target_s:
        head.append(f"  step {format_clock(frame.position_s - sec.start_s)} of target {format_clock(sec.target_s)}",
                    style=STATUS_STYLE.get(sec.status, ""))
    if sec.n_takes > 1:
        head.append(f"  take {sec.take} of {sec.n_takes}", style="dim")
    if not audio:
        head.append("  (no audio)", style="dim")
    parts: list[Any] = [head, ProgressBar(total=max(frame.duration_s, 0.001), completed=frame.position_s)]
    if sec.question:
        parts.append(Text(f"“{sec.question}”", style="italic"))
    current = frame.word if frame.word is not None and frame.word in sec.words else None
    parts.append(section_text(timeline, frame.section, current=current, dim_after=True, window=120))
    for n in timeline.notes:
        if n.section == frame.section and n.at_s <= frame.position_s + 1e-6:
            parts.append(note_text(n.at_s - sec.start_s, n.note.author, n.note.text))
    for f in timeline.findings_in(frame.section):
        if f.end_s is not None and f.end_s <= frame.position_s + 1e-6:
            parts.append(finding_text(f, sec.start_s))
    parts.append(Text("space pause · ←/→ 5 s · n/p next/previous step · 0-9 jump to 0-90% · q quit", style="dim"))
    return Group(*parts)
