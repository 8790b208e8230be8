"""The scenario loader: the seed file's content, and every kind of bad file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from starcoach.errors import ScenarioError, ScenarioNotFound
from starcoach.quiz import QuizInputError, grade, parse_choice, take
from starcoach.scenario import (
    DEFAULT_SCENARIO_ID,
    LEADERSHIP_PRINCIPLES,
    STEP_NAMES,
    Problem,
    ScenarioInvalid,
    find_scenario,
    load_all,
    load_scenario,
    resolve_principle,
    scan,
    template,
    validate_files,
    with_principle,
)

REPO = Path(__file__).resolve().parent.parent
SEED = REPO / "scenarios" / f"{DEFAULT_SCENARIO_ID}.toml"
DATA = Path(__file__).resolve().parent / "data" / "scenarios"
MINIMAL = DATA / "minimal.toml"

STEPS = ", ".join(STEP_NAMES)
SECONDS = "expected target seconds, a positive number such as 30"


@pytest.fixture(scope="module")
def seed():
    return load_scenario(SEED)


# --- the seed scenario ---------------------------------------------------------------------------


def test_seed_identity(seed):
    assert seed.id == DEFAULT_SCENARIO_ID
    assert seed.principles == ("Learn and Be Curious", "Ownership")
    assert seed.principle == "Learn and Be Curious"
    assert seed.question == (
        "Describe a time you proactively learned something before it became necessary."
    )
    assert seed.version == "1"
    assert seed.path == SEED
    assert seed.overview.startswith("While working on my core service, I noticed a subtle 0.3%")
    assert seed.overview.endswith("$8K per week in lost revenue and improving cross-team reliability.")
    assert seed.takeaways.startswith("In this scenario, the candidate noticed")
    assert "organizational insight." in seed.takeaways


def test_seed_steps(seed):
    assert [s.name for s in seed.steps] == list(STEP_NAMES)
    assert [s.target_s for s in seed.steps] == [30, 20, 90, 20, 15]
    assert seed.total_target_s == 175
    action = seed.step("action")
    assert "I traced" in action.key_phrases
    assert action.key_phrases == (
        "I pulled", "I traced", "I taught myself", "I reproduced", "I wrote", "I added", "I submitted",
    )
    assert action.strong_example.startswith("I pulled the webhook delivery logs")
    assert action.common_mistake == (
        "Using 'we' language such as 'we figured out the root cause together' makes individual "
        "contribution invisible."
    )
    assert seed.step("task").coaching == (
        "Explicitly state the scope boundary to prove ownership was self-initiated, not assigned."
    )
    assert seed.step("situation").common_mistake == (
        "Spending 90 seconds on system architecture before reaching the problem - interviewer "
        "loses interest."
    )
    assert seed.step("result").key_phrases == (
        "0.3% drop rate went to zero", "$8K recovered per week", "adopted my dead letter queue pattern",
    )
    reflection = seed.step("reflection")
    assert reflection.strong_example.startswith("I learned that proactively acquiring cross-team")
    assert reflection.senior_example.startswith("The real root cause was the lack of a shared webhook")
    for step in seed.steps:
        assert step.strong_example and step.key_phrases and step.coaching and step.common_mistake


def test_seed_levels(seed):
    assert [lv.id for lv in seed.levels] == ["sde1", "sde2", "senior"]
    assert [lv.name for lv in seed.levels] == ["SDE1", "SDE2", "Senior SDE"]
    sde1, sde2, senior = seed.levels
    assert sde1.budget_label == "Keep to 2 minutes."
    assert sde1.budget_s[0] <= 120 <= sde1.budget_s[1]
    assert sde1.bar.startswith("Basic technical understanding")
    assert sde2.reflection == seed.step("reflection").strong_example
    assert 120 <= sde2.budget_s[0] <= sde2.budget_s[1] <= 150
    assert senior.budget_s == (150, 180)
    assert senior.budget_label == "2.5-3 minutes."
    assert senior.reflection.startswith("The root cause was the lack of shared webhook reliability SLOs")
    assert senior.bar == "Demonstrates systemic insight and trade-off articulation beyond code fixes."
    assert seed.level("senior") is senior


def test_seed_probes_weak_answer_modes_quiz(seed):
    assert len(seed.probes) == 4
    first = seed.probes[0]
    assert first.question == "How did you ensure your fix was accepted by the Platform team?"
    assert first.key_line == "I brought a solution, not just a problem."
    assert seed.probes[1].weak_answer == "My manager suggested I look into this since I had bandwidth."
    assert [p.key_line for p in seed.probes][2:] == [
        "I reproduced, tested, and monitored the fix.", "Propose shared SLO and cross-team alerting.",
    ]
    weak = seed.weak_answer
    assert [a.kind for a in weak.annotations] == [
        "handoff", "routing", "no-individual-contribution", "no-quantification", "vague-outcome",
    ]
    for note in weak.annotations:
        assert note.quote.lower() in weak.text.lower()
    assert weak.bar_raiser == (
        "Sounds competent but fails on ownership and impact; leaning No Hire for this LP."
    )
    assert {"I sent them a Slack message", "my manager suggested I look into", "they handled it",
            "I told the team about the fix"} <= set(seed.disqualifiers)
    assert [m.name for m in seed.modes] == ["Ownership", "Dive Deep", "Deliver Results"]
    assert seed.mode("deliver-results").emphasize == (
        "Highlight $8K/week recovery and adoption of your alert pattern as standard."
    )
    assert len(seed.quiz) == 3
    for question in seed.quiz:
        assert len(question.options) == 4 and 0 <= question.answer < 4 and question.why
    assert seed.quiz[2].options[seed.quiz[2].answer] == "I sent them a Slack message and they handled it."


def test_seed_is_found_by_id_and_by_path(seed):
    assert find_scenario(DEFAULT_SCENARIO_ID) == seed
    assert find_scenario(str(SEED)) == seed
    assert DEFAULT_SCENARIO_ID in [s.id for s in load_all()]


# --- bad files: one per problem, the exact message -----------------------------------------------

BAD = {
    "malformed-toml": [
        ("line 6", "malformed TOML: Expected '=' after a key in a key/value pair (line 6, column 10)"),
    ],
    "missing-field": [("steps[task].coaching", "missing: expected the one-line coaching tip")],
    "wrong-type": [
        ("principles", "got text 'Dive Deep': expected a list of leadership principles, the primary first"),
    ],
    "unknown-step": [("steps[3].name", f"unknown step 'actoin': expected one of {STEPS}")],
    "missing-step": [("steps", f"missing step 'reflection': expected all of {STEPS}, in that order")],
    "steps-out-of-order": [
        ("steps", f"steps out of order (task, situation, action, result, reflection): expected {STEPS}"),
    ],
    "duplicate-step": [("steps", "duplicate step 'action': expected each step once")],
    "missing-target": [("steps[action].target_s", f"missing: {SECONDS}")],
    "negative-target": [("steps[action].target_s", f"-5 is negative: {SECONDS}")],
    "non-number-target": [("steps[action].target_s", f"got text '90s': {SECONDS}")],
    "duplicate-probe": [("probes[2].question", "duplicate probe: same question as probes[1]")],
    "quiz-answer-out-of-range": [
        ("quiz[1].answer", "3 is out of range: expected the number of the right option, 1 to 2"),
    ],
    "unknown-mode": [
        ("modes[2].id", "unknown mode 'dive_deep': expected one of ownership, dive-deep, deliver-results"),
    ],
    "unknown-level": [("levels[3].id", "unknown level 'principal': expected one of sde1, sde2, senior")],
    "unknown-annotation-kind": [
        ("weak_answer.annotations[1].kind",
         "unknown annotation kind 'hand-off': expected one of handoff, routing, "
         "no-individual-contribution, no-quantification, vague-outcome, assigned, team-credit, "
         "generic-reflection"),
    ],
    "unknown-key": [
        ("overveiw", "unknown key: did you mean 'overview'? expected one of id, version, title, "
                     "principles, question, overview, takeaways, disqualifiers, steps, levels, probes, "
                     "weak_answer, modes, quiz, framework"),
        ("overview", "missing: expected the story in one paragraph"),
    ],
    "unknown-principle": [
        ("principles[1]", "unknown leadership principle 'Dive Deeper': did you mean 'Dive Deep'? "
                          "expected one of " + ", ".join(repr(p) for p in LEADERSHIP_PRINCIPLES)),
    ],
    "annotation-quote-not-in-text": [
        ("weak_answer.annotations[1].quote",
         "'they fixed it' does not appear in weak_answer.text: expected words quoted from "
         "weak_answer.text, or \"\" for the whole answer"),
    ],
    "id-mismatch": [
        ("id", "'some-other-id' does not match the file name 'id-mismatch.toml': expected the file "
               "to be called some-other-id.toml (or change the id)"),
    ],
    "disqualifier-in-strong-example": [
        ("steps[action].strong_example",
         "contains the disqualifier 'they handled it': expected a strong example free of this "
         "scenario's disqualifiers"),
    ],
    "budget-reversed": [
        ("levels[senior].budget_s",
         "min 180 is more than max 150: expected [min, max] seconds for the whole answer, "
         "e.g. [105, 135]"),
    ],
}


def test_every_bad_file_has_a_case():
    assert {p.stem for p in DATA.glob("*.toml")} == set(BAD) | {"minimal"}


def test_minimal_file_is_valid():
    scenario = load_scenario(MINIMAL)
    assert scenario.id == "minimal" and scenario.principles == ("Dive Deep",)
    assert validate_files([MINIMAL]) == []


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_file_problems(name):
    path = DATA / f"{name}.toml"
    problems = validate_files([path])
    assert [(p.field, p.message) for p in problems] == BAD[name]
    assert all(p.path == path for p in problems)
    with pytest.raises(ScenarioInvalid) as info:
        load_scenario(path)
    assert info.value.problems == tuple(problems)
    assert isinstance(info.value, ScenarioError)  # the CLI turns it into lines, no traceback
    if len(problems) == 1:
        assert str(info.value) == f"{path}: {BAD[name][0][0]}: {BAD[name][0][1]}"


def test_malformed_toml_has_line_number():
    (problem,) = validate_files([DATA / "malformed-toml.toml"])
    assert problem.line == 6


def test_many_problems_are_listed_one_per_line(tmp_path):
    path = tmp_path / "minimal.toml"
    text = MINIMAL.read_text().replace("target_s = 90", "target_s = -1").replace(
        'id = "senior"', 'id = "staff"')
    path.write_text(text)
    with pytest.raises(ScenarioInvalid) as info:
        load_scenario(path)
    lines = str(info.value).splitlines()
    assert lines[0] == f"{path} has 2 problems (format: scenarios/README.md):"
    assert lines[1:] == [
        f"  {path}: steps[action].target_s: -1 is negative: {SECONDS}",
        f"  {path}: levels[3].id: unknown level 'staff': expected one of sde1, sde2, senior",
    ]


def test_missing_file():
    (problem,) = validate_files([DATA / "nope.toml"])
    assert problem.field == "(file)" and problem.message.startswith("cannot read it:")


# --- several files: load_all, scan, duplicates, find_scenario ------------------------------------


def test_an_id_in_a_later_folder_replaces_the_earlier_one(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    shutil.copy(MINIMAL, a), shutil.copy(MINIMAL, b)
    # the user's folder comes after the bundled bank: the user's copy wins, and says what it replaces
    library = scan([a, b])
    assert library.problems == ()
    assert library.ids == ["minimal"] and library.scenarios[0].path == b / "minimal.toml"
    assert library.scenarios[0].replaces == str(a / "minimal.toml")
    assert library.replacing == list(library.scenarios)
    assert [s.path for s in load_all([a, b])] == [b / "minimal.toml"]
    # validating the two files together still names the clash
    (problem,) = validate_files([a, b])
    assert problem.field == "id" and problem.message.startswith("duplicate id 'minimal'")


def test_load_all_sorted_and_strict(tmp_path, monkeypatch):
    shutil.copy(SEED, tmp_path), shutil.copy(MINIMAL, tmp_path)
    assert [s.id for s in load_all([tmp_path])] == [DEFAULT_SCENARIO_ID, "minimal"]
    shutil.copy(DATA / "negative-target.toml", tmp_path)
    with pytest.raises(ScenarioInvalid, match="-5 is negative"):
        load_all([tmp_path])
    # scan() keeps going: the valid ones load, the bad file is a problem.
    library = scan([tmp_path])
    assert library.ids == [DEFAULT_SCENARIO_ID, "minimal"]
    assert [p.path.name for p in library.problems] == ["negative-target.toml"]
    # load_all() with no argument reads STARCOACH_SCENARIOS (via paths.scenario_dirs()).
    monkeypatch.setenv("STARCOACH_SCENARIOS", str(DATA / "nowhere"))
    assert load_all() == []


def test_find_scenario_unknown_id_lists_close_matches():
    with pytest.raises(ScenarioNotFound) as info:
        find_scenario("learn-and-be-curius")
    assert info.value.message == "No scenario with id 'learn-and-be-curius'"
    assert info.value.fix.startswith(f"did you mean {DEFAULT_SCENARIO_ID}")
    assert f"Available: " in info.value.fix and DEFAULT_SCENARIO_ID in info.value.fix.split("Available: ")[1]


def test_find_scenario_reports_the_broken_file_of_that_id(tmp_path, monkeypatch):
    shutil.copy(DATA / "unknown-step.toml", tmp_path)
    monkeypatch.setenv("STARCOACH_SCENARIOS", str(tmp_path))
    with pytest.raises(ScenarioInvalid, match="unknown step 'actoin'"):
        find_scenario("unknown-step")
    with pytest.raises(ScenarioNotFound, match="No scenario file"):
        find_scenario(str(tmp_path / "absent.toml"))


# --- principles ----------------------------------------------------------------------------------


@pytest.mark.parametrize("typed, principle", [
    ("dive deep", "Dive Deep"),
    ("Dive-Deep", "Dive Deep"),
    ("DIVE_DEEP", "Dive Deep"),
    ("learn & be curious", "Learn and Be Curious"),
    ("curious", "Learn and Be Curious"),
    ("are right a lot", "Are Right, A Lot"),
    ("disagree and commit", "Have Backbone; Disagree and Commit"),
])
def test_resolve_principle(typed, principle):
    assert resolve_principle(typed) == principle


def test_resolve_principle_errors():
    with pytest.raises(ScenarioError, match="did you mean 'Dive Deep'"):
        resolve_principle("dive deeep")
    with pytest.raises(ScenarioError, match="ambiguous"):
        resolve_principle("be")


def test_with_principle_matches_secondary_principles(seed):
    minimal = load_scenario(MINIMAL)
    assert with_principle([seed, minimal], "ownership") == [seed]
    assert with_principle([seed, minimal], "dive-deep") == [minimal]
    assert with_principle([seed, minimal], "frugality") == []


# --- the template --------------------------------------------------------------------------------


def fill_in(text: str) -> str:
    """Fill a ``scenarios new`` template as an author would: every FILL IN replaced."""
    import itertools
    import re

    counter = itertools.count(1)
    text = text.replace('kind = "FILL IN: the annotation kind"', 'kind = "no-quantification"')
    text = text.replace('["FILL IN: the primary leadership principle"]', '["Frugality"]')
    text = text.replace("answer = 0", "answer = 2")
    return re.sub(r'"FILL IN[^"]*"', lambda m: f'"Written text {next(counter):03d}."', text)


def test_template_fails_until_filled_in(tmp_path):
    path = tmp_path / "cheap-load-test.toml"
    path.write_text(template("cheap-load-test"))
    problems = validate_files([path])
    assert len(problems) > 40
    assert all("fill in" in p.message for p in problems)
    assert Problem(path, "title", "still the template text: fill in a short title of the story "
                                  "for lists") in problems
    assert Problem(path, "quiz[1].answer", "still 0 from the template: fill in the number of the "
                                           "right option, counting from 1") in problems
    path.write_text(fill_in(path.read_text()))
    assert validate_files([path]) == []
    scenario = load_scenario(path)
    assert scenario.principles == ("Frugality",)
    assert [s.target_s for s in scenario.steps] == [30, 20, 90, 20, 15]
    assert scenario.quiz[0].answer == 1


def test_template_rejects_a_bad_id():
    with pytest.raises(ScenarioError, match="Invalid scenario id 'My Story'"):
        template("My Story")


# --- quiz logic ----------------------------------------------------------------------------------


def test_quiz_grading(seed):
    q = seed.quiz[0]
    assert parse_choice(" 2 ", q) == 1 and parse_choice("2)", q) == 1
    for typed in ("0", "5", "two", ""):
        with pytest.raises(QuizInputError, match="type a number from 1 to 4"):
            parse_choice(typed, q)
    assert grade(q, 1).correct and not grade(q, 0).correct
    assert grade(q, 0).right_option == q.options[1]
    result = take(seed, [1, 0, 2])
    assert (result.score, result.total, result.finished) == (2, 3, True)
    assert [a.question for a in result.missed] == [seed.quiz[1]]
    partial = take(seed, [1])
    assert (partial.score, partial.finished) == (1, False)
    with pytest.raises(QuizInputError):
        take(seed, [0, 0, 0, 0])
