"""A synthetic candidate for the demo: the bundled voice answers, the full pipeline judges.

The demo shows what a run does on a machine without a microphone. Two candidates answer the same
scenario, both spoken by the bundled hibari voice:

- the **strong** candidate speaks each step's strong example (the level's model reflection) and
  each probe's strong answer;
- the **weak** candidate speaks the mistakes the scenario warns about: the annotated weak answer,
  the phrases quoted in each step's common mistake ("we figured out the root cause together",
  "things got better and team was happy", "I learned communication is important") and each
  probe's weak answer.

Both answers go through exactly what a live run does — audio files read as audio sources,
transcription, timing, analysis, probe verdicts, summary — and both sessions are saved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from starcoach.run import MockRun, RunPlan, answers_source_factory
from starcoach.scenario import Scenario
from starcoach.voice import synthesize

#: Fallback weak lines, by step role, when a step's common mistake quotes nothing speakable.
_GENERIC_WEAK = {
    "setting": "So basically our system has a lot of services and, um, there was some kind of issue with it.",
    "scope": "My manager asked me to look into it since I had some bandwidth.",
    "actions": "We figured out the root cause together and the team handled the fix.",
    "outcome": "Things got better after that and the team was happy.",
    "lesson": "I learned that communication is important.",
}


@dataclass
class DemoCandidate:
    """What a synthetic candidate says.

    Attributes:
        name: ``strong`` or ``weak``.
        answers: Text per label: STAR step names and ``probe-1`` … ``probe-N``.
    """

    name: str
    answers: dict[str, str] = field(default_factory=dict)


@dataclass
class DemoResult:
    """Both demo sessions (already saved)."""

    strong: "object"  # starcoach.session.Session
    weak: "object"


def strong_candidate(scenario: Scenario, level: str = "sde2") -> DemoCandidate:
    """The candidate who says what the walkthrough models."""
    answers = {s.name: s.strong_example for s in scenario.steps}
    lesson = scenario.framework.with_role("lesson")
    try:
        if lesson:
            answers[lesson] = scenario.level(level).reflection or answers[lesson]
    except KeyError:
        pass
    for i, probe in enumerate(scenario.probes, 1):
        answers[f"probe-{i}"] = probe.strong_answer
    return DemoCandidate("strong", answers)


def weak_candidate(scenario: Scenario) -> DemoCandidate:
    """The candidate who makes the mistakes the scenario warns about."""
    fw = scenario.framework
    answers: dict[str, str] = {}
    weak_sentences = _sentences(scenario.weak_answer.text)
    for step in scenario.steps:
        quoted = _quoted(step.common_mistake)
        generic = next((_GENERIC_WEAK[r] for r in fw.step(step.name).roles if r in _GENERIC_WEAK), "")
        answers[step.name] = " ".join(_sentence(q) for q in quoted) if quoted else generic
    setting, scope = fw.with_role("setting"), fw.with_role("scope")
    actions, outcome = fw.with_role("actions"), fw.with_role("outcome")
    # The setting's mistake is rarely quotable; keep the scene but pad it with architecture.
    if setting:
        answers[setting] = _GENERIC_WEAK["setting"] + " " + _first_sentence(scenario.step(setting).strong_example)
    if scope and scope != setting:
        answers[scope] = _GENERIC_WEAK["scope"]
    # The annotated weak answer is the heart of the weak variant: hand-off, routing, vague ending.
    if weak_sentences and actions:
        answers[actions] = " ".join(weak_sentences[: max(1, len(weak_sentences) // 2)]) + " " + answers[actions]
        result_tail = " ".join(weak_sentences[max(1, len(weak_sentences) // 2):])
        if result_tail and outcome:
            answers[outcome] = result_tail + " " + answers[outcome]
    for i, probe in enumerate(scenario.probes, 1):
        answers[f"probe-{i}"] = probe.weak_answer
    return DemoCandidate("weak", answers)


def synthesize_answers(candidate: DemoCandidate, out_dir: Path, voice: str = "hibari",
                       labels: tuple[str, ...] | None = None) -> dict[str, Path]:
    """Speak every answer of ``candidate`` into ``out_dir/<label>.wav`` (cached by text)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {}
    for i, (label, text) in enumerate(candidate.answers.items()):
        if labels is not None and label not in labels:
            continue
        path = out_dir / f"{label}.wav"
        stamp = out_dir / f".{label}.txt"
        if not (path.exists() and stamp.exists() and stamp.read_text(encoding="utf-8") == text):
            synthesize(text, path, voice=voice, seed=i)
            stamp.write_text(text, encoding="utf-8")
        paths[label] = path
    return paths


def run_demo(
    scenario: Scenario,
    mode: str,
    level: str,
    work_dir: Path,
    *,
    voice: Callable[[str], None] | None = None,
    on_event: Callable[[object], None] | None = None,
    on_candidate: Callable[[DemoCandidate], None] | None = None,
    realtime: bool = False,
    candidate_voice: str = "hibari",
    steps: tuple[str, ...] | None = None,
    probes: tuple[int, ...] | None = None,
    model: str | None = None,
    followups: int = 0,
) -> DemoResult:
    """Run the strong, then the weak synthetic candidate through the full pipeline.

    Args:
        scenario: The scenario to answer.
        mode: Preparation mode id.
        level: Level id.
        work_dir: Where the synthesized answers are written (reused between demos).
        voice: Reads probes aloud (``None``: silent).
        on_event: Receives the runs' :class:`starcoach.run.RunEvent` objects.
        on_candidate: Called with each candidate before its run starts.
        realtime: Feed the answers at real-time pace, as if spoken into the microphone.
        candidate_voice: ``hibari`` or ``espeak``.
        steps: Steps to answer.
        probes: Probes to ask (default all).
        model: Whisper model name or path.
        followups: At most this many adaptive follow-ups; the candidate answers each with its own
            strong (or weak) model answer, spoken when the question is chosen.
    """
    sessions = []
    for candidate in (strong_candidate(scenario, level), weak_candidate(scenario)):
        if on_candidate is not None:
            on_candidate(candidate)
        folder = work_dir / scenario.id / candidate.name
        files = synthesize_answers(candidate, folder, voice=candidate_voice)
        plan = RunPlan(scenario, mode, level, steps=steps, probes=probes, followups=followups)
        run = MockRun(plan, _demo_sources(candidate, files, folder, candidate_voice, realtime, lambda: run),
                      voice=voice, on_event=on_event, model=model, source_kind="demo")
        sessions.append(run.run())
    return DemoResult(*sessions)


def _demo_sources(candidate: DemoCandidate, files: dict[str, Path], folder: Path, voice: str, realtime: bool,
                  current_run: Callable[[], object]):
    """The candidate's answer files; an adaptive follow-up's answer is spoken once it is chosen."""
    from starcoach.capture import FileSource
    from starcoach.run import answers_source_factory

    base = answers_source_factory(files, realtime=realtime)

    def factory(label: str):
        if not label.startswith("followup-"):
            return base(label)
        chosen = current_run().followups()
        number = int(label.split("-")[1])
        if number > len(chosen):
            return None
        probe = chosen[number - 1].probe
        text = probe.strong_answer if candidate.name == "strong" else probe.weak_answer
        spoken = synthesize_answers(DemoCandidate(candidate.name, {label: text}), folder, voice=voice)
        return FileSource(spoken[label], realtime=realtime)

    return factory


def _quoted(text: str) -> list[str]:
    """Phrases quoted in a common-mistake line: 'we figured out the root cause together'."""
    out = []
    for m in re.finditer(r"(?:(?<=\s)|^)[\"“‘']([^\"”’']+?)[\"”’'](?=[\s.,;:!?)-]|$)", text):
        phrase = m.group(1).strip()
        if len(phrase.split()) >= 3:
            out.append(phrase)
    return out


def _sentence(phrase: str) -> str:
    phrase = phrase.strip().rstrip(".")
    phrase = re.sub(r"\band team was\b", "and the team was", phrase)
    return phrase[:1].upper() + phrase[1:] + "."


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s.strip()]


def _first_sentence(text: str) -> str:
    sentences = _sentences(text)
    return sentences[0] if sentences else text
