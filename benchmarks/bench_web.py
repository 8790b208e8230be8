"""Web app benchmark: stop → feedback in the browser, against the terminal run in the same run.

1. **Browser.** ``starcoach serve`` runs as a person runs it; Debian's headless Chromium opens the
   printed address and practises on the Practice page with a fake microphone
   (``--use-file-for-fake-audio-capture``) playing the demo's strong and weak candidates (bundled
   hibari voice), each answer after 2.5 s of silence (the page hears its first samples 0.3-1.3 s
   after it opens the microphone). The page records through getUserMedia and an AudioWorklet and
   streams PCM over the WebSocket into the server's ``MockRun``. The benchmark clicks Stop as the
   last word ends (the file's length after the page opened the microphone); the page measures
   from its Stop handler to the feedback drawn in the page (``performance.now()``), and the server
   reports its own stop → feedback (tail transcription + analysis). Probes are answered the same
   way (the interviewer's voice off, so recording starts at once).
2. **Terminal baseline, same run, same audio.** ``MockRun`` with ``FileSource(realtime=True)``: the
   microphone path of ``starcoach run`` (blocks at speaking pace into recorder → streaming
   transcriber → analysis), stop at the end of the file, latency to the feedback event.

The two run one after the other (never side by side) on the same machine; the load average is
recorded before and after each.

Usage: ``.venv/bin/python benchmarks/bench_web.py [--quick]`` (``--quick``: two steps and one probe
per candidate). Raw figures go to ``benchmarks/out/web.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
OUT = ROOT / "benchmarks" / "out"
LEAD_S = 2.5  # the page hears its first samples 0.3-1.3 s after opening the microphone


def load() -> float:
    return round(os.getloadavg()[0], 2)


def quantiles(values: list[float]) -> dict:
    values = sorted(values)
    return {"n": len(values), "median_s": round(statistics.median(values), 3),
            "p90_s": round(values[int(round(0.9 * (len(values) - 1)))], 3), "max_s": round(values[-1], 3)}


def answers(work: Path, quick: bool) -> dict[str, dict[str, Path]]:
    """The demo candidates' answers as WAVs after LEAD_S of silence: {candidate: {label: path}}."""
    import numpy as np
    import soundfile as sf

    from starcoach.demo import strong_candidate, synthesize_answers, weak_candidate
    from starcoach.scenario import DEFAULT_SCENARIO_ID, find_scenario

    scenario = find_scenario(DEFAULT_SCENARIO_ID)
    labels = ("situation", "task", "probe-1") if quick else None
    out = {}
    for candidate in (strong_candidate(scenario), weak_candidate(scenario)):
        files = synthesize_answers(candidate, work / "voice" / candidate.name, labels=labels)
        padded = {}
        for label, path in files.items():
            data, rate = sf.read(str(path), dtype="float32")
            target = work / "padded" / candidate.name / f"{label}.wav"
            target.parent.mkdir(parents=True, exist_ok=True)
            sf.write(str(target), np.concatenate([np.zeros(int(LEAD_S * rate), np.float32), data]), rate,
                     subtype="PCM_16")
            padded[label] = target
        out[candidate.name] = padded
    return out


def browser_run(files: dict[str, dict[str, Path]], work: Path) -> list[dict]:
    import soundfile as sf

    from chromium import Browser
    from webserver import Served

    mic = work / "mic.wav"
    first = next(iter(next(iter(files.values())).values()))
    shutil.copy(first, mic)
    served = Served(work / "home-browser", "--voice", "off", "--silence", "0")
    rows = []
    try:
        flags = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                 f"--use-file-for-fake-audio-capture={mic}%noloop", "--autoplay-policy=no-user-gesture-required"]
        with Browser(flags=flags, timeout=120) as b:
            b.goto(f"{served.base}/?token={served.token}")
            time.sleep(8)  # the server warms its models at start, as it does for a person reading the page
            for name, answer_files in files.items():
                steps = [label for label in answer_files if not label.startswith("probe-")]
                probes = [label for label in answer_files if label.startswith("probe-")]
                b.goto(f"{served.base}/practice")
                for step in ("situation", "task", "action", "result", "reflection"):
                    if step not in steps:
                        b.click(f"#step-{step}")
                b.evaluate(f"document.getElementById('probes').value = '{'all' if len(probes) > 2 else len(probes) or 'none'}'")
                b.evaluate("document.getElementById('adaptive').checked = false")  # the same plan as the terminal's
                b.click("#start")
                b.wait_for("document.body.dataset.state === 'ready'", timeout=120)
                for label in steps + probes:
                    shutil.copy(answer_files[label], mic)
                    length = sf.info(str(answer_files[label])).duration
                    if label.startswith("probe-"):
                        b.click("#next-btn")  # asks the next follow-up; recording starts when it is asked
                    else:
                        if b.evaluate("document.body.dataset.state") == "feedback":
                            b.click("#next-btn")
                            b.wait_for("document.body.dataset.state === 'ready'")
                        b.click("#record-btn")
                    b.wait_for("document.body.dataset.state === 'recording'", timeout=60)
                    before = b.evaluate("window.starcoach.latencies.length")
                    # Stop as the last word ends: the fake microphone plays the file from the
                    # moment the page opened it.
                    b.wait_for(f"performance.now() - window.starcoach.micOpenedAt >= {length * 1000:.0f}",
                               timeout=length + 60, every=0.02)
                    b.click("#stop-btn")
                    b.wait_for(f"window.starcoach.latencies.length > {before}", timeout=120)
                    lat = b.evaluate(f"window.starcoach.latencies[{before}]")
                    rows.append({"candidate": name, "label": label, "audio_s": round(length - LEAD_S, 1),
                                 "page_s": round(lat["page_s"], 3), "server_s": round(lat["server_s"], 3)})
                    if not label.startswith("probe-"):
                        b.wait_for("document.body.dataset.state === 'feedback'", timeout=60)
                b.wait_for("document.body.dataset.state === 'feedback'", timeout=60)
                b.click("#next-btn")
                b.wait_for("document.body.dataset.state === 'done'", timeout=120)
    finally:
        served.stop()
    return rows


def terminal_run(files: dict[str, dict[str, Path]], work: Path) -> list[dict]:
    from starcoach.run import MockRun, ProbeJudged, RunPlan, StepFeedback, answers_source_factory
    from starcoach.scenario import DEFAULT_SCENARIO_ID, STEP_NAMES, find_scenario

    os.environ["STARCOACH_HOME"] = str(work / "home-terminal")
    scenario = find_scenario(DEFAULT_SCENARIO_ID)
    rows = []
    for name, answer_files in files.items():
        steps = tuple(s for s in STEP_NAMES if s in answer_files)
        probes = tuple(int(label.split("-")[1]) for label in answer_files if label.startswith("probe-"))
        events = []

        def on_event(event) -> None:
            if isinstance(event, (StepFeedback, ProbeJudged)):
                events.append(event)

        run = MockRun(RunPlan(scenario, "ownership", "sde2", steps=steps, probes=probes),
                      answers_source_factory(answer_files, realtime=True), on_event=on_event, source_kind="files")
        run.run()
        for event in events:
            label = event.result.step if isinstance(event, StepFeedback) else f"probe-{event.result.index}"
            rows.append({"candidate": name, "label": label, "terminal_s": round(event.latency_s, 3)})
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="two steps and one probe per candidate")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-web-"))
    files = answers(work, args.quick)
    started = datetime.now()
    load_start = load()
    browser = browser_run(files, work)
    load_mid = load()
    terminal = terminal_run(files, work)
    load_end = load()
    by_key = {(r["candidate"], r["label"]): r for r in terminal}
    for row in browser:
        row["terminal_s"] = by_key.get((row["candidate"], row["label"]), {}).get("terminal_s")
    result = {
        "date": started.strftime("%Y-%m-%d %H:%M"), "machine": f"{platform.node()} {platform.machine()}",
        "cpus": os.cpu_count(), "load": {"start": load_start, "between": load_mid, "end": load_end},
        "browser_page": quantiles([r["page_s"] for r in browser]),
        "browser_server": quantiles([r["server_s"] for r in browser]),
        "terminal": quantiles([r["terminal_s"] for r in terminal]),
        "rows": browser,
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "web.json").write_text(json.dumps(result, indent=2) + "\n")
    print(f"Run {result['date']} on {result['machine']} ({result['cpus']} CPUs); load average "
          f"{load_start} at the start, {load_mid} between the runs, {load_end} at the end.\n")
    print("| stop → feedback | takes | median | p90 | max |")
    print("|---|---:|---:|---:|---:|")
    for key, title in (("browser_page", "browser: Stop pressed → feedback drawn in the page"),
                       ("browser_server", "browser: the server's stop → feedback event"),
                       ("terminal", "terminal run (baseline, same answers)")):
        q = result[key]
        print(f"| {title} | {q['n']} | **{q['median_s']:.2f} s** | {q['p90_s']:.2f} s | {q['max_s']:.2f} s |")
    print("\n| candidate | answer | audio | page | server | terminal |")
    print("|---|---|---:|---:|---:|---:|")
    for r in browser:
        term = f"{r['terminal_s']:.2f} s" if r["terminal_s"] is not None else "-"
        print(f"| {r['candidate']} | {r['label']} | {r['audio_s']:.1f} s | {r['page_s']:.2f} s | "
              f"{r['server_s']:.2f} s | {term} |")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
