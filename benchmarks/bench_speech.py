"""Speech pipeline benchmarks: stop-to-transcript latency, real-time factor, WER, filler recall,
start-up and model load time, peak memory.

Everything is measured in one run on a synthesized in-domain set (``speech_set.py``: three STAR
answers with numbers and fillers, spoken by hibari-tts's bundled voice and by espeak-ng, with
pauses between sentences), so the baselines share the machine's state with the figures they are
compared to.

1. **Latency.** Each answer (30, 90, 180 s; hibari) is recorded through the real path:
   ``FileSource(realtime=True)`` → ``record_take`` (writing the WAV) → ``on_block`` →
   ``StreamingTranscriber``. The clock runs from the end of the take (the recorder returns) to
   ``finish()`` returning the final transcript. The take ends as the voice's audio ends (the
   candidate stops as the last word ends: the hard case, ``--reps`` runs per length) and, once
   per length, 0.5 s later (a typical key press); each of those two once more with the streaming
   transcriber's speculation off (``speculate=False``: nothing decoded during pauses, the decoder
   before that change). Baselines, right after, on the same WAV with the same settings: ``transcribe_file`` (the same chunked decoder, run after stop) and plain
   faster-whisper over the whole file (``vad_filter=True``, word timestamps, same prompt,
   hotwords and beam).
2. **Accuracy.** WER (jiwer, after ``speech_set.normalise``) and filler recall (a reference filler
   counts when the alignment matches it to the same word) for the streaming transcripts, the
   after-stop ones, and plain faster-whisper; for hibari (the latency runs) and espeak-ng answers.
3. **Speed.** Real-time factor (decode seconds / audio seconds) of each path.
4. **Start-up.** ``starcoach --help`` wall time and Whisper model load time (fresh processes).
5. **Memory.** Peak RSS of a fresh process recording and streaming-transcribing a 180 s answer.

Usage::

    .venv/bin/python benchmarks/bench_speech.py            # 3+3 runs per length: about 35 minutes
    .venv/bin/python benchmarks/bench_speech.py --quick    # 1 repetition of 30 s and 90 s

Prints a markdown report and writes it (plus raw JSON) to ``benchmarks/out/``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))
OUT = HERE / "out"
CACHE = OUT / "cache"

from speech_set import STORIES, Answer, build_answer, normalise  # noqa: E402

#: Seconds between the end of the voice's audio and the stop: 0 = the key is pressed as the last
#: word ends (the hard case, the one the target is judged on); 0.5 = a typical key press.
TAILS = (0.0, 0.5)


def score(answers: list[Answer], hypotheses: list[str]) -> dict:
    """Corpus WER and filler recall of ``hypotheses`` against the answers' references."""
    import jiwer

    out = jiwer.process_words([a.reference for a in answers], [normalise(h) or "<empty>" for h in hypotheses])
    hit = total = 0
    for answer, alignment in zip(answers, out.alignments):
        for chunk in alignment:
            for k in range(chunk.ref_start_idx, chunk.ref_end_idx):
                if answer.fillers[k]:
                    total += 1
                    hit += chunk.type == "equal"
    return {"wer": out.wer, "fillers": total, "filler_recall": hit / total if total else None,
            "ref_words": sum(len(a.reference.split()) for a in answers)}


def native_transcribe(whisper, path: Path) -> tuple[str, float]:
    """Plain faster-whisper over the whole file, with the product's prompt, hotwords and beam."""
    from starcoach.transcribe import TranscribeOptions, load_audio

    opts = TranscribeOptions()
    started = time.perf_counter()
    samples = load_audio(path)
    with whisper.lock:
        segments, _ = whisper.model.transcribe(
            samples, language="en", beam_size=opts.beam_size, initial_prompt=opts.prompt,
            hotwords=opts.hotwords, condition_on_previous_text=False, word_timestamps=True,
            vad_filter=True)
        text = " ".join(s.text.strip() for s in segments)
    return text, time.perf_counter() - started


def latency_run(whisper, answer: Answer, tmp: Path, speculate: bool = True) -> dict:
    """Record ``answer`` at real-time pace while streaming; then the two after-stop baselines.

    ``speculate=False``: the streaming transcriber as it was before it decoded the open chunk
    during pauses (the baseline for that change, measured in the same run)."""
    from starcoach.capture import FileSource, record_take
    from starcoach.transcribe import StreamingTranscriber, transcribe_file

    stream = StreamingTranscriber(whisper, speculate=speculate)
    take = record_take(FileSource(answer.path, realtime=True), tmp / "take.wav", silence_stop_s=None,
                       on_block=lambda block, status: stream.feed(block))
    stopped = time.perf_counter()
    streamed = stream.finish()
    latency = time.perf_counter() - stopped

    started = time.perf_counter()
    after = transcribe_file(take.path, model=whisper)
    after_s = time.perf_counter() - started
    native_text, native_s = native_transcribe(whisper, take.path)
    return {
        "story": answer.story, "voice": answer.voice, "duration_s": take.duration_s,
        "stream_latency_s": latency, "after_stop_s": after_s, "native_s": native_s,
        "stream_decode_s": stream.decode_s, "speculate": speculate, "stats": stream.stats,
        "identical": streamed.text == after.text and streamed.words == after.words,
        "stream_text": streamed.text, "after_text": after.text, "native_text": native_text,
    }


def accuracy_only(whisper, answer: Answer) -> dict:
    from starcoach.transcribe import transcribe_file

    started = time.perf_counter()
    after = transcribe_file(answer.path, model=whisper)
    after_s = time.perf_counter() - started
    native_text, native_s = native_transcribe(whisper, answer.path)
    return {"story": answer.story, "voice": answer.voice, "duration_s": answer.duration_s,
            "after_stop_s": after_s, "native_s": native_s, "after_text": after.text,
            "native_text": native_text}


def _median_wall(cmd: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def startup() -> dict:
    exe = ROOT / ".venv" / "bin" / "starcoach"
    help_cmd = [str(exe), "--help"] if exe.exists() else [sys.executable, "-m", "starcoach", "--help"]
    load = subprocess.run(
        [sys.executable, "-c",
         "import time; t=time.perf_counter(); from starcoach.transcribe import load_whisper; "
         "w=load_whisper(); print(time.perf_counter()-t, w.load_s)"],
        check=True, capture_output=True, text=True, cwd=ROOT).stdout.split()
    return {"help_s": _median_wall(help_cmd, 5), "import_and_load_s": float(load[0]),
            "model_load_s": float(load[1])}


# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the (big) parent across fork + exec.
_MEMORY_PROBE = r"""
import re, sys
from starcoach.capture import FileSource, record_take
from starcoach.transcribe import StreamingTranscriber, load_whisper
stream = StreamingTranscriber(load_whisper())
record_take(FileSource(sys.argv[1]), sys.argv[2], silence_stop_s=None,
            on_block=lambda b, s: stream.feed(b))
t = stream.finish()
hwm = int(re.search(r"VmHWM:\s+(\d+)", open("/proc/self/status").read()).group(1))
print(hwm / 1024, len(t.words))
"""


def peak_memory(answer: Answer, tmp: Path) -> float:
    out = subprocess.run([sys.executable, "-c", _MEMORY_PROBE, str(answer.path), str(tmp / "mem.wav")],
                         check=True, capture_output=True, text=True, cwd=ROOT).stdout.split()
    return float(out[0])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=3, help="answers per length (default 3)")
    parser.add_argument("--lengths", default="30,90,180", help="answer lengths in seconds")
    parser.add_argument("--quick", action="store_true", help="1 repetition of 30 s and 90 s; no espeak set")
    args = parser.parse_args(argv)
    lengths = [30.0, 90.0] if args.quick else [float(x) for x in args.lengths.split(",")]
    reps = 1 if args.quick else args.reps

    import tempfile

    from starcoach.transcribe import TranscribeOptions, load_whisper

    OUT.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="bench-speech-"))
    load_before = os.getloadavg()
    stories = list(STORIES)
    print("synthesizing the speech set ...", file=sys.stderr, flush=True)
    # per length: the hard case `reps` times, then once each without speculation, then 0.5 s later
    # with and without it (the same answer for the pairs, one after the other)
    runs_plan = [(length, tail, speculate, build_answer(stories[r % len(stories)], "hibari", length, CACHE,
                                                        tail_s=tail))
                 for length in lengths
                 for tail, speculate, count in ((TAILS[0], True, reps), (TAILS[0], False, 1),
                                                (TAILS[1], True, 1), (TAILS[1], False, 1))
                 for r in range(count)]
    espeak = [] if args.quick else [build_answer(s, "espeak", 180.0, CACHE, tail_s=TAILS[0]) for s in stories]

    start = startup()
    whisper = load_whisper()
    runs = []
    for length, tail, speculate, answer in runs_plan:
        print(f"recording {answer.path.name} ({answer.duration_s:.0f} s, real time"
              f"{'' if speculate else ', no speculation'}) ...", file=sys.stderr, flush=True)
        result = latency_run(whisper, answer, tmp, speculate)
        result["length"] = length
        result["tail"] = tail
        result["answer"] = answer
        runs.append(result)
        print(f"  stop→transcript {result['stream_latency_s']:.2f} s; after stop {result['after_stop_s']:.2f} s; "
              f"plain {result['native_s']:.2f} s", file=sys.stderr, flush=True)
    extra = [dict(accuracy_only(whisper, a), answer=a) for a in espeak]
    longest = max((a for *_, a in runs_plan), key=lambda a: a.duration_s)
    memory = [peak_memory(longest, tmp) for _ in range(2)]
    load_after = os.getloadavg()

    opts = TranscribeOptions()
    lines = [
        f"Speech benchmark, {datetime.now():%Y-%m-%d %H:%M} — {platform.node()}, {os.cpu_count()} cores, "
        f"{platform.machine()}, Python {platform.python_version()}; model {whisper.name} "
        f"({whisper.source.origin}), int8, beam {opts.beam_size}. "
        f"Load average before/after: {load_before[0]:.2f}/{load_after[0]:.2f}.",
        f"Command: `.venv/bin/python benchmarks/bench_speech.py{' --quick' if args.quick else ''}`",
        "",
        "### Stop to final transcript (hibari answers recorded at real-time pace)",
        "",
        "| answer | streaming, stop as the last word ends: median (max) of runs | same, no speculation "
        "| streaming, stop 0.5 s later | same, no speculation "
        "| baseline: after stop, same decoder | baseline: plain faster-whisper, whole file |",
        "|---|---|---|---|---|---|---|",
    ]

    def pick(length: float, tail: float, speculate: bool) -> list[dict]:
        return [r for r in runs if r["length"] == length and r["tail"] == tail and r["speculate"] == speculate]

    def med(rs: list[dict]) -> str:
        return f"{statistics.median(r['stream_latency_s'] for r in rs):.2f} s" if rs else "–"

    for length in lengths:
        hard = pick(length, TAILS[0], True)
        both = [r for r in runs if r["length"] == length]
        durations = statistics.mean(r["duration_s"] for r in hard)
        lines.append(
            f"| {length:.0f} s ({durations:.0f} s) | "
            f"**{med(hard)}** ({max(r['stream_latency_s'] for r in hard):.2f}) of {len(hard)} | "
            f"{med(pick(length, TAILS[0], False))} | **{med(pick(length, TAILS[1], True))}** | "
            f"{med(pick(length, TAILS[1], False))} | "
            f"{statistics.median(r['after_stop_s'] for r in both):.2f} s | "
            f"{statistics.median(r['native_s'] for r in both):.2f} s |")
    identical = sum(r["identical"] for r in runs)
    lines += ["", f"Streaming transcript identical to the after-stop one (text and word times): "
                  f"{identical}/{len(runs)} runs.", ""]

    hib_full = [r for r in runs if r["length"] == max(lengths) and r["tail"] == TAILS[0] and r["speculate"]]
    rows = [("hibari", hib_full, True)]
    if extra:
        rows.append(("espeak-ng", extra, False))
    lines += ["### Accuracy (WER after normalisation; filler recall)", "",
              "| voice | answers | words | fillers | streaming WER | after-stop WER | plain faster-whisper WER "
              "| filler recall streaming / after-stop / plain |",
              "|---|---|---|---|---|---|---|---|"]
    accuracy = {}
    for voice, rs, has_stream in rows:
        answers = [r["answer"] for r in rs]
        after = score(answers, [r["after_text"] for r in rs])
        native = score(answers, [r["native_text"] for r in rs])
        stream = score(answers, [r["stream_text"] for r in rs]) if has_stream else None
        accuracy[voice] = {"after": after, "native": native, "stream": stream}
        s_wer = f"{100 * stream['wer']:.1f}%" if stream else "= after stop"
        s_fr = f"{100 * stream['filler_recall']:.0f}%" if stream else "="
        lines.append(f"| {voice} | {len(rs)} | {after['ref_words']} | {after['fillers']} | {s_wer} | "
                     f"{100 * after['wer']:.1f}% | {100 * native['wer']:.1f}% | "
                     f"{s_fr} / {100 * after['filler_recall']:.0f}% / {100 * native['filler_recall']:.0f}% |")

    audio_s = sum(r["duration_s"] for r in runs) + sum(r["duration_s"] for r in extra)
    after_s = sum(r["after_stop_s"] for r in runs) + sum(r["after_stop_s"] for r in extra)
    native_s = sum(r["native_s"] for r in runs) + sum(r["native_s"] for r in extra)
    spec = [r for r in runs if r["speculate"]]
    nospec = [r for r in runs if not r["speculate"]]
    stream_s = sum(r["stream_decode_s"] for r in spec)
    stream_audio = sum(r["duration_s"] for r in spec)
    nospec_rtf = sum(r["stream_decode_s"] for r in nospec) / max(1e-9, sum(r["duration_s"] for r in nospec))
    guesses = sum(r["stats"].get("speculated", 0) for r in spec)
    reused = sum(r["stats"].get("reused", 0) for r in spec)
    lines += ["", "### Speed, start-up, memory", "",
              "| measure | value |", "|---|---|",
              f"| real-time factor, streaming worker (decode s / audio s) | {stream_s / stream_audio:.3f} "
              f"(without speculation {nospec_rtf:.3f}; {guesses} guesses, {reused} reused) |",
              f"| real-time factor, after stop (same decoder) | {after_s / audio_s:.3f} |",
              f"| real-time factor, plain faster-whisper whole file | {native_s / audio_s:.3f} |",
              f"| `starcoach --help` (median of 5) | {start['help_s']:.3f} s |",
              f"| Whisper model load (fresh process; with imports) | {start['model_load_s']:.2f} s "
              f"({start['import_and_load_s']:.2f} s) |",
              f"| peak memory, record + stream-transcribe a {longest.duration_s:.0f} s answer (2 runs) | "
              f"{' / '.join(f'{m:.0f}' for m in memory)} MB |"]
    report = "\n".join(lines) + "\n"
    print(report)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    (OUT / f"bench_speech-{stamp}.md").write_text(report)
    raw = {"runs": [{k: v for k, v in r.items() if k != "answer"} for r in runs],
           "espeak": [{k: v for k, v in r.items() if k != "answer"} for r in extra],
           "accuracy": accuracy, "startup": start, "peak_memory_mb": memory,
           "load_before": load_before, "load_after": load_after}
    (OUT / f"bench_speech-{stamp}.json").write_text(json.dumps(raw, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
