"""Render one step's analysis for a person: the transcript with flagged words highlighted (a colour
per finding type), the time against target, a short "what to fix" list with coaching lines, the
key phrases found and missing, and the delivery figures.

Takes an :class:`starcoach.analysis.Analysis`, so the ``analyze`` command, the mock run and the
session review all show feedback the same way. Colours, labels and the legend come from the
finding-type registry (:mod:`starcoach.findings`). The data behind each piece
(:func:`transcript_segments`, :func:`timing_summary`, :func:`fix_items`, :func:`delivery_parts`) is
shared with the web app, which draws it as HTML.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starcoach.analysis.model import Analysis
from starcoach.clock import format_clock as _clock
from starcoach.findings import finding_type, highlighted_types

_SEVERITY_STYLE = {"high": "bold red", "medium": "yellow", "low": "cyan"}


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def highlight_spans(analysis: Analysis) -> list[tuple[int, int, str]]:
    """``(start, end, type id)`` character spans to highlight in the transcript, lowest priority
    first (later ones win where spans overlap); repeated words come last with the id ``repeat``."""
    transcript = analysis.transcript
    spans = []
    lists = [(kind.id, getattr(analysis, kind.list)) for kind in highlighted_types()]
    lists.append(("repeat", analysis.delivery.repeats))
    for key, items in lists:
        for item in items:
            if item.start is not None and item.end is not None and 0 <= item.start < item.end <= len(transcript):
                spans.append((item.start, item.end, key))
    return spans


def transcript_segments(analysis: Analysis) -> list[tuple[str, str, bool]]:
    """The transcript cut where highlighting changes: ``(text, type id, repeated)`` pieces in order.

    The type id is the winning highlighted finding type of the piece ("" for plain text);
    ``repeated`` marks a restart or repeated word. Web pages draw from this;
    :func:`highlighted_transcript` is the terminal's view of the same spans.
    """
    transcript = analysis.transcript
    keys = [""] * len(transcript)
    repeated = [False] * len(transcript)
    for start, end, key in highlight_spans(analysis):
        for i in range(start, end):
            if key == "repeat":
                repeated[i] = True
            else:
                keys[i] = key
    out: list[tuple[str, str, bool]] = []
    for i, ch in enumerate(transcript):
        if out and out[-1][1] == keys[i] and out[-1][2] == repeated[i]:
            out[-1] = (out[-1][0] + ch, keys[i], repeated[i])
        else:
            out.append((ch, keys[i], repeated[i]))
    return out


def highlighted_transcript(analysis: Analysis):
    """The transcript as a rich Text with each finding's words styled by its type."""
    from rich.text import Text

    transcript = analysis.transcript
    text = Text(transcript or "(no speech)")
    if not transcript:
        return text
    for start, end, key in highlight_spans(analysis):
        text.stylize("strike" if key == "repeat" else finding_type(key).highlight, start, end)
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


@dataclass
class TimingSummary:
    """The time against the target, in words.

    Attributes:
        text: "0:42 against 0:30 target" (or the read-aloud estimate of a typed answer); "" without a target.
        verdict: "on target", "over by 12 s", "under by 5 s" ("" when unknown).
        status: ``on``, ``over``, ``under`` or ``unknown``.
    """

    text: str
    verdict: str
    status: str


def timing_summary(analysis: Analysis) -> TimingSummary:
    """The analysis's timing as :class:`TimingSummary`."""
    timing = analysis.timing
    target = analysis.target_s
    if target is None:
        return TimingSummary("", "", "unknown")
    if timing.estimated:
        text = f"About {_clock(timing.estimated_s)} read aloud (typed answer) against {_clock(target)} target"
    else:
        text = f"{_clock(analysis.duration_s)} against {_clock(target)} target"
    verdict = ""
    if timing.delta_s is not None:
        delta = abs(timing.delta_s)
        verdict = {"on": "on target", "over": f"over by {delta:.0f} s",
                   "under": f"under by {delta:.0f} s"}.get(timing.status, timing.status)
    return TimingSummary(text, verdict, timing.status)


def timing_line(analysis: Analysis):
    """"0:42 against 0:30 target — over by 12 s", or the estimate for a typed answer."""
    from rich.text import Text

    t = timing_summary(analysis)
    line = Text()
    if not t.text:
        line.append("No target time for this answer.", style="dim")
        return line
    colour = {"on": "green", "over": "red", "under": "yellow"}.get(t.status, "white")
    line.append(t.text, style="bold")
    if t.verdict:
        line.append(f" — {t.verdict}", style=colour)
    return line


@dataclass
class FixItem:
    """One line of "what to fix".

    Attributes:
        label: What kind of problem ("Disqualifier (team credit)", "Fillers").
        text: The words it is about ("" when it is about the whole answer).
        detail: A short detail ("2 fillers (basically, um)"), "" if none worth showing.
        coaching: What to do about it.
        severity: ``high``, ``medium`` or ``low``.
        type: The finding type.
    """

    label: str
    text: str
    detail: str
    coaching: str
    severity: str
    type: str


def fix_items(analysis: Analysis, limit: int | None = 6) -> tuple[list[FixItem], int]:
    """The findings to fix, most serious first (repeats of one coaching line once), and how many
    more there are beyond ``limit`` (None: no limit)."""
    findings = [f for f in analysis.findings if f.severity != "info"]
    items: list[FixItem] = []
    seen: set[tuple[str, str]] = set()
    for f in findings:
        key = (f.type, f.coaching)
        if key in seen and f.type != "disqualifier":
            continue
        seen.add(key)
        if limit is not None and len(items) >= limit:
            break
        label = finding_type("overused" if f.type == "repeat" and f.kind == "overused" else f.type).label
        if f.type == "disqualifier":
            label = f"{label} ({finding_type(f.kind).label.lower()})"
        detail = f.detail if f.detail and f.type != "disqualifier" and not f.detail.startswith("scenario") else ""
        items.append(FixItem(label, f.text, detail, f.coaching, f.severity, f.type))
    return items, max(0, len(findings) - len(items))


def timing_notes(analysis: Analysis) -> list[str]:
    """Gentle notes that are not fixes: a clean step short of its target ("nothing is missing")."""
    return [f.coaching for f in analysis.findings if f.severity == "info" and f.type == "timing" and f.coaching]


#: Said after a shortened fix list, where the rest is ("f: full feedback" in the live run); "": "… and
#: N more in the full analysis".
MORE_HINT = ""


def fix_list(analysis: Analysis, limit: int | None = 6, more_hint: str = MORE_HINT):
    """The findings to fix, most serious first, each with its coaching line (indented, wrapped),
    then any gentle note.

    Args:
        analysis: The step's analysis.
        limit: Show at most this many (None: all of them).
        more_hint: Where the rest is, said after "… and N more".
    """
    from rich.console import Group
    from rich.padding import Padding
    from rich.text import Text

    items, remaining = fix_items(analysis, limit)
    notes = [Text(f"Note: {note}", style="green") for note in timing_notes(analysis)]
    if not items:
        return Group(Text("Nothing to fix in this step.", style="green"), *notes)
    parts: list[Any] = [Text("What to fix", style="bold")]
    for item in items:
        style = _SEVERITY_STYLE.get(item.severity, "bold")
        head = Text()
        head.append("• ", style=style)
        head.append(item.label, style=style)
        if item.text:
            head.append(f' "{item.text}"', style="italic")
        if item.detail:
            head.append(f" ({item.detail})", style="dim")
        parts.append(head)
        if item.coaching:
            parts.append(Padding(Text(item.coaching), (0, 0, 0, 2)))
    if remaining > 0:
        parts.append(Text(f"  … and {remaining} more" + (f" ({more_hint})" if more_hint else " in the full analysis"),
                          style="dim"))
    return Group(*parts, *notes)


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

    return Text("Delivery  " + " · ".join(delivery_parts(analysis)), style="dim")


def delivery_parts(analysis: Analysis) -> list[str]:
    """The delivery figures as short phrases ("112 words", "2 fillers", "145 wpm (ok, aim 110-170)")."""
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
    return parts


def render_analysis(analysis: Analysis, limit: int | None = 6, more_hint: str = MORE_HINT):
    """Everything for one step, as one rich renderable (a Group); ``limit`` and ``more_hint`` as
    for :func:`fix_list`."""
    from rich.console import Group
    from rich.text import Text

    if analysis.no_speech:  # nothing was said: no timing, pace or key phrases to coach
        coaching = analysis.findings[0].coaching if analysis.findings else ""
        return Group(Text(coaching or "No speech detected.", style="bold yellow"))
    parts = [timing_line(analysis), Text(""), highlighted_transcript(analysis)]
    leg = legend(analysis)
    if leg:
        parts.append(leg)
    parts.extend([Text(""), fix_list(analysis, limit, more_hint)])
    kp = key_phrase_lines(analysis)
    if kp:
        parts.extend([Text(""), kp])
    parts.append(delivery_line(analysis))
    return Group(*parts)
