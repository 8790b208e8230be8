"""The transcript as captions (WebVTT and SubRip) on the session clock.

The cue times match the session track (:func:`starcoach.report.audio.session_audio`), which the
export writes next to the captions with the same name, so a media player shows them together.
Each step's first cue is prefixed with the step (``[Action]``); coach notes are extra cues.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from starcoach.report.timeline import Timeline, join_words

#: Cue limits: words, seconds, and a silence that always starts a new cue.
MAX_WORDS = 9
MAX_SECONDS = 4.5
BREAK_GAP_S = 0.9
NOTE_SECONDS = 3.0


@dataclass
class Cue:
    """One caption.

    Attributes:
        start_s: Start on the session clock.
        end_s: End on the session clock.
        text: What it shows (plain text, not escaped).
        ident: A stable identifier (``action-3``, ``note-1``).
    """

    start_s: float
    end_s: float
    text: str
    ident: str


def cues(timeline: Timeline) -> list[Cue]:
    """Group the words into caption cues, step by step, and add the notes.

    A step's words are cut into phrases at sentence ends and silences; a phrase too long for one
    cue is cut into equal parts, so no cue is left holding a single stray word.
    """
    out: list[Cue] = []
    for sec in timeline.sections:
        phrases: list[list] = [[]]
        for wi in sec.words:
            w = timeline.words[wi]
            if phrases[-1] and w.start_s - phrases[-1][-1].end_s > BREAK_GAP_S:
                phrases.append([])
            phrases[-1].append(w)
            if w.text.endswith((".", "?", "!")):
                phrases.append([])
        count = 0
        for phrase in (p for p in phrases if p):
            span = phrase[-1].end_s - phrase[0].start_s
            parts = max(math.ceil(len(phrase) / MAX_WORDS), math.ceil(span / MAX_SECONDS), 1)
            size = math.ceil(len(phrase) / parts)
            for i in range(0, len(phrase), size):
                group = phrase[i:i + size]
                count += 1
                text = join_words(group)
                if count == 1:
                    text = f"[{sec.title}] {text}"
                end = max(group[-1].end_s, group[0].start_s + 0.3)
                out.append(Cue(group[0].start_s, end, text, f"{sec.name}-{count}"))
    # Word cues must not overlap each other (players would stack them): trim to the next start.
    out.sort(key=lambda c: c.start_s)
    for a, b in zip(out, out[1:]):
        if a.end_s > b.start_s:
            a.end_s = max(a.start_s + 0.05, b.start_s)
    for i, n in enumerate(timeline.notes, 1):
        who = n.note.author or "coach"
        out.append(Cue(n.at_s, n.at_s + NOTE_SECONDS, f"Note ({who}): {n.note.text}", f"note-{i}"))
    return sorted(out, key=lambda c: (c.start_s, c.ident))


def render_vtt(timeline: Timeline) -> str:
    """WebVTT captions (cue text escaped: ``&``, ``<``, ``>``)."""
    lines = ["WEBVTT", "", f"NOTE starcoach session {timeline.session.session_id}", ""]
    for c in cues(timeline):
        lines += [c.ident, f"{_stamp(c.start_s, '.')} --> {_stamp(c.end_s, '.')}", _vtt_text(c.text), ""]
    return "\n".join(lines)


def render_srt(timeline: Timeline) -> str:
    """SubRip captions. SRT has no escaping; angle brackets become ‹ › so players show them as text."""
    lines = []
    for i, c in enumerate(cues(timeline), 1):
        lines += [str(i), f"{_stamp(c.start_s, ',')} --> {_stamp(c.end_s, ',')}", _srt_text(c.text), ""]
    return "\n".join(lines)


def _stamp(seconds: float, sep: str) -> str:
    ms = max(0, int(round(seconds * 1000)))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def _vtt_text(text: str) -> str:
    text = " ".join(text.split())
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _srt_text(text: str) -> str:
    return " ".join(text.split()).replace("<", "‹").replace(">", "›")
