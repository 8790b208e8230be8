"""The finding-type registry (starcoach/data/findings.toml): one row per type, read by everything."""

from __future__ import annotations

import dataclasses

import pytest

from analyses import analysis, finding
from starcoach import findings
from starcoach.findings import FindingType, finding_type, registry


def test_every_row_is_complete_and_every_detector_has_one():
    from starcoach.analysis.lexicon import disqualifier_families

    reg = registry()
    for fam in disqualifier_families():  # each disqualifier family: its detector's row
        row = reg.types[fam.id]
        assert row.coaching and row.severity == "high" and row.label, fam.id
    for kind in findings.annotation_kinds():
        assert kind in reg.types
    assert [t.list for t in findings.highlighted_types()] == [
        "i_statements", "other_statements", "we_statements", "passive_statements", "quantified", "hedges", "fillers",
        "disqualifiers"]
    assert findings.sinking("ownership") == {"assigned", "handoff", "routing", "team-credit",
                                            "no-individual-contribution"}
    assert findings.sinking("impact") == {"vague-outcome", "no-quantification"}
    assert finding_type("not-a-type").label == "Not a type"


@pytest.mark.slow
def test_every_finding_the_analysis_makes_has_a_row():
    from starcoach.analysis import analyze_answer
    from starcoach.scenario import DEFAULT_SCENARIO_ID, find_scenario

    scenario = find_scenario(DEFAULT_SCENARIO_ID)
    seen = set()
    for step, text in (
        ("action", "Um, so we figured it out together, like, and a patch was deployed. I escalated it to my manager."),
        ("result", "Things got better and I think the team was kind of happy."),
        ("reflection", "I learned that communication is important, really really important."),
        ("task", "My manager asked me to look into it."),
    ):
        a = analyze_answer(text, step, scenario, level="senior", duration_s=60.0)
        for f in a.findings:
            seen.add(f.type)
            assert f.type in registry().types, f.type
            if f.type == "disqualifier":
                assert f.kind in registry().types, f.kind
            assert f.severity in findings.SEVERITIES
    assert {"disqualifier", "filler", "timing"} <= seen


def test_adding_a_finding_type_is_one_row(monkeypatch):
    """A new type reaches the summary's ranking, the Bar Raiser read and the feedback labels from its row."""
    from rich.console import Console

    from starcoach.report.feedback import fix_list
    from starcoach.scenario import DEFAULT_SCENARIO_ID, find_scenario
    from starcoach.session import StepResult
    from starcoach.summary import summarize

    row = FindingType("blame-shift", "Blame shift", coaching="Own the miss.", severity="high", bonus=3.0,
                      sinks="ownership")
    reg = registry()
    monkeypatch.setattr(findings, "registry", lambda: dataclasses.replace(reg, types={**reg.types, row.id: row}))
    shift = finding("disqualifier", "it was the other team's fault", "high", "blame-shift")
    a = analysis("action", "Honestly it was the other team's fault.", disqualifiers=[shift], findings=[shift],
                 checks={"individual_contribution": True})
    scenario = find_scenario(DEFAULT_SCENARIO_ID)
    s = summarize(scenario, "sde2", [StepResult("action", 80, 90, a.transcript, a)], planned=("action",))
    top = s.top_fixes[0]
    assert (top.kind, top.weight, top.coaching) == ("blame-shift", 11.0, "Own the miss.")
    assert any(r.startswith("Blame shift in action") for r in s.bar_raiser.against)
    assert s.bar_raiser.lean == "leaning no hire" and "ownership" in s.bar_raiser.headline
    console = Console(width=80, color_system=None, record=True)
    console.print(fix_list(a))
    assert "Disqualifier (blame shift)" in console.export_text()
