"""Realistic saved sessions for the review, replay and export tests.

Each step is spoken by the bundled voice (``say`` fixture), written into the session folder as a
16 kHz mono WAV the way the recorder writes it, transcribed by the real Whisper model
(:func:`starcoach.transcribe.transcribe_file`, word timings from the audio), and analysed by small explicit
rules below that produce an :class:`starcoach.analysis.model.Analysis` (``findings`` with character
offsets, seconds, kinds and coaching lines). The rules are deliberately simple and deterministic:
these tests check how sessions are stored, shown and exported, not how answers are judged.
The summary comes from the real :func:`starcoach.summary.summarize` on the seed scenario.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable

import pytest

from analyses import analysis as typed_analysis
from analyses import finding
from starcoach.analysis.model import Analysis
from starcoach.scenario import DEFAULT_SCENARIO_ID, find_scenario
from starcoach.session import Note, ProbeResult, Session, StepResult, Take, new_session_id
from starcoach.store import save_session, session_dir
from starcoach.summary import RunSummary
from starcoach.transcribe import Transcript

SAMPLE_RATE = 16000

#: A short strong answer (the seed's, trimmed so tests stay fast).
STRONG = {
    "situation": "I noticed a webhook drop rate of three percent in the Platform team logs.",
    "task": "It was not my team and there was no ticket, but I decided to take ownership.",
    "action": "I traced the failure to a race condition. I wrote a fix and I added an alert.",
    "result": "The drop rate went to zero and we recovered eight thousand dollars per week.",
    "reflection": "I learned that a shared reliability goal across teams prevents silent failures.",
}

#: A short weak answer: fillers, team credit, a hand-off, a vague ending.
WEAK = {
    "situation": "Um, so basically our system had some issues with webhooks.",
    "task": "My manager asked me to look into it.",
    "action": "We figured it out together. I sent them a Slack message and they handled it.",
    "result": "Things got better and the team was happy.",
    "reflection": "I learned that communication is important.",
}

PROBES = [
    ("How did you ensure your fix was accepted by the Platform team?",
     "I brought a complete fix with tests to their tech lead.", "strong"),
]

_RULES: list[tuple[str, str, str, str]] = [
    # (list key, kind, regex, coaching)
    ("fillers", "filler", r"\b(um|uh|basically|you know)\b", "Pause instead of filling."),
    ("hedges", "hedge", r"\b(i think|kind of|sort of|maybe|probably)\b", "Say it without hedging."),
    ("we_statements", "team-credit", r"\bwe (figured|fixed|found|decided|worked)\w*( it out together)?",
     "Say 'I' for what you did."),
    ("handoffs", "handoff", r"\b(sent them a slack message|they handled it|escalated it)\b",
     "Bring a fix, not a message to someone else."),
    ("disqualifiers", "assigned", r"\bmy manager asked me\b", "Show the work was self-initiated."),
    ("disqualifiers", "vague-outcome", r"\b(things got better|the team was happy)\b",
     "Replace it with a number: before, after, per week."),
    ("disqualifiers", "generic-reflection", r"\bcommunication is important\b",
     "Name a lesson only this story could teach."),
]
_QUANTITY = r"(\b\d+(\.\d+)?\s?(%|percent)|\$\s?\d[\d,]*k?|\b(three|eight|zero) (percent|thousand dollars)|\bper week\b|\bwent to zero\b)"
_I_STATEMENT = r"\bI (noticed|decided|traced|wrote|added|learned|brought|sent)\b"


def resample(samples, rate: int, to: int = SAMPLE_RATE):
    """Linear resampling (enough for test speech)."""
    import numpy as np

    if rate == to:
        return samples.astype("float32")
    n = int(round(len(samples) * to / rate))
    x_old = np.arange(len(samples)) / rate
    x_new = np.arange(n) / to
    return np.interp(x_new, x_old, samples).astype("float32")


def read_mono(path: Path):
    import soundfile as sf

    data, rate = sf.read(str(path), dtype="float32", always_2d=True)
    return resample(data.mean(axis=1), rate)


def transcribe(path: Path) -> dict[str, Any]:
    """Transcript JSON of ``path`` by the real Whisper model (word timings from the audio)."""
    from starcoach.transcribe import transcribe_file

    return transcribe_file(path).to_dict()


def analyse(step: str, transcript: dict[str, Any], duration_s: float, target_s: float | None,
            key_phrases: tuple[str, ...] = ()) -> Analysis:
    """The analysis of one step's transcript (explicit rules, see module docstring).

    Rule matches are findings of severity ``medium`` whose type is the rule's kind (``filler``,
    ``assigned``, ``handoff`` ...), placed both in their list and among the findings.
    """
    text = transcript.get("text", "").strip()
    words = transcript.get("words") or []
    spans = _word_spans(text, words)

    def item(m: re.Match, kind: str, coaching: str = "", severity: str = "info"):
        s, e = m.span()
        covered = [w for w, (c0, c1) in zip(words, spans) if c0 >= 0 and c0 < e and c1 > s]
        times = (covered[0]["start"], covered[-1]["end"]) if covered else (None, None)
        return finding(kind, m.group(0), severity, coaching=coaching, start=s, end=e,
                       start_s=times[0], end_s=times[1])

    lists: dict[str, list] = {key: [] for key in (
        "we_statements", "other_statements", "passive_statements", "handoffs", "disqualifiers", "fillers", "hedges")}
    findings = []
    for key, kind, pattern, coaching in _RULES:
        for m in re.finditer(pattern, text, re.I):
            found = item(m, kind, coaching, "medium")
            lists[key].append(found)
            findings.append(found)
    lower = text.lower()
    found_phrases = [p for p in key_phrases if p.lower().split()[0] in lower]
    speech = transcript.get("speech_s") or duration_s
    return typed_analysis(
        step, text, duration_s=round(duration_s, 2), target_s=target_s,
        wpm=round(len(text.split()) / (speech / 60), 1) if speech else None,
        i_statements=[item(m, "i-statement") for m in re.finditer(_I_STATEMENT, text)],
        quantified=[item(m, "quantified") for m in re.finditer(_QUANTITY, text, re.I)],
        found=found_phrases, missing=[p for p in key_phrases if p not in found_phrases],
        findings=findings, **lists,
    )


def real_analyse(step: str, transcript: dict[str, Any], scenario, level: str, duration_s: float) -> Analysis:
    """The real analyser's analysis of one take (spaCy; word times from the transcript)."""
    from starcoach.analysis import analyze_answer

    return analyze_answer("", step, scenario, level, transcript=Transcript.from_dict(transcript),
                          duration_s=duration_s)


def _word_spans(text: str, words: list[dict[str, Any]]) -> list[tuple[int, int]]:
    spans, cursor, lower = [], 0, text.lower()
    for w in words:
        tok = str(w.get("word", "")).strip().lower()
        at = lower.find(tok, cursor) if tok else -1
        spans.append((at, at + len(tok)) if at >= 0 else (-1, -1))
        if at >= 0:
            cursor = at + len(tok)
    return spans


def build_session(
    say: Callable[..., Path],
    texts: dict[str, str] | None = None,
    *,
    when: datetime | None = None,
    level: str = "sde2",
    mode: str = "ownership",
    probes: list[tuple[str, str, str]] | None = None,
    complete: bool = True,
    continuous: bool = False,
    notes: list[Note] = (),
    redo: dict[str, str] | None = None,
    edit: Callable[[Session], None] | None = None,
    save: bool = True,
    real_analysis: bool = False,
) -> Session:
    """Speak, transcribe, analyse and save a session; returns it.

    Args:
        say: The ``say`` fixture (text -> WAV path, cached).
        texts: Answer per step (default :data:`STRONG`); steps left out were not answered.
        when: Start time (default: now); the id derives from it.
        level: Level id.
        mode: Preparation mode id.
        probes: (question, answer, verdict) per probe (default :data:`PROBES`; [] for none).
        complete: False marks the run interrupted (the summary is left empty).
        continuous: Whole-answer mode: one ``answer-1.wav`` with step offsets.
        notes: Coach notes to store.
        redo: A first take per step that was redone (the ``texts`` answer counts).
        edit: Called on the session before saving (to inject odd content).
        save: Write it to the store.
        real_analysis: Analyse with the real spaCy analyser (:func:`starcoach.analysis.analyze_answer`)
            instead of the explicit rules here (separate takes only).
    """
    import soundfile as sf

    texts = STRONG if texts is None else texts
    probes = PROBES if probes is None else probes
    scenario = find_scenario(DEFAULT_SCENARIO_ID)
    when = when or datetime.now().replace(microsecond=0)
    session = Session(
        session_id=new_session_id(scenario.id, when), scenario=scenario.id,
        scenario_version=scenario.version, question=scenario.question, principle=scenario.principle,
        mode=mode, level=level, started_at=when.astimezone().isoformat(timespec="seconds"),
        complete=complete, continuous=continuous, source="files",
        budget_range_s=scenario.level(level).budget_s, budget_s=scenario.level(level).budget_s[1],
    )
    folder = session_dir(session.session_id, create=True)
    clips = {step: read_mono(say(text)) for step, text in texts.items()}
    if continuous:
        import numpy as np

        offsets, t = {}, 0.0
        for step in clips:
            offsets[step] = t
            t += len(clips[step]) / SAMPLE_RATE
        sf.write(folder / "audio" / "answer-1.wav", np.concatenate(list(clips.values())), SAMPLE_RATE, subtype="PCM_16")
    for step, text in texts.items():
        target = scenario.step(step).target_s
        number = 1
        if redo and step in redo:
            first = folder / "audio" / f"{step}-1.wav"
            sf.write(first, read_mono(say(redo[step])), SAMPLE_RATE, subtype="PCM_16")
            transcript = transcribe(first)
            session.takes.append(Take(step, 1, f"audio/{step}-1.wav", _iso(when), transcript["duration_s"], "key",
                                      Transcript.from_dict(transcript),
                                      analyse(step, transcript, transcript["duration_s"], target)))
            number = 2
        rel = f"audio/{step}-{number}.wav"
        path = folder / rel
        sf.write(path, clips[step], SAMPLE_RATE, subtype="PCM_16")
        transcript = transcribe(path)
        duration = len(clips[step]) / SAMPLE_RATE
        offset = 0.0
        if continuous:
            offset = offsets[step]
            rel = "audio/answer-1.wav"
            transcript = {**transcript, "words": [
                {**w, "start": round(w["start"] + offset, 3), "end": round(w["end"] + offset, 3)}
                for w in transcript["words"]]}
            path.unlink()
        if real_analysis:
            analysis = real_analyse(step, transcript, scenario, level, duration)
        else:
            analysis = analyse(step, transcript, duration, target, scenario.step(step).key_phrases)
        session.takes.append(Take(step, number, rel, _iso(when), round(duration, 2), "silence",
                                  Transcript.from_dict(transcript), analysis))
        session.steps.append(StepResult(step, round(duration, 2), target, transcript["text"].strip(), analysis,
                                        take=number, audio=rel, offset_s=round(offset, 3)))
    for index, (question, answer, verdict) in enumerate(probes, start=1):
        rel = f"audio/probe-{index}-1.wav"
        sf.write(folder / rel, read_mono(say(answer)), SAMPLE_RATE, subtype="PCM_16")
        transcript = transcribe(folder / rel)
        session.probes.append(ProbeResult(
            index, question, transcript["text"].strip(), verdict,
            reasons=["brought a fix, not a hand-off"] if verdict == "strong" else ["handed the problem off"],
            key_line="I brought a solution, not just a problem.", audio=rel,
            duration_s=round(transcript["duration_s"], 2), words=Transcript.from_dict(transcript).words,
            analysis=(real_analyse("probe", transcript, scenario, level, transcript["duration_s"]) if real_analysis
                      else analyse(f"probe-{index}", transcript, transcript["duration_s"], None))))
    session.total_s = round(sum(s.duration_s for s in session.steps), 2)
    if complete:
        from starcoach.summary import summarize

        session.summary = summarize(scenario, level, session.steps, session.probes)
        session.ended_at = _iso(when + timedelta(seconds=session.total_s + 30))
    session.notes = list(notes)
    if edit:
        edit(session)
    if save:
        save_session(session)
    return session


def _iso(when: datetime) -> str:
    return when.astimezone().isoformat(timespec="seconds")


def with_script_transcript(session: Session, step: str = "situation") -> None:
    """Put HTML into one step's transcript words, as a hostile or unlucky transcript would."""
    import dataclasses

    take = next(t for t in session.takes if t.step == step)
    words = take.transcript.words
    words[1] = dataclasses.replace(words[1], word=" <script>window.__pwned=1</script>")
    words[2] = dataclasses.replace(words[2], word=" <b>bold</b>&amp;")
    text = "".join(w.word for w in words).strip()
    take.transcript.text = text
    for s in session.steps:
        if s.step == step:
            s.transcript = text
            s.analysis = dataclasses.replace(s.analysis, transcript=text)


class SessionBank:
    """Sessions built once per test run, copied into each test's own data directory.

    Speaking and transcribing a session takes a few seconds; the bank builds each kind once
    (under its own ``STARCOACH_HOME``) and :meth:`install` copies the folder into the current one.
    """

    def __init__(self, root: Path, say: Callable[..., Path]) -> None:
        self.root = root
        self.say = say
        self._built: dict[str, Path] = {}

    def folder(self, name: str, **kwargs: Any) -> Path:
        """The template folder of session kind ``name`` (built on first use with ``kwargs``)."""
        if name not in self._built:
            import os

            home = self.root / name
            old = os.environ.get("STARCOACH_HOME")
            os.environ["STARCOACH_HOME"] = str(home)
            try:
                session = build_session(self.say, **kwargs)
            finally:
                if old is None:
                    os.environ.pop("STARCOACH_HOME", None)
                else:
                    os.environ["STARCOACH_HOME"] = old
            self._built[name] = home / "sessions" / session.session_id
        return self._built[name]

    def install(self, name: str, **kwargs: Any) -> Session:
        """Copy session kind ``name`` (:data:`KINDS`, or built with ``kwargs``) into the current
        data directory; returns it as loaded."""
        import shutil

        from starcoach.paths import sessions_dir
        from starcoach.store import load_session

        source = self.folder(name, **(kwargs or KINDS.get(name, {})))
        shutil.copytree(source, sessions_dir() / source.name)
        return load_session(source.name)


#: The kinds of session most tests use, by name: keyword arguments of :func:`build_session`.
KINDS: dict[str, dict[str, Any]] = {
    "strong": {"when": datetime(2026, 3, 2, 9, 30, 0), "redo": {"action": "Um, we fixed the retry logic, I think."}},
    "weak": {"texts": WEAK, "when": datetime(2026, 3, 9, 18, 5, 0), "level": "senior",
             "probes": [(PROBES[0][0], "I sent them a Slack message and they handled it.", "weak")]},
    "analysed": {"texts": WEAK, "real_analysis": True, "when": datetime(2026, 3, 12, 8, 0, 0),
                 "probes": [(PROBES[0][0], "I sent them a Slack message and they handled it.", "weak")]},
    "continuous": {"when": datetime(2026, 3, 16, 12, 0, 0), "continuous": True, "probes": []},
    "interrupted": {"texts": {k: STRONG[k] for k in ("situation", "task")}, "complete": False,
                    "probes": [], "when": datetime(2026, 3, 20, 7, 45, 0)},
}


@pytest.fixture(scope="session")
def bank(tmp_path_factory, say) -> SessionBank:
    """Session-wide :class:`SessionBank` (import it into a test module to use it)."""
    return SessionBank(tmp_path_factory.mktemp("session-bank"), say)


__all__ = ["KINDS", "PROBES", "STRONG", "WEAK", "SessionBank", "analyse", "bank", "build_session", "with_script_transcript"]


def handmade_session(session_id: str = "20260401-100000-golden") -> Session:
    """A session built by hand (no audio, fixed word times): for golden-text rendering tests."""
    scenario = find_scenario(DEFAULT_SCENARIO_ID)
    session = Session(session_id=session_id, scenario=scenario.id, scenario_version=scenario.version,
                      question=scenario.question, principle=scenario.principle, mode="ownership", level="sde2",
                      started_at="2026-04-01T10:00:00+02:00", ended_at="2026-04-01T10:03:00+02:00",
                      complete=True, source="files", budget_range_s=(120.0, 150.0), budget_s=150.0)
    t = 0.0
    for step, text in WEAK.items():
        words, at = [], 0.3
        for i, tok in enumerate(text.split()):
            words.append({"word": (" " if i else "") + tok, "start": round(at, 2), "end": round(at + 0.3, 2), "probability": 0.9})
            at += 0.4
        duration = round(at + 0.5, 2)
        transcript = {"text": text, "duration_s": duration, "words": words, "speech_s": round(at - 0.3, 2),
                      "language": "en", "model": "handmade", "no_speech": False, "pauses": []}
        target = scenario.step(step).target_s
        analysis = analyse(step, transcript, duration, target, scenario.step(step).key_phrases)
        session.takes.append(Take(step, 1, f"audio/{step}-1.wav", session.started_at, duration, "silence",
                                  Transcript.from_dict(transcript), analysis))
        session.steps.append(StepResult(step, duration, target, text, analysis, take=1, audio=f"audio/{step}-1.wav"))
        t += duration
    session.total_s = round(t, 2)
    # A fixed summary (not summarize()'s), so the golden text only changes with the rendering.
    session.summary = RunSummary.from_dict({
        "timeline": [{"step": s.step, "duration_s": s.duration_s, "target_s": s.target_s,
                      "delta_s": round(s.duration_s - s.target_s, 1), "status": "under"} for s in session.steps],
        "total_s": session.total_s, "budget_s": 150.0, "budget_range_s": [120.0, 150.0], "budget_status": "under",
        "top_fixes": [
            {"step": "action", "kind": "handoff", "text": "sent them a Slack message",
             "coaching": "Bring a fix, not a message to someone else.", "weight": 10.0},
            {"step": "result", "kind": "vague-outcome", "text": "Things got better",
             "coaching": "Replace it with a number.", "weight": 8.0},
        ],
        "reflection_bar": {"level": "SDE2", "bar": "A lesson beyond the fix.", "model_reflection": "",
                           "met": False, "why": "The reflection is generic"},
        "bar_raiser": {"lean": "leaning no hire", "headline": "Falls short on ownership; leaning No Hire.",
                       "for": [], "against": ["Handoff in action: \"sent them a Slack message\""]},
        "probes": {}, "complete": True,
    })
    session.notes = [Note(at_s=1.0, text="Lead with the problem, not the <system>.", step="situation", author="coach")]
    return session
