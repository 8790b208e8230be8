"""Scripted runs: ``starcoach run --answers DIR --no-input`` on synthesized answers (real models).

Covers the JSON contract other parts rely on, ``--realtime`` (files fed at real-time pace through
the microphone's path) and whole-answer mode (``--continuous``). The full strong and weak
candidates are checked in tests/test_demo.py, which runs them through the same pipeline.
"""

from __future__ import annotations

import json
import time

import pytest

from starcoach.cli import main
from starcoach.demo import strong_candidate, synthesize_answers, weak_candidate
from starcoach.scenario import DEFAULT_SCENARIO_ID, find_scenario

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def scenario():
    return find_scenario(DEFAULT_SCENARIO_ID)


@pytest.fixture(scope="module")
def weak_files(scenario, speech_cache):
    return synthesize_answers(weak_candidate(scenario), speech_cache / "weak-candidate",
                              labels=("task", "result", "probe-2"))


@pytest.fixture(scope="module")
def strong_files(scenario, speech_cache):
    return synthesize_answers(strong_candidate(scenario), speech_cache / "strong-candidate")


def _json_run(capsys, args: list[str]) -> dict:
    assert main(args) == 0
    return json.loads(capsys.readouterr().out)


def test_json_contract_and_weak_findings(capsys, tmp_path, weak_files, starcoach_home):
    answers = tmp_path / "answers"
    answers.mkdir()
    # any audio extension: the task answer as FLAC, the result as WAV, the probe as OGG
    import soundfile as sf

    for label, ext in (("task", "flac"), ("result", "wav"), ("probe-2", "ogg")):
        data, rate = sf.read(str(weak_files[label]))
        sf.write(str(answers / f"{label}.{ext}"), data, rate)
    out = _json_run(capsys, ["run", "--answers", str(answers), "--no-input", "--json", "--only", "task,result",
                             "--probes", "2", "--mode", "deliver-results", "--level", "senior"])
    assert {"session_id", "scenario", "mode", "level", "steps", "probes", "total_s", "budget_s", "summary"} <= set(out)
    assert out["scenario"] == DEFAULT_SCENARIO_ID and out["mode"] == "deliver-results" and out["level"] == "senior"
    assert [s["step"] for s in out["steps"]] == ["task", "result"]
    for step in out["steps"]:
        assert {"step", "duration_s", "target_s", "transcript", "analysis"} <= set(step)
        assert step["analysis"]["step"] == step["step"] and "findings" in step["analysis"]
    task, result = out["steps"]
    assert task["target_s"] == 20 and task["duration_s"] == pytest.approx(sf.info(str(weak_files["task"])).duration, abs=0.1)
    assert "manager asked me" in task["transcript"].lower()
    assert "assigned" in {d["kind"] for d in task["analysis"]["disqualifiers"]}
    assert "vague-outcome" in {d["kind"] for d in result["analysis"]["disqualifiers"]}
    assert result["analysis"]["quantified"] == []
    assert len(out["probes"]) == 1
    probe = out["probes"][0]
    assert {"question", "transcript", "verdict"} <= set(probe)
    assert probe["question"].startswith("What motivated you") and probe["verdict"] == "weak"
    assert out["budget_s"] == 180 and out["total_s"] == pytest.approx(task["duration_s"] + result["duration_s"], abs=0.05)
    assert out["summary"]["bar_raiser"]["lean"] == "leaning no hire"
    session = json.loads((starcoach_home / "sessions" / out["session_id"] / "session.json").read_text())
    assert session["steps"] == out["steps"] and session["complete"] and session["source"] == "files"


def test_realtime_feeds_files_at_speaking_pace(capsys, tmp_path, weak_files):
    import soundfile as sf

    answers = tmp_path / "answers"
    answers.mkdir()
    (answers / "task.wav").symlink_to(weak_files["task"])
    length = sf.info(str(weak_files["task"])).duration
    started = time.monotonic()
    out = _json_run(capsys, ["run", "--answers", str(answers), "--no-input", "--json", "--only", "task",
                             "--probes", "0", "--realtime"])
    assert time.monotonic() - started >= length  # nothing arrives faster than it was spoken
    step = out["steps"][0]
    assert step["duration_s"] == pytest.approx(length, abs=0.15)
    assert "manager" in step["transcript"].lower()


def test_human_output_of_a_scripted_run(capsys, tmp_path, weak_files):
    answers = tmp_path / "answers"
    answers.mkdir()
    (answers / "result.wav").symlink_to(weak_files["result"])
    assert main(["run", "--answers", str(answers), "--no-input", "--only", "result", "--probes", "0"]) == 0
    text = capsys.readouterr().out
    assert "Describe a time you proactively learned something" in text
    assert "Result: feedback" in text and "Summary" in text and "Bar Raiser" in text
    assert "Saved session" in text and "starcoach review" in text


def test_continuous_answer_is_split_into_timed_steps(capsys, tmp_path, strong_files, scenario):
    import numpy as np
    import soundfile as sf

    from starcoach.transcribe import load_audio

    parts, bounds, t = [], {}, 0.0
    for step in ("situation", "task", "result", "reflection"):
        samples = load_audio(strong_files[step])
        bounds[step] = (t, t + len(samples) / 16000)
        parts += [samples, np.zeros(8000, np.float32)]
        t += len(samples) / 16000 + 0.5
    answers = tmp_path / "answers"
    answers.mkdir()
    sf.write(str(answers / "answer.wav"), np.concatenate(parts), 16000)
    out = _json_run(capsys, ["run", "--answers", str(answers), "--no-input", "--json", "--continuous",
                             "--only", "situation,task,result,reflection", "--probes", "0"])
    steps = {s["step"]: s for s in out["steps"]}
    assert list(steps) == ["situation", "task", "result", "reflection"]
    for name, (start, end) in bounds.items():
        assert steps[name]["offset_s"] == pytest.approx(start, abs=0.6), name
        assert steps[name]["duration_s"] == pytest.approx(end - start, abs=1.2), name
    assert "not my team" in steps["task"]["transcript"].lower()
    assert steps["task"]["analysis"]["checks"]["scope_boundary"]["ok"] is True
    assert steps["result"]["analysis"]["quantified"]
    assert out["total_s"] == pytest.approx(sum(s["duration_s"] for s in out["steps"]), abs=0.05)
    assert out["summary"]["timeline"][0]["step"] == "situation"
