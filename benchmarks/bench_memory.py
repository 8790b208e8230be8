"""Peak memory: ``starcoach transcribe`` and ``starcoach analyze`` of long files, and a whole run.

Issue #14: transcribing or analysing a file of any length streams it from disk; peak memory for a
30-minute file ≤ 600 MB, for a whole live run ≤ 450 MB.

- **Long files** (``long_take.py``): the story sentences of ``speech_set.py`` spoken by hibari and
  espeak-ng in turn, with pauses of 0.3-3 s, looped to 30 minutes and 2 hours (made once, cached in
  ``benchmarks/out/cache/``). Each command runs in a fresh process (the CLI's ``main`` in-process,
  its output discarded) that reports its peak resident size (``VmHWM``; not ``ru_maxrss``, which
  Linux carries over from a big parent across fork + exec).
- **Baseline, same run, same file**: plain faster-whisper, ``WhisperModel.transcribe(path,
  vad_filter=True, word_timestamps=True)`` with the same model, prompt and hotwords, the
  transcription consumed segment by segment (it decodes the whole file into memory first).
- **A whole run**: ``starcoach run SCENARIO --answers DIR --no-input --realtime --voice hibari`` with
  the demo's strong candidate (every step, every probe, the interviewer's voice reading each
  probe): the process of a live run with a file for a microphone. The answer files are 16 kHz
  mono 16-bit, as the microphone records (hibari speaks at 24 kHz; resampling that would load
  PyAV, which a live run does not). Its peak varies by ±10 MB from
  run to run (how the heap fragments around Whisper's decodes), so ``--runs N`` repeats it, and
  ``--before REV`` measures commit REV (a temporary git worktree) in turn with this checkout, in
  the same session.

Usage::

    .venv/bin/python benchmarks/bench_memory.py                 # 30 min and 2 h, and the run
    .venv/bin/python benchmarks/bench_memory.py --lengths 600 --no-run   # quicker
    .venv/bin/python benchmarks/bench_memory.py --lengths 7200 --commands analyze --no-run
    .venv/bin/python benchmarks/bench_memory.py --lengths "" --before origin/main~3 --runs 2

Prints a markdown report and writes it (plus raw JSON) to ``benchmarks/out/``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))
OUT = HERE / "out"
CACHE = OUT / "cache"

from long_take import write_long_take  # noqa: E402

_CLI = r"""
import contextlib, io, re, sys, time
t = time.perf_counter()
from starcoach.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    rc = main(sys.argv[1:])
hwm = int(re.search(r"VmHWM:\s+(\d+)", open("/proc/self/status").read()).group(1)) / 1024
print(rc, hwm, time.perf_counter() - t)
"""

_PLAIN = r"""
import re, sys, time
t = time.perf_counter()
from starcoach.transcribe import FILLER_HOTWORDS, FILLER_PROMPT, cpu_threads, resolve_model
from faster_whisper import WhisperModel
model = WhisperModel(resolve_model().location, device="cpu", compute_type="int8", cpu_threads=cpu_threads())
segments, _ = model.transcribe(sys.argv[1], vad_filter=True, word_timestamps=True, beam_size=5,
                               initial_prompt=FILLER_PROMPT, hotwords=FILLER_HOTWORDS,
                               condition_on_previous_text=False)
words = sum(len(s.words or []) for s in segments)
hwm = int(re.search(r"VmHWM:\s+(\d+)", open("/proc/self/status").read()).group(1)) / 1024
print(0 if words else 1, hwm, time.perf_counter() - t)
"""


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def measure(code: str, args: list[str], env: dict | None = None, tree: Path = ROOT) -> dict:
    load = _load()
    env = dict(env or os.environ, PYTHONPATH=str(tree))  # this checkout's starcoach (or --before's)
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=tree,
                          env=env)
    if done.returncode != 0:
        raise SystemExit(f"failed: {args}\n{done.stderr[-3000:]}")
    rc, peak, wall = done.stdout.split()[-3:]
    return {"rc": int(rc), "peak_mb": float(peak), "wall_s": float(wall), "load_before": load, "load_after": _load()}


def whole_run(tmp: Path, tree: Path = ROOT) -> dict:
    from starcoach.demo import strong_candidate, synthesize_answers
    from starcoach.scenario import DEFAULT_SCENARIO_ID, find_scenario

    scenario = find_scenario(DEFAULT_SCENARIO_ID)
    answers = CACHE / "run-answers-16k"
    if not (answers / "situation.wav").exists():
        # As a microphone gives them (16 kHz mono 16-bit): a 24 kHz file would load PyAV to resample,
        # which a live run never does.
        import soundfile as sf

        from starcoach.transcribe import SAMPLE_RATE, load_audio

        spoken = CACHE / "run-answers"
        if not (spoken / "situation.wav").exists():
            synthesize_answers(strong_candidate(scenario), spoken)
        answers.mkdir(parents=True, exist_ok=True)
        for wav in spoken.glob("*.wav"):
            sf.write(answers / wav.name, load_audio(wav), SAMPLE_RATE, subtype="PCM_16")
    env = dict(os.environ, STARCOACH_HOME=str(tmp / "home"))
    return measure(_CLI, ["run", DEFAULT_SCENARIO_ID, "--answers", str(answers), "--no-input", "--realtime",
                          "--voice", "hibari"], env, tree)


def _worktree(rev: str, where: Path) -> tuple[Path, str]:
    """A detached git worktree of ``rev`` in ``where`` (removed by the caller), and its short hash."""
    path = where / "before"
    subprocess.run(["git", "worktree", "add", "--detach", str(path), rev], cwd=ROOT, check=True,
                   capture_output=True)
    short = subprocess.run(["git", "rev-parse", "--short", rev], cwd=ROOT, check=True, capture_output=True,
                           text=True).stdout.strip()
    return path, short


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--lengths", default="1800,7200", help="file lengths in seconds (default 1800,7200)")
    p.add_argument("--no-run", action="store_true", help="skip the whole run")
    p.add_argument("--no-plain", action="store_true", help="skip the plain faster-whisper baseline")
    p.add_argument("--commands", default="transcribe,analyze",
                   help="commands to measure on the long files (default transcribe,analyze)")
    p.add_argument("--runs", type=int, default=1, help="whole runs of each version (default 1)")
    p.add_argument("--before", metavar="REV", help="also measure the whole run of git commit REV, in turn")
    args = p.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    raw: dict = {"date": datetime.now().isoformat(timespec="minutes"), "machine": platform.node(),
                 "cores": len(os.sched_getaffinity(0)), "files": {}}
    lines = [f"# Peak memory — {raw['date']}, {platform.node()} ({raw['cores']} cores)", "",
             "| file | command | peak RSS | wall | load before / after |", "|---|---|---:|---:|---|"]
    for seconds in [float(s) for s in args.lengths.split(",") if s]:
        path = write_long_take(seconds, CACHE)
        label = f"{seconds / 60:.0f} min"
        commands = {"transcribe": (_CLI, ["transcribe", str(path), "--json"]),
                    "analyze": (_CLI, ["analyze", "--step", "action", str(path), "--json"])}
        commands = {k: v for k, v in commands.items() if k in args.commands.split(",")}
        if not args.no_plain:
            commands["plain faster-whisper"] = (_PLAIN, [str(path)])
        for name, (code, cmd) in commands.items():
            r = raw["files"].setdefault(label, {})[name] = measure(code, cmd)
            lines.append(f"| {label} | {name} | {r['peak_mb']:.0f} MB | {r['wall_s']:.0f} s | "
                         f"{r['load_before']} / {r['load_after']} |")
            print(lines[-1], flush=True)
    if not args.no_run:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True).stdout.strip() or "this checkout"
        with tempfile.TemporaryDirectory() as tmp:
            versions = [(f"{head} (this checkout)", ROOT)]
            if args.before:
                tree, short = _worktree(args.before, Path(tmp))
                versions.insert(0, (f"{short} (before)", tree))
            try:
                for i in range(args.runs):
                    for name, tree in versions:
                        with tempfile.TemporaryDirectory() as home:
                            r = whole_run(Path(home), tree)
                        raw.setdefault("runs", []).append({"version": name, **r})
                        lines.append(f"| demo answers (strong), {name} | whole run, --realtime --voice hibari | "
                                     f"{r['peak_mb']:.0f} MB | {r['wall_s']:.0f} s | {r['load_before']} / "
                                     f"{r['load_after']} |")
                        print(lines[-1], flush=True)
            finally:
                if args.before:
                    subprocess.run(["git", "worktree", "remove", "--force", str(Path(tmp) / "before")], cwd=ROOT,
                                   capture_output=True)
    report = "\n".join(lines) + "\n"
    print(report)
    stamp = time.strftime("%Y%m%d-%H%M")
    (OUT / f"bench_memory-{stamp}.md").write_text(report)
    (OUT / f"bench_memory-{stamp}.json").write_text(json.dumps(raw, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
