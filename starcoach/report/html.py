"""The session as one self-contained HTML file: audio embedded, words clickable, findings marked.

The page loads nothing from the network (a Content-Security-Policy forbids it): the audio is a
base64 ``data:`` URI, the style and the script are inlined. Every piece of text that came from a
person or a recogniser (transcripts, notes, findings, questions) goes through Jinja2's
autoescaping, so a transcript that says ``<script>`` shows those characters.
"""

from __future__ import annotations

import base64
import functools
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from typing import Any

from starcoach import __version__
from starcoach.clock import format_clock
from starcoach.findings import SEVERITIES
from starcoach.report.audio import SessionAudio, encode, mime_type
from starcoach.report.timeline import Timeline
from starcoach.scenario import LEVEL_NAMES, MODE_NAMES
from starcoach.summary import step_timeline, time_against_budget, verdict_counts


@dataclass
class Bar:
    """One bar of the time-against-target chart (SVG user units)."""

    label: str
    duration_s: float
    target_s: float
    status: str
    y: float
    width: float
    target_x: float | None


@dataclass
class Chart:
    """The per-step time-against-target chart, laid out for SVG."""

    bars: list[Bar] = field(default_factory=list)
    width: int = 720
    height: int = 0
    x0: int = 100
    text_x: int = 560


def time_chart(timeline: Timeline) -> Chart:
    """Lay out the per-step chart (bars scale to the longest of time or target)."""
    times = step_timeline(timeline.session)
    chart = Chart()
    span = max([t.duration_s for t in times] + [t.target_s for t in times] + [1.0])
    usable = chart.text_x - chart.x0 - 12
    for i, t in enumerate(times):
        y = 8 + i * 30
        chart.bars.append(Bar(
            label=t.step.capitalize(), duration_s=t.duration_s, target_s=t.target_s, status=t.status,
            y=y, width=round(max(1.0, usable * t.duration_s / span), 1),
            target_x=round(chart.x0 + usable * t.target_s / span, 1) if t.target_s else None,
        ))
    chart.height = 16 + 30 * len(times)
    return chart


def render_html(timeline: Timeline, audio: SessionAudio | None = None, audio_format: str = "mp3",
                generated: datetime | None = None) -> str:
    """The report as one HTML document.

    Args:
        timeline: The session on one clock.
        audio: The session track to embed (None: a page without a player).
        audio_format: ``mp3`` (smallest, plays everywhere), ``ogg`` or ``wav``.
        generated: The time shown in the footer (default: now).
    """
    audio_src = ""
    if audio is not None and len(audio.samples):
        data = base64.b64encode(encode(audio, audio_format)).decode("ascii")
        audio_src = f"data:{mime_type(audio_format)};base64,{data}"
    take_src = (lambda t: _take_audio(t.audio, audio_format) if t.audio is not None else "") if audio is not None else None
    context = session_context(timeline, audio_src, audio.missing if audio is not None else [], generated,
                              take_src=take_src)
    return _template().render(**context, css=_asset("session.css"), js=_asset("session.js"))


def session_context(timeline: Timeline, audio_src: str = "", missing_audio: list[str] | None = None,
                    generated: datetime | None = None, take_src=None) -> dict[str, Any]:
    """What ``session.html`` draws, laid out once for the export and the web app's review page.

    Args:
        timeline: The session on one clock.
        audio_src: Where the player's audio comes from (a ``data:`` URI, a URL, or "" for none).
        missing_audio: Sections whose audio is missing (named under the player).
        generated: The time shown in the footer (default: now).
        take_src: ``OtherTake -> str``, where a take that does not count plays from (a ``data:``
            URI, a URL; "" for none); None: the other takes are listed without a player.
    """
    session = timeline.session
    notes_by_section: dict[int, list[dict[str, Any]]] = {}
    all_notes = []
    for n in timeline.notes:
        sec = timeline.sections[n.section] if timeline.sections else None
        local = n.at_s - (sec.start_s if sec else 0.0)
        item = {"t": _t(n.at_s), "local": local, "text": n.note.text, "author": n.note.author or "coach",
                "where": (f"{sec.title} {format_clock(local)}" if sec else format_clock(n.at_s))}
        notes_by_section.setdefault(n.section, []).append(item)
        all_notes.append(item)
    sections = []
    for i, sec in enumerate(timeline.sections):
        words = []
        for wi in sec.words:
            w = timeline.words[wi]
            found = [timeline.findings[f].finding for f in w.findings]
            lines = dict.fromkeys(f.label + (f": {f.coaching}" if f.coaching else "") for f in found)
            severity = min((f.severity for f in found if f.severity in SEVERITIES), key=SEVERITIES.index, default="")
            words.append({"text": w.text, "t": _t(w.start_s), "e": _t(w.end_s), "flag": "\n".join(lines),
                          "severity": severity, "space": w.space_before})
        findings = []
        for f in timeline.findings_in(i):
            findings.append({"type": f.finding.label, "text": f.finding.text, "coaching": f.finding.coaching,
                             "t": _t(f.start_s) if f.start_s is not None else None,
                             "local": (f.start_s - sec.start_s) if f.start_s is not None else 0.0})
        others = [{"take": t.take, "duration_s": t.duration_s, "stopped_by": t.stopped_by, "transcript": t.transcript,
                   "findings": t.findings,
                   "src": take_src(t) if take_src is not None else ""}
                  for t in sec.other_takes]
        sections.append({
            "other_takes": others,
            "name": sec.name, "title": sec.title, "start": _t(sec.start_s), "duration_s": sec.duration_s or (sec.end_s - sec.start_s),
            "target_s": sec.target_s, "status": sec.status, "take": sec.take, "n_takes": sec.n_takes,
            "estimated": sec.estimated, "question": sec.question, "verdict": sec.verdict,
            "reasons": sec.reasons, "key_line": sec.key_line, "words": words, "findings": findings,
            "notes": notes_by_section.get(i, []),
        })

    return dict(
        s=session, summary=session.summary, budget=time_against_budget(session),
        probes=verdict_counts(session), chart=time_chart(timeline), sections=sections, notes=all_notes,
        audio_src=audio_src, missing_audio=list(missing_audio or []),
        mode=MODE_NAMES.get(session.mode, session.mode), level=LEVEL_NAMES.get(session.level, session.level),
        started=session.started_at.replace("T", " ")[:16], clock=format_clock, version=__version__,
        title=f"starcoach · {session.scenario} · {session.started_at[:10]}",
        generated=(generated or datetime.now()).strftime("%Y-%m-%d %H:%M"),
    )


def _take_audio(path, audio_format: str) -> str:
    """One take's audio as a data URI ("" when it cannot be read: the page still shows its words)."""
    from starcoach.errors import AudioError
    from starcoach.report.audio import SessionAudio, read_mono

    try:
        samples = read_mono(path)
    except AudioError:
        return ""
    data = base64.b64encode(encode(SessionAudio(samples, 16000), audio_format)).decode("ascii")
    return f"data:{mime_type(audio_format)};base64,{data}"


def _t(seconds: float) -> str:
    return f"{seconds:.3f}"


@functools.lru_cache(maxsize=None)
def _asset(name: str):
    from markupsafe import Markup

    # Our own files, shipped with the package: trusted, inlined as they are.
    return Markup(resources.files("starcoach.report").joinpath(name).read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=1)
def _template():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("starcoach.report", ""),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    return env.get_template("session.html")
