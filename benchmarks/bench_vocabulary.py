"""The scenario's vocabulary as Whisper hotwords: in-domain answers and real speech, with and without.

Issue #14: tiny.en writes "dead letter cue", "poll request" for "dead letter queue", "pull request".
:func:`starcoach.vocabulary.scenario_vocabulary` picks a scenario's technical terms; the run can add
them to the hotwords (after the filler hotwords). This benchmark decides whether it should.

- **In-domain answers**: for each scenario measured, its strong answers (the five steps' strong
  examples and the probes' strong answers) and its weak answers (the annotated weak answer and
  the probes' weak answers), each spoken by hibari and by espeak-ng (cached in
  ``benchmarks/out/cache/vocab/``). The strong answers are where the vocabulary comes from, so
  they are the optimistic case; the weak answers are other words about the same story.
- **Real speech**: the 13 clips of ``../shared/speech/`` (no scenario of theirs: they get the seed
  scenario's vocabulary, as a run of the seed scenario would), to see what biasing costs off-domain.
- Three transcripts of every file, same model, beam and filler prompt: **plain** faster-whisper
  (``WhisperModel.transcribe(vad_filter=True)``, filler prompt and hotwords), **ours**
  (:func:`starcoach.transcribe.transcribe_file`), **ours + vocabulary** (hotwords = filler hotwords
  then the terms). WER after ``speech_set.normalise``, corpus level; **term hits**: occurrences of
  the scenario's terms in the references that the transcript has too.

Usage::

    .venv/bin/python benchmarks/bench_vocabulary.py               # 6 scenarios (every third)
    .venv/bin/python benchmarks/bench_vocabulary.py --all         # all of them
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import sys
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))
OUT = HERE / "out"
CACHE = OUT / "cache" / "vocab"
SPEECH = ROOT.parent / "shared" / "speech"

from bench_real_speech import reference as real_reference  # noqa: E402
from speech_set import normalise  # noqa: E402

SYSTEMS = ("plain", "ours", "vocab")


def clips(scenario) -> list[tuple[str, str]]:
    """(kind, text) of the answers spoken for ``scenario``."""
    strong = [s.strong_example for s in scenario.steps] + [p.strong_answer for p in scenario.probes]
    weak = [scenario.weak_answer.text] + [p.weak_answer for p in scenario.probes]
    return [("strong", " ".join(t.split())) for t in strong if t.strip()] + \
           [("weak", " ".join(t.split())) for t in weak if t.strip()]


def spoken(text: str, voice: str) -> Path:
    from starcoach.voice import synthesize

    key = hashlib.sha1(f"{voice}|{text}".encode()).hexdigest()[:16]
    path = CACHE / f"{voice}-{key}.wav"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        synthesize(text, path, voice=voice)
    return path


def transcribe_all(path: Path, whisper, hotwords: str) -> dict[str, str]:
    from starcoach.transcribe import TranscribeOptions, transcribe_file

    opts = TranscribeOptions()
    with whisper.lock:
        segments, _ = whisper.model.transcribe(
            str(path), language="en", beam_size=opts.beam_size, initial_prompt=opts.prompt,
            hotwords=opts.hotwords, condition_on_previous_text=False, word_timestamps=True, vad_filter=True)
        plain = " ".join(s.text.strip() for s in segments)
    return {"plain": plain, "ours": transcribe_file(path, whisper, opts).text,
            "vocab": transcribe_file(path, whisper, replace(opts, hotwords=hotwords)).text}


def errors(ref: str, hyp: str) -> int:
    import jiwer

    m = jiwer.process_words(ref, hyp or "<empty>")
    return m.substitutions + m.deletions + m.insertions


def term_hits(terms: list[str], ref: str, hyp: str) -> tuple[int, int]:
    """(term occurrences in ``ref``, of those also in ``hyp``) on normalised text."""
    said = got = 0
    for term in terms:
        t = normalise(term)
        if not t:
            continue
        n = len(re.findall(rf"\b{re.escape(t)}\b", ref))
        said += n
        got += min(n, len(re.findall(rf"\b{re.escape(t)}\b", hyp)))
    return said, got


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--all", action="store_true", help="every scenario (default: every third)")
    p.add_argument("--no-real", action="store_true", help="skip the real-speech clips")
    args = p.parse_args(argv)

    from starcoach.scenario import DEFAULT_SCENARIO_ID, find_scenario, scan
    from starcoach.transcribe import FILLER_HOTWORDS, load_whisper
    from starcoach.vocabulary import hotwords_for, scenario_vocabulary

    OUT.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()
    started = time.perf_counter()
    whisper = load_whisper()
    bank = list(scan().scenarios)
    chosen = bank if args.all else bank[::3]
    rows = []
    for scenario in chosen:
        terms = scenario_vocabulary(scenario)
        hotwords = hotwords_for(scenario, FILLER_HOTWORDS)
        for kind, text in clips(scenario):
            ref = normalise(text)
            for voice in ("hibari", "espeak"):
                texts = transcribe_all(spoken(text, voice), whisper, hotwords)
                row = {"set": "in-domain", "scenario": scenario.id, "kind": kind, "voice": voice,
                       "ref_words": len(ref.split()), "text": texts}
                for name, hyp in texts.items():
                    hyp = normalise(hyp)
                    row[name] = {"errors": errors(ref, hyp), "terms": term_hits(terms, ref, hyp)}
                rows.append(row)
            print(f"{scenario.id[:28]:28s} {kind:6s} " + " ".join(
                f"{n} {sum(r[n]['errors'] for r in rows[-2:])}" for n in SYSTEMS), file=sys.stderr, flush=True)
    if not args.no_real:
        seed = find_scenario(DEFAULT_SCENARIO_ID)
        hotwords = hotwords_for(seed, FILLER_HOTWORDS)
        for entry in json.loads((SPEECH / "manifest.json").read_text()):
            ref = real_reference(entry)
            texts = transcribe_all(SPEECH / entry["file"], whisper, hotwords)
            row = {"set": "real", "scenario": "", "kind": entry["speaker_kind"], "voice": entry["file"],
                   "ref_words": len(ref.split()), "text": texts}
            for name, hyp in texts.items():
                row[name] = {"errors": errors(ref, normalise(hyp)), "terms": (0, 0)}
            rows.append(row)
    load_after = os.getloadavg()

    def wer(rs, name):
        n = sum(r["ref_words"] for r in rs)
        return f"{100 * sum(r[name]['errors'] for r in rs) / n:.2f}%" if n else "–"

    def hits(rs, name):
        said = sum(r[name]["terms"][0] for r in rs)
        return f"{sum(r[name]['terms'][1] for r in rs)}/{said}" if said else "–"

    lines = [
        f"Vocabulary benchmark, {datetime.now():%Y-%m-%d %H:%M} — {platform.node()}, "
        f"{len(os.sched_getaffinity(0))} cores; model {whisper.name}; {len(chosen)} scenarios "
        f"({', '.join(s.id for s in chosen)}); {time.perf_counter() - started:.0f} s. "
        f"Load average before/after: {load_before[0]:.2f}/{load_after[0]:.2f}.", "",
        "| set | clips | words | WER plain | WER ours | WER ours + vocabulary | term hits plain / ours / + vocabulary |",
        "|---|---:|---:|---:|---:|---:|---|"]
    groups = []
    for voice in ("hibari", "espeak"):
        for kind in ("strong", "weak"):
            groups.append((f"{kind} answers, {voice}",
                           [r for r in rows if r["set"] == "in-domain" and r["voice"] == voice and r["kind"] == kind]))
    groups.append(("**in-domain, all**", [r for r in rows if r["set"] == "in-domain"]))
    groups.append(("real speech (seed vocabulary)", [r for r in rows if r["set"] == "real"]))
    for name, rs in groups:
        if not rs:
            continue
        lines.append(f"| {name} | {len(rs)} | {sum(r['ref_words'] for r in rs)} | {wer(rs, 'plain')} | "
                     f"{wer(rs, 'ours')} | {wer(rs, 'vocab')} | "
                     f"{hits(rs, 'plain')} / {hits(rs, 'ours')} / {hits(rs, 'vocab')} |")
    real = [r for r in rows if r["set"] == "real"]
    worse = [r["voice"] for r in real if r["vocab"]["errors"] > r["ours"]["errors"]]
    better = [r["voice"] for r in real if r["vocab"]["errors"] < r["ours"]["errors"]]
    lines += ["", f"Real clips worse with the vocabulary than without: {', '.join(worse) or 'none'}; "
                  f"better: {', '.join(better) or 'none'}."]
    report = "\n".join(lines) + "\n"
    print(report)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    (OUT / f"bench_vocabulary-{stamp}.md").write_text(report)
    (OUT / f"bench_vocabulary-{stamp}.json").write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
