"""The scenario quiz: grading multiple-choice answers.

The questions live in the scenario (:class:`starcoach.scenario.QuizQuestion`); this module holds
the pure logic the ``starcoach quiz`` command drives: reading a typed choice, grading it, and the
score. It never prints or reads the keyboard.
"""

from __future__ import annotations

from dataclasses import dataclass

from starcoach.errors import StarcoachError
from starcoach.scenario import QuizQuestion, Scenario


class QuizInputError(StarcoachError):
    """A typed answer is not the number of one of the options."""


@dataclass(frozen=True)
class QuizAnswer:
    """One graded answer.

    Attributes:
        question: The question answered.
        chosen: Index into ``question.options`` of the option chosen.
    """

    question: QuizQuestion
    chosen: int

    @property
    def correct(self) -> bool:
        """Whether the chosen option is the right one."""
        return self.chosen == self.question.answer

    @property
    def chosen_option(self) -> str:
        """The text of the option chosen."""
        return self.question.options[self.chosen]

    @property
    def right_option(self) -> str:
        """The text of the right option."""
        return self.question.options[self.question.answer]


@dataclass(frozen=True)
class QuizResult:
    """A quiz taken on one scenario.

    Attributes:
        scenario_id: The scenario the questions come from.
        total: How many questions the quiz has.
        answers: The answers given, in question order (fewer than ``total`` if stopped early).
    """

    scenario_id: str
    total: int
    answers: tuple[QuizAnswer, ...]

    @property
    def score(self) -> int:
        """Number of right answers."""
        return sum(a.correct for a in self.answers)

    @property
    def finished(self) -> bool:
        """Whether every question was answered."""
        return len(self.answers) == self.total

    @property
    def missed(self) -> tuple[QuizAnswer, ...]:
        """The wrong answers, to review."""
        return tuple(a for a in self.answers if not a.correct)


def parse_choice(text: str, question: QuizQuestion) -> int:
    """The option index a typed answer means: "2" -> 1 (options are numbered from 1).

    Raises:
        QuizInputError: ``text`` is not a number from 1 to the number of options.
    """
    n = len(question.options)
    value = text.strip().rstrip(".)")
    if not value.isdigit() or not 1 <= int(value) <= n:
        raise QuizInputError(f"{text.strip()!r} is not an option", f"type a number from 1 to {n}")
    return int(value) - 1


def grade(question: QuizQuestion, chosen: int) -> QuizAnswer:
    """Grade choosing option index ``chosen`` (from 0) for ``question``.

    Raises:
        QuizInputError: ``chosen`` is not an index of the options.
    """
    if not 0 <= chosen < len(question.options):
        raise QuizInputError(f"Option {chosen + 1} does not exist",
                             f"choose 1 to {len(question.options)}")
    return QuizAnswer(question, chosen)


def take(scenario: Scenario, choices: list[int]) -> QuizResult:
    """Grade a list of chosen option indexes (from 0), one per question, in order.

    Fewer choices than questions is a quiz stopped early; more is an error.
    """
    if len(choices) > len(scenario.quiz):
        raise QuizInputError(f"{len(choices)} answers for {len(scenario.quiz)} questions",
                             "give one answer per question")
    answers = tuple(grade(q, c) for q, c in zip(scenario.quiz, choices))
    return QuizResult(scenario.id, len(scenario.quiz), answers)
