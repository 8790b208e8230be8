"""``starcoach scenarios`` and ``starcoach quiz``, run as the installed command."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from starcoach.scenario import DEFAULT_SCENARIO_ID, find_scenario

REPO = Path(__file__).resolve().parent.parent
STARCOACH = REPO / ".venv" / "bin" / "starcoach"
DATA = Path(__file__).resolve().parent / "data" / "scenarios"
SEED = REPO / "scenarios" / f"{DEFAULT_SCENARIO_ID}.toml"
GOLDEN = DATA / "seed-walkthrough.txt"


def starcoach(*args: str, stdin: str = "", cwd: Path | None = None, **env: str):
    """Run the real command; returns the CompletedProcess (text)."""
    command = [str(STARCOACH)] if STARCOACH.exists() else [sys.executable, "-m", "starcoach"]
    return subprocess.run(
        [*command, *args], input=stdin, capture_output=True, text=True, encoding="utf-8",
        cwd=cwd or REPO, env={**os.environ, "COLUMNS": "100", **env}, timeout=60,
    )


@pytest.fixture
def two_scenarios(tmp_path) -> Path:
    """A scenario folder with the seed and the minimal Dive Deep scenario."""
    folder = tmp_path / "bank"
    folder.mkdir()
    shutil.copy(SEED, folder)
    shutil.copy(DATA / "minimal.toml", folder)
    return folder


# --- scenarios (list) ----------------------------------------------------------------------------


def test_list_shows_the_seed():
    run = starcoach("scenarios")
    assert run.returncode == 0, run.stderr
    assert DEFAULT_SCENARIO_ID in run.stdout
    assert "Learn and Be Curious" in run.stdout
    assert "Describe a time you proactively learned something" in run.stdout


def test_list_json(two_scenarios):
    run = starcoach("scenarios", "--json", STARCOACH_SCENARIOS=str(two_scenarios))
    assert run.returncode == 0, run.stderr
    listed = json.loads(run.stdout)
    assert [item["id"] for item in listed] == [DEFAULT_SCENARIO_ID, "minimal"]
    seed = listed[0]
    assert seed["principle"] == "Learn and Be Curious"
    assert seed["principles"] == ["Learn and Be Curious", "Ownership"]
    assert seed["question"] == (
        "Describe a time you proactively learned something before it became necessary."
    )
    assert seed["path"] == str(two_scenarios / f"{DEFAULT_SCENARIO_ID}.toml")
    assert seed["title"] and seed["version"] == "1"


@pytest.mark.parametrize("typed, ids", [
    ("dive deep", ["minimal"]),
    ("Dive-Deep", ["minimal"]),
    ("OWNERSHIP", [DEFAULT_SCENARIO_ID]),  # a secondary principle counts
    ("curious", [DEFAULT_SCENARIO_ID]),
    ("frugality", []),
])
def test_list_filter_by_principle(two_scenarios, typed, ids):
    run = starcoach("scenarios", "--principle", typed, "--json",
                    STARCOACH_SCENARIOS=str(two_scenarios))
    assert run.returncode == 0, run.stderr
    assert [item["id"] for item in json.loads(run.stdout)] == ids


def test_list_filter_messages(two_scenarios):
    run = starcoach("scenarios", "--principle", "frugality", STARCOACH_SCENARIOS=str(two_scenarios))
    assert run.returncode == 0 and "No scenarios for Frugality yet." in run.stdout
    run = starcoach("scenarios", "--principle", "dive deeep", STARCOACH_SCENARIOS=str(two_scenarios))
    assert run.returncode == 1
    assert run.stderr.startswith(
        "starcoach: error E100: Unknown leadership principle 'dive deeep' — did you mean 'Dive Deep'?")
    assert "Traceback" not in run.stderr


def test_list_skips_a_broken_file_with_a_warning(two_scenarios):
    shutil.copy(DATA / "negative-target.toml", two_scenarios)
    run = starcoach("scenarios", "--json", STARCOACH_SCENARIOS=str(two_scenarios))
    assert run.returncode == 0
    assert [item["id"] for item in json.loads(run.stdout)] == [DEFAULT_SCENARIO_ID, "minimal"]
    bad = two_scenarios / "negative-target.toml"
    assert run.stderr == (
        f"starcoach: skipped {bad} (1 problem): see `starcoach scenarios validate {bad}`\n")


# --- scenarios show ------------------------------------------------------------------------------


def test_show_renders_the_whole_walkthrough():
    run = starcoach("scenarios", "show", DEFAULT_SCENARIO_ID)
    assert run.returncode == 0, run.stderr
    out = run.stdout
    for name, target in [("Situation", 30), ("Task", 20), ("Action", 90), ("Result", 20),
                         ("Reflection", 15)]:
        assert f"{name}  Target: {target}s" in out
    flat = " ".join(out.replace("│", " ").split())  # text as read, across wrapped lines
    for expected in [
        "Bar Raiser thinks Sounds competent but fails on ownership and impact; leaning No Hire for this LP.",
        "Key phrases “I pulled” · “I traced”",
        "Coaching Use 'I' for every sentence",
        "Common mistake Ending with 'things got better and team was happy'",
        "Senior version The real root cause was the lack of a shared webhook reliability SLO",
        "Time Keep to 2 minutes.", "Time 2.5-3 minutes.",
        "Probe 4 What would you do differently if faced with a similar issue again?",
        "Weak I would communicate more with the team.",
        "Key line “Propose shared SLO and cross-team alerting.”",
        "• No quantification of impact. (no-quantification)",
        "Downplay Minimize business impact details; focus on technical depth.",
        "3. Which phrase is a disqualifier for Learn and Be Curious ownership at Amazon?",
    ]:
        assert expected in flat
    # The quiz is shown without its answers.
    for question in find_scenario(DEFAULT_SCENARIO_ID).quiz:
        assert " ".join(question.why.split()) not in flat


def test_show_matches_golden_text():
    """The walkthrough rendered at a fixed width, compared with the reviewed text.

    After an intended change, regenerate with STARCOACH_UPDATE_GOLDEN=1 and review the diff.
    """
    from rich.console import Console

    from starcoach.report.walkthrough import walkthrough

    buffer = io.StringIO()
    Console(file=buffer, width=100, color_system=None, legacy_windows=False).print(
        *walkthrough(find_scenario(SEED)))
    rendered = "\n".join(line.rstrip() for line in buffer.getvalue().splitlines()) + "\n"
    if os.environ.get("STARCOACH_UPDATE_GOLDEN"):
        GOLDEN.write_text(rendered, encoding="utf-8")
    assert rendered == GOLDEN.read_text(encoding="utf-8")


def test_show_json_and_unknown_id():
    run = starcoach("scenarios", "show", DEFAULT_SCENARIO_ID, "--json")
    data = json.loads(run.stdout)
    assert [s["target_s"] for s in data["steps"]] == [30, 20, 90, 20, 15]
    assert data["quiz"][0]["answer"] == 1 and data["principle"] == "Learn and Be Curious"
    run = starcoach("scenarios", "show", "learn-and-be-curius")
    assert run.returncode == 1
    assert run.stderr.startswith("starcoach: error E101: No scenario with id 'learn-and-be-curius' — "
                                 f"did you mean {DEFAULT_SCENARIO_ID}?")


# --- scenarios validate --------------------------------------------------------------------------


def test_validate_good_files():
    run = starcoach("scenarios", "validate", str(SEED), str(DATA / "minimal.toml"))
    assert (run.returncode, run.stdout, run.stderr) == (0, "2 scenario files valid.\n", "")


def test_validate_the_bundled_bank():
    run = starcoach("scenarios", "validate", "scenarios")
    assert run.returncode == 0, run.stdout
    assert run.stdout.endswith(" valid.\n")


def test_validate_bad_files_one_line_per_problem():
    bad = ["tests/data/scenarios/negative-target.toml", "tests/data/scenarios/unknown-key.toml"]
    run = starcoach("scenarios", "validate", str(SEED), *bad)
    assert run.returncode == 1
    assert run.stdout.splitlines() == [
        f"{bad[0]}: steps[action].target_s: -5 is negative: expected target seconds, a positive "
        "number such as 30",
        f"{bad[1]}: overveiw: unknown key: did you mean 'overview'? expected one of id, version, "
        "title, principles, question, overview, takeaways, disqualifiers, steps, levels, probes, "
        "weak_answer, modes, quiz, framework",
        f"{bad[1]}: overview: missing: expected the story in one paragraph",
    ]
    assert run.stderr == "3 problems in 2 of 3 files (format: scenarios/README.md).\n"


def test_validate_malformed_toml_names_the_line():
    run = starcoach("scenarios", "validate", "tests/data/scenarios/malformed-toml.toml")
    assert run.returncode == 1
    assert run.stdout == (
        "tests/data/scenarios/malformed-toml.toml: line 6: malformed TOML: Expected '=' after a key "
        "in a key/value pair (line 6, column 10)\n")


# --- scenarios new -------------------------------------------------------------------------------


def test_new_then_fill_in_then_validate(tmp_path):
    from test_scenario import fill_in

    run = starcoach("scenarios", "new", "frugal-build-cache", "-o", str(tmp_path))
    path = tmp_path / "frugal-build-cache.toml"
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith(f"Wrote {path}\n")
    assert path.read_text().startswith("# Scenario frugal-build-cache:")

    run = starcoach("scenarios", "validate", str(path))
    assert run.returncode == 1
    lines = run.stdout.splitlines()
    assert f"{path}: title: still the template text: fill in a short title of the story for lists" in lines
    assert f"{path}: quiz[1].answer: still 0 from the template: fill in the number of the right " \
           "option, counting from 1" in lines
    assert all("fill in" in line for line in lines)

    path.write_text(fill_in(path.read_text()))
    run = starcoach("scenarios", "validate", str(path))
    assert (run.returncode, run.stdout) == (0, "1 scenario file valid.\n")
    run = starcoach("scenarios", "--principle", "frugality", "--json", STARCOACH_SCENARIOS=str(tmp_path))
    assert [item["id"] for item in json.loads(run.stdout)] == ["frugal-build-cache"]

    run = starcoach("scenarios", "new", "frugal-build-cache", "-o", str(tmp_path))
    assert run.returncode == 1 and "already exists" in run.stderr
    run = starcoach("scenarios", "new", "frugal-build-cache", "-o", str(tmp_path / "other.toml"))
    assert run.returncode == 1 and "name it frugal-build-cache.toml" in run.stderr
    run = starcoach("scenarios", "new", "Bad Id")
    assert run.returncode == 1 and "Invalid scenario id 'Bad Id'" in run.stderr


def test_new_default_is_the_users_scenario_folder(tmp_path, starcoach_home):
    run = starcoach("scenarios", "new", "my-story", cwd=tmp_path)
    path = starcoach_home / "scenarios" / "my-story.toml"
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith(f"Wrote {path}\n") and path.exists()
    # starcoach finds it there; half-written, it is skipped with a warning, the seed still lists.
    run = starcoach("scenarios", "--json", cwd=tmp_path)
    assert DEFAULT_SCENARIO_ID in [item["id"] for item in json.loads(run.stdout)]
    assert f"starcoach: skipped {path}" in run.stderr


# --- quiz ----------------------------------------------------------------------------------------


def test_quiz_with_piped_answers():
    run = starcoach("quiz", DEFAULT_SCENARIO_ID, stdin="2\n9\n1\n3\n")
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert "1/3  Which phrase best signals proactive ownership" in out
    assert "  4) I sent the Platform team a Slack message so they could handle it." in out
    assert out.count("✓ Right.") == 2
    assert "Please select one of the available options" in out  # the 9, asked again
    flat = " ".join(out.split())
    assert "✗ Wrong. The answer is 4) A metric delta, its business impact, and a second-order effect." in flat
    assert "Why: It states the scope boundary and shows the work was self-initiated" in flat
    assert out.rstrip().endswith("Score: 2/3")


def test_quiz_all_right_and_stopped_early():
    run = starcoach("quiz", stdin="2\n4\n3\n")  # the seed scenario by default
    assert run.returncode == 0 and "Score: 3/3" in run.stdout
    run = starcoach("quiz", stdin="1\n")
    assert run.returncode == 1
    assert "No more answers: stopping the quiz." in run.stdout
    assert "Score: 0/3 (1 answered)" in run.stdout


def test_quiz_no_input_prints_answers():
    run = starcoach("quiz", DEFAULT_SCENARIO_ID, "--no-input")
    assert run.returncode == 0
    flat = " ".join(run.stdout.split())
    assert "Answer: 2) Nobody had asked me to investigate this, but I decided to take ownership." in flat
    assert "Answer: 3) I sent them a Slack message and they handled it." in flat
    assert "Your answer" not in flat and "Score" not in flat


def test_quiz_unknown_scenario():
    run = starcoach("quiz", "nope", "--no-input")
    assert run.returncode == 1
    assert run.stderr.startswith("starcoach: error E101: No scenario with id 'nope'")


def test_help_is_fast_and_lists_the_commands():
    run = starcoach("--help")
    assert run.returncode == 0 and "scenarios" in run.stdout and "quiz" in run.stdout
    check = subprocess.run(
        [sys.executable, "-c", "import sys, starcoach.cli; starcoach.cli.build_parser(); "
         "print(sorted(m for m in ('rich', 'spacy', 'faster_whisper', 'numpy') if m in sys.modules))"],
        capture_output=True, text=True, cwd=REPO)
    assert check.stdout.strip() == "[]", check.stderr
