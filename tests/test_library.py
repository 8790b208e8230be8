"""Picking questions from the bank: one for a principle, or a mock loop across principles."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import pytest

from starcoach.errors import ScenarioError
from starcoach.library import covered_principles, pick_scenarios
from starcoach.scenario import DEFAULT_SCENARIO_ID, LEADERSHIP_PRINCIPLES, load_scenario, scan

REPO = Path(__file__).resolve().parent.parent
SEED = REPO / "scenarios" / f"{DEFAULT_SCENARIO_ID}.toml"


@pytest.fixture(scope="module")
def seed():
    return load_scenario(SEED)


@pytest.fixture(scope="module")
def bank(seed):
    """A small bank: two Ownership questions, one each for three other principles, and one
    question whose only mention of Frugality is as a secondary principle."""

    def make(id_, *principles):
        return dataclasses.replace(seed, id=id_, principles=principles)

    return [
        make("own-a", "Ownership"),
        make("own-b", "Ownership", "Dive Deep"),
        make("curious", "Learn and Be Curious", "Ownership"),
        make("deep", "Dive Deep"),
        make("results", "Deliver Results", "Frugality"),
    ]


def ids(scenarios):
    return [s.id for s in scenarios]


# --- one question ---------------------------------------------------------------------------------


def test_no_principle_picks_one_from_the_whole_bank(bank):
    seen = {pick_scenarios(rng=random.Random(n), scenarios=bank)[0].id for n in range(200)}
    assert seen == set(ids(bank))


def test_principle_picks_among_its_primary_scenarios_only(bank):
    seen = set()
    for n in range(100):
        picked = pick_scenarios("Ownership", rng=random.Random(n), scenarios=bank)
        assert len(picked) == 1
        seen.add(picked[0].id)
    # "curious" lists Ownership as secondary: primary matches come first.
    assert seen == {"own-a", "own-b"}


@pytest.mark.parametrize("typed", ["dive deep", "Dive-Deep", "DIVE DEEP", "deep"])
def test_principle_is_resolved_loosely(bank, typed):
    assert ids(pick_scenarios(typed, rng=random.Random(0), scenarios=bank)) == ["deep"]


def test_principle_only_secondary_falls_back_to_scenarios_that_list_it(bank):
    assert ids(pick_scenarios("frugality", rng=random.Random(3), scenarios=bank)) == ["results"]


def test_seeded_picks_repeat_whatever_the_order_of_the_bank(bank):
    forward = [pick_scenarios(rng=random.Random(n), scenarios=bank)[0].id for n in range(20)]
    backward = [pick_scenarios(rng=random.Random(n), scenarios=bank[::-1])[0].id for n in range(20)]
    assert forward == backward


def test_unknown_principle_lists_the_principles(bank):
    with pytest.raises(ScenarioError) as e:
        pick_scenarios("dive deeep", scenarios=bank)
    assert e.value.message == "Unknown leadership principle 'dive deeep'"
    assert "did you mean 'Dive Deep'?" in e.value.fix
    for principle in LEADERSHIP_PRINCIPLES:
        assert principle in e.value.fix


def test_principle_without_any_scenario_lists_the_covered_ones(bank):
    with pytest.raises(ScenarioError) as e:
        pick_scenarios("Think Big", scenarios=bank)
    assert e.value.message == "No scenario for the principle 'Think Big'"
    assert e.value.fix.startswith(
        "pick one of the principles with scenarios: 'Ownership', 'Learn and Be Curious', "
        "'Dive Deep', 'Deliver Results'"
    )


def test_empty_bank_says_where_to_add_scenarios():
    with pytest.raises(ScenarioError) as e:
        pick_scenarios(scenarios=[])
    assert e.value.message == "No scenarios to pick from"
    assert "starcoach scenarios new ID" in e.value.fix


# --- a mock loop ----------------------------------------------------------------------------------


def test_covered_principles_are_the_primaries_in_amazon_order(bank):
    assert covered_principles(bank) == [
        "Ownership", "Learn and Be Curious", "Dive Deep", "Deliver Results",
    ]


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_loop_asks_n_different_principles(bank, n):
    for seed_ in range(30):
        picked = pick_scenarios(loop=n, rng=random.Random(seed_), scenarios=bank)
        principles = [s.principle for s in picked]
        assert len(picked) == n
        assert len(set(principles)) == n, principles


def test_full_loop_covers_every_principle_and_varies_the_order(bank):
    orders = set()
    for seed_ in range(30):
        picked = pick_scenarios(loop=4, rng=random.Random(seed_), scenarios=bank)
        assert sorted(s.principle for s in picked) == sorted(covered_principles(bank))
        orders.add(tuple(s.principle for s in picked))
    assert len(orders) > 1


def test_loop_with_a_principle_includes_it(bank):
    for seed_ in range(30):
        picked = pick_scenarios("curious", loop=2, rng=random.Random(seed_), scenarios=bank)
        principles = [s.principle for s in picked]
        assert "Learn and Be Curious" in principles
        assert len(set(principles)) == 2


def test_loop_larger_than_the_principles_covered(bank):
    with pytest.raises(ScenarioError) as e:
        pick_scenarios(loop=5, scenarios=bank)
    assert e.value.message == (
        "A mock loop of 5 questions needs 5 different principles, but the scenarios cover only 4"
    )
    assert e.value.param == "loop"
    assert e.value.fix == (
        "ask for 4 questions or fewer, or add scenarios for more principles (covered: 'Ownership', "
        "'Learn and Be Curious', 'Dive Deep', 'Deliver Results')"
    )


@pytest.mark.parametrize("n", [0, -2])
def test_loop_below_one_is_refused(bank, n):
    with pytest.raises(ScenarioError) as e:
        pick_scenarios(loop=n, scenarios=bank)
    assert e.value.message == f"A mock loop of {n} questions is not possible"
    assert e.value.fix.startswith("give a whole number from 1 to 4")


# --- the bundled question bank --------------------------------------------------------------------


def test_bundled_bank_default_loop_spans_different_principles():
    bundled = scan().scenarios
    covered = covered_principles(bundled)
    assert len(covered) >= 9
    picked = pick_scenarios(loop=len(covered), rng=random.Random(7))
    assert sorted(s.principle for s in picked) == sorted(covered)


@pytest.mark.parametrize("principle", [
    "Customer Obsession", "Ownership", "Invent and Simplify", "Are Right, A Lot",
    "Learn and Be Curious", "Hire and Develop the Best", "Insist on the Highest Standards",
    "Think Big", "Bias for Action",
])
def test_bundled_bank_has_a_question_for(principle):
    assert pick_scenarios(principle, rng=random.Random(1))[0].principle == principle
