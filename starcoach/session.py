"""The session format: everything one mock run produced, defined in one place.

A session is a folder under ``<data_dir>/sessions/<session_id>/`` holding

- ``session.json``: :class:`Session` as JSON (written atomically by :mod:`starcoach.store`);
- ``audio/<step>-<take>.wav``: every take of every STAR step (``action-1.wav``, ``action-2.wav``);
- ``audio/probe-<n>-<take>.wav``: the spoken answer to each follow-up probe;
- ``audio/answer-1.wav``: in whole-answer (``--continuous``) mode, the one recording.

``session.json`` is a superset of ``starcoach run --json``: ``steps`` holds the take that counts
for each step (the last one), ``takes`` every take. The session is typed end to end: a take holds
a :class:`~starcoach.transcribe.Transcript` and an :class:`~starcoach.analysis.model.Analysis`,
the session a :class:`~starcoach.summary.RunSummary`; they are written as the plain JSON of their
``to_dict`` (so the file stays readable without starcoach) and read back with ``from_dict``, which
checks every field's type (:mod:`starcoach.records`): a damaged file is refused with the field
named, never half-read. In format 1, a take without a transcript or analysis (interrupted, or the
whole-answer recording) and a session without a summary write ``{}``.
``format`` is bumped on any incompatible change; readers accept older formats.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from starcoach.analysis.model import Analysis
from starcoach.records import Fields, RecordError
from starcoach.summary import RunSummary
from starcoach.transcribe import Transcript, Word

#: Version of the session.json layout.
SESSION_FORMAT = 1

#: What a session id may look like (also guards against path traversal from user input).
SESSION_ID_RE = re.compile(r"^[0-9]{8}-[0-9]{6}(-[a-z0-9]+)*$")


def now_iso() -> str:
    """The current time as an ISO 8601 string with timezone (seconds precision)."""
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")


def new_session_id(scenario_id: str, when: datetime | None = None) -> str:
    """A sortable, filesystem-safe id: ``20261127-143005-learn-and-be-curious``."""
    when = when or datetime.now()
    slug = re.sub(r"[^a-z0-9]+", "-", scenario_id.lower()).strip("-")
    slug = "-".join(slug.split("-")[:4])
    return f"{when:%Y%m%d-%H%M%S}" + (f"-{slug}" if slug else "")


@dataclass
class Take:
    """One recording of one STAR step (a step can be redone; every take is kept).

    Attributes:
        step: The STAR step name.
        take: 1 for the first attempt, 2 for the redo, ...
        audio: Path of the WAV relative to the session folder.
        started_at: ISO time the take started.
        duration_s: Elapsed time from the recorder's clock.
        stopped_by: ``key``, ``silence``, ``max-length``, ``end-of-file`` or ``interrupt``.
        transcript: What was said (None for an interrupted take).
        analysis: The analysis (None for an interrupted take and for the whole-answer recording,
            whose steps are analysed one by one).
    """

    step: str
    take: int
    audio: str
    started_at: str
    duration_s: float
    stopped_by: str
    transcript: Transcript | None = None
    analysis: Analysis | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.step, "take": self.take, "audio": self.audio, "started_at": self.started_at,
                "duration_s": self.duration_s, "stopped_by": self.stopped_by,
                "transcript": _optional_dict(self.transcript), "analysis": _optional_dict(self.analysis)}

    @classmethod
    def from_dict(cls, data: Any, where: str = "take") -> "Take":
        f = Fields(data, where)
        return cls(step=f.text("step"), take=f.integer("take"), audio=f.text("audio"),
                   started_at=f.text("started_at"), duration_s=f.number("duration_s"),
                   stopped_by=f.text("stopped_by"), transcript=_optional(f, "transcript", Transcript.from_dict),
                   analysis=_optional(f, "analysis", Analysis.from_dict))


@dataclass
class StepResult:
    """The take that counts for one step, as ``run --json`` reports it.

    Attributes:
        step: The STAR step name.
        duration_s: Elapsed seconds of the counted take.
        target_s: The scenario's target for the step.
        transcript: The transcript text.
        analysis: The analysis of the counted take.
        take: Which take counts (1-based).
        audio: Audio path relative to the session folder.
        offset_s: In whole-answer mode, where the step starts in the one recording.
    """

    step: str
    duration_s: float
    target_s: float
    transcript: str
    analysis: Analysis
    take: int = 1
    audio: str = ""
    offset_s: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.step, "duration_s": self.duration_s, "target_s": self.target_s,
                "transcript": self.transcript, "analysis": self.analysis.to_dict(), "take": self.take,
                "audio": self.audio, "offset_s": self.offset_s}

    @classmethod
    def from_dict(cls, data: Any, where: str = "step") -> "StepResult":
        f = Fields(data, where)
        return cls(step=f.text("step"), duration_s=f.number("duration_s"), target_s=f.number("target_s"),
                   transcript=f.text("transcript"), analysis=f.record("analysis", Analysis.from_dict),
                   take=f.integer("take", 1), audio=f.text("audio", ""), offset_s=f.number("offset_s", 0.0))


@dataclass
class ProbeResult:
    """A follow-up probe, the spoken answer and the verdict.

    Attributes:
        index: 1-based position of the probe in the scenario (``source`` scenario), or of the
            follow-up among the run's adaptive ones (``source`` adaptive).
        question: What the interviewer asked.
        transcript: The answer's transcript text.
        verdict: ``strong``, ``mixed`` or ``weak``; ``off-topic`` (the answer did not address the
            question); ``skipped`` (not answered: no speech, the skip key, or no answer file).
        reasons: Why, drawn from the analysis and the probe's weak/strong answers.
        key_line: The probe's model key line.
        audio: Audio path relative to the session folder ("" if not answered).
        duration_s: Length of the answer.
        words: Word timings of the answer.
        analysis: The analysis of the answer (None when it was not answered).
        source: ``scenario`` (the scenario's own probe) or ``adaptive`` (a follow-up chosen from
            the answer's gaps, :mod:`starcoach.analysis.followups`).
        gap: For an adaptive follow-up, the gap it probes (``impact``, ``personal`` …); else "".
    """

    index: int
    question: str
    transcript: str
    verdict: str
    reasons: list[str] = field(default_factory=list)
    key_line: str = ""
    audio: str = ""
    duration_s: float = 0.0
    words: list[Word] = field(default_factory=list)
    analysis: Analysis | None = None
    source: str = "scenario"
    gap: str = ""

    @property
    def label(self) -> str:
        """``probe-N`` for a scenario probe, ``followup-N`` for an adaptive one (audio files, plans)."""
        return f"{'followup' if self.source == 'adaptive' else 'probe'}-{self.index}"

    @property
    def answered(self) -> bool:
        """False for a skipped probe."""
        return self.verdict != "skipped"

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "question": self.question, "transcript": self.transcript,
                "verdict": self.verdict, "reasons": list(self.reasons), "key_line": self.key_line,
                "audio": self.audio, "duration_s": self.duration_s,
                "words": [{"word": w.word, "start": w.start, "end": w.end, "probability": w.probability}
                          for w in self.words],
                "analysis": _optional_dict(self.analysis), "source": self.source, "gap": self.gap}

    @classmethod
    def from_dict(cls, data: Any, where: str = "probe") -> "ProbeResult":
        f = Fields(data, where)
        return cls(index=f.integer("index"), question=f.text("question"), transcript=f.text("transcript"),
                   verdict=f.text("verdict"), reasons=f.texts("reasons", []), key_line=f.text("key_line", ""),
                   audio=f.text("audio", ""), duration_s=f.number("duration_s", 0.0),
                   words=f.records("words", Word.from_dict, []),
                   analysis=_optional(f, "analysis", Analysis.from_dict),
                   source=f.text("source", "scenario"), gap=f.text("gap", ""))


@dataclass
class Note:
    """A coach's note pinned to a time in the session.

    Attributes:
        at_s: Seconds from the start of the step (or of the session when ``step`` is empty).
        text: The note.
        step: The STAR step (or ``probe-N``) it belongs to, "" for the whole session.
        created_at: ISO time the note was written.
        author: Who wrote it (defaults to "coach").
    """

    at_s: float
    text: str
    step: str = ""
    created_at: str = ""
    author: str = "coach"

    def to_dict(self) -> dict[str, Any]:
        return {"at_s": self.at_s, "text": self.text, "step": self.step, "created_at": self.created_at,
                "author": self.author}

    @classmethod
    def from_dict(cls, data: Any, where: str = "note") -> "Note":
        f = Fields(data, where)
        return cls(at_s=f.number("at_s"), text=f.text("text"), step=f.text("step", ""),
                   created_at=f.text("created_at", ""), author=f.text("author", "coach"))


@dataclass
class Session:
    """One mock run. ``to_dict()`` is what ``session.json`` and ``run --json`` hold.

    Attributes:
        session_id: See :func:`new_session_id`.
        scenario: Scenario id.
        scenario_version: The scenario's ``version`` when the run happened.
        question: The question asked (kept so a session reads well without its scenario).
        principle: The primary leadership principle.
        mode: Preparation mode id (``ownership``, ``dive-deep``, ``deliver-results``).
        level: Level id (``sde1``, ``sde2``, ``senior``).
        started_at: ISO time the run began.
        ended_at: ISO time it ended ("" while running).
        complete: False when the run was interrupted before the summary.
        continuous: True for whole-answer mode.
        source: ``microphone``, ``files``, ``demo`` or ``browser`` (the page of ``starcoach serve``).
        steps: The counted take per step, in STAR order.
        takes: Every take.
        probes: Probe answers and verdicts.
        total_s: Sum of the counted steps' durations.
        budget_s: Upper end of the level's time budget.
        budget_range_s: The level's (min, max) budget.
        summary: The run summary (timeline, top fixes, Bar Raiser read...).
        notes: Coach notes.
        plan: What the run asked, in order: step names, then ``probe-N``; a resumed run
            continues at the first one without an answer.
        format: :data:`SESSION_FORMAT`.
    """

    session_id: str
    scenario: str
    scenario_version: str
    question: str
    principle: str
    mode: str
    level: str
    started_at: str
    ended_at: str = ""
    complete: bool = False
    continuous: bool = False
    source: str = "microphone"
    steps: list[StepResult] = field(default_factory=list)
    takes: list[Take] = field(default_factory=list)
    probes: list[ProbeResult] = field(default_factory=list)
    total_s: float = 0.0
    budget_s: float = 0.0
    budget_range_s: tuple[float, float] = (0.0, 0.0)
    summary: RunSummary | None = None
    notes: list[Note] = field(default_factory=list)
    plan: list[str] = field(default_factory=list)
    format: int = SESSION_FORMAT

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (what ``session.json`` and ``run --json`` hold)."""
        return {
            "session_id": self.session_id, "scenario": self.scenario, "scenario_version": self.scenario_version,
            "question": self.question, "principle": self.principle, "mode": self.mode, "level": self.level,
            "started_at": self.started_at, "ended_at": self.ended_at, "complete": self.complete,
            "continuous": self.continuous, "source": self.source,
            "steps": [dict(s.to_dict(), takes=self.step_takes(s.step)) for s in self.steps],
            "takes": [t.to_dict() for t in self.takes],
            "probes": [p.to_dict() for p in self.probes], "total_s": self.total_s, "budget_s": self.budget_s,
            "budget_range_s": list(self.budget_range_s), "summary": _optional_dict(self.summary),
            "notes": [n.to_dict() for n in self.notes], "plan": list(self.plan), "format": self.format,
        }

    @classmethod
    def from_dict(cls, data: Any, where: str = "") -> "Session":
        """Rebuild a session from its JSON, checking every field's type.

        Keys with a default may be missing; unknown keys are ignored (a newer starcoach wrote them).

        Raises:
            RecordError: a field is missing, has the wrong type, or the file has a newer format;
                :attr:`RecordError.field` names it (``steps[2].analysis.duration_s``).
        """
        f = Fields(data, where)
        version = f.integer("format", SESSION_FORMAT)
        if version > SESSION_FORMAT:
            raise RecordError(f.path("format"), f"format {SESSION_FORMAT} or older",
                              f"format {version} (written by a newer starcoach)")
        session_id = f.text("session_id")
        if not SESSION_ID_RE.match(session_id):
            raise RecordError(f.path("session_id"), "a session id like 20261127-143005-learn-and-be",
                              f"{session_id!r}")
        lo, hi = f.numbers("budget_range_s", 2, (0.0, 0.0))
        return cls(
            session_id=session_id, scenario=f.text("scenario"), scenario_version=f.text("scenario_version"),
            question=f.text("question"), principle=f.text("principle"), mode=f.text("mode"),
            level=f.text("level"), started_at=f.text("started_at"), ended_at=f.text("ended_at", ""),
            complete=f.boolean("complete", False), continuous=f.boolean("continuous", False),
            source=f.text("source", "microphone"), steps=f.records("steps", StepResult.from_dict, []),
            takes=f.records("takes", Take.from_dict, []), probes=f.records("probes", ProbeResult.from_dict, []),
            total_s=f.number("total_s", 0.0), budget_s=f.number("budget_s", 0.0), budget_range_s=(lo, hi),
            summary=_optional(f, "summary", RunSummary.from_dict), notes=f.records("notes", Note.from_dict, []),
            plan=f.texts("plan", []), format=version,
        )

    def takes_for(self, step: str) -> list[Take]:
        """Every take of ``step``, in order."""
        return [t for t in self.takes if t.step == step]

    def counted_take(self, step: str) -> Take | None:
        """The take of ``step`` that counts (the one ``steps`` holds), if any."""
        result = next((s for s in self.steps if s.step == step), None)
        if result is None:
            return None
        return next((t for t in self.takes_for(step) if t.take == result.take), None)

    def step_takes(self, step: str) -> list[dict[str, Any]]:
        """Every take of ``step`` in brief, and which one counts: what ``run --json`` puts in each
        step (``take``, ``audio``, ``duration_s``, ``stopped_by``, ``transcript`` text, ``counts``,
        ``findings``: how many problems its analysis found)."""
        counted = self.counted_take(step)
        return [{"take": t.take, "audio": t.audio, "duration_s": t.duration_s, "stopped_by": t.stopped_by,
                 "transcript": t.transcript.text if t.transcript is not None else "",
                 "counts": t is counted,
                 "findings": sum(1 for f in t.analysis.findings if f.severity != "info") if t.analysis else 0}
                for t in self.takes_for(step)]

    def next_take_number(self, step: str) -> int:
        """The number the next take of ``step`` gets."""
        return len(self.takes_for(step)) + 1


def _optional_dict(value: Any) -> dict[str, Any]:
    """Format 1 writes an absent transcript, analysis or summary as ``{}``."""
    return {} if value is None else value.to_dict()


def _optional(f: Fields, key: str, build) -> Any:
    """A record that may be absent: missing, ``null`` or ``{}`` (format 1) all mean None."""
    value = f.data.get(key)
    if value is None or value == {}:
        return None
    return f.record(key, build)
