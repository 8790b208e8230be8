"""Fillers kept and fillers invented: starcoach's decoder with and without moving misplaced fillers.

Issue #14 asks for 90% of the um/uh said on real speech transcribed, without inventing any.
Whisper writes some fillers but its alignment puts them where VAD heard nothing (zero-length at
the end of a window, on top of the next word), so the made-up-word check dropped them;
:func:`starcoach.transcribe._place_fillers` keeps such a filler when VAD heard speech no word
covers between its neighbours (``TranscribeOptions.filler_min_s``). This benchmark measures it
against the same decoder without it (``filler_min_s=None``), in one run, on:

- **real speech** (``../shared/speech/``): the 2 spontaneous AMI clips with 12 um/uh (the clips
  the rule was found on) and the 11 read clips (no filler said: any filler written is invented);
- **scenario answers** (synthesized, no filler said): the strong and weak answers of every third
  scenario, hibari and espeak-ng (the set of ``bench_vocabulary.py``, same cache);
- **synthetic fillers** (held out, never tuned on; synthesized, so only a sanity check): the
  answers of ``speech_set.py`` (their "[um]", "[uh]" spoken by hibari and espeak-ng, 60 s each).

Fillers are counted as in ``bench_real_speech.py``: um/uh of the reference aligned to the same
word in the transcript (after ``speech_set.normalise``), and fillers written beyond those.
Usage::

    .venv/bin/python benchmarks/bench_fillers.py
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

from bench_real_speech import errors, fillers, reference  # noqa: E402
from speech_set import STORIES, build_answer, normalise  # noqa: E402

SYSTEMS = ("before", "after")


def files():
    """(set, name, path, normalised reference) of every file measured."""
    from bench_vocabulary import clips, spoken

    from starcoach.scenario import scan

    for entry in json.loads((SPEECH / "manifest.json").read_text()):
        kind = "real spontaneous" if entry["speaker_kind"] == "spontaneous" else "real read"
        yield kind, entry["file"], SPEECH / entry["file"], reference(entry)
    for scenario in list(scan().scenarios)[::3]:
        for n, (kind, text) in enumerate(clips(scenario)):
            for voice in ("hibari", "espeak"):
                yield f"scenario answers, {voice}", f"{scenario.id}/{kind}{n}", spoken(text, voice), normalise(text)
    for story in STORIES:
        for voice in ("hibari", "espeak"):
            answer = build_answer(story, voice, 60.0, OUT / "cache" / "speech")
            yield f"synthetic fillers, {voice}", f"{story}-{voice}", answer.path, answer.reference


def main() -> int:
    from dataclasses import replace

    from starcoach.transcribe import TranscribeOptions, load_whisper, transcribe_file

    OUT.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()
    started = time.perf_counter()
    whisper = load_whisper()
    options = {"before": replace(TranscribeOptions(), filler_min_s=None), "after": TranscribeOptions()}
    rows = []
    for kind, name, path, ref in files():
        row = {"set": kind, "file": name, "ref_words": len(ref.split()), "text": {}}
        for system, opts in options.items():
            hyp = transcribe_file(path, whisper, opts).text
            row["text"][system] = hyp
            row[system] = {"errors": errors(ref, normalise(hyp)), "fillers": fillers(ref, normalise(hyp))}
        rows.append(row)
        print(f"{kind:28s} {name[:40]:40s} " + " ".join(
            f"{s} {row[s]['fillers']} err {row[s]['errors']}" for s in SYSTEMS), file=sys.stderr, flush=True)
    load_after = os.getloadavg()

    def cell(rs, system):
        said = sum(r[system]["fillers"][0] for r in rs)
        hit = sum(r[system]["fillers"][1] for r in rs)
        inv = sum(r[system]["fillers"][2] for r in rs)
        n = sum(r["ref_words"] for r in rs)
        wer = 100 * sum(r[system]["errors"] for r in rs) / n
        return f"{hit}/{said}" if said else "–", str(inv), f"{wer:.2f}%"

    lines = [
        f"Filler benchmark, {datetime.now():%Y-%m-%d %H:%M} — {platform.node()}, {os.cpu_count()} cores; "
        f"model {whisper.name}; {time.perf_counter() - started:.0f} s. "
        f"Load average before/after: {load_before[0]:.2f}/{load_after[0]:.2f}.",
        "Command: `.venv/bin/python benchmarks/bench_fillers.py`", "",
        "| set | files | words | um/uh kept before / after | invented before / after | WER before / after |",
        "|---|---:|---:|---|---|---|"]
    for kind in dict.fromkeys(r["set"] for r in rows):
        rs = [r for r in rows if r["set"] == kind]
        b, a = cell(rs, "before"), cell(rs, "after")
        lines.append(f"| {kind} | {len(rs)} | {sum(r['ref_words'] for r in rs)} | {b[0]} / {a[0]} | "
                     f"{b[1]} / {a[1]} | {b[2]} / {a[2]} |")
    changed = [r for r in rows if r["text"]["before"] != r["text"]["after"]]
    lines += ["", f"Files whose transcript changed: {len(changed)} of {len(rows)}."]
    for r in changed:
        lines.append(f"- {r['file']}: fillers {tuple(r['before']['fillers'])} → {tuple(r['after']['fillers'])}, "
                     f"errors {r['before']['errors']} → {r['after']['errors']}")
    report = "\n".join(lines) + "\n"
    print(report)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    (OUT / f"bench_fillers-{stamp}.md").write_text(report)
    (OUT / f"bench_fillers-{stamp}.json").write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
