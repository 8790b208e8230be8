"""Mock run benchmarks: stop-to-feedback in the real-time scripted run, and whole-answer split accuracy.

1. **Stop to feedback.** The demo's strong and weak candidates (bundled hibari voice) answer every
   step and probe through :class:`starcoach.run.MockRun` with ``FileSource(realtime=True)`` — the
   same path as the microphone: blocks arrive at real-time pace, the streaming transcriber is fed
   while "recording", and the clock runs from the end of the take to the feedback event (tail
   transcription + spaCy analysis, or the probe verdict). Baseline in the same run: transcribing the
   whole take after stop (``transcribe_file``) plus the same analysis.
2. **Whole-answer split.** Each answer of ``tests/data/continuous_answers.toml`` (used to write the
   cues) and ``tests/data/continuous_heldout.toml`` (never used for tuning) is split as text (evenly
   timed words) and as speech: hibari speaks each step, the steps are joined with 0.6 s gaps (so the
   true step boundaries are known), Whisper transcribes the whole answer, and
   :func:`starcoach.segment.split_answer` splits it. Reported: share of words placed in the right step
   (a Whisper word's true step is the one whose audio contains the word's midpoint), and the mean
   absolute error of each step's start and duration in seconds.

Usage: ``.venv/bin/python benchmarks/bench_run.py [--quick]`` (``--quick``: two steps, text split only).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "benchmarks" / "out"
GAP_S = 0.6


def stop_to_feedback(quick: bool) -> dict:
    from starcoach.analysis import analyze_answer, judge_probe
    from starcoach.demo import strong_candidate, synthesize_answers, weak_candidate
    from starcoach.run import MockRun, ProbeJudged, RunPlan, StepFeedback, answers_source_factory
    from starcoach.scenario import DEFAULT_SCENARIO_ID, STEP_NAMES, find_scenario
    from starcoach.transcribe import load_whisper, transcribe_file

    scenario = find_scenario(DEFAULT_SCENARIO_ID)
    work = Path(tempfile.mkdtemp(prefix="bench-run-"))
    rows = []
    for candidate in (strong_candidate(scenario), weak_candidate(scenario)):
        files = synthesize_answers(candidate, work / candidate.name)
        steps = STEP_NAMES[:2] if quick else STEP_NAMES
        probes = (1,) if quick else None
        events = []

        def on_event(event) -> None:
            if isinstance(event, (StepFeedback, ProbeJudged)):
                events.append(event)

        run = MockRun(RunPlan(scenario, "ownership", "sde2", steps=steps, probes=probes),
                      answers_source_factory(files, realtime=True), on_event=on_event, source_kind="files")
        session = run.run()
        whisper = load_whisper()
        folder = run.session_dir
        for event in events:
            if isinstance(event, StepFeedback):
                label, take, result = event.result.step, event.take, event.result
                t0 = time.perf_counter()
                transcript = transcribe_file(folder / take.audio, whisper)
                analyze_answer(transcript.text, label, scenario, level="sde2", transcript=transcript,
                               duration_s=take.duration_s)
                after = time.perf_counter() - t0
                duration = take.duration_s
            else:
                label, result = f"probe-{event.result.index}", event.result
                t0 = time.perf_counter()
                transcript = transcribe_file(folder / result.audio, whisper)
                judge_probe(transcript.text, scenario.probes[result.index - 1], scenario, transcript=transcript)
                after = time.perf_counter() - t0
                duration = result.duration_s
            rows.append({"candidate": candidate.name, "label": label, "audio_s": round(duration, 1),
                         "stop_to_feedback_s": round(event.latency_s, 3), "after_stop_s": round(after, 3)})
        rows.append({"candidate": candidate.name, "session": session.session_id,
                     "lean": session.summary.bar_raiser.lean})
    takes = [r for r in rows if "label" in r]
    lat = [r["stop_to_feedback_s"] for r in takes]
    base = [r["after_stop_s"] for r in takes]
    return {"rows": rows, "median_s": statistics.median(lat), "max_s": max(lat),
            "p90_s": sorted(lat)[int(0.9 * (len(lat) - 1))], "baseline_median_s": statistics.median(base),
            "baseline_max_s": max(base), "takes": len(takes)}


def _answers(name: str) -> list[dict]:
    with open(ROOT / "tests" / "data" / name, "rb") as f:
        return tomllib.load(f)["answer"]


def split_text(name: str) -> dict:
    from starcoach.segment import split_answer, words_from_text

    per = {}
    total = right = 0
    for answer in _answers(name):
        gold = [step for step, text in answer["parts"] for _ in text.split()]
        segments = split_answer(words_from_text(" ".join(t for _, t in answer["parts"])))
        pred = [s.step for s in segments for _ in s.words]
        ok = sum(p == g for p, g in zip(pred, gold))
        per[answer["id"]] = round(ok / len(gold), 3)
        total += len(gold)
        right += ok
    return {"word_accuracy": round(right / total, 4), "answers": per}


def split_speech(name: str, cache: Path) -> dict:
    import numpy as np
    import soundfile as sf

    from starcoach.segment import split_answer
    from starcoach.transcribe import load_audio, load_whisper, transcribe_file
    from starcoach.voice import synthesize

    whisper = load_whisper()
    total = right = 0
    start_err, dur_err, per = [], [], {}
    for answer in _answers(name):
        audio, bounds, t = [], [], 0.0
        for i, (step, text) in enumerate(answer["parts"]):
            clip = cache / f"{answer['id']}-{i}.wav"
            if not clip.exists():
                synthesize(text, clip, seed=i)
            samples = load_audio(clip)
            bounds.append((step, t, t + len(samples) / 16000))
            audio += [samples, np.zeros(int(GAP_S * 16000), np.float32)]
            t += len(samples) / 16000 + GAP_S
        path = cache / f"{answer['id']}-answer.wav"
        sf.write(path, np.concatenate(audio), 16000)
        transcript = transcribe_file(path, whisper)
        segments = split_answer(transcript.words, duration_s=transcript.duration_s, text=transcript.text)

        def true_step(word) -> str:
            mid = (word["start"] + word["end"]) / 2
            for step, a, b in bounds:
                if mid < b + GAP_S / 2:
                    return step
            return bounds[-1][0]

        ok = n = 0
        for seg in segments:
            for w in seg.words:
                n += 1
                ok += true_step(w) == seg.step
        per[answer["id"]] = round(ok / max(1, n), 3)
        total += n
        right += ok
        found = {s.step: s for s in segments}
        for step, a, b in bounds:
            if step in found:
                start_err.append(abs(found[step].start_s - a))
                dur_err.append(abs(found[step].duration_s - (b - a + GAP_S)))
    return {"word_accuracy": round(right / max(1, total), 4), "answers": per,
            "start_mae_s": round(statistics.mean(start_err), 2), "duration_mae_s": round(statistics.mean(dur_err), 2),
            "steps_found": len(start_err), "steps_total": sum(len(a["parts"]) for a in _answers(name))}


def main() -> int:
    quick = "--quick" in sys.argv
    os.environ.setdefault("STARCOACH_HOME", tempfile.mkdtemp(prefix="bench-home-"))
    OUT.mkdir(parents=True, exist_ok=True)
    results = {"text_split": {n: split_text(n) for n in ("continuous_answers.toml", "continuous_heldout.toml")}}
    if not quick:
        cache = OUT / "speech-cache"
        cache.mkdir(exist_ok=True)
        results["speech_split"] = {n: split_speech(n, cache) for n in ("continuous_answers.toml", "continuous_heldout.toml")}
    results["latency"] = stop_to_feedback(quick)
    (OUT / "run.json").write_text(json.dumps(results, indent=2))

    lat = results["latency"]
    print("### Stop to feedback (real-time scripted run, demo candidates, tiny.en)\n")
    print("| take | candidate | audio s | stop→feedback s | after-stop baseline s |")
    print("|---|---|---:|---:|---:|")
    for r in lat["rows"]:
        if "label" in r:
            print(f"| {r['label']} | {r['candidate']} | {r['audio_s']} | {r['stop_to_feedback_s']:.2f} | {r['after_stop_s']:.2f} |")
    print(f"\n{lat['takes']} takes: median {lat['median_s']:.2f} s, p90 {lat['p90_s']:.2f} s, max {lat['max_s']:.2f} s "
          f"(baseline median {lat['baseline_median_s']:.2f} s, max {lat['baseline_max_s']:.2f} s).")
    leans = [f"{r['candidate']}: {r['lean']}" for r in lat["rows"] if "lean" in r]
    print("Bar Raiser reads: " + "; ".join(leans))
    print("\n### Whole-answer split\n")
    print("| set | answers | text: words in right step | speech: words in right step | start MAE s | duration MAE s |")
    print("|---|---:|---:|---:|---:|---:|")
    for name in ("continuous_answers.toml", "continuous_heldout.toml"):
        t = results["text_split"][name]
        s = results.get("speech_split", {}).get(name)
        speech = (f"{s['word_accuracy']:.1%} | {s['start_mae_s']:.2f} | {s['duration_mae_s']:.2f}"
                  if s else "— | — | —")
        print(f"| {name} | {len(t['answers'])} | {t['word_accuracy']:.1%} | {speech} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
