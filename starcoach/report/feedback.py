"""Render one step's analysis for a person: the transcript with flagged words highlighted (a colour
per finding type), the time against target, a short "what to fix" list with coaching lines, the
key phrases found and missing, and the delivery figures.

Takes an :class:`starcoach.analysis.Analysis` or its JSON dict (as sessions store it), so the
``analyze`` command, the mock run and the session review all show feedback the same way.
"""

from __future__ import annotations

from typing import Any

#: Highlight style per analysis list, in increasing priority (later ones win where spans overlap).
HIGHLIGHTS: tuple[tuple[str, str, str], ...] = (
    ("i_statements", "green", "I-statement"),
    ("other_statements", "yellow", "someone else"),
    ("we_statements", "bold yellow", "we-statement"),
    ("passive_statements", "bold magenta", "passive"),
    ("quantified", "bold cyan", "number"),
    ("hedges", "italic yellow", "hedge"),
    ("fillers", "magenta", "filler"),
    ("disqualifiers", "bold red underline", "disqualifier"),
)

#: Finding type -> label shown in the "what to fix" list.
LABELS: dict[str, str] = {
    "disqualifier": "Disqualifier",
    "handoff": "Hand-off",
    "we-statement": "'We'",
    "passive": "Passive",
    "first-person-low": "Too little 'I'",
    "no-individual-contribution": "No individual contribution",
    "no-quantification": "No number",
    "scope-boundary-missing": "Scope boundary missing",
    "no-business-impact": "No business impact",
    "no-second-order": "No second-order effect",
    "generic-reflection": "Generic reflection",
    "no-org-insight": "No organisational insight",
    "filler": "Fillers",
    "hedge": "Hedges",
    "repeat": "Repeat",
    "long-pause": "Long pause",
    "pace": "Pace",
    "monotone": "Flat voice",
    "timing": "Timing",
}

_SEVERITY_STYLE = {"high": "bold red", "medium": "yellow", "low": "cyan"}
_KIND_LABELS = {"assigned": "assigned", "handoff": "hand-off", "routing": "routing", "team-credit": "team credit",
                "vague-outcome": "vague outcome", "generic-reflection": "generic reflection", "scenario": "scenario phrase"}


def _as_dict(analysis: Any) -> dict[str, Any]:
    if isinstance(analysis, dict):
        return analysis
    to_dict = getattr(analysis, "to_dict", None)
    if to_dict is None:
        raise TypeError(f"cannot render {type(analysis).__name__} as an analysis")
    return to_dict()


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    seconds = max(0, round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def highlighted_transcript(analysis: Any):
    """The transcript as a rich Text with each finding's words styled by its type."""
    from rich.text import Text

    data = _as_dict(analysis)
    transcript = str(data.get("transcript") or "")
    text = Text(transcript or "(no speech)")
    if not transcript:
        return text
    for key, style, _label in HIGHLIGHTS:
        for item in data.get(key) or []:
            start, end = item.get("start"), item.get("end")
            if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(transcript):
                text.stylize(style, start, end)
    for item in (data.get("delivery") or {}).get("repeats") or []:
        start, end = item.get("start"), item.get("end")
        if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(transcript):
            text.stylize("strike", start, end)
    return text


def legend(analysis: Any):
    """One line naming the colours used in the transcript (only those that appear)."""
    from rich.text import Text

    data = _as_dict(analysis)
    line = Text()
    for key, style, label in HIGHLIGHTS:
        if data.get(key):
            if line:
                line.append("  ")
            line.append(label, style=style)
    return line


def timing_line(analysis: Any):
    """"0:42 against 0:30 target — over by 12 s", or the estimate for a typed answer."""
    from rich.text import Text

    data = _as_dict(analysis)
    timing = data.get("timing") or {}
    target = data.get("target_s", timing.get("target_s"))
    line = Text()
    if target is None:
        line.append("No target time for this answer.", style="dim")
        return line
    status = timing.get("status", "unknown")
    colour = {"on": "green", "over": "red", "under": "yellow"}.get(status, "white")
    delta = timing.get("delta_s")
    if timing.get("estimated"):
        est = timing.get("estimated_s")
        line.append(f"About {_clock(est)} read aloud (typed answer) against {_clock(target)} target", style="bold")
    else:
        line.append(f"{_clock(data.get('duration_s'))} against {_clock(target)} target", style="bold")
    if delta is not None:
        word = {"on": "on target", "over": f"over by {abs(delta):.0f} s", "under": f"under by {abs(delta):.0f} s"}.get(
            status, status)
        line.append(f" — {word}", style=colour)
    return line


def fix_list(analysis: Any, limit: int = 6):
    """The findings to fix, most serious first, each with its coaching line (indented, wrapped)."""
    from rich.console import Group
    from rich.padding import Padding
    from rich.text import Text

    data = _as_dict(analysis)
    findings = [f for f in data.get("findings") or [] if f.get("severity") != "info"]
    if not findings:
        return Text("Nothing to fix in this step.", style="green")
    parts: list[Any] = [Text("What to fix", style="bold")]
    seen: set[tuple[str, str]] = set()
    shown = 0
    for f in findings:
        key = (f.get("type", ""), f.get("coaching", ""))
        if key in seen and f.get("type") != "disqualifier":
            continue
        seen.add(key)
        if shown >= limit:
            break
        shown += 1
        style = _SEVERITY_STYLE.get(f.get("severity", ""), "bold")
        label = LABELS.get(f.get("type", ""), f.get("type", ""))
        if f.get("type") == "repeat" and f.get("kind") == "overused":
            label = "Overused"
        if f.get("type") == "disqualifier":
            label = f"{label} ({_KIND_LABELS.get(f.get('kind', ''), f.get('kind', ''))})"
        head = Text()
        head.append("• ", style=style)
        head.append(label, style=style)
        if f.get("text"):
            head.append(f' "{f["text"]}"', style="italic")
        detail = str(f.get("detail") or "")
        if detail and f.get("type") != "disqualifier" and not detail.startswith("scenario"):
            head.append(f" ({detail})", style="dim")
        parts.append(head)
        if f.get("coaching"):
            parts.append(Padding(Text(f["coaching"]), (0, 0, 0, 2)))
    remaining = len(findings) - shown
    if remaining > 0:
        parts.append(Text(f"  … and {remaining} more (see --json)", style="dim"))
    return Group(*parts)


def key_phrase_lines(analysis: Any):
    """Key phrases of the strong example: conveyed (✓, with the words that did) and missing (✗)."""
    from rich.text import Text

    data = _as_dict(analysis)
    kp = data.get("key_phrases") or {}
    found, missing = kp.get("found") or [], kp.get("missing") or []
    out = Text()
    if not found and not missing:
        return out
    out.append("Key phrases  ", style="bold")
    for item in found:
        out.append("✓ ", style="green")
        out.append(str(item.get("text", "")))
        matched = item.get("matched")
        if matched and matched.lower() != str(item.get("text", "")).lower():
            out.append(f" ({matched})", style="dim")
        out.append("  ")
    for item in missing:
        out.append("✗ ", style="red")
        out.append(str(item.get("text", "")), style="dim")
        out.append("  ")
    out.rstrip()
    return out


def delivery_line(analysis: Any):
    """Words, pace, fillers, hedges, pauses and voice energy on one line."""
    from rich.text import Text

    data = _as_dict(analysis)
    d = data.get("delivery") or {}
    parts = [f"{d.get('word_count', 0)} words"]
    if data.get("wpm") is not None:
        band = d.get("wpm_band") or [0, 0]
        parts.append(f"{data['wpm']:.0f} wpm ({d.get('pace')}, aim {band[0]}-{band[1]})")
    parts.append(_plural(len(data.get("fillers") or []), "filler"))
    parts.append(_plural(len(data.get("hedges") or []), "hedge"))
    if d.get("long_pauses"):
        parts.append(_plural(len(d["long_pauses"]), "long pause"))
    restarts = [r for r in d.get("repeats") or [] if r.get("kind") != "overused"]
    overused = {str(r.get("text", "")).lower() for r in d.get("repeats") or [] if r.get("kind") == "overused"}
    if restarts:
        parts.append(_plural(len(restarts), "repeat"))
    if overused:
        parts.append(_plural(len(overused), "overused word"))
    energy = d.get("energy")
    if energy:
        pitch = energy.get("pitch_std_semitones")
        pitch_s = f"pitch ±{pitch:.1f} st, " if pitch is not None else ""
        parts.append(f"voice {pitch_s}loudness ±{energy.get('loudness_std_db', 0):.1f} dB"
                     + (" (flat)" if energy.get("monotone") else ""))
    return Text("Delivery  " + " · ".join(parts), style="dim")


def render_analysis(analysis: Any):
    """Everything for one step, as one rich renderable (a Group)."""
    from rich.console import Group
    from rich.text import Text

    data = _as_dict(analysis)
    parts = [timing_line(data), Text(""), highlighted_transcript(data)]
    leg = legend(data)
    if leg:
        parts.append(leg)
    parts.extend([Text(""), fix_list(data)])
    kp = key_phrase_lines(data)
    if kp:
        parts.extend([Text(""), kp])
    parts.append(delivery_line(data))
    return Group(*parts)
