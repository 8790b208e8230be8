"""One clock for a whole session: every word, finding and note placed in session time.

A session's audio is one file per step take (or one file in whole-answer mode) plus one per probe.
Replay and the exports play them back to back, so the :class:`Timeline` lays the counted takes
out one after the other (steps in STAR order, then the probes) and converts each word's time,
each finding's span and each note's pin into seconds on that single clock.

Tolerant by design: a step without word timings gets evenly spread estimated ones, a missing
audio file falls back to the recorded duration, and findings are located by character offsets,
by their text, or by their times — whichever the analysis provides.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starcoach.analysis.model import Analysis, Finding
from starcoach.errors import TimelineError
from starcoach.session import Note, ProbeResult, Session, StepResult, Take
from starcoach.store import StorageError, resolve_inside
from starcoach.summary import step_timeline
from starcoach.transcribe import Word


@dataclass
class AudioPart:
    """A stretch of one audio file placed on the session clock.

    Attributes:
        path: The audio file.
        start_s: Where the stretch starts on the session clock.
        file_start_s: Where it starts in the file.
        duration_s: How long it lasts.
    """

    path: Path
    start_s: float
    file_start_s: float
    duration_s: float


@dataclass
class TimedWord:
    """One spoken word on the session clock.

    Attributes:
        text: The word as transcribed (no surrounding spaces).
        start_s: Start on the session clock.
        end_s: End on the session clock.
        section: Index of its :class:`Section`.
        char_start: Offset of the word in the section's transcript (-1 if not found there).
        char_end: End offset in the section's transcript.
        probability: The recogniser's confidence, if known.
        findings: Indexes of the :attr:`Timeline.findings` that cover the word.
        space_before: False when the transcript writes it attached to the previous word
            (Whisper splits "0.3%" into "0", ".3", "%").
    """

    text: str
    start_s: float
    end_s: float
    section: int
    char_start: int = -1
    char_end: int = -1
    probability: float | None = None
    findings: list[int] = field(default_factory=list)
    space_before: bool = True


@dataclass
class TimedFinding:
    """A finding located in the session.

    Attributes:
        finding: The finding as the analysis gave it.
        section: Index of its section.
        start_s: Start on the session clock (None if it could not be located).
        end_s: End on the session clock.
        words: Indexes of the words it covers (empty if not located).
    """

    finding: Finding
    section: int
    start_s: float | None = None
    end_s: float | None = None
    words: list[int] = field(default_factory=list)


@dataclass
class TimedNote:
    """A coach's note on the session clock.

    Attributes:
        note: The note as stored.
        at_s: Its time on the session clock.
        section: Index of the section it belongs to.
    """

    note: Note
    at_s: float
    section: int


@dataclass
class OtherTake:
    """A take of a step that does not count (an earlier one, or a later one the candidate did not
    keep): review and the exports list it, replay can play it (``build_timeline(takes=...)``).

    Attributes:
        take: Its number.
        duration_s: Its length.
        stopped_by: How it ended (``key``, ``silence``, ``interrupt`` …).
        transcript: What was said ("" when it was never transcribed).
        findings: How many things to fix its analysis found (0 without an analysis).
        audio: Its audio file, when it exists in the session folder.
    """

    take: int
    duration_s: float
    stopped_by: str
    transcript: str
    findings: int
    audio: Path | None = None


@dataclass
class Section:
    """One counted step take (or the take chosen to play) or one probe answer.

    Attributes:
        name: The step name or ``probe-N``.
        kind: ``step`` or ``probe``.
        title: What a person reads ("Action", "Probe 2").
        start_s: Start on the session clock.
        end_s: End on the session clock.
        duration_s: The recorded duration (the recorder's clock).
        target_s: The step's target (None for probes).
        status: ``under``/``on``/``over`` target ("" for probes).
        transcript: The transcript text.
        question: A probe's question ("" for steps).
        verdict: A probe's verdict ("" for steps).
        reasons: A probe's verdict reasons.
        key_line: A probe's model key line.
        take: Which take counts.
        n_takes: How many takes the step has.
        audio: Where its audio plays from (None if the file is missing).
        analysis: Its analysis (None for a probe that was not analysed).
        words: Range of indexes into :attr:`Timeline.words`.
        estimated: True when word times were estimated (no timings in the session).
        other_takes: The step's takes that do not count, in order.
    """

    name: str
    kind: str
    title: str
    start_s: float
    end_s: float
    duration_s: float
    target_s: float | None
    status: str
    transcript: str
    question: str = ""
    verdict: str = ""
    reasons: list[str] = field(default_factory=list)
    key_line: str = ""
    take: int = 1
    n_takes: int = 1
    audio: AudioPart | None = None
    analysis: Analysis | None = None
    words: range = range(0)
    estimated: bool = False
    other_takes: list[OtherTake] = field(default_factory=list)


@dataclass
class Timeline:
    """Everything of a session on one clock. Build it with :func:`build_timeline`.

    Attributes:
        session: The session.
        sections: Steps then probes, in playback order.
        words: Every word, in time order.
        findings: Every finding, section by section.
        notes: Every note, in time order.
        duration_s: Length of the whole session clock.
    """

    session: Session
    sections: list[Section]
    words: list[TimedWord]
    findings: list[TimedFinding]
    notes: list[TimedNote]
    duration_s: float

    def section_at(self, t: float) -> int:
        """Index of the section playing at time ``t`` (the last one past the end)."""
        starts = [s.start_s for s in self.sections]
        return max(0, bisect.bisect_right(starts, t) - 1) if starts else 0

    def word_at(self, t: float) -> int | None:
        """Index of the word being spoken at ``t``, or the last word before it; None before any."""
        i = bisect.bisect_right(self._word_starts, t) - 1
        return i if i >= 0 else None

    def findings_in(self, section: int) -> list[TimedFinding]:
        """The findings of one section: located ones in time order, then the others as given."""
        items = [f for f in self.findings if f.section == section]
        return sorted(items, key=lambda f: (f.start_s is None, f.start_s or 0.0))

    def section_index(self, name: str) -> int:
        """Index of the section named ``name``.

        Raises:
            TimelineError: no such section; the message lists the valid names.
        """
        for i, s in enumerate(self.sections):
            if s.name == name:
                return i
        valid = ", ".join(s.name for s in self.sections) or "none"
        raise TimelineError(f"Unknown step '{name}' in session {self.session.session_id}", f"expected one of {valid}")

    @property
    def _word_starts(self) -> list[float]:
        cached = getattr(self, "_starts_cache", None)
        if cached is None or len(cached) != len(self.words):
            cached = [w.start_s for w in self.words]
            self._starts_cache = cached
        return cached


def build_timeline(session: Session, folder: Path | None = None, takes: dict[str, int] | None = None) -> Timeline:
    """Place a session's words, findings and notes on one clock.

    Args:
        session: The session.
        folder: The session folder (audio paths are relative to it). None: no audio, durations
            come from the recorder's clock.
        takes: Play these takes instead of the counted ones (step -> take number), e.g. to hear
            an earlier take again.

    Raises:
        TimelineError: a chosen take does not exist, or was never transcribed.
    """
    sections: list[Section] = []
    words: list[TimedWord] = []
    findings: list[TimedFinding] = []
    raw = _raw_sections(session, takes or {}, folder)
    lengths = _audio_lengths(folder, [r["audio"] for r in raw])
    cursor = 0.0
    shared_start: dict[str, float] = {}  # audio file -> session time where it starts (whole-answer mode)
    for index, r in enumerate(raw):
        audio_rel = r["audio"]
        file_len = lengths.get(audio_rel)
        shared = bool(audio_rel) and sum(1 for o in raw if o["audio"] == audio_rel) > 1
        rel_words = _words_of(r["words"])
        if shared:
            base = shared_start.setdefault(audio_rel, cursor)
            start = base + r["offset_s"]
            later = [o["offset_s"] for o in raw if o["audio"] == audio_rel and o["offset_s"] > r["offset_s"]]
            end_in_file = min(later) if later else (file_len or r["offset_s"] + float(r["duration_s"] or 0.0))
            length = max(0.0, end_in_file - r["offset_s"])
            # Word times are file-relative in whole-answer mode; accept step-relative ones too.
            step_relative = rel_words and r["offset_s"] > 0.5 and rel_words[0][1] < r["offset_s"] - 0.5
            word_base = start if step_relative else base
        else:
            start = word_base = cursor
            length = float(r["duration_s"] or 0.0)
            if file_len is not None:
                length = file_len
            elif rel_words:
                length = max(length, rel_words[-1][2])
        part = None
        if folder is not None and file_len is not None:
            part = AudioPart(resolve_inside(folder, audio_rel), start, r["offset_s"] if shared else 0.0, length)
        section = Section(
            name=r["name"], kind=r["kind"], title=r["title"], start_s=start, end_s=start + length,
            duration_s=float(r["duration_s"] or 0.0), target_s=r["target_s"], status=r["status"],
            transcript=r["text"], question=r.get("question", ""), verdict=r.get("verdict", ""),
            reasons=r.get("reasons", []), key_line=r.get("key_line", ""), take=r["take"],
            n_takes=r["n_takes"], audio=part, analysis=r["analysis"], other_takes=r.get("other_takes", []),
        )
        if not rel_words and r["text"].strip():
            rel_words = _estimate_words(r["text"], length)
            word_base = start
            section.estimated = True
        first = len(words)
        spans = _align(r["align_text"], [w[0] for w in rel_words])
        previous_end = -2
        for (text, w_start, w_end, prob), (c0, c1) in zip(rel_words, spans):
            words.append(TimedWord(text=text, start_s=word_base + w_start, end_s=word_base + w_end,
                                   section=index, char_start=c0, char_end=c1, probability=prob,
                                   space_before=not (c0 >= 0 and c0 == previous_end)))
            previous_end = c1
        section.words = range(first, len(words))
        sections.append(section)
        for f in r["analysis"].findings if r["analysis"] else ():
            findings.append(_locate(f, index, section, words, word_base, r["align_text"]))
        if not shared:
            cursor = section.end_s
        elif audio_rel not in [o["audio"] for o in raw[index + 1:]]:
            cursor = max(section.end_s, shared_start[audio_rel] + (file_len or 0.0))
    for fi, tf in enumerate(findings):
        for wi in tf.words:
            words[wi].findings.append(fi)
    duration = max([cursor] + [s.end_s for s in sections])
    notes = [_place_note(n, sections, duration) for n in session.notes]
    notes.sort(key=lambda n: n.at_s)
    return Timeline(session=session, sections=sections, words=words, findings=findings, notes=notes,
                    duration_s=duration)


def join_words(words) -> str:
    """Words as the transcript writes them: spaces only where the transcript has them."""
    out: list[str] = []
    for w in words:
        if out and w.space_before:
            out.append(" ")
        out.append(w.text)
    return "".join(out)


# -- building blocks -----------------------------------------------------------------------------


def _raw_sections(session: Session, chosen: dict[str, int] | None = None,
                  folder: Path | None = None) -> list[dict[str, Any]]:
    from starcoach.analysis.timing import timing_status

    chosen = chosen or {}
    status_of = {t.step: t.status for t in step_timeline(session)}
    out = []
    for step in session.steps:
        take = _counted_take(session, step)
        if step.step in chosen and chosen[step.step] != step.take:
            step, take = _chosen_take(session, step, chosen[step.step])
            status_of[step.step] = timing_status(step.duration_s, step.target_s)
        transcript = take.transcript if take else None
        others = [t for t in session.takes_for(step.step) if take is None or t.take != take.take]
        out.append({
            "name": step.step, "kind": "step", "title": step.step.capitalize(),
            "audio": step.audio or (take.audio if take else ""), "offset_s": step.offset_s,
            "duration_s": step.duration_s or (take.duration_s if take else 0.0),
            "target_s": step.target_s or None, "status": status_of.get(step.step, ""),
            "text": step.transcript, "align_text": step.analysis.transcript or step.transcript,
            "words": transcript.words if transcript else [], "analysis": step.analysis, "take": step.take,
            "n_takes": max(1, len(session.takes_for(step.step))),
            "other_takes": [_other_take(t, folder) for t in others],
        })
    for probe in session.probes:
        if not (probe.audio or probe.transcript):
            continue
        out.append(_raw_probe(probe))
    return out


def _raw_probe(probe: ProbeResult) -> dict[str, Any]:
    return {
        "name": probe.label, "kind": "probe",
        "title": f"{'Follow-up' if probe.source == 'adaptive' else 'Probe'} {probe.index}",
        "audio": probe.audio, "offset_s": 0.0, "duration_s": probe.duration_s, "target_s": None,
        "status": "", "text": probe.transcript,
        "align_text": (probe.analysis.transcript if probe.analysis else "") or probe.transcript,
        "words": probe.words, "analysis": probe.analysis, "take": 1, "n_takes": 1,
        "question": probe.question, "verdict": probe.verdict, "reasons": list(probe.reasons),
        "key_line": probe.key_line,
    }


def _chosen_take(session: Session, counted: StepResult, number: int) -> tuple[StepResult, Take]:
    """The step as take ``number`` of it said it (to play a take that does not count)."""
    import dataclasses

    take = next((t for t in session.takes_for(counted.step) if t.take == number), None)
    if take is None or take.transcript is None or take.analysis is None:
        usable = [str(t.take) for t in session.takes_for(counted.step) if t.transcript is not None and t.analysis]
        raise TimelineError(f"No take {number} of {counted.step} to play in session {session.session_id}",
                            f"takes of {counted.step}: {', '.join(usable) or 'none'}")
    if not take.audio.startswith(f"audio/{counted.step}-"):
        raise TimelineError(f"Take {number} of {counted.step} is part of a whole answer ({take.audio})",
                            "whole answers replay as they count; the review lists every take")
    step = dataclasses.replace(counted, duration_s=take.duration_s, transcript=take.transcript.text,
                               analysis=take.analysis, take=take.take, audio=take.audio, offset_s=0.0)
    return step, take


def _other_take(take: Take, folder: Path | None) -> OtherTake:
    path = None
    if folder is not None and take.audio:
        try:
            candidate = resolve_inside(folder, take.audio)
            path = candidate if candidate.exists() else None
        except StorageError:
            path = None
    problems = sum(1 for f in take.analysis.findings if f.severity != "info") if take.analysis else 0
    return OtherTake(take.take, take.duration_s, take.stopped_by,
                     take.transcript.text if take.transcript is not None else "", problems, path)


def _counted_take(session: Session, step: StepResult) -> Take | None:
    takes = session.takes_for(step.step)
    for take in takes:
        if take.take == step.take:
            return take
    return takes[-1] if takes else None


def _audio_lengths(folder: Path | None, names: list[str]) -> dict[str, float]:
    """Length in seconds of each existing audio file (header only)."""
    if folder is None:
        return {}
    out: dict[str, float] = {}
    for name in dict.fromkeys(n for n in names if n):
        try:
            path = resolve_inside(folder, name)
        except StorageError:
            continue
        if not path.is_file():
            continue
        try:
            import soundfile as sf

            out[name] = float(sf.info(str(path)).duration)
        except Exception:  # noqa: BLE001 - an unreadable file plays as silence, never fatal
            continue
    return out


def _words_of(raw: list[Word]) -> list[tuple[str, float, float, float | None]]:
    out = [(w.word.strip(), w.start, max(w.start, w.end), w.probability) for w in raw if w.word.strip()]
    out.sort(key=lambda w: w[1])
    return out


def _estimate_words(text: str, length: float) -> list[tuple[str, float, float, float | None]]:
    """Spread words evenly (by characters) over ``length`` seconds."""
    tokens = text.split()
    total = sum(len(t) + 1 for t in tokens) or 1
    out, t = [], 0.0
    length = length or 0.4 * len(tokens)
    for tok in tokens:
        span = length * (len(tok) + 1) / total
        out.append((tok, t, t + span * 0.9, None))
        t += span
    return out


def _align(text: str, tokens: list[str]) -> list[tuple[int, int]]:
    """Character span of each token in ``text``, scanning forward; (-1, -1) when not found."""
    spans, cursor, lower = [], 0, text.lower()
    for tok in tokens:
        needle = tok.lower()
        at = lower.find(needle, cursor, cursor + len(needle) + 40) if needle else -1
        if at < 0:
            core = needle.strip(".,;:!?\"'()")
            at = lower.find(core, cursor, cursor + len(core) + 40) if core else -1
            needle = core
        if at < 0:
            spans.append((-1, -1))
            continue
        spans.append((at, at + len(needle)))
        cursor = at + len(needle)
    return spans


def _locate(f: Finding, index: int, section: Section, words: list[TimedWord], word_base: float,
            text: str) -> TimedFinding:
    """Find the words a finding covers: by character offsets, else by its text, else by time."""
    located = TimedFinding(finding=f, section=index)
    span: tuple[int, int] | None = None
    if f.start is not None and f.end is not None and 0 <= f.start < f.end <= len(text) + 1:
        span = (f.start, f.end)
    elif f.text:
        at = text.lower().find(f.text.lower())
        if at >= 0:
            span = (at, at + len(f.text))
    in_section = list(section.words)
    if span is not None:
        located.words = [i for i in in_section
                         if words[i].char_start >= 0 and words[i].char_start < span[1] and words[i].char_end > span[0]]
    if not located.words and f.start_s is not None:
        t0 = word_base + f.start_s
        t1 = word_base + (f.end_s if f.end_s is not None else f.start_s)
        located.words = [i for i in in_section if words[i].start_s < t1 + 0.01 and words[i].end_s > t0 - 0.01]
        located.start_s, located.end_s = t0, t1
    if located.words:
        located.start_s = words[located.words[0]].start_s if located.start_s is None else located.start_s
        located.end_s = words[located.words[-1]].end_s if located.end_s is None else located.end_s
    return located


def _place_note(note: Note, sections: list[Section], duration: float) -> TimedNote:
    for i, s in enumerate(sections):
        if note.step and s.name == note.step:
            return TimedNote(note=note, at_s=min(s.start_s + note.at_s, s.end_s), section=i)
    at = min(max(0.0, note.at_s), duration)
    starts = [s.start_s for s in sections]
    section = max(0, bisect.bisect_right(starts, at) - 1) if starts else 0
    return TimedNote(note=note, at_s=at, section=section)
