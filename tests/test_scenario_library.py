"""Every scenario of the question bank through the analyzer.

A scenario teaches by example, so its examples have to survive the same analysis a candidate's
answer gets: each strong example passes its step cleanly (no disqualifier or hand-off, an Action
told in the first person with no "we", a quantified Result), and each annotated weak answer is
flagged for what its annotations say. A scenario that fails here is fixed, not skipped.

Uses the real spaCy pipeline (loaded once for the module).
"""

from __future__ import annotations

import dataclasses
import re

import pytest

from starcoach.analysis import analyze_answer
from starcoach.scenario import ANNOTATION_KINDS, scan

pytestmark = pytest.mark.slow  # loads the spaCy pipeline

LIBRARY = scan()
SCENARIOS = {s.id: s for s in LIBRARY.scenarios}

#: The step a weak answer is analysed as to judge an annotation of each kind: ownership problems
#: are judged where ownership is shown (Action), impact problems in the Result, generic lessons
#: in the Reflection.
STEP_FOR_KIND = {
    "handoff": "action",
    "routing": "action",
    "assigned": "action",
    "team-credit": "action",
    "no-individual-contribution": "action",
    "no-quantification": "result",
    "vague-outcome": "result",
    "generic-reflection": "reflection",
}


#: Cases where the scenario text is right and the analyzer is not (yet): each one names what the
#: analyzer misses or mistakes. Marked strict, so a case that starts passing fails until it is
#: taken off this list. Never put a scenario here to avoid fixing its text. (None left: every
#: strong example and every annotation of the library passes.)
ANALYZER_GAPS: dict[str, str] = {}


def case(*values, id: str):
    """A test case, marked strict xfail when it is a known analyzer gap."""
    if id in ANALYZER_GAPS:
        return pytest.param(*values, id=id, marks=pytest.mark.xfail(
            reason=f"analyzer gap: {ANALYZER_GAPS[id]}", strict=True))
    return pytest.param(*values, id=id)


def strong_examples():
    for scenario in LIBRARY.scenarios:
        for step in scenario.steps:
            yield case(scenario.id, step.name, "strong_example", "sde2", id=f"{scenario.id}-{step.name}")
            if step.senior_example:
                yield case(scenario.id, step.name, "senior_example", "senior",
                           id=f"{scenario.id}-{step.name}-senior")


def annotations():
    for scenario in LIBRARY.scenarios:
        for i, note in enumerate(scenario.weak_answer.annotations, 1):
            yield case(scenario.id, i, id=f"{scenario.id}-{i}-{note.kind}")


_analyses: dict[tuple[str, str, str, str], object] = {}


def analysis(scenario_id: str, text: str, step: str, level: str = "sde2", own_disqualifiers=True):
    """The analysis of ``text`` as ``step`` (cached: weak answers are judged once per step).

    Without ``own_disqualifiers`` the scenario's own disqualifier phrases are left out, so what
    flags the answer is the analyzer's general judgment, not a phrase list written for it.
    """
    key = (scenario_id, text, step, level, own_disqualifiers)
    if key not in _analyses:
        scenario = SCENARIOS[scenario_id]
        if not own_disqualifiers:
            scenario = dataclasses.replace(scenario, disqualifiers=())
        _analyses[key] = analyze_answer(text, step, scenario, level=level)
    return _analyses[key]


def show(findings) -> str:
    return "; ".join(f"{f.kind}: {f.text!r}" for f in findings) or "none"


def locate(quote: str, text: str) -> tuple[int, int]:
    """Where ``quote`` is in ``text``, ignoring case and punctuation (as the loader checks it)."""
    words = re.findall(r"[a-z0-9]+", quote.lower())
    pattern = r"[^a-z0-9]+".join(map(re.escape, words))
    match = re.search(rf"(?<![a-z0-9]){pattern}(?![a-z0-9])", text.lower())
    assert match, f"quote {quote!r} not found in the weak answer"
    return match.start(), match.end()


def sentences_holding(quote: str, text: str) -> str:
    """The sentences of ``text`` that the quote touches."""
    start, end = locate(quote, text)
    ends = [m.end() for m in re.finditer(r"[.!?](?=\s|$)", text)]
    first = max([e for e in ends if e <= start], default=0)
    last = min([e for e in ends if e >= end], default=len(text))
    return text[first:last].strip()


# --- the bank itself ------------------------------------------------------------------------------


def test_every_scenario_file_is_valid():
    assert not LIBRARY.problems, "\n".join(map(str, LIBRARY.problems))
    assert len(SCENARIOS) >= 9


def test_annotation_kinds_all_have_a_step():
    assert set(STEP_FOR_KIND) == set(ANNOTATION_KINDS)


def test_known_analyzer_gaps_name_existing_cases():
    ids = {p.id for p in [*strong_examples(), *annotations()]}
    assert set(ANALYZER_GAPS) <= ids, set(ANALYZER_GAPS) - ids


# --- strong examples pass their step cleanly ------------------------------------------------------


@pytest.mark.parametrize("scenario_id, step, field, level", list(strong_examples()))
def test_strong_example_passes_its_step(scenario_id, step, field, level):
    scenario = SCENARIOS[scenario_id]
    text = getattr(scenario.step(step), field)
    a = analysis(scenario_id, text, step, level)
    where = f"{scenario.path.name} steps[{step}].{field}"

    assert not a.disqualifiers, f"{where} says a disqualifier: {show(a.disqualifiers)}"
    assert not a.handoffs, f"{where} hands the problem off: {show(a.handoffs)}"
    if step == "action":
        assert a.i_statements, f"{where} has no first-person statement"
        assert not a.we_statements, f"{where} has we-statements: {show(a.we_statements)}"
        others = len(a.other_statements) + len(a.passive_statements)
        assert len(a.i_statements) > 2 * others, (
            f"{where} is not told in the first person: {len(a.i_statements)} I-statements against "
            f"{show(a.other_statements + a.passive_statements)}"
        )
        assert a.checks["individual_contribution"].ok, f"{where}: {a.checks['individual_contribution'].note}"
    if step == "result":
        assert a.quantified, f"{where} has no quantified result"
        assert not [f for f in a.findings if f.type == "no-quantification"], f"{where} is not quantified"


def steps():
    for scenario in LIBRARY.scenarios:
        for step in scenario.steps:
            yield pytest.param(scenario.id, step.name, id=f"{scenario.id}-{step.name}")


@pytest.mark.parametrize("scenario_id, step", list(steps()))
def test_strong_example_conveys_its_key_phrases(scenario_id, step):
    scenario = SCENARIOS[scenario_id]
    model = scenario.step(step)
    text = f"{model.strong_example} {model.senior_example}".strip()
    a = analysis(scenario_id, text, step, "senior")
    missing = [k.phrase for k in a.key_phrases if not k.found]
    assert not missing, f"{scenario.path.name} steps[{step}]: the strong example does not convey {missing}"


# --- weak answers are flagged for what their annotations say --------------------------------------


@pytest.mark.parametrize("scenario_id, index", list(annotations()))
def test_weak_answer_is_flagged_as_annotated(scenario_id, index):
    """The words an annotation points at are flagged for its kind.

    An annotation with a quote is judged on the sentences holding the quote (a weak answer runs
    all the steps together; "I learned X is important" is judged as the reflection it is, not
    against the Action before it); one without a quote, and a missing individual contribution
    (which no single sentence can show), is judged on the whole answer. The scenario's
    own disqualifier list is left out: the analyzer has to recognise the problem by itself.
    """
    scenario = SCENARIOS[scenario_id]
    weak = scenario.weak_answer
    note = weak.annotations[index - 1]
    step = STEP_FOR_KIND[note.kind]
    whole = not note.quote or note.kind == "no-individual-contribution"
    text = weak.text if whole else sentences_holding(note.quote, weak.text)
    a = analysis(scenario_id, text, step, own_disqualifiers=False)
    where = (f"{scenario.path.name} weak_answer.annotations[{index}] ({note.kind}) on {text!r} "
             f"analysed as the {step}")

    if note.kind in ("handoff", "routing"):
        flagged = [f for f in a.handoffs + a.disqualifiers if f.kind == note.kind]
    elif note.kind in ("assigned", "vague-outcome"):
        flagged = [f for f in a.disqualifiers if f.kind == note.kind]
    elif note.kind == "team-credit":
        flagged = [f for f in a.disqualifiers if f.kind == "team-credit"] + list(a.we_statements)
    elif note.kind == "generic-reflection":
        flagged = [f for f in a.disqualifiers if f.kind == "generic-reflection"]
        flagged += [f for f in a.findings if f.type == "generic-reflection"]
    elif note.kind == "no-individual-contribution":
        flagged = [f for f in a.findings if f.type in ("no-individual-contribution", "first-person-low")]
    else:  # no-quantification
        flagged = [f for f in a.findings if f.type == "no-quantification"]
    if note.quote and note.kind in ("handoff", "routing", "assigned", "vague-outcome", "team-credit"):
        span = locate(note.quote, a.transcript)
        flagged = [f for f in flagged if f.overlaps(*span)]

    assert flagged, (
        f"{where} is not flagged as {note.kind}. Disqualifiers: {show(a.disqualifiers)}; "
        f"hand-offs: {show(a.handoffs)}; findings: {', '.join(sorted({f.type for f in a.findings}))}"
    )
