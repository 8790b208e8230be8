"""The HTML report in a real browser (Debian's headless Chromium over the DevTools protocol):
no console errors, nothing fetched, the embedded audio has its duration, clicking a word seeks
the audio to that word, keys move between steps, and a transcript or note containing ``<script>``
stays text. The progress page loads cleanly too.
"""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from chromium import WAIT_METADATA, WAIT_SEEKED, Browser, find_chromium
from sessionfactory import bank, with_script_transcript  # noqa: F401 - fixture
from starcoach.report.export import export_session, load_timeline
from starcoach.session import Note
from starcoach.store import add_note

pytestmark = pytest.mark.slow

@pytest.fixture(scope="module")
def browser():
    if find_chromium() is None:
        pytest.fail("chromium is not installed: `apt-get install chromium` (scripts/system-deps.sh test does it)")
    with Browser() as b:
        yield b


@pytest.fixture
def hostile_report(bank, tmp_path):
    """The weak session with HTML in its transcript and in a coach note, exported to HTML."""
    session = bank.install("hostile", texts=None, edit=with_script_transcript, probes=[],
                           notes=[Note(at_s=0.5, text="<img src=x onerror=window.__noted=1> see </div>", step="task")])
    add_note(session.session_id, Note(at_s=1.0, text='"><script>window.__pwned2=1</script>', step="action"))
    out = export_session("latest", "html", tmp_path / "report.html")
    return out.paths[0], load_timeline("latest")


def test_report_in_chromium(browser, hostile_report):
    path, timeline = hostile_report
    browser.open(path)
    assert browser.console_errors() == []
    duration = browser.evaluate(WAIT_METADATA)
    assert isinstance(duration, (int, float)), duration
    assert duration == pytest.approx(timeline.duration_s, abs=0.15)

    # Clicking a word (a real mouse click) seeks the audio to that word's start.
    target = timeline.words[len(timeline.words) // 2]
    browser.click(f".w[data-t='{target.start_s:.3f}']")
    now = browser.evaluate(WAIT_SEEKED)
    assert now == pytest.approx(target.start_s, abs=0.01)
    assert browser.evaluate("document.querySelector('.w.now').textContent") == target.text

    # Keys: n goes to the next step's start, p back.
    section = timeline.section_at(target.start_s)
    browser.send("Input.dispatchKeyEvent", {"type": "keyDown", "key": "n", "text": "n"})
    browser.send("Input.dispatchKeyEvent", {"type": "keyUp", "key": "n"})
    assert browser.evaluate(WAIT_SEEKED) == pytest.approx(timeline.sections[section + 1].start_s, abs=0.01)

    # Hostile text stays text: no script ran, no element was injected, the characters show.
    assert browser.evaluate("[window.__pwned, window.__pwned2, window.__noted]") == [None, None, None]
    assert browser.evaluate("document.scripts.length") == 1
    assert browser.evaluate("document.querySelectorAll('img').length") == 0
    words = browser.evaluate("Array.from(document.querySelectorAll('#section-situation .w')).map(w => w.textContent)")
    assert "<script>window.__pwned=1</script>" in words and "<b>bold</b>&amp;" in words
    notes = browser.evaluate("document.getElementById('notes').textContent")
    assert "<img src=x onerror=window.__noted=1> see </div>" in notes and '"><script>window.__pwned2=1</script>' in notes

    # Nothing but the file itself and data: URIs were requested.
    assert all(u.startswith(("file://", "data:")) for u in browser.requests()), browser.requests()
    assert browser.console_errors() == []


def test_report_shows_findings_chart_and_summary(browser, bank, tmp_path):
    bank.install("weak")
    timeline = load_timeline("latest")
    path = export_session("latest", "html", tmp_path / "weak.html").paths[0]
    html = path.read_text(encoding="utf-8")
    assert 'http-equiv="Content-Security-Policy"' in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    browser.open(path)
    flagged = browser.evaluate("Array.from(document.querySelectorAll('.w.flag')).map(w => w.textContent)")
    assert flagged == [w.text for w in timeline.words if w.findings]
    items = browser.evaluate("Array.from(document.querySelectorAll('.finding')).map(li => li.textContent.replace(/\\s+/g, ' ').trim())")
    in_page_order = [f for i in range(len(timeline.sections)) for f in timeline.findings_in(i)]
    assert len(items) == len(timeline.findings) == len(in_page_order)
    for f, text in zip(in_page_order, items):
        assert f.finding.label in text and f.finding.text in text and f.finding.coaching in text
    bars = browser.evaluate("document.querySelectorAll('#chart rect').length")
    assert bars == 5 and browser.evaluate("document.querySelectorAll('#chart line.target').length") == 5
    assert "leaning no hire" in browser.evaluate("document.getElementById('summary').textContent")
    assert browser.console_errors() == []


def test_report_without_audio_and_progress_page(browser, bank, tmp_path):
    bank.install("strong")
    bank.install("weak")
    path = export_session("latest", "html", tmp_path / "plain.html", with_audio=False).paths[0]
    browser.open(path)
    assert browser.evaluate("document.getElementById('player')") is None
    browser.click(".w")
    assert browser.console_errors() == []
    progress = tmp_path / "progress.html"
    result = subprocess.run([".venv/bin/starcoach", "progress", "--html", str(progress), "--json"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and len(json.loads(result.stdout)["sessions"]) == 2
    browser.open(progress)
    assert browser.evaluate("document.querySelectorAll('svg polyline').length") >= 4
    assert browser.console_errors() == []
