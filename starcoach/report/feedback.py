"""Render one step's analysis for a person: the transcript with flagged words highlighted (a colour
per finding type), the time against target, a short "what to fix" list with coaching lines, the
key phrases found and missing, and the delivery figures.

Takes an :class:`starcoach.analysis.Analysis`, so the ``analyze`` command, the mock run and the
session review all show feedback the same way. Colours, labels and the legend come from the
finding-type registry (:mod:`starcoach.findings`).
"""

from __future__ import annotations

from typing import Any

from starcoach.analysis.model import Analysis
from starcoach.clock import format_clock as _clock
from starcoach.findings import finding_type, highlighted_types

_SEVERITY_STYLE = {"high": "bold red", "medium": "yellow", "low": "cyan"}


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def highlighted_transcript(analysis: Analysis):
    """The transcript as a rich Text with each finding's words styled by its type."""
    from rich.text import Text

    transcript = analysis.transcript
    text = Text(transcript or "(no speech)")
    if not transcript:
        return text
    for kind in highlighted_types():
        for item in getattr(analysis, kind.list):
            if item.start is not None and item.end is not None and 0 <= item.start < item.end <= len(transcript):
                text.stylize(kind.highlight, item.start, item.end)
    for item in analysis.delivery.repeats:
        if item.start is not None and item.end is not None and 0 <= item.start < item.end <= len(transcript):
            text.stylize("strike", item.start, item.end)
    return text


def legend(analysis: Analysis):
    """One line naming the colours used in the transcript (only those that appear)."""
    from rich.text import Text

    line = Text()
    for kind in highlighted_types():
        if getattr(analysis, kind.list):
            if line:
                line.append("  ")
            line.append(kind.legend, style=kind.highlight)
    return line


def timing_line(analysis: Analysis):
    """"0:42 against 0:30 target — over by 12 s", or the estimate for a typed answer."""
    from rich.text import Text

    timing = analysis.timing
    target = analysis.target_s
    line = Text()
    if target is None:
        line.append("No target time for this answer.", style="dim")
        return line
    status = timing.status
    colour = {"on": "green", "over": "red", "under": "yellow"}.get(status, "white")
    delta = timing.delta_s
    if timing.estimated:
        line.append(f"About {_clock(timing.estimated_s)} read aloud (typed answer) against {_clock(target)} target",
                    style="bold")
    else:
        line.append(f"{_clock(analysis.duration_s)} against {_clock(target)} target", style="bold")
    if delta is not None:
        word = {"on": "on target", "over": f"over by {abs(delta):.0f} s", "under": f"under by {abs(delta):.0f} s"}.get(
            status, status)
        line.append(f" — {word}", style=colour)
    return line


def fix_list(analysis: Analysis, limit: int = 6):
    """The findings to fix, most serious first, each with its coaching line (indented, wrapped)."""
    from rich.console import Group
    from rich.padding import Padding
    from rich.text import Text

    findings = [f for f in analysis.findings if f.severity != "info"]
    if not findings:
        return Text("Nothing to fix in this step.", style="green")
    parts: list[Any] = [Text("What to fix", style="bold")]
    seen: set[tuple[str, str]] = set()
    shown = 0
    for f in findings:
        key = (f.type, f.coaching)
        if key in seen and f.type != "disqualifier":
            continue
        seen.add(key)
        if shown >= limit:
            break
        shown += 1
        style = _SEVERITY_STYLE.get(f.severity, "bold")
        label = finding_type("overused" if f.type == "repeat" and f.kind == "overused" else f.type).label
        if f.type == "disqualifier":
            label = f"{label} ({finding_type(f.kind).label.lower()})"
        head = Text()
        head.append("• ", style=style)
        head.append(label, style=style)
        if f.text:
            head.append(f' "{f.text}"', style="italic")
        if f.detail and f.type != "disqualifier" and not f.detail.startswith("scenario"):
            head.append(f" ({f.detail})", style="dim")
        parts.append(head)
        if f.coaching:
            parts.append(Padding(Text(f.coaching), (0, 0, 0, 2)))
    remaining = len(findings) - shown
    if remaining > 0:
        parts.append(Text(f"  … and {remaining} more in the full analysis", style="dim"))
    return Group(*parts)


def key_phrase_lines(analysis: Analysis):
    """Key phrases of the strong example: conveyed (✓, with the words that did) and missing (✗)."""
    from rich.text import Text

    found, missing = analysis.key_phrases_found, analysis.key_phrases_missing
    out = Text()
    if not found and not missing:
        return out
    out.append("Key phrases  ", style="bold")
    for item in found:
        out.append("✓ ", style="green")
        out.append(item.phrase)
        if item.text and item.text.lower() != item.phrase.lower():
            out.append(f" ({item.text})", style="dim")
        out.append("  ")
    for item in missing:
        out.append("✗ ", style="red")
        out.append(item.phrase, style="dim")
        out.append("  ")
    out.rstrip()
    return out


def delivery_line(analysis: Analysis):
    """Words, pace, fillers, hedges, pauses and voice energy on one line."""
    from rich.text import Text

    d = analysis.delivery
    parts = [f"{d.word_count} words"]
    if analysis.wpm is not None:
        band = d.wpm_band
        parts.append(f"{analysis.wpm:.0f} wpm ({d.pace}, aim {band[0]}-{band[1]})")
    parts.append(_plural(len(analysis.fillers), "filler"))
    parts.append(_plural(len(analysis.hedges), "hedge"))
    if d.long_pauses:
        parts.append(_plural(len(d.long_pauses), "long pause"))
    restarts = [r for r in d.repeats if r.kind != "overused"]
    overused = {r.text.lower() for r in d.repeats if r.kind == "overused"}
    if restarts:
        parts.append(_plural(len(restarts), "repeat"))
    if overused:
        parts.append(_plural(len(overused), "overused word"))
    energy = d.energy
    if energy:
        pitch = energy.pitch_std_semitones
        pitch_s = f"pitch ±{pitch:.1f} st, " if pitch is not None else ""
        parts.append(f"voice {pitch_s}loudness ±{energy.loudness_std_db:.1f} dB" + (" (flat)" if energy.monotone else ""))
    return Text("Delivery  " + " · ".join(parts), style="dim")


def render_analysis(analysis: Analysis):
    """Everything for one step, as one rich renderable (a Group)."""
    from rich.console import Group
    from rich.text import Text

    parts = [timing_line(analysis), Text(""), highlighted_transcript(analysis)]
    leg = legend(analysis)
    if leg:
        parts.append(leg)
    parts.extend([Text(""), fix_list(analysis)])
    kp = key_phrase_lines(analysis)
    if kp:
        parts.extend([Text(""), kp])
    parts.append(delivery_line(analysis))
    return Group(*parts)
