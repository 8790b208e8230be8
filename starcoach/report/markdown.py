"""The session as Markdown: summary, time table, each step's transcript with flagged words in
bold, findings with coaching lines, probes and notes.

User text is escaped for Markdown (``*``, ``_``, backticks, brackets...) and for the HTML a
Markdown viewer may pass through (``<``, ``>``, ``&`` become entities), so a transcript reads as
it was said, whatever it contains.
"""

from __future__ import annotations

import re

from starcoach.clock import format_clock
from starcoach.report.timeline import Timeline
from starcoach.summary import step_timeline, time_against_budget, verdict_counts

# Every user text lands after a prefix of ours ("> ", "- ", "# "), so only inline syntax needs escaping.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def md(text: str) -> str:
    """Escape ``text`` so Markdown shows it literally (and a viewer never treats it as HTML)."""
    text = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return " ".join(text.split())


def render_markdown(timeline: Timeline) -> str:
    """The report as a Markdown document."""
    s = timeline.session
    total_s, budget, status = time_against_budget(s)
    probes = verdict_counts(s)
    times = step_timeline(s)
    summary = s.summary
    out: list[str] = [f"# {md(s.question or s.scenario)}", ""]
    meta = " · ".join(md(x) for x in (s.principle, s.scenario, s.mode, s.level, s.started_at.replace("T", " ")[:16]) if x)
    out += [f"*{meta}* · {'complete' if s.complete else '**incomplete run**'}", "", f"Session `{s.session_id}`", ""]

    out += ["## Summary", ""]
    over = f" against a budget of {format_clock(budget[0])}–{format_clock(budget[1])}" if budget[1] else ""
    out.append(f"- **Time:** {format_clock(total_s)}{over}" + (f" ({md(status)})" if status else ""))
    if summary is not None:
        read = summary.bar_raiser
        out.append(f"- **Bar Raiser read:** {md(read.lean)}" + (f" — {md(read.headline)}" if read.headline else ""))
        out += [f"  - for: {md(x)}" for x in read.for_]
        out += [f"  - against: {md(x)}" for x in read.against]
        bar = summary.reflection_bar
        if bar is not None:
            out.append(f"- **Reflection bar:** {'met' if bar.met else 'not met'}" + (f" — {md(bar.why)}" if bar.why else ""))
    if probes:
        out.append("- **Probes:** " + ", ".join(f"{v} {md(k)}" for k, v in probes.items()))
    if summary is not None and summary.top_fixes:
        out += ["", "### Fix first", ""]
        for i, f in enumerate(summary.top_fixes, 1):
            out.append(f"{i}. " + (f"**{md(f.step)}**: " if f.step else "") + md(f.text) + (f" — {md(f.coaching)}" if f.coaching else ""))
    if times:
        out += ["", "### Time against target", "", "| Step | Time | Target | Status |", "|---|---:|---:|---|"]
        for t in times:
            out.append(f"| {md(t.step)} | {format_clock(t.duration_s)} | {format_clock(t.target_s) if t.target_s else '-'} | {md(t.status)} |")
    out.append("")

    for i, sec in enumerate(timeline.sections):
        heading = f"## {md(sec.title)} — {format_clock(sec.duration_s or sec.end_s - sec.start_s)}"
        if sec.target_s:
            heading += f" against {format_clock(sec.target_s)} ({md(sec.status)})"
        if sec.n_takes > 1:
            heading += f", take {sec.take} of {sec.n_takes}"
        out += [heading, "", f"*starts at {format_clock(sec.start_s)} in the session audio*", ""]
        if sec.question:
            out += [f"**Question:** {md(sec.question)}", ""]
        if sec.verdict:
            out += [f"**Verdict:** {md(sec.verdict)}" + (f" — {md('; '.join(sec.reasons))}" if sec.reasons else ""), ""]
        out += ["> " + (_flagged_text(timeline, i) or "*(nothing was said)*"), ""]
        if sec.key_line:
            out += [f"Model line: {md(sec.key_line)}", ""]
        for n in timeline.notes:
            if n.section == i:
                out += [f"> **Note {format_clock(n.at_s - sec.start_s)}** ({md(n.note.author or 'coach')}): {md(n.note.text)}", ""]
        findings = timeline.findings_in(i)
        for f in findings:
            at = f"`{format_clock(f.start_s - sec.start_s)}` " if f.start_s is not None else ""
            out.append(f"- {at}**{md(f.finding.label)}**" + (f" “{md(f.finding.text)}”" if f.finding.text else "")
                       + (f" — {md(f.finding.coaching)}" if f.finding.coaching else ""))
        if findings:
            out.append("")
        if sec.other_takes:
            out += [f"**Other takes** (take {sec.take} counts):", ""]
            for t in sec.other_takes:
                said = f" — “{md(t.transcript)}”" if t.transcript else " — not transcribed"
                out.append(f"- take {t.take}, {format_clock(t.duration_s)}, stopped by {md(t.stopped_by)}, "
                           f"{t.findings} to fix{said}")
            out.append("")
    if timeline.notes:
        out += ["## Coach notes", ""]
        for n in timeline.notes:
            sec = timeline.sections[n.section] if timeline.sections else None
            where = f"{sec.title} {format_clock(n.at_s - sec.start_s)}" if sec else format_clock(n.at_s)
            out.append(f"- **{md(where)}** ({md(n.note.author or 'coach')}): {md(n.note.text)}")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def _flagged_text(timeline: Timeline, index: int) -> str:
    """The section's words as written, runs of flagged words in bold."""
    sec = timeline.sections[index]
    out: list[str] = []
    bold = False
    for wi in sec.words:
        w = timeline.words[wi]
        sep = " " if out and w.space_before else ""
        if w.findings and not bold:
            out.append(sep + "**")
            sep, bold = "", True
        elif not w.findings and bold:
            out.append("**")
            bold = False
        out.append(sep + md(w.text))
    if bold:
        out.append("**")
    return "".join(out)
