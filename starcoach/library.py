"""The question bank as an interviewer uses it: pick a question, or a whole mock loop.

``starcoach run --principle P`` asks one random question for a leadership principle;
``starcoach run --loop N`` asks N questions, each for a different principle, the way an interview
loop spreads the principles over its interviewers. Both come from :func:`pick_scenarios`.
"""

from __future__ import annotations

import random
from collections.abc import Iterable

from starcoach.errors import ScenarioError
from starcoach.paths import scenario_dirs
from starcoach.scenario import LEADERSHIP_PRINCIPLES, Scenario, resolve_principle, scan


def covered_principles(scenarios: Iterable[Scenario]) -> list[str]:
    """The primary principles the scenarios cover, in Amazon's order of the principles."""
    primaries = {s.principle for s in scenarios}
    known = [p for p in LEADERSHIP_PRINCIPLES if p in primaries]
    return known + sorted(primaries - set(known))


def _listing(principles: Iterable[str]) -> str:
    """Principles as an error lists them, quoted (some names contain commas)."""
    return ", ".join(repr(p) for p in principles)


def pick_scenarios(
    principle: str | None = None,
    loop: int | None = None,
    rng: random.Random | None = None,
    scenarios: Iterable[Scenario] | None = None,
) -> list[Scenario]:
    """Random questions from the bank: one for a principle, or a mock loop.

    Args:
        principle: A leadership principle, loosely written ("dive deep", "curious"). Without
            ``loop``, the result is one random scenario whose primary principle it is (or, when
            no scenario has it as primary, one that lists it at all). With ``loop``, the loop
            includes a question for it.
        loop: The number of questions of a mock loop; each targets a different primary
            principle, in random order. None means a single question.
        rng: The source of randomness (a seeded ``random.Random`` for repeatable picks).
        scenarios: The bank to pick from; default: every valid scenario in the scenario folders
            (files that fail validation are left out, as ``starcoach scenarios`` does).

    Returns:
        One scenario, or ``loop`` scenarios with different primary principles.

    Raises:
        ScenarioError: The principle is unknown or has no scenario, the loop is smaller than 1
            or asks for more principles than the bank covers, or the bank is empty. The
            message lists the principles that can be asked.
    """
    rng = rng or random.Random()
    bank = _bank(scenarios)
    covered = covered_principles(bank)
    wanted = resolve_principle(principle) if principle is not None else None

    if loop is None:
        if wanted is None:
            return [rng.choice(bank)]
        return [rng.choice(_for_principle(bank, wanted, covered))]

    if isinstance(loop, bool) or not isinstance(loop, int) or loop < 1:
        raise ScenarioError(f"A mock loop of {loop!r} questions is not possible",
                            f"give a whole number from 1 to {len(covered)} "
                            f"(the principles covered: {_listing(covered)})")
    if loop > len(covered):
        raise ScenarioError(
            f"A mock loop of {loop} questions needs {loop} different principles, but the "
            f"scenarios cover only {len(covered)}",
            f"ask for {len(covered)} questions or fewer, or add scenarios for more principles "
            f"(covered: {_listing(covered)})",
            param="loop",
        )
    if wanted is None:
        principles = rng.sample(covered, loop)
        first = []
    else:
        first_pick = rng.choice(_for_principle(bank, wanted, covered))
        first = [first_pick]
        others = [p for p in covered if p != first_pick.principle]
        principles = rng.sample(others, loop - 1)
    picks = first + [rng.choice([s for s in bank if s.principle == p]) for p in principles]
    rng.shuffle(picks)
    return picks


def _bank(scenarios: Iterable[Scenario] | None) -> list[Scenario]:
    """The scenarios to pick from, sorted by id so a seeded rng always picks the same."""
    if scenarios is None:
        scenarios = scan().scenarios
    bank = sorted(scenarios, key=lambda s: s.id)
    if not bank:
        folders = ", ".join(str(d) for d in scenario_dirs())
        raise ScenarioError("No scenarios to pick from",
                            f"add scenario files to one of: {folders} (starcoach scenarios new ID)")
    return bank


def _for_principle(bank: list[Scenario], principle: str, covered: list[str]) -> list[Scenario]:
    """Scenarios with ``principle`` as primary, else any that list it; an error if none."""
    primary = [s for s in bank if s.principle == principle]
    if primary:
        return primary
    listed = [s for s in bank if principle in s.principles]
    if listed:
        return listed
    raise ScenarioError(f"No scenario for the principle {principle!r}",
                        f"pick one of the principles with scenarios: {_listing(covered)}, "
                        "or write one (starcoach scenarios new ID)")
