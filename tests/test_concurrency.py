"""Several processes on one data folder: ids, locks, notes during a run, ``rm`` of a live session.

Everything here runs real processes at the same time: two ``starcoach run`` started together,
a ``note`` and a ``sessions rm`` while a run records at real-time pace, a process holding the
index locked, a holder killed with ``kill -9``. See RELIABILITY.md for what each test proves.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from procs import answers_folder, env_for, one_error_line, sc, session_ids, spawn, wait_for

REPO = Path(__file__).resolve().parent.parent


def _python(code: str, home: Path, *args: str) -> subprocess.Popen:
    """A helper process running ``code`` with starcoach importable and the test's data folder."""
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env_for(home), cwd=REPO)


def _next_second(margin: float = 0.05) -> float:
    """A wall-clock instant just after the next second boundary (both processes start there)."""
    return float(int(time.time()) + 1) + margin


# -- 1. session ids -----------------------------------------------------------------------------


def test_two_processes_starting_runs_in_the_same_second_never_share_a_folder(starcoach_home):
    # Each process builds 25 runs and saves them, as `starcoach run` does on start, all within
    # the same second as the other process: the ids must all differ.
    code = """
        import json, sys, time
        from starcoach.run import MockRun, RunPlan
        from starcoach.scenario import DEFAULT_SCENARIO_ID, find_scenario
        from starcoach.store import save_session
        plan = RunPlan(find_scenario(DEFAULT_SCENARIO_ID), "ownership", "sde2")
        time.sleep(max(0.0, float(sys.argv[1]) - time.time()))
        ids = []
        for _ in range(25):
            run = MockRun(plan, lambda label: None)
            save_session(run.session)
            ids.append(run.session.session_id)
        print(json.dumps(ids))
    """
    start = _next_second(0.3)
    procs = [_python(code, starcoach_home, str(start)) for _ in range(2)]
    ids = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        ids += json.loads(out)
    assert len(ids) == 50 and len(set(ids)) == 50, sorted(ids)
    assert len(session_ids(starcoach_home)) == 50


@pytest.mark.slow
def test_two_real_runs_started_together_keep_both_sessions(starcoach_home, tmp_path, say):
    answers = answers_folder(say, tmp_path / "answers", ("situation",))
    args = ("run", "--answers", str(answers), "--no-input", "--only", "situation", "--probes", "none", "--json")
    time.sleep(max(0.0, _next_second() - time.time()))
    procs = [spawn(*args, home=starcoach_home) for _ in range(2)]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=240)
        assert proc.returncode == 0 and "Traceback" not in err, err
        results.append(json.loads(out))
    first, second = (r["session_id"] for r in results)
    assert first != second
    assert session_ids(starcoach_home) == sorted([first, second])
    for result in results:
        folder = starcoach_home / "sessions" / result["session_id"]
        saved = json.loads((folder / "session.json").read_text())
        assert saved["session_id"] == result["session_id"] and saved["complete"]
        assert (folder / saved["takes"][0]["audio"]).stat().st_size > 44


# -- 2. a note and rm while a run records ---------------------------------------------------------


@pytest.mark.slow
def test_a_note_during_a_run_survives_and_rm_of_the_live_session_is_refused(starcoach_home, tmp_path, say):
    answers = answers_folder(say, tmp_path / "answers", ("situation",))
    answers_folder(say, answers, ("task",), lead_silence_s=6.0)  # a longer take: time for note and rm
    run = spawn("run", "--answers", str(answers), "--no-input", "--realtime", "--only", "situation,task",
                "--probes", "none", "--voice", "off", home=starcoach_home)

    def situation_saved():
        for sid in session_ids(starcoach_home):
            data = json.loads((starcoach_home / "sessions" / sid / "session.json").read_text())
            if any(t["step"] == "situation" for t in data["takes"]):
                return sid
        return None

    sid = wait_for(situation_saved, "the situation take to be saved", timeout=180, proc=run)
    noted = sc("note", sid, "--at", "0:01", "--step", "situation", "Say what you measured.", home=starcoach_home)
    assert noted.returncode == 0, noted.stderr
    assert run.poll() is None, "the run ended before the note: the test proves nothing"
    refused = sc("sessions", "rm", sid, "--yes", home=starcoach_home)
    line = one_error_line(refused, f"Session {sid} is in use by another process", "starcoach run")
    assert f"pid {run.pid}" in line
    out, err = run.communicate(timeout=180)
    assert run.returncode == 0, err
    saved = json.loads((starcoach_home / "sessions" / sid / "session.json").read_text())
    assert saved["complete"] and [s["step"] for s in saved["steps"]] == ["situation", "task"]
    assert [n["text"] for n in saved["notes"]] == ["Say what you measured."]
    for take in saved["takes"]:
        assert (starcoach_home / "sessions" / sid / take["audio"]).stat().st_size > 44
    # once the run is over, the session can go
    assert sc("sessions", "rm", sid, "--yes", home=starcoach_home).returncode == 0
    assert session_ids(starcoach_home) == []


def test_a_run_save_keeps_notes_pinned_meanwhile(starcoach_home):
    from analyses import analysis

    from starcoach.scenario import DEFAULT_SCENARIO_ID, find_scenario
    from starcoach.run import MockRun, RunPlan
    from starcoach.session import Note, StepResult
    from starcoach.store import add_note, load_session, save_run_session

    run = MockRun(RunPlan(find_scenario(DEFAULT_SCENARIO_ID), "ownership", "sde2"), lambda label: None)
    session = run.session
    session.steps.append(StepResult("situation", 20.0, 30.0, "x", analysis("situation", "x")))
    save_run_session(session)
    add_note(session.session_id, Note(at_s=3.0, text="first", step="situation"))
    session.total_s = 20.0  # the run carries on with its own (older) copy
    save_run_session(session)
    add_note(session.session_id, Note(at_s=5.0, text="second", step="situation"))
    save_run_session(session)
    assert [n.text for n in load_session(session.session_id).notes] == ["first", "second"]
    assert [n.text for n in session.notes] == ["first", "second"]


def test_a_session_held_by_a_killed_process_is_free_again(starcoach_home, tmp_path):
    import numpy as np
    import soundfile as sf

    from starcoach.scenario import DEFAULT_SCENARIO_ID
    from starcoach.session import Session
    from starcoach.store import save_session

    sid = "20261127-143005-held"
    save_session(Session(session_id=sid, scenario=DEFAULT_SCENARIO_ID, scenario_version="1", question="q",
                         principle="p", mode="ownership", level="sde2", started_at="2026-11-27T14:30:05+00:00",
                         plan=["situation"]))
    answers = tmp_path / "answers"
    answers.mkdir()
    sf.write(str(answers / "situation.wav"), np.zeros(16000, np.float32), 16000)
    holder = _python("""
        import sys, time
        from starcoach.store import hold_session
        hold = hold_session(sys.argv[1])
        print("held", flush=True)
        time.sleep(120)
    """, starcoach_home, sid)
    assert holder.stdout.readline().strip() == "held"
    refused = sc("sessions", "rm", sid, "--yes", home=starcoach_home)
    assert f"pid {holder.pid}" in one_error_line(refused, f"Session {sid} is in use by another process")
    resumed = sc("run", "--resume", sid, "--answers", str(answers), "--no-input", home=starcoach_home)
    assert f"pid {holder.pid}" in one_error_line(resumed, f"Session {sid} is in use by another process")
    holder.send_signal(signal.SIGKILL)  # no clean-up at all: the kernel drops the lock
    holder.wait(10)
    done = sc("sessions", "rm", sid, "--yes", home=starcoach_home)
    assert done.returncode == 0 and f"Deleted session {sid}" in done.stdout


# -- 6. the index held by another process -------------------------------------------------------


def _add_session(home: Path, sid: str) -> None:
    from starcoach.session import Session
    from starcoach.store import save_session

    save_session(Session(session_id=sid, scenario="s", scenario_version="1", question="q", principle="p",
                         mode="ownership", level="sde2", started_at="2026-11-27T14:30:05+00:00"))


def test_an_index_write_locked_by_another_process_times_out_naming_it(starcoach_home):
    _add_session(starcoach_home, "20261127-143005-one")
    assert sc("sessions", home=starcoach_home).returncode == 0  # the index exists
    _add_session(starcoach_home, "20261127-143006-two")  # ... and is stale: listing must write it
    holder = _python("""
        import sqlite3, sys, time
        db = sqlite3.connect(sys.argv[1], isolation_level=None)
        db.execute("BEGIN IMMEDIATE")
        db.execute("UPDATE sessions SET lean = lean")
        print("locked", flush=True)
        time.sleep(120)
    """, starcoach_home, str(starcoach_home / "index.sqlite"))
    try:
        assert holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        result = sc("sessions", home=starcoach_home, STARCOACH_LOCK_TIMEOUT="2")
        took = time.monotonic() - started
        line = one_error_line(result, f"The session index {starcoach_home / 'index.sqlite'} is locked by another process",
                              "for more than 2 s", "wait for that command to finish")
        assert f"pid {holder.pid}" in line
        assert took < 20
    finally:
        holder.kill()
        holder.wait(10)
    assert "20261127-143006-two" in sc("sessions", home=starcoach_home).stdout


def test_a_held_index_lock_file_times_out_instead_of_waiting_forever(starcoach_home):
    _add_session(starcoach_home, "20261127-143005-one")
    holder = _python("""
        import fcntl, sys, time
        f = open(sys.argv[1], "a+b")
        fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        print("locked", flush=True)
        time.sleep(120)
    """, starcoach_home, str(starcoach_home / "index.sqlite.lock"))
    try:
        assert holder.stdout.readline().strip() == "locked"
        result = sc("sessions", home=starcoach_home, STARCOACH_LOCK_TIMEOUT="1.5", timeout=60)
        line = one_error_line(result, "is locked by another process", "for more than 1.5 s")
        assert f"pid {holder.pid}" in line and "python" in line
    finally:
        holder.kill()
        holder.wait(10)


def test_the_lock_timeout_is_fifteen_seconds_unless_set(monkeypatch):
    from starcoach.locks import lock_timeout_s

    monkeypatch.delenv("STARCOACH_LOCK_TIMEOUT", raising=False)
    assert lock_timeout_s() == 15.0
    monkeypatch.setenv("STARCOACH_LOCK_TIMEOUT", "2.5")
    assert lock_timeout_s() == 2.5


def test_a_note_waits_for_a_held_session_lock_at_most_the_timeout(starcoach_home):
    sid = "20261127-143005-one"
    _add_session(starcoach_home, sid)
    holder = _python("""
        import fcntl, sys, time
        f = open(sys.argv[1], "a+b")
        fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        print("locked", flush=True)
        time.sleep(120)
    """, starcoach_home, str(starcoach_home / "sessions" / sid / ".lock"))
    try:
        assert holder.stdout.readline().strip() == "locked"
        result = sc("note", sid, "--at", "0:00", "waiting", home=starcoach_home, STARCOACH_LOCK_TIMEOUT="1")
        line = one_error_line(result, f"Session {sid} is locked by another process", "for more than 1 s")
        assert f"pid {holder.pid}" in line
    finally:
        holder.kill()
        holder.wait(10)
    assert sc("note", sid, "--at", "0:00", "now it fits", home=starcoach_home).returncode == 0


@pytest.mark.slow
def test_a_resumed_run_rereads_the_session_once_it_holds_it(starcoach_home):
    # Another run saved one more take between `--resume` reading the session and holding it.
    from starcoach.run import MockRun, RunPlan
    from starcoach.scenario import DEFAULT_SCENARIO_ID, find_scenario
    from starcoach.session import Take
    from starcoach.store import load_session, save_session

    plan = RunPlan(find_scenario(DEFAULT_SCENARIO_ID), "ownership", "sde2")
    first = MockRun(plan, lambda label: None)
    save_session(first.session)
    sid = first.session.session_id
    stale = load_session(sid)
    fresh = load_session(sid)
    fresh.takes.append(Take("situation", 1, "audio/situation-1.wav", "2026-11-27T14:30:06+00:00", 20.0, "key"))
    save_session(fresh)
    run = MockRun(plan, lambda label: None, session=stale)
    try:
        assert [t.step for t in run.start().takes] == ["situation"]
    finally:
        run.close()
        run.release()
