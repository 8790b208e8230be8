"""Real human speech: starcoach's transcript (after stop and streaming) against plain faster-whisper.

The 13 clips of ``../shared/speech/`` (``manifest.json``: spontaneous meeting speech with fillers,
read speech, several accents; references by people) are transcribed three ways with the same
model, prompt, hotwords and beam:

- **plain**: ``WhisperModel.transcribe(audio, vad_filter=True, word_timestamps=True)`` over the
  whole file (the baseline);
- **after stop**: :func:`starcoach.transcribe.transcribe_file` (read from disk block by block);
- **streaming**: :class:`starcoach.transcribe.StreamingTranscriber` fed 0.1 s blocks.

WER after ``speech_set.normalise`` (words ending in "-", cut off in the recording, are dropped from
the references), per clip kind and overall, with the per-clip rule of issue #14 (no clip more
than max(1 word, 5%) worse than plain); filler recall (um/uh of the references transcribed) and
fillers invented. Usage::

    .venv/bin/python benchmarks/bench_real_speech.py

Prints a markdown report and writes it (plus raw JSON) to ``benchmarks/out/``.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))
OUT = HERE / "out"
SPEECH = ROOT.parent / "shared" / "speech"

from speech_set import normalise  # noqa: E402

FILLERS = ("um", "uh")


def reference(entry: dict) -> str:
    return normalise(" ".join(w for w in entry["reference"].split() if not w.endswith("-")))


def errors(ref: str, hyp: str) -> int:
    import jiwer

    m = jiwer.process_words(ref, hyp or "<empty>")
    return m.substitutions + m.deletions + m.insertions


def fillers(ref: str, hyp: str) -> tuple[int, int, int]:
    """(said, transcribed where said, invented) um/uh, by alignment."""
    import jiwer

    m = jiwer.process_words(ref, hyp or "<empty>")
    words = ref.split()
    said = hit = 0
    for chunk in m.alignments[0]:
        for k in range(chunk.ref_start_idx, chunk.ref_end_idx):
            if words[k] in FILLERS:
                said += 1
                hit += chunk.type == "equal"
    written = sum(w in FILLERS for w in hyp.split())
    return said, hit, max(0, written - hit)


def main() -> int:
    from starcoach.transcribe import StreamingTranscriber, TranscribeOptions, iter_audio, load_whisper, transcribe_file

    OUT.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()
    whisper = load_whisper()
    opts = TranscribeOptions()
    rows = []
    for entry in json.loads((SPEECH / "manifest.json").read_text()):
        path = SPEECH / entry["file"]
        started = time.perf_counter()
        with whisper.lock:
            segments, _ = whisper.model.transcribe(
                str(path), language="en", beam_size=opts.beam_size, initial_prompt=opts.prompt,
                hotwords=opts.hotwords, condition_on_previous_text=False, word_timestamps=True, vad_filter=True)
            plain = " ".join(s.text.strip() for s in segments)
        plain_s = time.perf_counter() - started
        started = time.perf_counter()
        after = transcribe_file(path, whisper).text
        after_s = time.perf_counter() - started
        stream = StreamingTranscriber(whisper)
        for block in iter_audio(path, block=1600):
            stream.feed(block)
        streamed = stream.finish().text
        ref = reference(entry)
        row = {"file": entry["file"], "kind": entry["speaker_kind"], "duration_s": entry["duration_s"],
               "ref_words": len(ref.split()), "plain_s": plain_s, "after_s": after_s,
               "text": {"plain": plain, "after": after, "stream": streamed}}
        for name, text in row["text"].items():
            hyp = normalise(text)
            row[name] = {"errors": errors(ref, hyp), "fillers": fillers(ref, hyp)}
        rows.append(row)
        print(f"{entry['file'][:40]:40s} plain {row['plain']['errors']:3d} after {row['after']['errors']:3d} "
              f"stream {row['stream']['errors']:3d} / {row['ref_words']}", file=sys.stderr, flush=True)
    load_after = os.getloadavg()

    def total(rs, name):
        n = sum(r["ref_words"] for r in rs)
        return 100 * sum(r[name]["errors"] for r in rs) / n

    def fill(rs, name):
        said = sum(r[name]["fillers"][0] for r in rs)
        hit = sum(r[name]["fillers"][1] for r in rs)
        inv = sum(r[name]["fillers"][2] for r in rs)
        return f"{hit}/{said} ({inv} invented)" if said else f"– ({inv} invented)"

    lines = [
        f"Real-speech benchmark, {datetime.now():%Y-%m-%d %H:%M} — {platform.node()}, {os.cpu_count()} cores, "
        f"{platform.machine()}; model {whisper.name}, int8, beam {opts.beam_size}. "
        f"Load average before/after: {load_before[0]:.2f}/{load_after[0]:.2f}.",
        "Command: `.venv/bin/python benchmarks/bench_real_speech.py`", "",
        "| clips | audio | words | WER plain faster-whisper | WER ours, after stop | WER ours, streaming "
        "| um/uh kept: plain / after stop / streaming |",
        "|---|---|---|---|---|---|---|",
    ]
    groups = [("spontaneous (fillers)", [r for r in rows if r["kind"] == "spontaneous"]),
              ("read, short (< 15 s)", [r for r in rows if r["kind"] == "read" and r["duration_s"] < 15]),
              ("read, long (139 s)", [r for r in rows if r["kind"] == "read" and r["duration_s"] >= 15]),
              ("**all**", rows)]
    for name, rs in groups:
        lines.append(f"| {name} ({len(rs)}) | {sum(r['duration_s'] for r in rs):.0f} s | "
                     f"{sum(r['ref_words'] for r in rs)} | {total(rs, 'plain'):.2f}% | "
                     f"{total(rs, 'after'):.2f}% | {total(rs, 'stream'):.2f}% | "
                     f"{fill(rs, 'plain')} / {fill(rs, 'after')} / {fill(rs, 'stream')} |")
    worse = [r["file"] for r in rows
             if r["after"]["errors"] - r["plain"]["errors"] > max(1, 0.05 * r["ref_words"])]
    same = sum(r["text"]["after"] == r["text"]["stream"] for r in rows)
    lines += ["", f"Clips more than max(1 word, 5%) worse than plain: {', '.join(worse) or 'none'}. "
                  f"Streaming text identical to after-stop: {same}/{len(rows)} clips.", "",
              "| clip | kind | words | errors plain / after stop / streaming |", "|---|---|---|---|"]
    lines += [f"| {r['file'][:36]} | {r['kind']} | {r['ref_words']} | {r['plain']['errors']} / "
              f"{r['after']['errors']} / {r['stream']['errors']} |" for r in rows]
    report = "\n".join(lines) + "\n"
    print(report)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    (OUT / f"bench_real_speech-{stamp}.md").write_text(report)
    (OUT / f"bench_real_speech-{stamp}.json").write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
