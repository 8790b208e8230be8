"""The look-back commands through the real ``starcoach`` executable, on spoken, transcribed sessions:
sessions (list, filters, JSON, rm, reindex), review, note, export (md, json, vtt, srt), bundles
(export, import, and hostile zips refused), progress. Plus the review rendered against golden text.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import zipfile
from pathlib import Path

import pytest

from sessionfactory import bank, handmade_session  # noqa: F401 - fixture
from starcoach.paths import data_dir, sessions_dir
from starcoach.store import load_session, save_session, session_dir

REPO = Path(__file__).resolve().parent.parent
STARCOACH = REPO / ".venv" / "bin" / "starcoach"
GOLDEN = REPO / "tests" / "data" / "review-golden.txt"

pytestmark = pytest.mark.slow


def sc(*args: str, stdin: str | None = None, home: Path | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run the real command (STARCOACH_HOME is the test's own, unless ``home`` is given)."""
    env = dict(os.environ, COLUMNS="100")
    if home is not None:
        env["STARCOACH_HOME"] = str(home)
    result = subprocess.run([str(STARCOACH), *args], capture_output=True, text=True, env=env, timeout=120,
                            input=stdin, cwd=cwd)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def one_error_line(result: subprocess.CompletedProcess, *fragments: str) -> str:
    assert result.returncode == 1, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("starcoach: error E"), result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


# -- sessions --------------------------------------------------------------------------------------


def test_sessions_lists_filters_and_prints_json(bank):
    strong, weak, cut = bank.install("strong"), bank.install("weak"), bank.install("interrupted")
    out = sc("sessions").stdout
    lines = out.splitlines()
    ids = [line.split()[0] for line in lines if line[:8].isdigit()]
    assert ids == [strong.session_id, weak.session_id, cut.session_id]  # oldest first
    weak_line = next(line for line in lines if line.startswith(weak.session_id))
    assert "ownership/senior" in weak_line and "complete" in weak_line and "/ 3:00" in weak_line
    assert "incomplete" in next(line for line in lines if line.startswith(cut.session_id))
    detail = lines[lines.index(weak_line) + 1]
    assert "2026-03-09 18:05" in detail and "leaning no hire" in detail
    assert weak.summary.top_fixes[0].text in " ".join(out.split())
    assert "3 sessions." in out

    rows = json.loads(sc("sessions", "--json").stdout)
    assert [r["session_id"] for r in rows] == ids
    for r, s in zip(rows, (strong, weak, cut)):
        assert (r["scenario"], r["started_at"], r["complete"]) == (s.scenario, s.started_at, s.complete)
    assert rows[2]["n_steps"] == 2 and rows[0]["n_takes"] == 6

    since = json.loads(sc("sessions", "--since", "2026-03-09", "--json").stdout)
    assert [r["session_id"] for r in since] == [weak.session_id, cut.session_id]
    assert json.loads(sc("sessions", "--scenario", "nope", "--json").stdout) == []
    assert "No sessions matching those filters" in sc("sessions", "--scenario", "nope").stdout
    one_error_line(sc("sessions", "--since", "last tuesday"), "'last tuesday' is not a date", "YYYY-MM-DD")


def test_sessions_on_an_empty_store_says_how_to_start():
    result = sc("sessions")
    assert result.returncode == 0 and "No sessions. Start one with `starcoach run`" in result.stdout


def test_rm_asks_or_takes_yes(bank):
    strong, weak = bank.install("strong"), bank.install("weak")
    one_error_line(sc("sessions", "rm", "latest"), "without confirmation", "--yes")
    import pexpect

    child = pexpect.spawn(str(STARCOACH), ["sessions", "rm", strong.session_id], encoding="utf-8", timeout=30,
                          env=dict(os.environ))
    child.expect(r"Delete session .* \[y/N\] ")
    child.sendline("n")
    child.expect("Kept.")
    child.expect(pexpect.EOF)
    assert session_dir(strong.session_id).exists()
    result = sc("sessions", "rm", "latest", "--yes")
    assert result.returncode == 0 and f"Deleted session {weak.session_id}." in result.stdout
    assert not session_dir(weak.session_id).exists()
    assert [r["session_id"] for r in json.loads(sc("sessions", "--json").stdout)] == [strong.session_id]
    one_error_line(sc("sessions", "rm", "../../etc", "--yes"), "No session '../../etc'")


def test_reindex_and_a_damaged_index(bank):
    bank.install("strong")
    bank.install("weak")
    result = sc("sessions", "reindex")
    from starcoach.migrations import MIGRATIONS

    assert result.returncode == 0 and "Indexed 2 sessions" in result.stdout
    assert f"schema version {len(MIGRATIONS)}," in result.stdout
    (data_dir() / "index.sqlite").write_bytes(b"\x00garbage" * 1000)
    result = sc("sessions", "--json")
    assert result.returncode == 0 and len(json.loads(result.stdout)) == 2
    assert "the session index was rebuilt from the session folders: it was damaged" in result.stderr
    assert json.loads(sc("sessions", "reindex", "--json").stdout)["repaired"] == ""


# -- review and notes ------------------------------------------------------------------------------


def test_review_shows_summary_steps_findings_probes_and_notes(bank):
    weak = bank.install("weak")
    assert sc("note", "latest", "--at", "0:01", "--step", "action", "Say what *you* did").returncode == 0
    out = sc("review", "latest").stdout
    assert weak.question in out and "Senior SDE" in out
    assert "Bar Raiser read: leaning no hire" in out and "Fix first" in out
    for step in ("Situation", "Task", "Action", "Result", "Reflection", "Probe 1"):
        assert f"\n{step}  " in out
    for s in weak.steps:  # every transcript, as the model heard it
        assert " ".join(w.word.strip() for w in next(t for t in weak.takes if t.step == s.step)
                        .transcript.words)[:30] in " ".join(out.split())
        for f in s.analysis.findings:
            assert f"{f.type} “{f.text}” — {f.coaching}" in out
    assert "Verdict: weak" in out and weak.probes[0].question in out
    assert "✎ 0:01 coach: Say what *you* did" in out
    assert sc("review", weak.session_id[:15]).stdout == out


def test_a_session_analysed_by_the_real_analyser(bank, tmp_path):
    """The spaCy analyser's JSON (families, kinds, severities, char offsets, word times) end to end."""
    session = bank.install("analysed")
    from starcoach.index import SessionIndex
    from starcoach.report.export import load_timeline

    timeline = load_timeline("latest")
    raw = [f.to_dict() for s in session.steps for f in s.analysis.findings]
    assert raw and {"type", "text", "coaching"} <= set(raw[0])
    kinds = {f.get("kind") for f in raw}
    assert {"team-credit", "handoff"} & kinds, kinds
    located = [f for f in timeline.findings if f.finding.text and f.section < 5]
    assert located and all(f.words for f in located), [f.finding.text for f in located if not f.words]
    for f in located:  # the highlighted words are the finding's words
        said = " ".join(timeline.words[i].text for i in f.words).lower()
        assert f.finding.text.lower().split()[0].strip(",.") in said
    out = " ".join(sc("review").stdout.split())
    for f in timeline.findings:
        shown = f"{f.finding.label} “{f.finding.text}”" if f.finding.text else f.finding.label
        assert " ".join(shown.split()) in out
        if f.finding.coaching:
            assert " ".join(f.finding.coaching.split())[:40] in out
    with SessionIndex() as index:
        assert sum(index.finding_counts(session.session_id).values()) == len(raw)
        kinds_indexed = {k for (k,) in index.db.execute("SELECT kind FROM findings WHERE session_id = ?", (session.session_id,))}
    assert kinds_indexed == {f.get("kind") or "" for f in raw if f.get("type")}
    html = export_html_text(tmp_path)
    assert "sev-high" in html and "disqualifier (team-credit)" in html


def export_html_text(tmp_path: Path) -> str:
    assert sc("export", "-f", "html", "-o", str(tmp_path / "r.html")).returncode == 0
    return (tmp_path / "r.html").read_text(encoding="utf-8")


def test_review_of_an_interrupted_run(bank):
    bank.install("interrupted")
    out = sc("review").stdout
    assert "incomplete" in out and "This run was interrupted" in out
    assert "\nTask  " in out and "\nAction  " not in out


def test_review_errors_are_one_line(bank):
    one_error_line(sc("review"), "No sessions saved yet", "starcoach run")
    bank.install("strong")
    one_error_line(sc("review", "2025"), "No session '2025'", "starcoach sessions")


def test_note_validates_and_shows_everywhere(bank):
    strong = bank.install("strong")
    result = sc("note", "latest", "--at", "0:03", "--step", "task", "Good <b>scope</b> boundary")
    assert result.returncode == 0 and "at task 0:03" in result.stdout
    assert sc("note", strong.session_id, "--at", "2", "Overall: crisp").returncode == 0
    one_error_line(sc("note", "latest", "--at", "1:99", "x"), "'1:99' is not a time")
    one_error_line(sc("note", "latest", "--at", "0:01", "--step", "actoin", "x"),
                   "Unknown step 'actoin'", "expected one of situation, task, action, result, reflection, probe-1")
    one_error_line(sc("note", "latest", "--at", "5:00", "--step", "task", "x"), "beyond the end of step task")
    notes = load_session("latest").notes
    assert [(n.step, n.at_s, n.text) for n in notes] == [("", 2.0, "Overall: crisp"), ("task", 3.0, "Good <b>scope</b> boundary")]
    assert "✎ 0:03 coach: Good <b>scope</b> boundary" in sc("review").stdout
    md = sc("export", "-f", "md", "-o", "-").stdout
    assert "**Note 0:03** (coach): Good &lt;b&gt;scope&lt;/b&gt; boundary" in md


def test_a_session_without_takes_word_timings_or_summary_still_works(tmp_path):
    """Steps with text and analyses but no takes, word times, audio or summary: every view copes."""
    from analyses import analysis, finding

    folder = sessions_dir() / "20250101-090000-old"
    folder.mkdir(parents=True)
    text = "We had a <silent> failure."
    filler = finding("filler", "We", "low", start=0, end=2)
    (folder / "session.json").write_text(json.dumps({
        "session_id": "20250101-090000-old", "scenario": "learn-and-be-curious-proactive-learning",
        "scenario_version": "1", "question": "", "principle": "", "mode": "", "level": "", "started_at": "",
        "steps": [{"step": "situation", "duration_s": 6.0, "target_s": 30, "transcript": text,
                   "analysis": analysis("situation", text, fillers=[filler], findings=[filler]).to_dict()},
                  {"step": "task", "duration_s": 4.0, "target_s": 0, "transcript": "Nobody asked me.",
                   "analysis": analysis("task", "Nobody asked me.").to_dict()}],
    }))
    out = sc("review", "latest").stdout
    assert "word times estimated" in out and "We had a <silent> failure." in out and "filler “We”" in out
    replay = sc("replay", "--no-audio", "--speed", "64")
    assert replay.returncode == 0 and "Nobody asked me." in replay.stdout
    for fmt in ("html", "md", "vtt", "srt", "json"):
        result = sc("export", "latest", "-f", fmt, "-o", str(tmp_path / f"old.{fmt}"))
        assert result.returncode == 0, result.stderr
        if fmt in ("html", "vtt"):
            assert "Audio missing for situation, task (silent in the export)" in result.stderr
    html = (tmp_path / "old.html").read_text()
    assert "We had a &lt;silent&gt; failure." not in html  # words are separate spans
    assert "&lt;silent&gt;" in html and "<silent>" not in html
    vtt = (tmp_path / "old.vtt").read_text()
    assert "[Situation] We had a" in vtt and "&lt;silent&gt; failure." in vtt and "<silent>" not in vtt


# -- golden review ---------------------------------------------------------------------------------


def test_review_matches_golden_text():
    from rich.console import Console

    from starcoach.report.export import load_timeline
    from starcoach.report.review import review_renderables

    save_session(handmade_session())
    buf = io.StringIO()
    console = Console(file=buf, width=100, color_system=None, force_terminal=False, highlight=False)
    for part in review_renderables(load_timeline("latest")):
        console.print(part)
    text = "\n".join(line.rstrip() for line in buf.getvalue().splitlines()) + "\n"
    if os.environ.get("STARCOACH_UPDATE_GOLDEN"):
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")


# -- exports ---------------------------------------------------------------------------------------


def test_export_json_and_markdown(bank, tmp_path):
    weak = bank.install("weak")
    result = sc("export", "latest", "--format", "json", "-o", str(tmp_path / "s.json"))
    assert result.returncode == 0 and "Wrote" in result.stdout
    assert json.loads((tmp_path / "s.json").read_text()) == json.loads((session_dir(weak.session_id) / "session.json").read_text())
    sc("export", "-f", "md", "-o", str(tmp_path))
    md = (tmp_path / f"{weak.session_id}.md").read_text()
    assert md.startswith(f"# {weak.question}")
    assert "## Action — " in md and "## Probe 1 — " in md and "| action |" in md
    handoff = next(f for f in weak.steps[2].analysis.findings if f.type == "handoff")
    assert f"**handoff** “{handoff.text}”" in md
    assert "**" + handoff.text.split()[0] in md  # flagged words in bold in the transcript


def test_export_captions_with_side_audio(bank, tmp_path):
    bank.install("strong")
    sc("note", "latest", "--at", "0:01", "--step", "result", "Lead with the 3%")
    from starcoach.report.export import load_timeline

    timeline = load_timeline("latest")
    for fmt in ("vtt", "srt"):
        result = sc("export", "latest", "-f", fmt, "-o", str(tmp_path / f"cap.{fmt}"))
        assert result.returncode == 0
        text = (tmp_path / f"cap.{fmt}").read_text()
        probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "packet=pts_time,duration_time",
                                "-of", "json", str(tmp_path / f"cap.{fmt}")], capture_output=True, text=True, check=True)
        packets = json.loads(probe.stdout)["packets"]
        starts = [float(p["pts_time"]) for p in packets]
        assert len(packets) == text.count(" --> ") >= len(timeline.sections) + 1
        assert starts == sorted(starts) and starts[0] == pytest.approx(timeline.words[0].start_s, abs=0.002)
        assert "[Situation] " in text and "[Probe 1] " in text and "Note (coach): Lead with the 3%" in text
        spoken = " ".join(w.text for w in timeline.words)
        shown = " ".join(line for line in text.splitlines() if line and " --> " not in line and not line.isdigit()
                         and not line.startswith(("WEBVTT", "NOTE", "Note (")) and "-" not in line[:12])
        for w in timeline.words[:10]:
            assert w.text in shown, (w.text, shown[:200])
        assert spoken.split()[-1] in shown
    audio = tmp_path / "cap.mp3"
    duration = float(subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0",
                                     str(audio)], capture_output=True, text=True, check=True).stdout)
    assert duration == pytest.approx(timeline.duration_s, abs=0.2)


def test_export_refuses_unknown_things(bank, tmp_path):
    bank.install("strong")
    one_error_line(sc("export", "latest", "-f", "html", "-o", "-"), "HTML is not printed")
    result = sc("export", "latest", "-f", "docx")
    assert result.returncode == 2 and "invalid choice: 'docx'" in result.stderr


# -- bundles ---------------------------------------------------------------------------------------


def test_bundle_round_trip_to_another_machine(bank, tmp_path):
    weak = bank.install("weak")
    sc("note", "latest", "--at", "0:02", "--step", "task", "Who asked?")
    zip_path = tmp_path / "hand-over.zip"
    result = sc("export", "latest", "--bundle", str(zip_path))
    assert result.returncode == 0 and "starcoach import hand-over.zip" in result.stdout
    with zipfile.ZipFile(zip_path) as zf:
        names = zf.namelist()
    assert names[0] == "starcoach-bundle.json" and f"{weak.session_id}/session.json" in names
    assert not any(n.endswith(".lock") for n in names)
    other = tmp_path / "coach-machine"
    result = sc("import", str(zip_path), home=other)
    assert result.returncode == 0 and f"Imported session {weak.session_id}" in result.stdout
    mine, theirs = session_dir(weak.session_id), other / "sessions" / weak.session_id
    for f in mine.rglob("*"):
        if f.is_file() and f.name != ".lock":
            assert hashlib.sha256(f.read_bytes()).digest() == hashlib.sha256((theirs / f.relative_to(mine)).read_bytes()).digest()
    assert "Who asked?" in sc("review", "latest", home=other).stdout
    one_error_line(sc("import", str(zip_path), home=other), "already exists here", "--replace")
    assert "Replaced session" in sc("import", str(zip_path), "--replace", home=other).stdout
    assert [r["session_id"] for r in json.loads(sc("sessions", "--json", home=other).stdout)] == [weak.session_id]


def _hostile(tmp_path: Path, sid: str, members: dict[str, bytes], manifest: dict | None = None,
             symlink: str | None = None) -> Path:
    path = tmp_path / f"hostile-{len(list(tmp_path.glob('hostile-*')))}.zip"
    files = {name: hashlib.sha256(data).hexdigest() for name, data in members.items()}
    man = {"format": 1, "session_id": sid, "files": files}
    man.update(manifest or {})
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("starcoach-bundle.json", json.dumps(man))
        for name, data in members.items():
            zf.writestr(name, data)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (0o120777 << 16)
            zf.writestr(info, "/etc/passwd")
    return path


def test_import_refuses_hostile_and_broken_bundles(tmp_path):
    sid = "20260101-120000-x"
    good = json.dumps(handmade_session(sid).to_dict()).encode()
    escaped = tmp_path / "escaped.txt"
    cases = [
        ({f"{sid}/session.json": good, "../escaped.txt": b"pwned"}, {}, None, "path climbs out"),
        ({f"{sid}/session.json": good, str(escaped): b"pwned"}, {}, None, "not a plain relative path"),
        ({f"{sid}/session.json": good, f"{sid}/../../escaped.txt": b"x"}, {}, None, "path climbs out"),
        ({f"{sid}/session.json": good, "20260101-120000-y/session.json": good}, {}, None, "outside the session folder"),
        ({f"{sid}/session.json": good, f"{sid}/run.sh": b"#!/bin/sh"}, {}, None, "only session.json and audio/"),
        ({f"{sid}/session.json": good}, {}, f"{sid}/audio/link.wav", "symbolic link"),
        ({f"{sid}/session.json": b"{nope"}, {}, None, "session.json is not JSON"),
        ({f"{sid}/session.json": b"[1, 2]"}, {}, None, "is not a starcoach session"),
        ({f"{sid}/session.json": good}, {"session_id": "../../etc"}, None, "names no valid session id"),
        ({f"{sid}/session.json": good}, {"format": 99}, None, "newer starcoach"),
        ({f"{sid}/session.json": json.dumps({**json.loads(good), "session_id": "20260101-120000-z"}).encode()},
         {}, None, "the manifest for"),
        ({f"{sid}/session.json": json.dumps({**json.loads(good), "takes": [{"step": "task", "take": 1, "audio": "../../../etc/passwd", "started_at": "", "duration_s": 1.0, "stopped_by": "key"}]}).encode()},
         {}, None, "audio outside the session"),
    ]
    for members, manifest, symlink, message in cases:
        bundle = _hostile(tmp_path, sid, members, manifest, symlink)
        one_error_line(sc("import", str(bundle), cwd=tmp_path), message)
    # a checksum that does not match
    bundle = _hostile(tmp_path, sid, {f"{sid}/session.json": good}, {"files": {f"{sid}/session.json": "0" * 64}})
    one_error_line(sc("import", str(bundle)), "does not match its checksum")
    not_zip = tmp_path / "x.zip"
    not_zip.write_text("hello")
    one_error_line(sc("import", str(not_zip)), "is not a zip file")
    one_error_line(sc("import", str(tmp_path / "missing.zip")), "No bundle at")
    assert not escaped.exists() and not (tmp_path.parent / "escaped.txt").exists()
    assert not sessions_dir().exists() or not any(sessions_dir().iterdir())
    # the same session, well formed, imports
    bundle = _hostile(tmp_path, sid, {f"{sid}/session.json": good})
    assert sc("import", str(bundle)).returncode == 0 and load_session("latest").session_id == sid


# -- progress --------------------------------------------------------------------------------------


def test_progress_trends(bank, tmp_path):
    strong, weak = bank.install("strong"), bank.install("weak")
    data = json.loads(sc("progress", "--json").stdout)
    by_id = {s["session_id"]: s for s in data["sessions"]}
    assert list(by_id) == [strong.session_id, weak.session_id]

    def share(s):
        i = sum(len(x.analysis.i_statements) for x in s.steps)
        others = sum(len(getattr(x.analysis, k)) for x in s.steps
                     for k in ("we_statements", "other_statements", "passive_statements"))
        return round(i / (i + others), 3)

    assert by_id[strong.session_id]["first_person_share"] == share(strong)
    assert by_id[weak.session_id]["first_person_share"] == share(weak)
    assert by_id[strong.session_id]["quantified"] == len(strong.steps[3].analysis.quantified) >= 1
    assert by_id[weak.session_id]["quantified"] == 0
    assert by_id[weak.session_id]["fillers_per_min"] > by_id[strong.session_id]["fillers_per_min"] or \
        by_id[strong.session_id]["fillers_per_min"] == 0
    assert by_id[weak.session_id]["verdicts"] == {"weak": 1}
    ratio = by_id[strong.session_id]["step_ratio"]["situation"]
    assert ratio == pytest.approx(strong.steps[0].duration_s / strong.steps[0].target_s, abs=0.001)
    out = sc("progress", "--html", str(tmp_path / "p.html")).stdout
    assert "2 sessions, 2026-03-02 to 2026-03-09" in out and "First-person share" in out
    html = (tmp_path / "p.html").read_text()
    assert html.count("role=\"img\"") == 4 and "http-equiv=\"Content-Security-Policy\"" in html
    assert json.loads(sc("progress", "--scenario", "nope", "--json").stdout)["sessions"] == []
    assert "No sessions yet for nope" in sc("progress", "--scenario", "nope").stdout


@pytest.mark.slow
def test_review_and_exports_show_earlier_takes(bank, tmp_path):
    """The strong session redid the Action: review, Markdown and HTML list take 1 (not counted),
    with its words, what it had to fix, and (HTML) its own audio; review says how to hear it."""
    session = bank.install("strong")
    out = " ".join(sc("review").stdout.split())
    assert "Other takes of Action (take 2 counts):" in out
    assert "take 1 · 0:0" in out and "stopped by key" in out and "retry logic" in out
    assert f"hear it: starcoach replay {session.session_id} --step action --take 1" in out
    md = sc("export", "--format", "md", "-o", "-").stdout
    assert "**Other takes** (take 2 counts):" in md and "- take 1, 0:0" in md and "retry logic" in md
    page = tmp_path / "s.html"
    assert sc("export", "--format", "html", "-o", str(page)).returncode == 0
    html = page.read_text()
    details = html[html.index('<details class="other-takes">'):]
    details = details[:details.index("</details>")]
    assert "Other takes of Action (1; take 2 counts)" in details and "retry logic" in details
    assert '<audio controls preload="none" src="data:audio/mpeg;base64,' in details
    assert sc("export", "--format", "html", "--no-audio", "-o", str(tmp_path / "n.html")).returncode == 0
    assert "<audio controls preload" not in (tmp_path / "n.html").read_text()
