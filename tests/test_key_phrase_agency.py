"""A first-person key phrase ("I wrote") is conveyed only when the candidate is the doer."""

import pytest

from starcoach.analysis import analyze_answer
from starcoach.scenario import DEFAULT_SCENARIO_ID, find_scenario

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("text, found", [
    ("I wrote a minimal fix that added a lock around the retries.", True),
    ("A minimal fix was written and deployed.", False),          # agentless passive: nobody wrote it
    ("My lead wrote a minimal fix for the retries.", False),     # someone else did
])
def test_i_wrote_needs_the_candidate_as_the_doer(text, found):
    scenario = find_scenario(DEFAULT_SCENARIO_ID)
    result = analyze_answer(text, "action", scenario).to_dict()
    found_phrases = {k["phrase"] if "phrase" in k else k["text"] for k in result["key_phrases"]["found"]}
    missing = {k["phrase"] if "phrase" in k else k["text"] for k in result["key_phrases"]["missing"]}
    assert ("I wrote" in found_phrases) is found
    assert ("I wrote" in missing) is not found
