"""Screenshots of the web app's pages for the README (``docs/web-*.png``), by headless Chromium.

Makes its own data folder: the demo's strong and weak sessions (``starcoach demo``), then runs
``starcoach serve`` on it and opens each page in Debian's Chromium over the DevTools protocol. The
Practice page is shown mid-run: Chromium's fake microphone plays a spoken Action answer, the page
records it, and the screenshot shows the feedback.

Usage: ``.venv/bin/python scripts/web_screenshots.py`` (about two minutes).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
DOCS = ROOT / "docs"

ACTION = ("Um, I taught myself their retry code over a weekend and traced the drops to a race condition. "
          "I wrote a fix and we added an alert, which I think cut the drop rate from 0.3 percent to zero.")


def main() -> int:
    import numpy as np
    import soundfile as sf

    from chromium import Browser
    from starcoach.voice import synthesize_samples
    from webserver import Served

    work = Path(tempfile.mkdtemp(prefix="starcoach-shots-"))
    home = work / "home"
    env = {**os.environ, "STARCOACH_HOME": str(home)}
    subprocess.run([str(ROOT / ".venv/bin/starcoach"), "demo", "--probes", "1,2"], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    speech = synthesize_samples(ACTION)
    mic = work / "answer.wav"
    sf.write(str(mic), np.concatenate([np.zeros(speech.sample_rate, np.float32), speech.samples]),
             speech.sample_rate, subtype="PCM_16")
    length = sf.info(str(mic)).duration

    served = Served(home, "--voice", "off")
    DOCS.mkdir(exist_ok=True)
    try:
        flags = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                 f"--use-file-for-fake-audio-capture={mic}%noloop", "--hide-scrollbars"]
        with Browser(flags=flags, timeout=120) as b:
            def size(width: int, height: int) -> None:
                b.send("Emulation.setDeviceMetricsOverride",
                       {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 500})

            size(960, 1000)
            b.goto(f"{served.base}/?token={served.token}")
            time.sleep(6)  # models warm up

            # Practice: answer the Action step, show the feedback.
            for step in ("situation", "task", "result", "reflection"):
                b.click(f"#step-{step}")
            b.evaluate("document.getElementById('probes').value = 'none'")
            b.evaluate("document.getElementById('adaptive').checked = false")
            b.click("#start")
            b.wait_for("document.body.dataset.state === 'ready'", timeout=120)
            b.click("#record-btn")
            b.wait_for("document.body.dataset.state === 'recording'", timeout=60)
            b.wait_for(f"performance.now() - window.starcoach.micOpenedAt >= {length * 1000:.0f}", timeout=120)
            b.click("#stop-btn")
            b.wait_for("document.body.dataset.state === 'feedback'", timeout=120)
            size(960, 1500)
            b.evaluate("window.scrollTo(0, document.getElementById('question').getBoundingClientRect().top + scrollY - 8)")
            b.screenshot(DOCS / "web-practice.png")
            size(960, 1000)

            b.goto(f"{served.base}/sessions")
            b.screenshot(DOCS / "web-sessions.png")

            weak = b.evaluate("document.querySelector('.lean-no-hire').closest('.session-row').dataset.session")
            b.goto(f"{served.base}/sessions/{weak}")
            b.evaluate("""new Promise(r => { const a = document.getElementById('player');
                          if (a.readyState >= 1) r(); else a.addEventListener('loadedmetadata', () => r()); })""")
            b.evaluate("document.getElementById('section-action').scrollIntoView()")
            b.click("#section-action .w:nth-child(3)")
            b.click("#note-text")
            b.send("Input.insertText", {"text": "Say what you did yourself: 'I traced', not 'we figured out'."})
            b.evaluate("window.scrollTo(0, 0)")
            b.screenshot(DOCS / "web-review.png")

            b.goto(f"{served.base}/progress")
            b.screenshot(DOCS / "web-progress.png")

            size(390, 844)
            b.goto(f"{served.base}/practice")
            b.screenshot(DOCS / "web-narrow.png")
    finally:
        served.stop()
        shutil.rmtree(work, ignore_errors=True)
    for path in sorted(DOCS.glob("web-*.png")):
        print(f"{path.relative_to(ROOT)}  {path.stat().st_size // 1024} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
