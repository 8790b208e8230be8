"""The synthesized in-domain speech set of ``bench_speech.py``, and its WER normalisation.

Three spoken STAR answers (invented, in the style of Amazon behavioural interviews) with numbers,
money, percentages and fillers. Fillers are marked in brackets (``[um]``, ``[like]``,
``[you know]``): the brackets are dropped before synthesis and tell the scorer which words are
fillers (so "like" the verb is not counted as one). Each answer is spoken sentence by sentence by
a voice (hibari's bundled voice, or espeak-ng) and the sentences are joined with pauses drawn
from a fixed seed (0.3-1.4 s, with an occasional 2.5 s thinking pause), as a candidate would.

``normalise()`` is the documented normalisation for word error rate (see benchmarks/README.md).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

SAMPLE_RATE = 16000

STORIES: dict[str, list[str]] = {
    "checkout": [
        "[Um], so last year I was a backend engineer on the payments team at a mid-sized retailer.",
        "Our checkout service was failing about 3% of requests during evening peaks, and nobody owned the problem.",
        "It wasn't my service, [you know], it belonged to the platform team, and there was no ticket for it.",
        "But every failed checkout cost us money, roughly $40,000 a week in abandoned carts.",
        "So I decided to dig into it myself on a Friday afternoon.",
        "[Uh], I pulled two weeks of logs and grouped the errors by host and by time of day.",
        "I noticed the failures always started at 7 PM, right when a batch job kicked off.",
        "The batch job was opening 200 database connections at once, and the pool only allowed 250.",
        "So checkout requests were, [like], waiting for a connection and timing out after 5 seconds.",
        "I wrote a short document with the graphs and the numbers and I shared it with the platform lead.",
        "[Um], she agreed it was real, but her team was busy with a migration for the next 6 weeks.",
        "So I offered to write the fix myself and have her team review it.",
        "I changed the batch job to use a separate pool of 20 connections and to back off when the database was busy.",
        "I also added an alarm that fires when the checkout error rate goes above half a percent.",
        "[Uh], I tested the change in staging with a replay of real traffic for 3 days.",
        "Then I rolled it out to 10% of hosts first, and then to all of them a week later.",
        "After the change, checkout failures went from 3% to under 0.1%.",
        "That saved us about $2 million a year in lost orders, according to our finance partner.",
        "The platform team adopted the same pattern for 4 other batch jobs.",
        "[You know], the alarm I added caught a different connection leak a month later, within 10 minutes.",
        "What I learned is that the problems nobody owns are often the most valuable ones to fix.",
        "I also learned to bring data first, because the graphs made the conversation easy.",
        "[Um], if I did it again, I would involve the platform team earlier, maybe in the first week.",
        "Since then I keep a small list of orphaned problems and I review it with my manager every month.",
        "And, [like], two of my teammates now do the same thing.",
        "So for me it was a lesson in ownership beyond the boundary of my own service.",
        "[Uh], one more detail, the whole fix was only about 150 lines of code.",
        "But finding it took most of the time, around 20 hours of digging across 2 weeks.",
        "The review took another 2 days, because the platform team wanted load tests.",
        "I wrote those load tests too, and they are still part of the release pipeline today.",
        "[Um], the retailer later asked me to present the case at an internal engineering meeting with 300 people.",
        "That talk led to a new rule: every shared service must have a named owner.",
        "So the change outlived the fix itself, which I'm proud of.",
    ],
    "onboarding": [
        "[Uh], the situation was that new engineers on my team needed almost 3 weeks to ship their first change.",
        "I had joined 8 months earlier and I remembered how painful it was.",
        "There were 40 pages of wiki, half of them out of date, [you know], and the build took 45 minutes.",
        "Nobody asked me to fix it, but we were about to hire 5 new people that quarter.",
        "[Um], so I set myself a goal to get the first change down to 3 days.",
        "First, I interviewed the last 4 people who had joined, for about 30 minutes each.",
        "They all got stuck in the same two places, the local database setup and the flaky integration tests.",
        "I wrote a script that set up the database in one command, and it ran in under 2 minutes.",
        "[Like], before that it was 14 manual steps with a lot of copy and paste.",
        "Then I looked at the integration tests and found that 12 of them depended on the time of day.",
        "I fixed 9 of them myself and filed issues for the other 3 with the owning teams.",
        "[Uh], I also cut the build time from 45 minutes to 11 by caching dependencies.",
        "I rewrote the onboarding guide as a single page with a checklist of 10 items.",
        "And I paired with each of the 5 new hires on their first day.",
        "The result was that the average time to first change dropped from 15 days to 2 and a half days.",
        "[Um], two of the new hires shipped on their second day.",
        "Our manager took the checklist to the other 6 teams in the organization.",
        "Now it is the standard onboarding template for about 80 engineers.",
        "I also measured the build cache hit rate, and it stayed above 90% for the next quarter.",
        "[You know], the script has been run more than 1,200 times since then.",
        "What I would do differently is to write down the baseline numbers before I started.",
        "I had to reconstruct some of them from old messages, which took time.",
        "[Uh], another lesson was that small friction adds up, 5 minutes here and 10 minutes there.",
        "When you multiply it by every new person, it becomes weeks of lost time.",
        "So now I look for friction that everyone has accepted as normal.",
        "[Um], and I ask new people what confused them, because they see it best.",
        "Last month I used the same approach for our on-call runbooks.",
        "We had 60 runbooks and I found that 25 of them pointed to dashboards that no longer existed.",
        "I fixed the links and added a check that runs every night.",
        "[Like], it is a small thing, but the next incident was resolved 20 minutes faster.",
        "That is how I think about ownership, fixing the path for the next person.",
    ],
    "latency": [
        "[Um], in my last role I worked on a search service that handled about 5,000 requests per second.",
        "Our p99 latency had crept up from 180 milliseconds to 600 over six months.",
        "Customers were complaining, and the product team asked whether we could hit 250 by the holiday season.",
        "[Uh], the task was mine because I was the engineer on call for performance that quarter.",
        "I started by profiling a single request end to end with tracing turned on.",
        "It turned out that 70% of the time went into one call to a ranking model.",
        "[You know], the model itself was fast, but we called it once per result instead of once per page.",
        "So for a page of 50 results we made 50 network calls.",
        "I changed the client to batch the calls, which took me about 3 days.",
        "[Um], that alone brought p99 down to 320 milliseconds.",
        "Then I found a cache that was expiring every 60 seconds even though the data changed once a day.",
        "I raised the expiry to 1 hour and added an invalidation hook for the daily update.",
        "The cache hit rate went from 40% to 97%, [like], almost everything was served from memory.",
        "After that, p99 was 210 milliseconds, below the target of 250.",
        "[Uh], I also wrote a load test that runs before every release and fails if p99 goes above 300.",
        "Over the next quarter we caught 2 regressions with it before they reached customers.",
        "The faster pages increased searches per session by about 8%.",
        "Our analytics team estimated that was worth $1.5 million in yearly revenue.",
        "[Um], the ranking team adopted the batching client for 3 other services.",
        "One thing I'd do differently is to measure earlier, because the creep took six months to notice.",
        "Now we have an alarm on p99 latency with a weekly report to the team.",
        "[You know], I also learned to question defaults, like that 60 second cache expiry.",
        "Nobody remembered why it was set, it had just been copied from another service in 2019.",
        "So I now read the configuration of every service I take over.",
        "[Uh], last quarter that habit found a retry setting that tripled our traffic during outages.",
        "We lowered it from 5 retries to 2 with backoff, and the next outage was 15 minutes shorter.",
        "That is the kind of dive deep I enjoy, following the numbers down to the root cause.",
        "[Like], the answer is usually one layer deeper than the first explanation.",
        "And writing the findings down helps the whole team learn from them.",
        "[Um], my write-up on the batching change is still linked from our performance guide.",
    ],
}

_FILLER_RE = re.compile(r"\[([^\]]+)\]")


def spoken(sentence: str) -> str:
    """The sentence as the voice reads it (filler brackets dropped)."""
    return _FILLER_RE.sub(r"\1", sentence)


def filler_flags(sentence: str) -> list[bool]:
    """For each normalised reference word of ``sentence``: is it a filler?"""
    flags: list[bool] = []
    for i, part in enumerate(_FILLER_RE.split(sentence)):
        words = normalise(part).split()
        flags.extend([i % 2 == 1] * len(words))
    return flags


@dataclass
class Answer:
    """One synthesized answer: its audio file, reference text and filler flags."""

    story: str
    voice: str
    path: Path
    duration_s: float
    reference: str
    fillers: list[bool]
    sentences: int


def build_answer(story: str, voice: str, length_s: float, cache: Path, tail_s: float = 0.5,
                 seed: int = 0) -> Answer:
    """Speak sentences of ``story`` until about ``length_s`` seconds, with pauses between them.

    The answer ends ``tail_s`` seconds after the last word is heard (the voice's own trailing
    silence is cut from the last sentence): when the candidate stops.
    """
    import numpy as np
    import soundfile as sf

    cache.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed + sum(map(ord, story)))
    parts, refs, flags, total = [], [], [], 0.0
    sentences = STORIES[story]
    for n, sentence in enumerate(sentences, 1):
        audio = _sentence_audio(sentence, voice, cache)
        gap = 2.5 if n % 9 == 0 else float(rng.uniform(0.3, 1.4))
        if parts:
            parts.append(np.zeros(int(gap * SAMPLE_RATE), np.float32))
            total += gap
        parts.append(audio)
        total += len(audio) / SAMPLE_RATE
        refs.append(normalise(spoken(sentence)))
        flags.extend(filler_flags(sentence))
        if total >= length_s - 2.0:
            break
    audible = np.nonzero(np.abs(parts[-1]) > 0.01)[0]
    if len(audible):  # the voices end sentences with 0.3-0.5 s of silence; the stop follows the word
        parts[-1] = parts[-1][: audible[-1] + int(0.05 * SAMPLE_RATE)]
    parts.append(np.zeros(int(tail_s * SAMPLE_RATE), np.float32))
    samples = np.concatenate(parts)
    key = hashlib.sha1(f"v2|{story}|{voice}|{length_s}|{tail_s}|{seed}".encode()).hexdigest()[:10]
    path = cache / f"answer-{story}-{voice}-{int(length_s)}s-{key}.wav"
    sf.write(path, samples, SAMPLE_RATE, subtype="PCM_16")
    return Answer(story, voice, path, len(samples) / SAMPLE_RATE, " ".join(refs), flags, len(refs))


def _sentence_audio(sentence: str, voice: str, cache: Path):
    """16 kHz float32 speech of one sentence (cached as a WAV)."""
    from faster_whisper.audio import decode_audio

    from starcoach.voice import synthesize

    key = hashlib.sha1(f"{voice}|{sentence}".encode()).hexdigest()[:16]
    path = cache / "sentences" / f"{voice}-{key}.wav"
    if not path.exists():
        synthesize(spoken(sentence), path, voice=voice)
    return decode_audio(str(path), sampling_rate=SAMPLE_RATE)


# --------------------------------------------------------------------------- normalisation

_UNITS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen".split())}
_TENS = {w: 10 * i for i, w in enumerate("_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()) if w != "_"}
_SCALES = {"thousand": 1000, "million": 1_000_000, "billion": 1_000_000_000}
_FILLER_SPELLINGS = {"umm": "um", "uhm": "um", "ummm": "um", "hmm": "um", "mm": "um", "um": "um",
                     "uh": "uh", "uhh": "uh", "er": "uh", "ah": "uh", "eh": "uh"}


def normalise(text: str) -> str:
    """Lower-case words for WER: numbers as digits, fillers spelt one way, no punctuation.

    - ``$40,000`` → ``40000 dollars``; ``3%`` → ``3 percent``; ``40 thousand`` and ``forty
      thousand`` → ``40000``; ``half a percent`` stays words; decimals keep their point.
    - ``umm``/``uhm``/``hmm`` → ``um``; ``uhh``/``er``/``ah`` → ``uh``; ``okay``/``ok`` → ``okay``.
    - ``p.m.``/``pm`` → ``pm``; hyphens split words; other punctuation is dropped; apostrophes stay
      (``I'd``, ``wasn't``).
    """
    t = text.lower()
    t = re.sub(r"(\d),(\d{3})", r"\1\2", t)
    t = re.sub(r"(\d),(\d{3})", r"\1\2", t)
    t = re.sub(r"\$(\d+(?:\.\d+)?)(\s+(?:thousand|million|billion))?", r"\1\2 dollars", t)
    t = t.replace("%", " percent")
    t = re.sub(r"\bp\.?m\.?(?=\s|$)", "pm", t)
    t = t.replace("-", " ")
    t = re.sub(r"[^\w\s'.]", " ", t)
    t = re.sub(r"(?<!\d)\.|\.(?!\d)", " ", t)  # a point is kept only inside a number
    words = [_FILLER_SPELLINGS.get(w, w) for w in t.split()]
    words = ["okay" if w == "ok" else w for w in words]
    words = _numbers_to_digits([w.strip("'") for w in words if w.strip("'")])
    # "$40 thousand dollars" style duplicates from the money rule
    out: list[str] = []
    for w in words:
        if w == "dollars" and out and out[-1] == "dollars":
            continue
        out.append(w)
    return " ".join(out)


def _is_number_word(w: str) -> bool:
    return w in _UNITS or w in _TENS or w in _SCALES or w == "hundred" or re.fullmatch(r"\d+", w) is not None


def _numbers_to_digits(words: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(words):
        if not _is_number_word(words[i]) or words[i] in _SCALES or words[i] == "hundred":
            out.append(words[i])
            i += 1
            continue
        total, current, j = 0, 0, i
        last_kind = None
        while j < len(words):
            w = words[j]
            if w == "and" and j + 1 < len(words) and _is_number_word(words[j + 1]) and last_kind == "scale":
                j += 1
                continue
            if re.fullmatch(r"\d+", w):
                if last_kind in ("unit", "digits", "tens"):
                    break
                current += int(w)
                last_kind = "digits"
            elif w in _TENS:
                if last_kind in ("unit", "tens", "digits"):
                    break
                current += _TENS[w]
                last_kind = "tens"
            elif w in _UNITS:
                if last_kind in ("unit", "digits"):
                    break
                current += _UNITS[w]
                last_kind = "unit"
            elif w == "hundred":
                current = max(current, 1) * 100
                last_kind = "scale"
            elif w in _SCALES:
                total += max(current, 1) * _SCALES[w]
                current = 0
                last_kind = "scale"
            else:
                break
            j += 1
        out.append(str(total + current))
        i = j
    return out
