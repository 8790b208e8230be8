"""The coach: one spoken mock run, from the first step to the summary, as a library.

:class:`MockRun` owns the order of things — steps (or one whole answer), follow-up probes, the
summary — and everything a run produces goes into a :class:`starcoach.session.Session` saved after
every take, so an interrupted run loses nothing. It never prints and never reads the keyboard; the
world comes in as parameters:

- ``source_factory(label)`` returns the audio source for ``situation`` … ``reflection``,
  ``answer`` (whole-answer mode), ``probe-N`` or ``followup-N`` (an adaptive follow-up) — a
  microphone, a file, or a file played at
  real-time pace (:mod:`starcoach.capture`); ``None`` for a probe means "not answered".
- ``voice(text)`` reads a probe aloud (the CLI passes :func:`starcoach.voice.speak` or nothing).
- ``on_event(event)`` receives :class:`RunEvent` objects (progress while recording, feedback,
  verdicts); the CLI's live view draws from them.
- ``clock`` measures latencies (stop to feedback).

Models load in a background thread from :meth:`MockRun.start`, while the candidate reads the
question; audio is fed to a streaming transcriber while it is recorded, so at stop only the tail
is left to transcribe.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable, NamedTuple

from starcoach import capture
from starcoach.analysis import analyze_answer, judge_probe
from starcoach.analysis.answer import sample_step
from starcoach.analysis.model import Analysis
from starcoach.capture import RecordingInterrupted, RecordingWriteError, record_take
from starcoach.errors import AudioError, StarcoachError, StorageError, storage_error
from starcoach.scenario import STEP_NAMES, Scenario, find_scenario
from starcoach.segment import split_answer
from starcoach.session import ProbeResult, Session, StepResult, Take, now_iso
from starcoach.store import (
    adopt_orphan_takes,
    claim_session_folder,
    hold_session,
    load_session,
    read_session_file,
    release_unused_folder,
    save_run_session,
    session_dir,
    take_numbers_on_disk,
)
from starcoach.summary import summarize
from starcoach.transcribe import (
    AudioFile,
    StreamingTranscriber,
    TranscribeOptions,
    Word,
    load_whisper,
    resolve_model,
    transcribe_file,
)
from starcoach.vocabulary import transcribe_options

#: Sample rate every take is recorded at.
SAMPLE_RATE = 16000

#: The time an answer to a follow-up should take (its live view shows it; the take stops at twice
#: this plus a minute).
PROBE_TARGET_S = 30.0


class RunError(StarcoachError):
    """A run cannot start or continue as asked (a finished session resumed, a missing source)."""


class RunInterrupted(StarcoachError):
    """The run was stopped (Ctrl-C); everything recorded so far is saved in ``session``."""

    def __init__(self, session: Session) -> None:
        super().__init__(
            f"Run {session.session_id} stopped before the end",
            "everything recorded so far is saved: resume the session, or review it",
            session_id=session.session_id,
        )
        self.session = session


class PlanError(StarcoachError):
    """What a person asked of a run does not fit the scenario (a mode, level, step or probe).

    Attributes:
        field: The part of the plan that is wrong: ``mode``, ``level``, ``only`` or ``probes``
            (a front end maps it to its own control: the CLI to ``--mode``, a form to a field).
        value: The value given.
        valid: What would have been valid.
    """


    def __init__(self, message: str, fix: str, field: str, value: object, valid: tuple[str, ...] = ()) -> None:
        super().__init__(message, fix, param=field, value=value, valid=valid)
        self.field = field
        self.value = value
        self.valid = valid


#: Other ways people write a level id.
LEVEL_ALIASES = {"senior-sde": "senior", "sr": "senior", "sde-1": "sde1", "sde-2": "sde2"}


def _normalise(value: str) -> str:
    return value.strip().lower().replace(" ", "-").replace("_", "-")


def resolve_mode(scenario: Scenario, value: str | None) -> str | None:
    """The mode id ``value`` means (``"Dive Deep"`` -> ``dive-deep``); None when not given.

    Raises:
        PlanError: the scenario has no such mode.
    """
    if not value:
        return None
    modes = tuple(m.id for m in scenario.modes)
    mode = _normalise(value)
    if mode not in modes:
        raise PlanError(f"Unknown mode '{value}'", f"expected one of {', '.join(modes)}", "mode", value, modes)
    return mode


def resolve_level(scenario: Scenario, value: str | None) -> str | None:
    """The level id ``value`` means (``"Senior SDE"`` -> ``senior``); None when not given.

    Raises:
        PlanError: the scenario has no such level.
    """
    if not value:
        return None
    levels = tuple(lvl.id for lvl in scenario.levels)
    level = _normalise(value)
    level = LEVEL_ALIASES.get(level, level)
    if level not in levels:
        raise PlanError(f"Unknown level '{value}'", f"expected one of {', '.join(levels)}", "level", value, levels)
    return level


def default_level(scenario: Scenario) -> str:
    """The level a run uses when none is chosen (SDE2 where the scenario has it)."""
    levels = [lvl.id for lvl in scenario.levels]
    return "sde2" if "sde2" in levels else levels[0]


#: The word of a probes choice that asks for adaptive follow-ups (and its short form).
ADAPTIVE_WORDS = ("adaptive", "a")


def parse_followups(value: str | Iterable[int] | None) -> int:
    """How many adaptive follow-ups a probes choice asks for: up to
    :data:`starcoach.analysis.followups.MAX_FOLLOWUPS` for ``None``/``"all"`` (the default) and
    for a list naming ``adaptive`` (``"1,3,adaptive"``: two scenario probes, then the adaptive
    ones instead of the others); none otherwise (``"1,3"``, ``"none"``, a list of numbers)."""
    from starcoach.analysis.followups import MAX_FOLLOWUPS

    if value is None:
        return MAX_FOLLOWUPS
    if not isinstance(value, str):
        return 0
    words = {part.strip() for part in value.strip().lower().split(",")}
    return MAX_FOLLOWUPS if words & ({"all"} | set(ADAPTIVE_WORDS)) else 0


def parse_probes(value: str | Iterable[int] | None, count: int) -> tuple[int, ...] | None:
    """Which follow-up probes to ask: ``None``/``"all"`` (all), ``"none"``/``"0"``/``""`` (none),
    numbers and ranges (``"1,3"``, ``"1-2"``), or a list of numbers; sorted, 1-based. The word
    ``adaptive`` may stand among them (:func:`parse_followups`); alone it asks no scenario probe.

    Raises:
        PlanError: not probe numbers, or a number the scenario does not have.
    """
    if value is None:
        return None
    indexes: set[int] = set()
    if isinstance(value, str):
        text = value.strip().lower()
        if text == "all":
            return None
        if text in ("0", "none", ""):
            return ()
        try:
            for part in text.split(","):
                part = part.strip()
                if not part or part in ADAPTIVE_WORDS:
                    continue
                if "-" in part:
                    lo, hi = (int(x) for x in part.split("-", 1))
                    indexes.update(range(lo, hi + 1))
                else:
                    indexes.add(int(part))
        except ValueError:
            raise PlanError(f"'{value}' is not a list of probe numbers",
                            f"give probe numbers like 1,3 or 1-{count}, 'adaptive', or 'none'", "probes",
                            value) from None
    else:
        indexes = set(value)
    bad = sorted(i for i in indexes if not 1 <= i <= count)
    if bad:
        raise PlanError(f"No probe {bad[0]} in this scenario", f"it has probes 1-{count}", "probes", value)
    return tuple(sorted(indexes))


@dataclass(frozen=True)
class RunPlan:
    """What a run asks. Build it from what a person chose with :meth:`build`.

    Attributes:
        scenario: The question and its model answer.
        mode: Preparation mode id (``ownership``, ``dive-deep``, ``deliver-results``).
        level: Level id (``sde1``, ``sde2``, ``senior``).
        steps: The steps to answer, in the framework's order (a run can narrow them; empty: all
            the steps of the scenario's framework).
        probes: 1-based indexes of the follow-up probes to ask (default: all).
        continuous: Whole-answer mode: one recording split into steps afterwards.
        followups: At most this many adaptive follow-ups, asked after the scenario's probes and
            chosen from the answer's gaps (:func:`starcoach.analysis.followups.choose_followups`).
    """

    scenario: Scenario
    mode: str
    level: str
    steps: tuple[str, ...] = ()
    probes: tuple[int, ...] | None = None
    continuous: bool = False
    followups: int = 0

    def __post_init__(self) -> None:
        if not self.steps:
            object.__setattr__(self, "steps", self.scenario.framework.names)

    @property
    def probe_indexes(self) -> tuple[int, ...]:
        """The probes to ask, validated against the scenario."""
        count = len(self.scenario.probes)
        if self.probes is None:
            return tuple(range(1, count + 1))
        return tuple(i for i in self.probes if 1 <= i <= count)

    def labels(self) -> list[str]:
        """What the plan asks, in order: its steps, then ``probe-N`` for each probe, then
        ``followup-N`` for each adaptive follow-up it may ask."""
        return (list(self.steps) + [f"probe-{i}" for i in self.probe_indexes]
                + [f"followup-{i}" for i in range(1, self.followups + 1)])

    def step_number(self, step: str) -> tuple[int, int]:
        """(position, count) of ``step`` among the plan's steps: "3/5 Action", also on resume."""
        return self.steps.index(step) + 1, len(self.steps)

    @property
    def budget_s(self) -> tuple[float, float]:
        """The level's time budget for the whole answer, (min, max) seconds: one figure for the
        header, the whole-answer prompt and its recording target."""
        lo, hi = self.scenario.level(self.level).budget_s
        return float(lo), float(hi)

    @classmethod
    def build(
        cls,
        scenario: Scenario,
        mode: str | None = None,
        level: str | None = None,
        only: str | Iterable[str] | None = None,
        probes: str | Iterable[int] | None = None,
        continuous: bool = False,
    ) -> "RunPlan":
        """The plan for what a person chose, checked against the scenario (every front end uses this).

        Args:
            scenario: The question.
            mode: Mode id or a loose spelling (``"Dive Deep"``); None: the scenario's first mode.
            level: Level id, alias or display name (``"senior-sde"``); None: SDE2.
            only: The steps to answer (``"situation,task"`` or a list); None or "": all of them.
            probes: See :func:`parse_probes` and :func:`parse_followups`; None: all, then the
                adaptive follow-ups.
            continuous: Whole-answer mode.

        Raises:
            PlanError: an unknown mode, level or step, or probes the scenario does not have.
        """
        return cls(
            scenario,
            resolve_mode(scenario, mode) or scenario.modes[0].id,
            resolve_level(scenario, level) or default_level(scenario),
            steps=steps_from_only(only, scenario.framework.names),
            probes=parse_probes(probes, len(scenario.probes)),
            continuous=continuous,
            followups=parse_followups(probes),
        )


# --- events ------------------------------------------------------------------------------------


@dataclass
class RunEvent:
    """Base of everything :class:`MockRun` reports while it works."""


@dataclass
class ModelsReady(RunEvent):
    """The speech and language models finished loading (``seconds`` after :meth:`MockRun.start`)."""

    seconds: float


@dataclass
class TakesAdopted(RunEvent):
    """On resume: takes recorded before a crash (``kill -9``, power cut, full disk) that the
    session did not list yet, now kept as interrupted takes (transcribed once models load)."""

    takes: list[Take]


@dataclass
class TakeStarted(RunEvent):
    """Recording of ``label`` (a step, ``answer`` or ``probe-N``) began."""

    label: str
    take: int
    target_s: float


@dataclass
class TakeProgress(RunEvent):
    """A block of audio arrived: elapsed seconds, input level (0..1), speech heard yet."""

    label: str
    elapsed_s: float
    level: float
    speaking: bool = False


@dataclass
class TakeStopped(RunEvent):
    """Recording stopped; transcription of the tail and the analysis follow."""

    label: str
    take: int
    duration_s: float
    stopped_by: str


@dataclass
class StepFeedback(RunEvent):
    """A step's feedback is ready ``latency_s`` after the recording stopped."""

    result: StepResult
    take: Take
    latency_s: float


@dataclass
class ProbeAsked(RunEvent):
    """The interviewer asks a follow-up (shown before it is read aloud): a scenario probe
    (``source`` scenario) or an adaptive follow-up (``source`` adaptive)."""

    index: int
    question: str
    source: str = "scenario"


@dataclass
class ProbeJudged(RunEvent):
    """A probe answer was transcribed and judged ``latency_s`` after it stopped."""

    result: ProbeResult
    latency_s: float


@dataclass
class RunFinished(RunEvent):
    """The summary is ready and the session saved as complete."""

    session: Session


# --- recordings --------------------------------------------------------------------------------


@dataclass
class Recording:
    """One finished recording, before analysis.

    Attributes:
        path: The WAV in the session's ``audio/`` folder.
        audio: That path relative to the session folder.
        started_at: ISO time recording began.
        duration_s: Elapsed seconds from the recorder's clock.
        stopped_by: ``key``, ``silence``, ``max-length``, ``end-of-file`` or ``interrupt``.
        stopped_at: ``clock()`` when the recording stopped (feedback latency is measured from it).
        transcript: The transcript (``starcoach.transcribe.Transcript``), None when interrupted.
    """

    path: Path
    audio: str
    started_at: str
    duration_s: float
    stopped_by: str
    stopped_at: float
    transcript: Any = None


SourceFactory = Callable[[str], Any]

#: The recorder's stop reasons, as the session records them.
_STOPPED_BY = {"stop": "key", "max_length": "max-length", "end_of_source": "end-of-file"}
Voice = Callable[[str], None]


class MockRun:
    """A spoken mock interview in progress.

    Args:
        plan: What to ask.
        source_factory: ``label -> audio source`` (see the module docs); ``None`` skips a probe.
        voice: Reads probes aloud; ``None`` keeps the interviewer silent. A voice with a
            ``prepare(questions)`` method is given every question the run may ask before the
            models load (see :class:`starcoach.voice.Interviewer`).
        on_event: Receives :class:`RunEvent` objects; called from the recording thread.
        clock: Monotonic seconds, for latencies.
        model: Whisper model name or path (``None``: the default resolution).
        session: A saved, incomplete session to resume (its scenario must match ``plan``).
        source_kind: Stored in the session: ``microphone``, ``files``, ``demo`` or ``browser``.
        silence_stop_s: Stop a take after this much silence once speech started (``None``: never).
        max_take_s: Stop a take after this many seconds (``None``: twice the target plus a minute).
        lead_silence_s: Stop a take when nothing at all has been said this long after it started
            (``None``: never); the take is kept, stopped by ``silence``, and judged as no speech.
    """

    def __init__(
        self,
        plan: RunPlan,
        source_factory: SourceFactory,
        *,
        voice: Voice | None = None,
        on_event: Callable[[RunEvent], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        model: str | None = None,
        session: Session | None = None,
        source_kind: str = "microphone",
        silence_stop_s: float | None = None,
        max_take_s: float | None = None,
        lead_silence_s: float | None = None,
    ) -> None:
        self.plan = plan
        self.scenario = plan.scenario
        self.source_factory = source_factory
        self.voice = voice
        self.on_event = on_event or (lambda event: None)
        self.clock = clock
        self.model = model
        self.silence_stop_s = silence_stop_s
        self.max_take_s = max_take_s
        self.lead_silence_s = lead_silence_s
        self._followups: list[Any] | None = None  # chosen once the steps are answered
        self._resumed = session is not None
        if session is not None and session.scenario != plan.scenario.id:
            raise RunError(
                f"Session {session.session_id} is for scenario '{session.scenario}', not '{plan.scenario.id}'",
                f"resume session {session.session_id} without naming a scenario", param="scenario",
            )
        self.session = session or Session(
            session_id=_claim_session_id(plan.scenario.id),
            scenario=plan.scenario.id,
            scenario_version=plan.scenario.version,
            question=plan.scenario.question,
            principle=plan.scenario.principle,
            mode=plan.mode,
            level=plan.level,
            started_at=now_iso(),
            continuous=plan.continuous,
            source=source_kind,
            plan=plan.labels(),
        )
        lvl = plan.scenario.level(plan.level)
        self.session.budget_s = lvl.budget_s[1]
        self.session.budget_range_s = tuple(lvl.budget_s)
        self._models_ready = threading.Event()
        self._models_error: BaseException | None = None
        self._loader: threading.Thread | None = None
        self._transcribe_options: TranscribeOptions | None = None  # the product's, plus the scenario's terms
        self._cancel = threading.Event()
        self._active_stop: threading.Event | None = None
        self._started = 0.0
        self._hold = None  # the session's live-run lock, from start() to finish()/interrupt()
        self._adopted: list[Take] = []  # orphaned takes found on resume
        self._untranscribed: list[Take] = []  # interrupted takes to transcribe in the background
        self._adopted_transcripts: dict[str, Any] = {}  # audio -> Transcript
        self._adopted_done = threading.Event()

    # --- life cycle ----------------------------------------------------------------------------

    @property
    def session_dir(self) -> Path:
        return session_dir(self.session.session_id, create=True)

    def start(self) -> Session:
        """Hold the session, save it (new or resumed) and start loading the models in the background.

        While the run lives it holds the session (:func:`starcoach.store.hold_session`), so
        ``sessions rm`` or a second ``--resume`` of it are refused.

        Raises:
            ModelNotFound: the Whisper model cannot be found (checked now, before any answer).
            InUse: another live process is recording into this session (a second ``--resume``).
        """
        try:
            resolve_model(self.model)
            if self._hold is None:
                self._hold = hold_session(self.session.session_id)
        except BaseException:
            if not self._resumed:
                release_unused_folder(self.session.session_id)
            raise
        if self._resumed:
            self._reread_resumed()
            adopted = adopt_orphan_takes(self.session)
            # ... and takes a stopped run kept without a transcript (Ctrl-C, SIGTERM) get one too
            self._untranscribed = [t for t in self.session.takes if t.stopped_by == "interrupt"
                                   and t.transcript is None and t.audio and (self.session_dir / t.audio).is_file()]
            self._adopted = adopted
        self.session.complete = False
        self.session.ended_at = ""
        self._save()
        if self._adopted:
            self.on_event(TakesAdopted(list(self._adopted)))
        self._started = self.clock()
        self._loader = threading.Thread(target=self._load_models, name="starcoach-models", daemon=True)
        self._loader.start()
        return self.session

    def _reread_resumed(self) -> None:
        """Re-read a resumed session now that this run holds it: a run that held it a moment ago
        may have saved more takes (or finished it) since the copy passed in was read."""
        sid = self.session.session_id
        path = self.session_dir / "session.json"
        if not path.exists():
            return
        fresh = read_session_file(path)
        if fresh.complete and not self.session.complete:
            self.release()
            raise RunError(f"Session {sid} was finished by another run meanwhile",
                           f"review it with `starcoach review {sid}`")
        fresh.budget_s, fresh.budget_range_s = self.session.budget_s, self.session.budget_range_s
        self.session = fresh

    def _load_models(self) -> None:
        prepare = getattr(self.voice, "prepare", None)
        if prepare is not None:  # the voice engine is loaded and gone before the speech models come
            try:
                prepare(self._questions())
            except Exception:  # noqa: BLE001 - a question not prepared is spoken when asked; the models must still load
                pass
        try:
            load_whisper_kept(self.model)
            # Warm spaCy (and the analysis data files) so the first feedback is as fast as the rest.
            analyze_answer("I traced the failure and wrote a fix.", sample_step(self.scenario), self.scenario,
                           level=self.plan.level)
            # the scenario's technical terms as hotwords: fewer errors on them (BENCHMARKS.md)
            self._transcribe_options = transcribe_options(self.scenario)
        except BaseException as e:  # noqa: BLE001 - surfaced in wait_for_models on the caller's thread
            self._models_error = e
        finally:
            self._models_ready.set()
            if self._models_error is None:
                self.on_event(ModelsReady(round(self.clock() - self._started, 2)))
        try:
            self._transcribe_adopted()
        finally:
            self._adopted_done.set()

    def _questions(self) -> list[str]:
        """Every question this run may read aloud: its scenario probes, and each adaptive
        follow-up it could choose."""
        questions = [self.scenario.probes[i - 1].question for i in self.plan.probe_indexes]
        if self.plan.followups > 0:
            from starcoach.analysis.followups import followup_probe, followup_specs

            questions += [followup_probe(spec, self.scenario).question for spec in followup_specs()]
        return questions

    def _transcribe_adopted(self) -> None:
        """Transcribe interrupted takes found on resume (on the loader thread; merged at the next save)."""
        for take in self._untranscribed if self._models_error is None else []:
            try:
                transcript = transcribe_file(self.session_dir / take.audio, model=load_whisper_kept(self.model),
                                             options=self._transcribe_options)
            except StarcoachError:
                continue  # unreadable audio stays listed, without a transcript
            self._adopted_transcripts[take.audio] = transcript

    def wait_for_models(self, timeout: float | None = None) -> bool:
        """Block until the models are loaded; re-raise a loading error here."""
        if self._loader is None:
            self.start()
        ready = self._models_ready.wait(timeout)
        if self._models_error is not None:
            raise self._models_error
        return ready

    @property
    def models_ready(self) -> bool:
        """True once the models are loaded."""
        return self._models_ready.is_set() and self._models_error is None

    def pending(self) -> list[str]:
        """Labels of the plan not answered yet, in order (what a resumed run still asks)."""
        done_steps = {s.step for s in self.session.steps}
        done_probes = {p.label for p in self.session.probes}
        out = []
        answered = any(t.step == "answer" and t.stopped_by != "interrupt" for t in self.session.takes)
        if self.plan.continuous and not answered:
            out.append("answer")
        for label in self.plan.labels():
            if label.startswith(("probe-", "followup-")):
                if label not in done_probes:
                    out.append(label)
            elif label not in done_steps and not self.plan.continuous:
                out.append(label)
        return out

    def cancel(self) -> None:
        """Stop the recording in progress (from another thread); the take is kept, marked interrupted."""
        self._cancel.set()
        if self._active_stop is not None:
            self._active_stop.set()

    def interrupt(self) -> Session:
        """Mark the session incomplete and save it (after Ctrl-C); returns it."""
        self.cancel()
        self.session.complete = False
        self.session.ended_at = now_iso()
        try:
            self._save()
        finally:
            self.close()
            self.release()
        return self.session

    def release(self) -> None:
        """Let go of the session (``sessions rm`` may delete it from now on); idempotent."""
        if self._hold is not None:
            self._hold.release()
            self._hold = None

    def close(self, timeout: float = 20.0) -> None:
        """Let a model load still in progress finish, so the process can exit cleanly.

        Native model loaders abort the interpreter if it exits under them (``terminate called``).
        """
        if self._loader is not None and self._loader.is_alive():
            self._loader.join(timeout)

    def finish(self) -> Session:
        """Write the summary, mark the session complete, save it and let go of it."""
        if self._untranscribed and self._loader is not None:
            self._adopted_done.wait(300)  # their transcripts belong in the finished session
        self._refresh_totals()
        summary = summarize(self.scenario, self.plan.level, self.session.steps, self.session.probes,
                            planned=self.plan.steps)
        self.session.summary = summary
        self.session.complete = True
        self.session.ended_at = now_iso()
        try:
            self._save()
        finally:
            self.release()
        self.on_event(RunFinished(self.session))
        return self.session

    def run(self) -> Session:
        """Answer everything pending without a keyboard (scripted, demo), then summarize.

        Raises:
            RunInterrupted: on Ctrl-C; the session is saved as incomplete first.
        """
        if self._loader is None:
            self.start()
        try:
            for label in self.pending():
                if label == "answer":
                    self.record_answer()
                elif label.startswith("probe-"):
                    self.ask_probe(int(label.split("-")[1]))
                elif label.startswith("followup-"):
                    self.ask_followup(int(label.split("-")[1]))
                else:
                    self.record_step(label)
            return self.finish()
        except KeyboardInterrupt:
            raise RunInterrupted(self.interrupt()) from None
        except RunInterrupted:
            self.interrupt()
            raise
        finally:
            self.close()
            self.release()

    # --- steps ---------------------------------------------------------------------------------

    def record_step(self, step: str, stop: threading.Event | None = None) -> StepResult:
        """Record one take of ``step``, transcribe and analyse it; the new take counts.

        Args:
            step: A STAR step name.
            stop: Set it (from another thread) to stop recording, as the stop key does.

        Raises:
            RunInterrupted: when :meth:`cancel` stopped the take (the audio is kept).
        """
        target = self.scenario.step(step).target_s
        take_no = self._claim_take(step)
        rec = self._record(step, take_no, target, stop)
        if rec.stopped_by == "interrupt":
            self._keep_interrupted(step, take_no, rec)
            raise RunInterrupted(self.interrupt())
        analysis = self._analyze(rec.transcript.text, step, rec.transcript, rec.duration_s, rec.path)
        take = Take(step=step, take=take_no, audio=rec.audio, started_at=rec.started_at,
                    duration_s=round(rec.duration_s, 2), stopped_by=rec.stopped_by,
                    transcript=rec.transcript, analysis=analysis)
        result = StepResult(step=step, duration_s=take.duration_s, target_s=target, transcript=rec.transcript.text,
                            analysis=analysis, take=take_no, audio=rec.audio)
        self.session.takes.append(take)
        self._count(result)
        self._save()
        self.on_event(StepFeedback(result, take, round(self.clock() - rec.stopped_at, 3)))
        return result

    def keep_take(self, step: str, take: int) -> StepResult:
        """Make take ``take`` of ``step`` the one that counts (instead of the latest), and save.

        Every take stays on disk and in ``session.takes``; the summary, ``review`` and the exports
        use the counted one.

        Raises:
            RunError: the step has no such take, or it was interrupted (nothing to judge).
        """
        chosen = next((t for t in self.session.takes_for(step) if t.take == take), None)
        if chosen is None or chosen.analysis is None or chosen.transcript is None:
            usable = [t.take for t in self.session.takes_for(step) if t.analysis is not None]
            raise RunError(f"No finished take {take} of {step} in session {self.session.session_id}",
                                 f"takes that can count: {', '.join(map(str, usable)) or 'none'}")
        result = StepResult(step=step, duration_s=chosen.duration_s, target_s=self.scenario.step(step).target_s,
                            transcript=chosen.transcript.text, analysis=chosen.analysis, take=chosen.take,
                            audio=chosen.audio)
        self._count(result)
        self._save()
        return result

    def record_answer(self, stop: threading.Event | None = None) -> list[StepResult]:
        """Whole-answer mode: record one answer, split it into steps, analyse each step."""
        take_no = self._claim_take("answer")
        target = self.plan.budget_s[1]  # the level's budget, the one figure the candidate is shown
        rec = self._record("answer", take_no, target, stop)
        if rec.stopped_by == "interrupt":
            self._keep_interrupted("answer", take_no, rec)
            raise RunInterrupted(self.interrupt())
        transcript = rec.transcript
        self.session.takes.append(Take(step="answer", take=take_no, audio=rec.audio, started_at=rec.started_at,
                                       duration_s=round(rec.duration_s, 2), stopped_by=rec.stopped_by,
                                       transcript=transcript))
        segments = split_answer(transcript.words, self.scenario, self.plan.steps, duration_s=rec.duration_s,
                                 text=transcript.text)
        audio = _recorded_audio(rec.path)
        results = []
        for seg in segments:
            sub = _sub_transcript(transcript, seg)
            clip = replace(audio, start_s=seg.start_s, end_s=seg.end_s) if audio is not None else None
            analysis = self._analyze(seg.text, seg.step, sub, seg.duration_s, None, samples=clip)
            target = self.scenario.step(seg.step).target_s
            step_take = self.session.next_take_number(seg.step)
            take = Take(step=seg.step, take=step_take, audio=rec.audio, started_at=rec.started_at,
                        duration_s=round(seg.duration_s, 2), stopped_by=rec.stopped_by,
                        transcript=sub, analysis=analysis)
            result = StepResult(step=seg.step, duration_s=take.duration_s, target_s=target, transcript=seg.text,
                                analysis=analysis, take=step_take, audio=rec.audio, offset_s=round(seg.start_s, 2))
            self.session.takes.append(take)
            self._count(result)
            results.append(result)
            self.on_event(StepFeedback(result, take, round(self.clock() - rec.stopped_at, 3)))
        # steps the answer never reached lose any earlier counted take from a previous attempt
        reached = {seg.step for seg in segments}
        self.session.steps = [s for s in self.session.steps if s.step in reached or s.step not in self.plan.steps]
        self._save()
        return results

    def keep_answer(self, take: int) -> list[StepResult]:
        """Whole-answer mode: make answer ``take`` the one that counts (instead of the latest).

        The steps cut from that answer count again (their analyses are those computed when it
        was recorded); steps it never reached count for nothing. Every answer stays on disk and
        in ``session.takes``.

        Raises:
            RunError: there is no such finished answer.
        """
        answers = [t for t in self.session.takes_for("answer") if t.transcript is not None]
        chosen = next((t for t in answers if t.take == take), None)
        if chosen is None:
            raise RunError(f"No finished answer {take} in session {self.session.session_id}",
                           f"answers that can count: {', '.join(str(t.take) for t in answers) or 'none'}")
        segments = split_answer(chosen.transcript.words, self.scenario, self.plan.steps,
                                duration_s=chosen.duration_s, text=chosen.transcript.text)
        offsets = {seg.step: round(seg.start_s, 2) for seg in segments}
        cut = {t.step: t for t in self.session.takes if t.audio == chosen.audio and t.step != "answer"}
        results = []
        for step in [s for s in self.plan.steps if s in cut and cut[s].analysis is not None]:
            t = cut[step]
            results.append(StepResult(step=step, duration_s=t.duration_s, target_s=self.scenario.step(step).target_s,
                                      transcript=t.transcript.text if t.transcript else "", analysis=t.analysis,
                                      take=t.take, audio=t.audio, offset_s=offsets.get(step, 0.0)))
        self.session.steps = [s for s in self.session.steps if s.step not in self.plan.steps]
        for result in results:
            self._count(result)
        self._save()
        return results

    # --- probes --------------------------------------------------------------------------------

    def ask_probe(self, index: int, stop: threading.Event | None = None,
                  skip: threading.Event | None = None) -> ProbeResult:
        """Ask the scenario's follow-up probe ``index`` (1-based) aloud, record the answer, judge it.

        Args:
            index: Which probe of the scenario.
            stop: Set it (from another thread) to end the answer, as the stop key does.
            skip: Set it (and ``stop``) to skip the probe: the verdict is ``skipped`` whatever was
                recorded (the audio is kept).
        """
        probe = self.scenario.probes[index - 1]
        return self._ask(f"probe-{index}", index, probe, "scenario", "", stop, skip)

    def followups(self) -> list[Any]:
        """The adaptive follow-ups this run asks (:class:`starcoach.analysis.followups.Followup`),
        chosen once from the counted steps' gaps, after the scenario's probes it asks; at most
        ``plan.followups``."""
        if self._followups is None:
            if self.plan.followups <= 0:
                self._followups = []
            else:
                from starcoach.analysis.followups import choose_followups

                self.wait_for_models()
                steps = {s.step: s.analysis for s in self.session.steps}
                asked = [self.scenario.probes[i - 1] for i in self.plan.probe_indexes]
                self._followups = choose_followups(self.scenario, steps, planned=self.plan.steps, asked=asked,
                                                   limit=self.plan.followups)
        return self._followups

    def ask_followup(self, number: int, stop: threading.Event | None = None,
                     skip: threading.Event | None = None) -> ProbeResult | None:
        """Ask adaptive follow-up ``number`` (1-based) like a scenario probe: aloud, recorded,
        judged the same way. None when the answer's gaps call for fewer follow-ups, or when
        there is no audio source for it (a scripted run without ``followup-N.*``)."""
        chosen = self.followups()
        if number > len(chosen):
            return None
        label = f"followup-{number}"
        source = self.source_factory(label)
        if source is None:
            return None
        followup = chosen[number - 1]
        return self._ask(label, number, followup.probe, "adaptive", followup.gap, stop, skip, source)

    def _ask(self, label: str, index: int, probe: Any, source_kind: str, gap: str,
             stop: threading.Event | None, skip: threading.Event | None, source: Any = None) -> ProbeResult:
        from starcoach.analysis import judge_probe
        from starcoach.analysis.probes import NOT_ANSWERED

        self.on_event(ProbeAsked(index, probe.question, source_kind))
        if self.voice is not None:
            self.voice(probe.question)
        source = source if source is not None else self.source_factory(label)
        if source is None:
            result = ProbeResult(index=index, question=probe.question, transcript="", verdict="skipped",
                                 reasons=["not answered: no answer was given"], key_line=probe.key_line,
                                 source=source_kind, gap=gap)
            self._count_probe(result)
            self._save()
            self.on_event(ProbeJudged(result, 0.0))
            return result
        take_no = self._claim_take(label)
        rec = self._record(label, take_no, PROBE_TARGET_S, stop, source=source)
        if rec.stopped_by == "interrupt":
            self._keep_interrupted(label, take_no, rec)
            raise RunInterrupted(self.interrupt())
        self.wait_for_models()
        context = {s.step: s.transcript for s in self.session.steps if s.transcript.strip()}
        verdict = judge_probe(rec.transcript.text, probe, self.scenario, transcript=rec.transcript,
                              level=self.plan.level, context=context or None)
        verdict_name, reasons = verdict.verdict, list(verdict.reasons)
        if skip is not None and skip.is_set():
            rec.stopped_by = "skip"
            verdict_name, reasons = "skipped", ["skipped: the candidate chose not to answer"]
        elif verdict_name == "skipped":
            reasons = [NOT_ANSWERED]
        result = ProbeResult(index=index, question=probe.question, transcript=rec.transcript.text,
                             verdict=verdict_name, reasons=reasons, key_line=verdict.key_line or probe.key_line,
                             audio=rec.audio, duration_s=round(rec.duration_s, 2), words=list(rec.transcript.words),
                             analysis=verdict.analysis, source=source_kind, gap=gap)
        self.session.takes.append(Take(step=label, take=take_no, audio=rec.audio, started_at=rec.started_at,
                                       duration_s=round(rec.duration_s, 2), stopped_by=rec.stopped_by,
                                       transcript=rec.transcript, analysis=verdict.analysis))
        self._count_probe(result)
        self._save()
        self.on_event(ProbeJudged(result, round(self.clock() - rec.stopped_at, 3)))
        return result

    # --- internals -----------------------------------------------------------------------------

    def _record(self, label: str, take_no: int, target_s: float, stop: threading.Event | None,
                source: Any = None) -> Recording:
        source = source if source is not None else self.source_factory(label)
        if source is None:
            raise RunError(f"No audio source for '{label}'", "answer every step, or narrow the run to the steps you have")
        stop = stop or threading.Event()
        self._active_stop = stop
        if self._cancel.is_set():
            stop.set()
        audio = f"audio/{label}-{take_no}.wav"
        path = self.session_dir / audio
        # the same settings for every source (microphone, browser, files read at once), so a take
        # has the words `starcoach transcribe` gives for its WAV
        stream = _LateStream(self._models_ready, lambda: StreamingTranscriber(model=load_whisper_kept(self.model),
                                                        options=self._transcribe_options))
        started_at = now_iso()
        max_s = self.max_take_s if self.max_take_s is not None else 2 * target_s + 60

        silent_start = threading.Event()

        def on_block(samples, status) -> None:
            stream.feed(samples)
            self.on_event(TakeProgress(label, status.elapsed_s, status.level, status.speaking))
            if (self.lead_silence_s is not None and not status.speech_started
                    and status.elapsed_s >= self.lead_silence_s and not stop.is_set()):
                silent_start.set()  # nothing said at all: stop as a silence stop does
                stop.set()

        try:
            # "recording" is announced only once audio is being kept (the first syllable counts)
            take = record_take(source, path, stop_event=stop, on_block=on_block,
                               on_start=lambda: self.on_event(TakeStarted(label, take_no, target_s)),
                               silence_stop_s=self.silence_stop_s, max_s=max_s)
        except RecordingInterrupted as e:
            self._cancel.set()
            stop.set()
            stream.cancel()
            return Recording(path, audio, started_at, e.take.duration_s, "interrupt", self.clock())
        except RecordingWriteError as e:
            self._stop_after_write_error(label, take_no, Recording(path, audio, started_at, e.take.duration_s,
                                                                   "interrupt", self.clock()), stream, e)
        except Exception:
            with contextlib.suppress(OSError):
                if path.stat().st_size == 0:  # claimed but never recorded (the device failed)
                    path.unlink()
            raise
        finally:
            self._active_stop = None
        stopped_at = self.clock()
        stopped_by = "interrupt" if self._cancel.is_set() else _STOPPED_BY.get(take.stopped_by, take.stopped_by)
        if silent_start.is_set() and stopped_by == "key":
            stopped_by = "silence"
        rec = Recording(path, audio, started_at, take.duration_s, stopped_by, stopped_at)
        self.on_event(TakeStopped(label, take_no, round(take.duration_s, 2), stopped_by))
        if stopped_by == "interrupt":
            stream.cancel()
            return rec
        self.wait_for_models()
        rec.transcript = stream.finish(path)
        return rec

    def _stop_after_write_error(self, label: str, take_no: int, rec: Recording, stream: "_LateStream",
                                error: Exception) -> None:
        """A take's audio could not be written (a full disk): keep what was, stop the run, say so.

        The take is kept as interrupted, with a transcript of what reached the disk when the
        models are ready. session.json is saved if there is room for it; if not, ``--resume``
        adopts the take from its file. Raises the StorageError the person sees.
        """
        self._cancel.set()
        transcript = stream.finish_quietly(timeout=120)
        self._keep_interrupted(label, take_no, rec)
        if transcript is not None and self.session.takes and self.session.takes[-1].audio == rec.audio:
            self.session.takes[-1].transcript = transcript
        self.session.ended_at = now_iso()
        with contextlib.suppress(StorageError):
            self._save()
        self.close()
        self.release()
        sid = self.session.session_id
        what = f"{label} take {take_no}"
        message = getattr(error, "message", str(error))
        raise StorageError(f"{message} ({what}); the run stopped there",
                           f"free some space, then resume session {sid}", instead=("resume",), session_id=sid) from error

    def _keep_interrupted(self, label: str, take_no: int, rec: Recording) -> None:
        if rec.path.exists():
            self.session.takes.append(Take(step=label, take=take_no, audio=rec.audio, started_at=rec.started_at,
                                           duration_s=round(rec.duration_s, 2), stopped_by="interrupt"))

    def _analyze(self, text: str, step: str, transcript: Any, duration_s: float, path: Path | None,
                 samples: Any = None) -> Analysis:
        self.wait_for_models()
        if samples is None and path is not None:
            samples = _recorded_audio(path)
        return analyze_answer(text, step, self.scenario, level=self.plan.level, transcript=transcript,
                              duration_s=duration_s, samples=samples, sample_rate=SAMPLE_RATE)

    def _count(self, result: StepResult) -> None:
        steps = [s for s in self.session.steps if s.step != result.step] + [result]
        order = {name: i for i, name in enumerate(self.scenario.framework.names)}
        self.session.steps = sorted(steps, key=lambda s: order.get(s.step, 99))

    def _count_probe(self, result: ProbeResult) -> None:
        probes = [p for p in self.session.probes if p.label != result.label] + [result]
        self.session.probes = sorted(probes, key=lambda p: (p.source == "adaptive", p.index))

    def _refresh_totals(self) -> None:
        self.session.total_s = round(sum(s.duration_s for s in self.session.steps), 2)

    def _save(self) -> None:
        self._refresh_totals()
        for take in self.session.takes:
            if take.transcript is None and take.audio in self._adopted_transcripts:
                take.transcript = self._adopted_transcripts[take.audio]
        save_run_session(self.session)

    def _claim_take(self, label: str) -> int:
        """The next take number of ``label``, its audio file created as the claim.

        Never reuses a number: takes listed in the session and files on disk (a take a crashed
        run recorded but never listed) both count, and the file is created exclusively, so an
        existing recording is never written over.
        """
        used = {t.take for t in self.session.takes if t.step == label}
        used |= take_numbers_on_disk(self.session.session_id, label)
        number = max(used, default=0) + 1
        folder = self.session_dir / "audio"
        folder.mkdir(parents=True, exist_ok=True)
        while True:
            try:
                os.close(os.open(folder / f"{label}-{number}.wav", os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
                return number
            except FileExistsError:
                number += 1
            except OSError as e:
                raise storage_error(e, folder / f"{label}-{number}.wav") from e


_keepers: dict[str | None, Any] = {}
_keepers_lock = threading.Lock()


def load_whisper_kept(model: str | None = None):
    """:func:`starcoach.transcribe.load_whisper` on a thread that lives as long as the process.

    CTranslate2 decodes several times slower once the thread that loaded the model has exited
    (measured here: 41 s instead of 5 s of CPU for a 57 s answer), so a background preload must not
    happen on a thread that then ends. The first call for a model loads it on a parked daemon
    thread; later calls return the cached model.
    """
    with _keepers_lock:
        if model not in _keepers:
            box: dict[str, Any] = {}
            loaded = threading.Event()

            def keep() -> None:
                try:
                    box["model"] = load_whisper(model)
                except BaseException as e:  # noqa: BLE001 - re-raised on the caller's thread
                    box["error"] = e
                loaded.set()
                if "model" in box:
                    threading.Event().wait()  # park: the model's threads stay fast

            thread = threading.Thread(target=keep, name="starcoach-whisper", daemon=True)
            thread.start()
            loaded.wait()
            if "error" in box:
                raise box["error"]
            _keepers[model] = thread
    return load_whisper(model)


class _LateStream:
    """Feeds a streaming transcriber once the models are loaded, buffering audio until then."""

    def __init__(self, ready: threading.Event, make: Callable[[], Any]) -> None:
        self._ready = ready
        self._make = make
        self._stream = None
        self._backlog: list[Any] = []

    def feed(self, samples) -> None:
        if self._stream is None:
            if not self._ready.is_set():
                self._backlog.append(samples.copy())
                return
            self._start()
        self._stream.feed(samples)

    def _start(self) -> None:
        self._stream = self._make()
        for block in self._backlog:
            self._stream.feed(block)
        self._backlog = []

    def finish(self, path: Path):
        self._ready.wait()
        if self._stream is None:
            self._start()
        return self._stream.finish()

    def cancel(self) -> None:
        """The take was abandoned: stop decoding it (without waiting; at exit the transcriber
        waits for a decode in flight by itself)."""
        self._backlog = []
        if self._stream is not None:
            self._stream.cancel(timeout=0)

    def finish_quietly(self, timeout: float):
        """The transcript of what was fed, or None (models not loaded, a decoding error, too slow).

        Used when a take ends badly: it also makes sure no decoding thread is left running inside
        the model when the process exits.
        """
        if self._stream is None and not self._ready.wait(timeout):
            return None
        try:
            if self._stream is None:
                self._start()
            return self._stream.finish(timeout=timeout)
        except Exception:  # noqa: BLE001 - the take is kept either way
            return None


def _claim_session_id(scenario_id: str) -> str:
    """A new session id, its folder created as the claim (runs in the same second get ``-2``, ...)."""
    return claim_session_folder(scenario_id)


def _recorded_audio(path: Path) -> AudioFile | None:
    """A take's recording for the voice-energy measure, read from disk block by block when it is
    measured (a long take never sits in memory whole); None when it cannot be read (delivery
    measures are optional; the analysis works on text)."""
    audio = AudioFile(path)
    try:
        next(audio.blocks(), None)
    except Exception:  # noqa: BLE001 - AudioError, or a decoder error on a torn file
        return None
    return audio


def _sub_transcript(transcript: Any, seg: Any) -> Any:
    """The part of a whole-answer transcript that belongs to one step (times stay absolute)."""
    import dataclasses


    words = [Word(w["word"], w["start"], w["end"], w.get("probability", 1.0)) for w in seg.words]
    pauses = [p for p in getattr(transcript, "pauses", []) if seg.start_s <= p.start and p.end <= seg.end_s]
    speech = max(0.0, seg.duration_s - sum(p.end - p.start for p in pauses))
    return dataclasses.replace(transcript, text=seg.text, words=words, duration_s=round(seg.duration_s, 2),
                               speech_s=round(speech, 2), pauses=pauses)


#: Files in an answers folder with these extensions are not audio (notes, stamps, transcripts).
_NOT_AUDIO = frozenset({".txt", ".json", ".md", ".toml", ".csv", ".html", ".srt", ".vtt"})
_EXTRA_LABEL_RE = re.compile(r"^(answer|probe-[1-9][0-9]*|followup-[1-9][0-9]*)$")


def find_answer_files(folder: Path | str, steps: Iterable[str] = STEP_NAMES) -> dict[str, Path]:
    """The answer files of a scripted run: ``situation.wav``, ``task.mp3``, ``probe-1.flac``, ...

    Any audio extension is accepted (whatever FFmpeg decodes); ``answer.*`` is the whole answer
    in whole-answer mode. Other files are ignored.

    Args:
        folder: The folder.
        steps: The step names files may answer (the scenario framework's; STAR by default).

    Raises:
        AudioError: the folder does not exist, or two files answer the same step.
    """
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise AudioError(f"Answers folder {folder} does not exist",
                         "give a folder holding one audio file per step: " + ", ".join(f"{s}.wav" for s in steps))
    found: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.name.startswith(".") or path.suffix.lower() in _NOT_AUDIO:
            continue
        label = path.stem.lower()
        if label not in steps and not _EXTRA_LABEL_RE.match(label):
            continue
        if label in found:
            raise AudioError(f"Two answers for '{label}' in {folder}: {found[label].name} and {path.name}",
                             "keep one file per step")
        found[label] = path
    return found


def check_answer_files(files: dict[str, Path], plan: RunPlan, folder: Path | str) -> None:
    """Raise when a planned step has no file (probes without a file are skipped)."""
    needed = ["answer"] if plan.continuous else list(plan.steps)
    missing = [label for label in needed if label not in files]
    if missing:
        have = ", ".join(sorted(files)) or "no answer files"
        raise AudioError(
            f"No audio for {', '.join(missing)} in {folder} (found: {have})",
            f"name files after the steps ({', '.join(f'{n}.wav' for n in plan.steps[:2])}, ...; answer.wav for a "
            "whole answer) or narrow the run to the steps you have", param="answers", instead=("only",),
        )


def answers_source_factory(files: dict[str, Path], realtime: bool = False) -> SourceFactory:
    """Audio sources reading answer files: at full speed, or at real-time pace like a microphone."""
    def factory(label: str):
        path = files.get(label)
        if path is None:
            return None
        return capture.FileSource(path, realtime=realtime)

    return factory


def microphone_source_factory(device: str | int | None = None) -> SourceFactory:
    """Every recording comes from the microphone (``device``: name or index, ``None``: default)."""
    def factory(label: str):
        return capture.MicrophoneSource(device)

    return factory


def steps_from_only(only: str | Iterable[str] | None, names: tuple[str, ...] = STEP_NAMES) -> tuple[str, ...]:
    """The steps to answer, in the framework's order, from ``"situation,task"`` or a list (None: all).

    Args:
        only: The steps asked for.
        names: Every step of the framework, in order (STAR by default).

    Raises:
        PlanError: an unknown step name.
    """
    if not only:
        return names
    asked = [n.strip().lower() for n in (only.split(",") if isinstance(only, str) else only) if n.strip()]
    bad = [n for n in asked if n not in names]
    if bad:
        raise PlanError(f"Unknown step '{bad[0]}'", f"expected one of {', '.join(names)}", "only", only, names)
    return tuple(s for s in names if s in asked)


def plan_from_session(session: Session, scenario: Scenario) -> RunPlan:
    """The plan of a saved session, so ``--resume`` asks exactly what the run still owes."""
    names = scenario.framework.names
    labels = session.plan or list(names) + [f"probe-{i}" for i in range(1, len(scenario.probes) + 1)]
    steps = tuple(s for s in names if s in labels) or names
    probes = tuple(int(label.split("-")[1]) for label in labels if label.startswith("probe-"))
    followups = sum(1 for label in labels if label.startswith("followup-"))
    return RunPlan(scenario, session.mode, session.level, steps=steps, probes=probes,
                   continuous=session.continuous, followups=followups)


class ResumedRun(NamedTuple):
    """An interrupted session and the plan of what it still owes (see :func:`resume_run`)."""

    session: Session
    plan: RunPlan


def resume_run(ref: str) -> ResumedRun:
    """Load an interrupted session (id, unique prefix or ``latest``) to continue it.

    Raises:
        SessionNotFound: no such session.
        SessionInvalid: its file is damaged.
        RunError: the session is already complete.
        ScenarioNotFound: its scenario is no longer in the question bank.
    """
    session = load_session(ref)
    if session.complete:
        raise RunError(f"Session {session.session_id} is already complete",
                       f"review it (`starcoach review {session.session_id}`) or start a new run")
    scenario = find_scenario(session.scenario)
    return ResumedRun(session, plan_from_session(session, scenario))
