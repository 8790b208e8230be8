"""Benchmark the answer analysis: accuracy on the labelled corpus, and speed on a 450-word answer.

    .venv/bin/python benchmarks/bench_analysis.py            # print the markdown report
    .venv/bin/python benchmarks/bench_analysis.py --runs 50  # more timing runs

Accuracy: precision and recall per finding type on the development corpus (tests/corpus/*.toml)
and on the held-out answers (tests/corpus/holdout), the seed probe verdicts (tests/corpus/probes),
and the seed checks (strong examples clean, weak answer flagged for every annotation) — scored with
tests/corpus/score.py, the same scorer the tests use.

Speed: ``analyze_answer`` on a 450-word Action answer written the way Whisper transcribes speech,
after the models are loaded, as wall time and as CPU time of the calling thread (the CPU time
moves less with other load on a shared machine). Baseline in the same run: spaCy's own
``nlp(text)`` on the same text, i.e. the pipeline alone with no analysis. Raw figures go to
benchmarks/out/analysis.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
import tomllib
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"
sys.path.insert(0, str(CORPUS))
sys.path.insert(0, str(ROOT))

#: The timed answer: 450 words, Action step, fillers, numbers, a repeat, the way Whisper writes them.
ANSWER_450 = (
    "Um, so the first thing I did was pull the webhook delivery logs from the Platform team's monitoring "
    "dashboard, because I wanted to see exactly which events were going missing and when. I exported about two "
    "weeks of data, and I noticed that the drops clustered around retry bursts, usually right after a deploy on "
    "their side. That told me it probably wasn't random network noise. I had never worked in their codebase "
    "before, so I spent, I think, two evenings reading their internal docs and the retry handler itself, line by "
    "line. Their service is written in Go and I mostly write Java, so I, I had to learn how their worker pool and "
    "the context cancellation actually behave. Once I understood the flow, I traced the failure to a race "
    "condition in their retry logic: two workers could pick up the same webhook, and when one of them timed out, "
    "it marked the delivery as failed and dropped it, even though the other worker was still sending it. I "
    "reproduced the failure locally in a test environment by running the retry path with an artificial delay of "
    "about 300 milliseconds, and I could trigger the drop roughly one time in fifty, which matched the 0.3% rate "
    "we saw in production pretty closely. Then I wrote a minimal fix that added a lock around the retry claim, so "
    "only one worker can own a delivery at a time. I kept the change small on purpose, about 40 lines, because "
    "it was their code. I also added a small dead letter queue alert so that any future silent drop would page "
    "someone instead of disappearing. Before I submitted anything, I load tested the patch at twice our peak "
    "traffic for an hour and compared the delivery counts against the upstream event counts, and they matched "
    "exactly. I wrote up detailed testing notes, including the reproduction steps and the before and after "
    "numbers, and I opened a ready to merge pull request against their repository. I also messaged their tech "
    "lead to walk her through the change, and she reviewed it the same afternoon. A couple of her teammates "
    "asked questions about the lock timeout, so I adjusted it from five seconds to two and re-ran the load test. "
    "After it merged, I watched the delivery dashboards closely for the next full week. The drop rate went from "
    "0.3% to zero, and the dead letter queue alert stayed quiet. Basically, the whole thing took me about eight "
    "working days from the first log pull to the fix being live in production, and I did most of it alongside my "
    "normal sprint work, you know, without dropping anything on my own team."
)


def _timings(fn, runs: int) -> dict[str, float]:
    wall, cpu = [], []
    for _ in range(runs):
        w, c = time.perf_counter(), time.thread_time()
        fn()
        cpu.append((time.thread_time() - c) * 1000)
        wall.append((time.perf_counter() - w) * 1000)
    q = lambda xs, p: statistics.quantiles(xs, n=10)[p] if len(xs) >= 10 else max(xs)  # noqa: E731
    return {"wall_median": statistics.median(wall), "wall_p90": q(wall, 8), "wall_min": min(wall),
            "cpu_median": statistics.median(cpu), "cpu_p90": q(cpu, 8), "cpu_min": min(cpu)}


def accuracy() -> dict:
    from score import load_corpus, score_corpus

    from starcoach.analysis import analyze_answer, judge_probe
    from starcoach.scenario import DEFAULT_SCENARIO_ID, find_scenario

    seed = find_scenario(DEFAULT_SCENARIO_ID)

    def analyze(text: str, step: str) -> dict:
        return analyze_answer(text, step, seed).to_dict()

    dev_answers, held_answers = load_corpus(), load_corpus(CORPUS / "holdout")
    dev = score_corpus(dev_answers, analyze)
    held = score_corpus(held_answers, analyze)
    with (CORPUS / "probes" / "seed.toml").open("rb") as f:
        probe_answers = tomllib.load(f)["answer"]
    probe_right = sum(judge_probe(a["text"], seed.probes[a["probe"] - 1], seed).verdict == a["verdict"]
                      for a in probe_answers)
    from starcoach.scenario import load_all

    library = {s.id: s for s in load_all()}
    other_probes = {}
    for name in ("library", "holdout"):
        with (CORPUS / "probes" / f"{name}.toml").open("rb") as f:
            answers = tomllib.load(f)["answer"]
        right = sum(judge_probe(a["text"], library[a["scenario"]].probes[a["probe"] - 1],
                                library[a["scenario"]]).verdict == a["verdict"] for a in answers)
        other_probes[name] = (right, len(answers))
    strong_clean = sum(not analyze_answer(s.strong_example, s.name, seed).disqualifiers for s in seed.steps)
    weak = analyze_answer(seed.weak_answer.text, "action", seed)
    annotations = sum(bool(weak.flagged(a.kind, a.quote)) for a in seed.weak_answer.annotations)
    return {
        "dev": dev, "held": held, "dev_n": len(dev_answers), "held_n": len(held_answers),
        "probes": (probe_right, len(probe_answers)), "other_probes": other_probes,
        "strong_clean": (strong_clean, len(seed.steps)),
        "annotations": (annotations, len(seed.weak_answer.annotations)),
    }


def offtopic() -> dict:
    """The off-topic detector on tests/corpus/offtopic (dev and held-out), by source group, and
    its cost: :func:`starcoach.analysis.relevance.address` per answer, against the probe judge's
    content rating it gates (``judge_probe``) on the same answers."""
    from score import load_offtopic, score_offtopic

    from starcoach.analysis import judge_probe
    from starcoach.analysis.relevance import address
    from starcoach.scenario import load_all

    scenarios = {s.id: s for s in load_all()}
    out = {}
    for part in ("dev", "holdout"):
        answers = load_offtopic(part)
        report = score_offtopic(answers, scenarios)
        groups = {g: {"on": report.rate("on", (g,)), "off": report.rate("off", (g,))} for g in sorted(report.groups)}
        out[part] = {"line": report.line(), "on": report.rate("on"), "off": report.rate("off"), "groups": groups,
                     "wrong": report.wrong}
    sample = [a for a in load_offtopic("dev") if a["label"] != "unclear"][:60]
    t_address, t_judge = [], []
    for a in sample:
        sc = scenarios[a["scenario"]]
        probe = sc.probes[a["probe"] - 1]
        w = time.perf_counter()
        address(a["text"], probe, sc)
        t_address.append((time.perf_counter() - w) * 1000)
        w = time.perf_counter()
        judge_probe(a["text"], probe, sc)
        t_judge.append((time.perf_counter() - w) * 1000)
    out["ms"] = {"address": statistics.median(t_address), "judge": statistics.median(t_judge), "n": len(sample)}
    return out


def _offtopic_lines(ot: dict) -> list[str]:
    lines = ["**Off-topic probe answers** (tests/corpus/offtopic: on-topic kept, off-topic caught; `unclear` "
             "answers not scored; the `own` group is the probe's own model answers, which the detector reads):", "",
             "| part | group | on-topic kept | off-topic caught |", "|---|---|---:|---:|"]
    for part in ("dev", "holdout"):
        for g, r in ot[part]["groups"].items():
            on = f"{r['on'][0]}/{r['on'][1]}" if r["on"][1] else "-"
            off = f"{r['off'][0]}/{r['off'][1]}" if r["off"][1] else "-"
            lines.append(f"| {part} | {g} | {on} | {off} |")
        (onr, onn), (offr, offn) = ot[part]["on"], ot[part]["off"]
        lines.append(f"| **{part}** | **all** | **{onr}/{onn} ({onr / onn:.0%})** | **{offr}/{offn} ({offr / offn:.0%})** |")
    ms = ot["ms"]
    lines += ["", f"Cost: `address()` median {ms['address']:.1f} ms per answer; the whole `judge_probe` (which "
              f"calls it) median {ms['judge']:.1f} ms, on {ms['n']} development answers.", ""]
    return lines


def speed(runs: int) -> dict:
    from starcoach.analysis import analyze_answer
    from starcoach.analysis.nlp import load_nlp, parse, parse_plain
    from starcoach.scenario import DEFAULT_SCENARIO_ID, find_scenario

    from starcoach.analysis import warm_up

    t = time.perf_counter()
    load_nlp()
    load_s = time.perf_counter() - t
    seed = find_scenario(DEFAULT_SCENARIO_ID)
    t = time.perf_counter()
    warm_up(seed)  # data files, matchers, phrase specs: what the run does while the question is read
    warm_s = time.perf_counter() - t
    t = time.perf_counter()
    analyze_answer(ANSWER_450, "action", seed)
    first_s = time.perf_counter() - t
    words = len(ANSWER_450.split())
    # fresh texts: ~450 words of corpus answers each, every one analysed once (no warm caches)
    from score import load_corpus

    texts, current = [], []
    for a in load_corpus() + load_corpus(CORPUS / "holdout"):
        current.append(a["text"])
        if sum(len(t.split()) for t in current) >= 450:
            texts.append(" ".join(current))
            current = []
    load_before = os.getloadavg()[0]
    fresh_wall, fresh_cpu = [], []
    for text in texts:
        w, c = time.perf_counter(), time.thread_time()
        analyze_answer(text, "action", seed)
        fresh_cpu.append((time.thread_time() - c) * 1000)
        fresh_wall.append((time.perf_counter() - w) * 1000)
    timings = {
        "analyze": _timings(lambda: analyze_answer(ANSWER_450, "action", seed), runs),
        "parse": _timings(lambda: parse(ANSWER_450), runs),
        "nlp": _timings(lambda: parse_plain(ANSWER_450), runs),
    }
    return {
        "load": (load_before, os.getloadavg()[0]),
        "fresh": {"n": len(texts), "wall_median": statistics.median(fresh_wall), "wall_min": min(fresh_wall),
                  "cpu_median": statistics.median(fresh_cpu), "cpu_min": min(fresh_cpu),
                  "wall_p90": max(fresh_wall), "cpu_p90": max(fresh_cpu)},
        "words": words, "load_s": load_s, "warm_s": warm_s, "first_s": first_s, **timings,
    }


def _accuracy_lines(acc: dict) -> list[str]:
    lines = [f"**Development corpus** ({acc['dev_n']} answers, tests/corpus/*.toml):", "", acc["dev"].table(), ""]
    lines += [f"**Held-out answers** ({acc['held_n']} answers, tests/corpus/holdout):", "", acc["held"].table(), ""]
    p, n = acc["probes"]
    (lp, ln), (hp, hn) = acc["other_probes"]["library"], acc["other_probes"]["holdout"]
    lines += [f"**Seed probe verdicts** (tests/corpus/probes/seed.toml): {p}/{n} right. "
              f"**Other scenarios' probes**: library.toml {lp}/{ln}, holdout.toml {hp}/{hn}.",
              f"**Seed checks**: {acc['strong_clean'][0]}/{acc['strong_clean'][1]} strong examples free of "
              f"disqualifiers; weak answer flagged for {acc['annotations'][0]}/{acc['annotations'][1]} annotations.", ""]
    return lines


def report(acc: dict | None, sp: dict) -> str:
    lines = [f"Run {date.today()} on {platform.node()} ({os.cpu_count()} cores, one-minute load average "
             f"{sp['load'][0]:.1f} before and {sp['load'][1]:.1f} after the timing), "
             f"`benchmarks/bench_analysis.py`.", ""]
    if acc:
        lines += _accuracy_lines(acc)
        if "offtopic" in acc:
            lines += _offtopic_lines(acc["offtopic"])
    a, pa, nl = sp["analyze"], sp["parse"], sp["nlp"]
    lines += [
        f"**Speed**, {sp['words']}-word Action answer, after loading (model load {sp['load_s']:.2f} s, "
        f"`warm_up(scenario)` {sp['warm_s'] * 1000:.0f} ms; first analysis after that "
        f"{sp['first_s'] * 1000:.0f} ms):",
        "",
        "| | wall median | wall p90 | CPU median | CPU min |",
        "|---|---:|---:|---:|---:|",
        f"| `analyze_answer` (parse + every family) | {a['wall_median']:.1f} ms | {a['wall_p90']:.1f} ms | "
        f"{a['cpu_median']:.1f} ms | {a['cpu_min']:.1f} ms |",
        f"| `analyze_answer` on {sp['fresh']['n']} different ~450-word texts, once each (wall min "
        f"{sp['fresh']['wall_min']:.1f} ms) | {sp['fresh']['wall_median']:.1f} ms | {sp['fresh']['wall_p90']:.1f} ms (max) | "
        f"{sp['fresh']['cpu_median']:.1f} ms | {sp['fresh']['cpu_min']:.1f} ms |",
        f"| of which `parse` (our pipeline arrangement) | {pa['wall_median']:.1f} ms | {pa['wall_p90']:.1f} ms | "
        f"{pa['cpu_median']:.1f} ms | {pa['cpu_min']:.1f} ms |",
        f"| baseline: spaCy `nlp(text)` alone | {nl['wall_median']:.1f} ms | {nl['wall_p90']:.1f} ms | "
        f"{nl['cpu_median']:.1f} ms | {nl['cpu_min']:.1f} ms |",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="timing runs (default 30)")
    parser.add_argument("--speed-only", action="store_true", help="skip the accuracy part")
    parser.add_argument("--offtopic-only", action="store_true", help="only the off-topic detector's figures")
    args = parser.parse_args()
    if args.offtopic_only:
        ot = offtopic()
        print(f"Run {date.today()} on {platform.node()} ({os.cpu_count()} cores, one-minute load average "
              f"{os.getloadavg()[0]:.1f}), `benchmarks/bench_analysis.py --offtopic-only`.\n")
        print("\n".join(_offtopic_lines(ot)))
        return 0
    sp = speed(args.runs)
    if args.speed_only:
        print(report(None, sp))
        return 0
    acc = accuracy()
    acc["offtopic"] = offtopic()
    print(report(acc, sp))
    out = ROOT / "benchmarks" / "out"
    out.mkdir(parents=True, exist_ok=True)
    raw = {"date": str(date.today()), "speed": sp, "probes": acc["probes"], "other_probes": acc["other_probes"],
           "dev": acc["dev"].rows(), "held": acc["held"].rows()}
    (out / "analysis.json").write_text(json.dumps(raw, indent=2))
    name, worst = acc["dev"].worst()
    return 0 if worst >= 0.95 else 1


if __name__ == "__main__":
    sys.exit(main())
