"""The session format: everything one mock run produced, defined in one place.

A session is a folder under ``<data_dir>/sessions/<session_id>/`` holding

- ``session.json``: :class:`Session` as JSON (written atomically by :mod:`starcoach.store`);
- ``audio/<step>-<take>.wav``: every take of every STAR step (``action-1.wav``, ``action-2.wav``);
- ``audio/probe-<n>-<take>.wav``: the spoken answer to each follow-up probe;
- ``audio/answer-1.wav``: in whole-answer (``--continuous``) mode, the one recording.

``session.json`` is a superset of ``starcoach run --json``: ``steps`` holds the take that counts
for each step (the last one), ``takes`` every take. Transcripts and analyses are stored as the
plain JSON of :meth:`starcoach.transcribe.Transcript.to_dict` and
:meth:`starcoach.analysis.Analysis.to_dict`, so the file stays readable without starcoach.
``format`` is bumped on any incompatible change; readers accept older formats.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timezone
from typing import Any

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
        transcript: Transcript JSON (text, words with times, speech_s, pauses, ...).
        analysis: Analysis JSON (the ``starcoach analyze --json`` object).
    """

    step: str
    take: int
    audio: str
    started_at: str
    duration_s: float
    stopped_by: str
    transcript: dict[str, Any] = field(default_factory=dict)
    analysis: dict[str, Any] = field(default_factory=dict)


@dataclass
class StepResult:
    """The take that counts for one step, as ``run --json`` reports it.

    Attributes:
        step: The STAR step name.
        duration_s: Elapsed seconds of the counted take.
        target_s: The scenario's target for the step.
        transcript: The transcript text.
        analysis: The analysis JSON of the counted take.
        take: Which take counts (1-based).
        audio: Audio path relative to the session folder.
        offset_s: In whole-answer mode, where the step starts in the one recording.
    """

    step: str
    duration_s: float
    target_s: float
    transcript: str
    analysis: dict[str, Any]
    take: int = 1
    audio: str = ""
    offset_s: float = 0.0


@dataclass
class ProbeResult:
    """A follow-up probe, the spoken answer and the verdict.

    Attributes:
        index: 1-based position of the probe in the scenario.
        question: What the interviewer asked.
        transcript: The answer's transcript text.
        verdict: ``strong``, ``mixed``, ``weak`` or ``skipped``.
        reasons: Why, drawn from the analysis and the probe's weak/strong answers.
        key_line: The probe's model key line.
        audio: Audio path relative to the session folder ("" if not answered).
        duration_s: Length of the answer.
        words: Word timings of the answer.
        analysis: Analysis JSON of the answer.
    """

    index: int
    question: str
    transcript: str
    verdict: str
    reasons: list[str] = field(default_factory=list)
    key_line: str = ""
    audio: str = ""
    duration_s: float = 0.0
    words: list[dict[str, Any]] = field(default_factory=list)
    analysis: dict[str, Any] = field(default_factory=dict)


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
        source: ``microphone``, ``files`` or ``demo``.
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
    summary: dict[str, Any] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)
    plan: list[str] = field(default_factory=list)
    format: int = SESSION_FORMAT

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict."""
        data = asdict(self)
        data["budget_range_s"] = list(self.budget_range_s)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Session":
        """Rebuild a session from its JSON (unknown keys are ignored, missing ones defaulted)."""
        known = {f.name for f in fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in known}
        kwargs["steps"] = [_build(StepResult, s) for s in data.get("steps", [])]
        kwargs["takes"] = [_build(Take, t) for t in data.get("takes", [])]
        kwargs["probes"] = [_build(ProbeResult, p) for p in data.get("probes", [])]
        kwargs["notes"] = [_build(Note, n) for n in data.get("notes", [])]
        kwargs["budget_range_s"] = tuple(data.get("budget_range_s", (0.0, 0.0)))
        return cls(**kwargs)

    def takes_for(self, step: str) -> list[Take]:
        """Every take of ``step``, in order."""
        return [t for t in self.takes if t.step == step]

    def next_take_number(self, step: str) -> int:
        """The number the next take of ``step`` gets."""
        return len(self.takes_for(step)) + 1


def _build(cls, data: dict[str, Any]):
    known = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in known})
