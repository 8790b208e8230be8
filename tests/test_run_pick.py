"""`starcoach run --principle P` and `--loop N`: random questions from the scenario bank."""

from __future__ import annotations

import argparse
import json

import pytest

from starcoach.cli import main
from starcoach.cli.run import pick_for_run


def _args(**kw) -> argparse.Namespace:
    base = dict(scenario=None, resume=None, answers=None, principle=None, loop=None, seed=7)
    return argparse.Namespace(**{**base, **kw})


def test_loop_picks_different_principles_and_repeats_with_a_seed():
    first = pick_for_run(_args(loop=5))
    assert len(first) == 5
    assert len({s.principle for s in first}) == 5
    assert [s.id for s in pick_for_run(_args(loop=5))] == [s.id for s in first]


def test_principle_picks_a_question_for_that_principle():
    (picked,) = pick_for_run(_args(principle="dive-deep"))
    assert picked.principle == "Dive Deep"


@pytest.mark.parametrize("argv, message", [
    (["run", "learn-and-be-curious-proactive-learning", "--principle", "Ownership"], "not both"),
    (["run", "--loop", "3", "--answers", "somewhere", "--no-input"], "cannot use one --answers folder"),
    (["run", "--principle", "Patience"], "Unknown leadership principle 'Patience'"),
])
def test_bad_combinations_are_one_line(argv, message, capsys):
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


@pytest.mark.slow
def test_scripted_run_for_a_principle_uses_the_picked_scenario(tmp_path, say, capsys):
    (picked,) = pick_for_run(_args(principle="Frugality"))
    answers = tmp_path / "answers"
    answers.mkdir()
    (answers / "situation.wav").symlink_to(say(picked.step("situation").strong_example))
    code = main(["run", "--principle", "Frugality", "--seed", "7", "--answers", str(answers), "--no-input",
                 "--only", "situation", "--probes", "none", "--mode", "ownership", "--level", "sde2", "--json"])
    assert code == 0
    session = json.loads(capsys.readouterr().out)
    assert session["scenario"] == picked.id
    assert [s["step"] for s in session["steps"]] == ["situation"]
    assert session["steps"][0]["transcript"]
