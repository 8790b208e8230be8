"""The web app in a real browser: Debian's headless Chromium over the DevTools protocol, with a
fake microphone that plays a spoken answer (``--use-file-for-fake-audio-capture``), so the
Practice page really records through getUserMedia and an AudioWorklet and streams to the server.

Proven here: a full step with feedback (and a redo whose take counts), a follow-up probe read aloud
and answered, the session saved with its audio written while it was spoken and listed by the CLI;
the review page seeking to a clicked word and keeping a note pinned in the page; the Sessions page
filtering and deleting after confirmation; the Progress page; every page usable in a narrow window
with labelled controls, loading nothing from outside the server and logging no errors.

One server (``starcoach serve``) and one browser serve the whole module.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time

import pytest

from chromium import WAIT_METADATA, WAIT_SEEKED, Browser, find_chromium
from sessionfactory import KINDS, bank  # noqa: F401 - fixture
from webserver import STARCOACH, Served

pytestmark = pytest.mark.slow

ACTION = ("I traced the dropped webhooks to a bug in the retry handler, and I wrote the fix myself. "
          "I added an alert, which cut the drop rate from three percent to zero.")
LEAD_S = 2.5
PROBE = "I brought a complete fix with tests to their tech lead, and I walked him through the root cause."


def duration(path) -> float:
    import soundfile as sf

    return sf.info(str(path)).duration


@pytest.fixture(scope="module")
def answers(say, tmp_path_factory):
    """The spoken answers, each after 2.5 s of silence. Chromium's fake device starts playing the
    file when the page opens the microphone, but the page's audio graph delivers its first samples
    only 0.3-1.3 s later (measured here under load); the page says "speak now" at that moment, and
    a person starts speaking after it. The silence stands for that pause."""
    import numpy as np
    import soundfile as sf

    out = {}
    folder = tmp_path_factory.mktemp("answers")
    for name, text in (("action", ACTION), ("probe", PROBE)):
        data, rate = sf.read(str(say(text)), dtype="float32")
        path = folder / f"{name}.wav"
        sf.write(str(path), np.concatenate([np.zeros(int(LEAD_S * rate), np.float32), data]), rate, subtype="PCM_16")
        out[name] = path
    return out


@pytest.fixture(scope="module")
def mic(tmp_path_factory):
    """The file Chromium's fake microphone plays; each getUserMedia reads it anew."""
    return tmp_path_factory.mktemp("mic") / "ANSWER.wav"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    served = Served(tmp_path_factory.mktemp("web-browser-home"), "--voice", "espeak")
    yield served
    code, _out, err = served.stop()
    assert code == 0 and "Traceback" not in err, err


@pytest.fixture(scope="module")
def browser(server, mic, answers):
    if find_chromium() is None:
        pytest.fail("chromium is not installed: `apt-get install chromium` (scripts/system-deps.sh test does it)")
    shutil.copy(answers["action"], mic)
    flags = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
             f"--use-file-for-fake-audio-capture={mic}%noloop", "--autoplay-policy=no-user-gesture-required"]
    with Browser(flags=flags, timeout=60) as b:
        b.send("Emulation.setDeviceMetricsOverride", {"width": 1000, "height": 900, "deviceScaleFactor": 1, "mobile": False})
        b.goto(f"{server.base}/?token={server.token}")  # the printed address: sets the cookie
        assert b.evaluate("location.search") == ""
        yield b


@pytest.fixture
def home(server, monkeypatch):
    """This test reads and writes the server's data folder."""
    monkeypatch.setenv("STARCOACH_HOME", str(server.home))
    return server.home


def state(b) -> str:
    return b.evaluate("document.body.dataset.state")


def install(bank, name: str):
    """Put bank session ``name`` in the server's data folder (replacing an earlier copy)."""
    from starcoach.paths import sessions_dir

    shutil.rmtree(sessions_dir() / bank.folder(name, **KINDS[name]).name, ignore_errors=True)
    return bank.install(name)


def answer(b, seconds: float, stop_with: str = "click") -> None:
    """Let the fake microphone play ``seconds`` of answer into the recorder, then stop."""
    b.wait_for("document.body.dataset.state === 'recording'", timeout=60)
    b.wait_for(f"window.starcoach.elapsed >= {seconds + 0.3:.2f}", timeout=seconds + 60)
    if stop_with == "click":
        b.click("#stop-btn")
    else:
        b.key(" ")


def test_practice_step_redo_keep_probes_and_saved_session(browser, server, home, mic, answers):
    from starcoach.store import load_session

    b = browser
    b.goto(f"{server.base}/practice")
    for name in ("situation", "task", "result", "reflection"):
        b.click(f"#step-{name}")  # untick: answer only the Action step
    b.evaluate("document.getElementById('probes').value = '1'")
    b.click("#start")
    b.wait_for("document.body.dataset.state === 'ready'", timeout=60)
    sid = b.evaluate("window.starcoach.session")
    assert "Action · target 1:30" in b.evaluate("document.getElementById('stage').innerText")

    # 1. The answer is recorded through getUserMedia, streamed, and written to disk as it arrives.
    b.click("#record-btn")
    b.wait_for("document.body.dataset.state === 'recording'", timeout=60)
    take1 = home / "sessions" / sid / "audio" / "action-1.wav"
    b.wait_for("window.starcoach.elapsed >= 3", timeout=60)
    size_early = take1.stat().st_size
    answer(b, duration(answers["action"]))
    assert size_early > 44 + 16000 * 2 * 2  # more than 2 s of 16-bit audio was on disk mid-answer
    b.wait_for("document.body.dataset.state === 'feedback'", timeout=120)
    fb = b.evaluate("document.getElementById('feedback').innerText")
    assert "Action: feedback" in fb and "against 1:30 target" in fb
    assert "retry handler" in fb.lower()
    assert "What to fix" in fb or "Nothing to fix" in fb
    marks = b.evaluate("Array.from(document.querySelectorAll('#feedback mark.hl')).map(m => m.className + ':' + m.textContent)")
    assert any({"hl-i-statement", "hl-green"} <= set(m.split(":")[0].split()) and "I" in m for m in marks), marks
    assert any({"hl-quantified", "hl-cyan", "hl-bold"} <= set(m.split(":")[0].split()) for m in marks), marks
    visible = "(id => document.getElementById(id).offsetParent !== null)"
    assert b.evaluate(f"{visible}('actions')") and not b.evaluate(f"{visible}('after')")  # hidden means hidden
    first = b.evaluate("window.starcoach.latencies[0]")
    assert first["label"] == "action" and first["take"] == 1 and 0 < first["page_s"] < 30

    # 2. Redo with the r key; stop with the space bar; the new take counts, the old one is kept.
    b.key("r")
    b.wait_for("document.body.dataset.state === 'ready'")
    b.key("Enter")  # the focused "Start answering" button
    answer(b, duration(answers["action"]), stop_with="space")
    b.wait_for("document.body.dataset.state === 'feedback' && window.starcoach.latencies.length === 2", timeout=120)
    assert "take 2" in b.evaluate("document.getElementById('feedback').innerText")
    assert "Take 2 counts" in b.evaluate("document.getElementById('takes').textContent")
    assert load_session(sid).steps[0].take == 2
    # ... and k lets the earlier take count again (both stay saved).
    b.key("k")
    b.wait_for("window.starcoach.events.indexOf('kept') >= 0 && document.body.dataset.state === 'feedback'", timeout=60)
    assert "Take 1 counts" in b.evaluate("document.getElementById('takes').textContent")
    assert "take 2" not in b.evaluate("document.getElementById('feedback').innerText")
    assert load_session(sid).steps[0].take == 1

    # 3. A follow-up probe: read aloud by the server's voice, answered, judged.
    shutil.copy(answers["probe"], mic)
    assert b.evaluate("document.getElementById('next-btn').textContent") == "Follow-up questions"
    b.click("#next-btn")
    b.wait_for("document.body.dataset.state === 'asking'", timeout=30)
    question = b.wait_for("(document.querySelector('#stage .asked') || {}).textContent", timeout=30)
    scenario_probe = load_session(sid).plan  # the plan names probe-1
    assert "probe-1" in scenario_probe
    answer(b, duration(answers["probe"]), stop_with="space")  # recording began when the question ended
    b.wait_for("window.starcoach.events.indexOf('probe-judged') >= 0", timeout=120)
    verdict = b.evaluate("document.querySelector('#feedback .verdict').textContent")
    assert verdict in ("strong", "mixed", "weak"), verdict
    assert "tech lead" in b.evaluate("document.getElementById('feedback').innerText").lower()
    assert "probe-voice" in b.evaluate("window.starcoach.events")

    # 4. Then the follow-ups the answer's gaps call for (adaptive): each is read aloud and skipped.
    while True:
        b.wait_for("document.body.dataset.state === 'done' || document.body.dataset.state === 'feedback' || "
                   "(['asking', 'recording'].includes(document.body.dataset.state) && "
                   "!document.getElementById('skip-probe').hidden)", timeout=120)
        now = state(b)
        if now == "done":
            break
        if now == "feedback":
            b.click("#next-btn")  # the next follow-up, or the summary
            b.wait_for("document.body.dataset.state !== 'feedback'", timeout=30)
        else:
            assert b.evaluate("document.querySelector('#stage h3').textContent").startswith("Adaptive follow-up")
            b.click("#skip-probe")
            b.wait_for("document.body.dataset.state === 'feedback'", timeout=120)
            assert b.evaluate("document.querySelector('#feedback .verdict').textContent") == "skipped"
    adaptive = [x for x in b.evaluate("window.starcoach.latencies") if x["label"].startswith("followup-")]
    none = b.evaluate("window.starcoach.events.filter(e => e === 'probe-none').length")
    assert len(adaptive) + none >= 1 and len(adaptive) <= 2  # the plan allows two
    assert "Bar Raiser read" in b.evaluate("document.getElementById('summary').innerText")
    assert b.evaluate(f"{visible}('after')") and not b.evaluate(f"{visible}('actions')")
    session = load_session(sid)
    assert session.complete and session.source == "browser"
    assert session.plan == ["action", "probe-1", "followup-1", "followup-2"]
    assert [(t.step, t.take) for t in session.takes][:3] == [("action", 1), ("action", 2), ("probe-1", 1)]
    assert session.steps[0].take == 1 and "retry handler" in session.steps[0].transcript.lower()
    assert session.probes[0].question == question.strip("\u201c\u201d") and "tech lead" in session.probes[0].transcript.lower()
    assert [(p.source, p.verdict) for p in session.probes[1:]] == [("adaptive", "skipped")] * len(adaptive)
    import soundfile as sf

    for take, spoken in zip(session.takes[:3], (answers["action"], answers["action"], answers["probe"])):
        info = sf.info(str(home / "sessions" / sid / take.audio))
        assert info.samplerate == 16000 and info.channels == 1
        assert duration(spoken) <= info.duration <= duration(spoken) + 3.0, (take.audio, info.duration)
        assert take.duration_s == pytest.approx(info.duration, abs=0.05)
    listed = json.loads(subprocess.run([str(STARCOACH), "sessions", "--json"], capture_output=True, text=True,
                                       check=True, env={**os.environ, "STARCOACH_HOME": str(home)}).stdout)
    assert sid in [row["session_id"] for row in listed]

    # 5. Its review page plays the takes that count, one after the other.
    b.click("#review-link")
    b.wait_for("document.readyState === 'complete' && location.pathname.startsWith('/sessions/')")
    track = b.evaluate(WAIT_METADATA)
    assert track == pytest.approx(session.steps[0].duration_s + sum(p.duration_s for p in session.probes), abs=0.2)
    assert b.console_errors() == []
    assert all(u.startswith((server.base, "data:", "blob:")) for u in b.requests()), b.requests()


def test_whole_answer_again_and_keep_the_earlier_answer(browser, server, home, mic, answers):
    """Whole-answer mode in the page: answer, answer again (the page shows only the new answer's
    steps), then k lets the first answer count again."""
    from starcoach.store import load_session

    b = browser
    shutil.copy(answers["action"], mic)
    b.goto(f"{server.base}/practice")
    b.click("#continuous")
    b.evaluate("document.getElementById('probes').value = 'none'")
    b.click("#start")
    b.wait_for("document.body.dataset.state === 'ready'", timeout=60)
    sid = b.evaluate("window.starcoach.session")
    b.click("#record-btn")
    answer(b, duration(answers["action"]))
    b.wait_for("document.body.dataset.state === 'feedback'", timeout=120)
    assert "retry handler" in b.evaluate("document.getElementById('feedback').innerText").lower()
    assert b.evaluate("document.getElementById('takes').textContent") == ""  # one answer: nothing to choose

    shutil.copy(answers["probe"], mic)
    b.key("r")
    b.wait_for("document.body.dataset.state === 'ready'")
    b.key("Enter")
    answer(b, duration(answers["probe"]), stop_with="space")
    b.wait_for("document.body.dataset.state === 'feedback' && window.starcoach.events.filter(e => e === 'recorded').length === 2",
               timeout=120)
    shown = b.evaluate("document.getElementById('feedback').innerText").lower()
    assert "tech lead" in shown and "retry handler" not in shown
    assert "Answer 2 counts" in b.evaluate("document.getElementById('takes').textContent")
    assert {s.audio for s in load_session(sid).steps} == {"audio/answer-2.wav"}

    b.key("k")
    b.wait_for("window.starcoach.events.indexOf('kept') >= 0 && document.body.dataset.state === 'feedback'", timeout=60)
    assert "Answer 1 counts" in b.evaluate("document.getElementById('takes').textContent")
    shown = b.evaluate("document.getElementById('feedback').innerText").lower()
    assert "retry handler" in shown and "tech lead" not in shown
    session = load_session(sid)
    assert session.steps and {s.audio for s in session.steps} == {"audio/answer-1.wav"}
    assert [t.step for t in session.takes].count("answer") == 2
    assert b.console_errors() == []


def test_review_seeks_on_a_word_and_keeps_a_note(browser, server, home, bank):
    from starcoach.report.export import load_timeline
    from starcoach.store import load_session

    session = install(bank, "strong")
    sid = session.session_id
    timeline = load_timeline(sid)
    b = browser
    b.goto(f"{server.base}/sessions/{sid}")
    assert b.evaluate(WAIT_METADATA) == pytest.approx(timeline.duration_s, abs=0.15)

    # Clicking a word (a real mouse click) seeks the audio to it and picks it for the note.
    target = [w for w in timeline.words if w.section == 2][3]  # a word of the Action step
    b.click(f".w[data-t='{target.start_s:.3f}']")
    assert b.evaluate(WAIT_SEEKED) == pytest.approx(target.start_s, abs=0.01)
    assert b.evaluate("document.querySelector('.w.now').textContent") == target.text
    assert target.text in b.evaluate("document.getElementById('note-where').textContent")

    # The note is typed (with markup in it) and pinned with the keyboard.
    text = "Say what *you* did here <img src=x onerror=window.__noted=1>"
    b.click("#note-text")
    b.send("Input.insertText", {"text": text})
    b.evaluate("document.getElementById('note-pin').focus()")
    b.key("Enter")
    b.wait_for("document.getElementById('note-status').textContent.startsWith('Pinned')", timeout=30)
    section = timeline.sections[target.section]
    assert b.evaluate(f"document.querySelector('#section-{section.name} .note').textContent").endswith(text)
    assert b.evaluate("window.__noted") is None and b.evaluate("document.querySelectorAll('img').length") == 0

    stored = load_session(sid).notes
    assert [(n.step, n.text, n.author) for n in stored] == [(section.name, text, "coach")]
    assert stored[0].at_s == pytest.approx(target.start_s - section.start_s, abs=0.01)

    # It persists: a reload shows it, and so do the CLI's review and the Markdown export.
    b.goto(f"{server.base}/sessions/{sid}")
    assert text in b.evaluate("document.getElementById('notes-list').textContent")
    env = {**os.environ, "STARCOACH_HOME": str(home), "COLUMNS": "200"}
    review = subprocess.run([str(STARCOACH), "review", sid], capture_output=True, text=True, env=env, check=True).stdout
    assert "Say what *you* did here" in review
    md = subprocess.run([str(STARCOACH), "export", sid, "--format", "md", "-o", "-"], capture_output=True, text=True,
                        env=env, check=True).stdout
    assert "Say what *you* did here" in md or "Say what \\*you\\* did here" in md
    assert b.console_errors() == []


def test_sessions_page_filters_and_deletes_after_confirming(browser, server, home, bank):
    from starcoach.store import list_session_ids

    for sid in list_session_ids():
        shutil.rmtree(home / "sessions" / sid)
    kept = install(bank, "weak").session_id
    gone = install(bank, "interrupted").session_id
    b = browser
    b.goto(f"{server.base}/sessions?state=incomplete")
    assert b.evaluate("Array.from(document.querySelectorAll('.session-row')).map(r => r.dataset.session)") == [gone]
    b.goto(f"{server.base}/sessions")
    rows = b.evaluate("Array.from(document.querySelectorAll('.session-row')).map(r => r.dataset.session)")
    assert rows == [gone, kept]  # newest first

    # Delete, then change our mind (Escape): nothing happens.
    b.click(f"button.delete[data-session='{gone}']")
    assert b.evaluate("document.getElementById('confirm-delete').open")
    b.key("Escape", code="Escape", text="")
    b.wait_for("!document.getElementById('confirm-delete').open")
    assert gone in list_session_ids()
    # Delete and confirm.
    b.click(f"button.delete[data-session='{gone}']")
    b.click("#confirm-ok")
    b.wait_for("document.getElementById('delete-status').textContent.startsWith('Deleted')", timeout=30)
    assert list_session_ids() == [kept]
    assert b.evaluate("document.querySelectorAll('.session-row').length") == 1
    assert b.console_errors() == []


def test_progress_page_draws_the_trends(browser, server, home, bank):
    install(bank, "strong")
    install(bank, "analysed")
    b = browser
    b.goto(f"{server.base}/progress")
    assert b.evaluate("document.querySelectorAll('svg[role=img] polyline').length") >= 4
    assert "sessions" in b.evaluate("document.querySelector('header.top .meta').textContent")
    assert b.console_errors() == []


PAGES = ("/practice", "/sessions", "/progress")

UNLABELLED = """Array.from(document.querySelectorAll('input, select, textarea, button'))
  .filter(el => el.type !== 'hidden' && el.offsetParent !== null)
  .filter(el => !((el.labels && el.labels.length) || el.getAttribute('aria-label') || (el.tagName === 'BUTTON' && el.textContent.trim())))
  .map(el => el.outerHTML.slice(0, 80))"""


def test_pages_fit_a_narrow_window_and_label_their_controls(browser, server, home, bank):
    sid = install(bank, "weak").session_id
    b = browser
    try:
        b.send("Emulation.setDeviceMetricsOverride", {"width": 360, "height": 740, "deviceScaleFactor": 1, "mobile": True})
        for path in PAGES + (f"/sessions/{sid}",):
            b.goto(server.base + path)
            time.sleep(0.2)
            assert b.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), path
            assert b.evaluate(UNLABELLED) == [], path
            assert b.evaluate("document.querySelectorAll('nav.site a').length") == 3
    finally:
        b.send("Emulation.setDeviceMetricsOverride", {"width": 1000, "height": 900, "deviceScaleFactor": 1, "mobile": False})
    # The keyboard reaches the Start button from the top of the practice page.
    b.goto(server.base + "/practice")
    for _ in range(40):
        b.key("Tab", code="Tab", text="")
        if b.evaluate("document.activeElement.id") == "start":
            break
    assert b.evaluate("document.activeElement.id") == "start"
    assert b.console_errors() == []


def test_an_interrupted_run_resumes_in_the_page(browser, server, home, bank):
    from starcoach.store import load_session

    sid = install(bank, "interrupted").session_id
    b = browser
    b.goto(f"{server.base}/sessions/{sid}")
    b.click("a[href^='/practice?resume=']")
    b.wait_for("document.readyState === 'complete' && location.pathname === '/practice'")
    b.click("#start")
    b.wait_for("document.body.dataset.state === 'ready'", timeout=60)
    assert b.evaluate("window.starcoach.session") == sid
    labels = b.evaluate("Array.from(document.querySelectorAll('#step-list li')).map(li => li.dataset.label)")
    assert labels[:3] == ["action", "result", "reflection"]  # situation and task were answered before
    assert "resumed" in b.evaluate("document.getElementById('question').textContent")
    b.goto(f"{server.base}/sessions")  # leaving the page keeps the session as it was: incomplete
    for _ in range(100):
        session = load_session(sid)
        if session.ended_at:
            break
        time.sleep(0.1)
    assert not session.complete and [t.step for t in session.takes] == ["situation", "task"]
    assert b.console_errors() == []
