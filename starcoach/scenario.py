"""Scenarios: one behavioural interview question with everything needed to coach it.

A scenario is a TOML file in ``scenarios/`` (see ``scenarios/README.md`` for the format). This
module defines the dataclasses every other part uses and the loader that validates a file
against the schema, raising :class:`starcoach.errors.ScenarioError` with the file, the field and
what was expected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

#: The STAR steps, in the order a candidate answers them.
STEP_NAMES: tuple[str, ...] = ("situation", "task", "action", "result", "reflection")

#: Level ids, in order of seniority, with their display names.
LEVEL_NAMES: dict[str, str] = {"sde1": "SDE1", "sde2": "SDE2", "senior": "Senior SDE"}

#: Preparation-mode ids with their display names.
MODE_NAMES: dict[str, str] = {
    "ownership": "Ownership",
    "dive-deep": "Dive Deep",
    "deliver-results": "Deliver Results",
}


@dataclass(frozen=True)
class Step:
    """One STAR step of the model answer.

    Attributes:
        name: One of :data:`STEP_NAMES`.
        target_s: Target speaking time in seconds.
        strong_example: What a strong answer for this step sounds like.
        key_phrases: Phrases of the strong example a good answer conveys.
        coaching: The one-line coaching tip for this step.
        common_mistake: The mistake candidates most often make here.
    """

    name: str
    target_s: float
    strong_example: str
    key_phrases: tuple[str, ...]
    coaching: str
    common_mistake: str


@dataclass(frozen=True)
class Level:
    """A seniority level's expectations.

    Attributes:
        id: ``sde1``, ``sde2`` or ``senior``.
        name: Display name ("SDE1", "SDE2", "Senior SDE").
        guidance: How to pitch the story at this level.
        reflection: A model reflection at this level.
        bar: What the bar is for this level.
        budget_s: (min, max) seconds for the whole answer.
        budget_label: The budget as the walkthrough says it ("Keep to 2 minutes").
    """

    id: str
    name: str
    guidance: str
    reflection: str
    bar: str
    budget_s: tuple[float, float]
    budget_label: str


@dataclass(frozen=True)
class Probe:
    """A follow-up question the interviewer asks after the answer.

    Attributes:
        question: What the interviewer asks.
        probes: What the question tests ("Cross-team collaboration and ownership").
        weak_answer: A typical weak answer.
        weak_why: Why that answer is weak.
        strong_answer: A strong answer.
        key_line: The line of the strong answer that carries it.
    """

    question: str
    probes: str
    weak_answer: str
    weak_why: str
    strong_answer: str
    key_line: str


@dataclass(frozen=True)
class Annotation:
    """One annotation on the weak answer.

    Attributes:
        note: The annotation as written ("'I did escalate it' shows handing off responsibility.").
        quote: The words of the weak answer it points at, or "" when it is about the whole answer.
        kind: Which analysis finding should flag it: ``handoff``, ``routing``,
            ``no-individual-contribution``, ``no-quantification``, ``vague-outcome``,
            ``assigned``, ``team-credit`` or ``generic-reflection``.
    """

    note: str
    quote: str
    kind: str


@dataclass(frozen=True)
class WeakAnswer:
    """The annotated weak answer and the Bar Raiser's read of it."""

    text: str
    annotations: tuple[Annotation, ...]
    bar_raiser: str


@dataclass(frozen=True)
class Mode:
    """A preparation mode: which angle of the story to lead with.

    Attributes:
        id: ``ownership``, ``dive-deep`` or ``deliver-results``.
        name: Display name.
        lead_in: How to open the story in this mode.
        emphasize: What to emphasize.
        downplay: What to downplay.
    """

    id: str
    name: str
    lead_in: str
    emphasize: str
    downplay: str


@dataclass(frozen=True)
class QuizQuestion:
    """A multiple-choice question about the scenario.

    Attributes:
        question: The question.
        options: The choices, in display order.
        answer: Index into ``options`` of the right answer.
        why: Why that answer is right (and the others are not).
    """

    question: str
    options: tuple[str, ...]
    answer: int
    why: str


@dataclass(frozen=True)
class Scenario:
    """A complete behavioural question walkthrough.

    Attributes:
        id: Stable id, the file name without ``.toml``.
        version: Content version; bump it when the scenario changes (sessions record it).
        title: Short title for lists.
        principles: Leadership principles it targets, first is the primary.
        question: The interview question as asked.
        overview: The story in one paragraph.
        takeaways: What makes the strong answer strong (the walkthrough's summary).
        steps: The five STAR steps in :data:`STEP_NAMES` order.
        levels: Level expectations, ordered sde1, sde2, senior.
        probes: Follow-up probes in the order they are asked.
        weak_answer: The annotated weak answer with the Bar Raiser read.
        disqualifiers: Phrases that sink an answer to this question specifically.
        modes: The three preparation modes.
        quiz: Quiz questions.
        path: The file it was loaded from.
    """

    id: str
    version: str
    title: str
    principles: tuple[str, ...]
    question: str
    overview: str
    takeaways: str
    steps: tuple[Step, ...]
    levels: tuple[Level, ...]
    probes: tuple[Probe, ...]
    weak_answer: WeakAnswer
    disqualifiers: tuple[str, ...]
    modes: tuple[Mode, ...]
    quiz: tuple[QuizQuestion, ...]
    path: Path | None = field(default=None, compare=False)

    @property
    def principle(self) -> str:
        """The primary leadership principle."""
        return self.principles[0]

    def step(self, name: str) -> Step:
        """The step called ``name`` (one of :data:`STEP_NAMES`)."""
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(name)

    def level(self, level_id: str) -> Level:
        """The level with id ``level_id`` (``sde1``, ``sde2``, ``senior``)."""
        for level in self.levels:
            if level.id == level_id:
                return level
        raise KeyError(level_id)

    def mode(self, mode_id: str) -> Mode:
        """The preparation mode with id ``mode_id``."""
        for mode in self.modes:
            if mode.id == mode_id:
                return mode
        raise KeyError(mode_id)

    @property
    def total_target_s(self) -> float:
        """Sum of the step targets."""
        return sum(s.target_s for s in self.steps)


#: Id of the seed scenario, the default everywhere a scenario is optional.
DEFAULT_SCENARIO_ID = "learn-and-be-curious-proactive-learning"

# --- loading and validation: load_scenario(path), load_all(), find_scenario(id) below ---
