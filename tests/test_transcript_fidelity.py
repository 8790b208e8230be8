"""Nothing lost, nothing repeated: starcoach's transcript against plain faster-whisper.

The yardstick is plain ``WhisperModel.transcribe(audio, vad_filter=True, word_timestamps=True)``
with the same prompt, hotwords and beam, on the same audio. Our chunked decoder (after stop and
streaming) must not drop a run of the words plain faster-whisper hears, must not repeat a phrase
that was said once, and on real human speech must be as accurate as plain faster-whisper.

Inputs: real recordings from ``../shared/speech/`` (read and spontaneous, fillers, accents), and
synthesized answers (hibari-tts and espeak-ng, several speeds) with pauses placed at and around
the chunk-closing thresholds of :class:`TranscribeOptions`, and takes that stop mid-word.
"""

from __future__ import annotations

import difflib
import json
import re
import sys
from pathlib import Path

import numpy as np
import pytest

from starcoach.transcribe import (
    StreamingTranscriber,
    TranscribeOptions,
    iter_audio,
    load_audio,
    load_whisper,
    transcribe_file,
    transcribe_samples,
)

REPO = Path(__file__).resolve().parent.parent
SPEECH = REPO.parent / "shared" / "speech"
sys.path.insert(0, str(REPO / "benchmarks"))
from speech_set import normalise  # noqa: E402

SR = 16000
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def whisper():
    return load_whisper()


def plain_words(whisper, audio, options: TranscribeOptions | None = None) -> list:
    """Plain faster-whisper over the whole audio, VAD on, same prompt, hotwords and beam."""
    opts = options or TranscribeOptions()
    with whisper.lock:
        segments, _ = whisper.model.transcribe(
            audio, language="en", beam_size=opts.beam_size, initial_prompt=opts.prompt,
            hotwords=opts.hotwords, condition_on_previous_text=False, word_timestamps=True,
            vad_filter=True)
        return [w for s in segments for w in s.words]


def plain_text(whisper, audio) -> str:
    return " ".join(w.word.strip() for w in plain_words(whisper, audio))


def lost_stretches(ours, plain, run: int = 3, slack: float = 0.5) -> list[str]:
    """Runs of ``run``+ words plain faster-whisper hears where our transcript has no word at all
    (by time: a misheard word still counts as something heard there)."""
    lost, current = [], []
    for w in plain:
        if any(o.start <= w.end + slack and o.end >= w.start - slack for o in ours):
            if len(current) >= run:
                lost.append(" ".join(current))
            current = []
        else:
            current.append(w.word.strip())
    if len(current) >= run:
        lost.append(" ".join(current))
    return lost


def words(text: str) -> list[str]:
    return normalise(text).split()


def repeated(ours: list[str], plain: list[str], run: int = 3) -> list[str]:
    """Runs of ``run``+ words ours adds (against plain) that copy words it already wrote."""
    out = []
    matcher = difflib.SequenceMatcher(a=plain, b=ours, autojunk=False)
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op in ("insert", "replace") and (b1 - b0) - (a1 - a0) >= run:
            extra = ours[b0:b1]
            if " ".join(extra[:run]) in " ".join(ours[:b0]):
                out.append(" ".join(extra))
    return out


def doubled_phrases(ws: list[str], n: int = 3) -> list[str]:
    """Phrases of ``n``+ words said twice in a row ("the horizon seems the horizon seems")."""
    out = []
    for size in range(n, 9):
        for i in range(len(ws) - 2 * size + 1):
            if ws[i:i + size] == ws[i + size:i + 2 * size]:
                out.append(" ".join(ws[i:i + size]))
    return out


def stream(whisper, audio, block: int = 1600):
    st = StreamingTranscriber(whisper)
    for i in range(0, len(audio), block):
        st.feed(audio[i:i + block])
    return st.finish(timeout=120)


def speculating(whisper, audio, block: int = 1600):
    """The streaming decoder guessing at every chance it gets (after every block, as a worker
    idle in each pause would): the transcript and how many guesses were reused."""
    from starcoach.transcribe import _ChunkedDecoder

    decoder = _ChunkedDecoder(whisper, TranscribeOptions())
    for i in range(0, len(audio), block):
        for chunk in decoder.add(audio[i:i + block]):
            decoder.decode(chunk)
        decoder.speculate()
    for chunk in decoder.tail():
        decoder.decode(chunk)
    return decoder.transcript(), decoder.reused


# --------------------------------------------------------------------------- real speech


def _manifest() -> list[dict]:
    return json.loads((SPEECH / "manifest.json").read_text())


def _reference(entry: dict) -> list[str]:
    # a word cut off mid-way ends in "-" in the references: not scored
    return words(" ".join(w for w in entry["reference"].split() if not w.endswith("-")))


#: The real clips the suite checks (the 139 s LibriVox passage only in the benchmark).
REAL = [e["file"] for e in _manifest() if e["duration_s"] < 100] if SPEECH.exists() else []
REAL_FEE013 = "FEE013_20260405_10_42_29_694527.13.80-87.35.flac"


#: Block sizes the streaming transcriber is fed with, clip by clip (live blocks are 0.1 s; the
#: odd sizes straddle VAD windows). FEE013 once came out differently streamed, because a word was
#: checked against VAD windows beyond its chunk that a file had and a live take had not yet.
STREAM_BLOCKS = (1600, 1000, 4096, 512)


@pytest.fixture(scope="module")
def real_results(whisper):
    """Per clip: reference, plain faster-whisper, ours after stop, ours streaming (words)."""
    out = {}
    for k, entry in enumerate(e for e in _manifest() if e["file"] in REAL):
        path = SPEECH / entry["file"]
        audio = load_audio(path)
        plain = plain_words(whisper, audio)
        after = transcribe_file(path, whisper)
        out[entry["file"]] = {
            "kind": entry["speaker_kind"],
            "reference": _reference(entry),
            "plain": words(" ".join(w.word for w in plain)),
            "after": words(after.text),
            "lost": lost_stretches(after.words, plain),
            "stream": stream(whisper, audio, block=STREAM_BLOCKS[k % len(STREAM_BLOCKS)]),
            "after_words": after.words,
        }
    return out


def _errors(ref: list[str], hyp: list[str]) -> int:
    import jiwer

    m = jiwer.process_words(" ".join(ref), " ".join(hyp) or "<empty>")
    return m.substitutions + m.deletions + m.insertions


def test_real_clips_are_found():
    assert SPEECH.exists(), f"{SPEECH} is missing: the real-speech clips are part of the test set"
    assert len(REAL) >= 12


@pytest.mark.parametrize("clip", REAL)
def test_real_clip_nothing_lost_nothing_repeated(real_results, clip):
    r = real_results[clip]
    assert r["stream"].words == r["after_words"], "streaming and after-stop transcripts differ"
    assert not r["lost"], f"words plain faster-whisper hears are missing: {r['lost']}"
    assert not repeated(r["after"], r["plain"]), r["after"]
    assert not (set(doubled_phrases(r["after"])) - set(doubled_phrases(r["reference"]))), r["after"]
    # accuracy: never more than max(1 word, 5%) worse than plain faster-whisper on a clip
    n = len(r["reference"])
    assert _errors(r["reference"], r["after"]) <= _errors(r["reference"], r["plain"]) + max(1, 0.05 * n), (
        f"ours: {' '.join(r['after'])}\nplain: {' '.join(r['plain'])}")


def _filler_counts(real_results) -> tuple[int, int, int, int]:
    """(said, kept by ours, kept by plain, invented by ours) um/uh over the real clips."""
    said = kept = kept_plain = invented = 0
    for r in real_results.values():
        ref = [w for w in r["reference"] if w in ("um", "uh")]
        said += len(ref)
        kept += min(len(ref), sum(w in ("um", "uh") for w in r["after"]))
        kept_plain += min(len(ref), sum(w in ("um", "uh") for w in r["plain"]))
        invented += max(0, sum(w in ("um", "uh") for w in r["after"]) - len(ref))
    return said, kept, kept_plain, invented


def test_real_speech_parity_and_fillers(real_results):
    ref_words = sum(len(r["reference"]) for r in real_results.values())
    ours = sum(_errors(r["reference"], r["after"]) for r in real_results.values())
    plain = sum(_errors(r["reference"], r["plain"]) for r in real_results.values())
    assert ours / ref_words <= plain / ref_words + 0.005, (ours / ref_words, plain / ref_words)
    said, kept, kept_plain, invented = _filler_counts(real_results)
    assert said == 12
    # What is achieved, pinned (BENCHMARKS.md: the 90% target of issue #14 is NOT met on tiny.en;
    # see test_filler_target_of_90_percent): more than plain's count and at least 10 of the 12,
    # none invented.
    assert kept > kept_plain and kept >= 10, (kept, kept_plain, said)
    assert invented == 0


def test_fillers_whisper_misplaces_are_kept_where_they_were_said(real_results):
    """Whisper wrote these two "um"s but put them in silence (zero-length at a window's end, on
    top of the next word), and the made-up-word check dropped them; they are kept, with the time
    of the speech between their neighbours."""
    fee = real_results[REAL_FEE013]
    assert "and everything um and we've got" in " ".join(fee["after"]), fee["after"]
    seriously = real_results["seriously.source1.2.20-30.20.flac"]
    assert seriously["after"][:3] == ["yeah", "um", "when"], seriously["after"]
    for r in (fee, seriously):
        ws = r["after_words"]
        for i, w in enumerate(ws):
            if normalise(w.word) == "um" and w.end > w.start:
                assert (i == 0 or ws[i - 1].end <= w.start) and (i + 1 == len(ws) or w.end <= ws[i + 1].start)


@pytest.mark.xfail(strict=True, reason="issue #14 asks for 90% of um/uh on real speech; tiny.en "
                   "writes 'And' for the 'um' that opens a chunk and 'some' for \"that's uh\" (plain "
                   "does too), and prefers its own words by 1.7 and over 3 nats when the filler is "
                   "scored in their place")
def test_filler_target_of_90_percent(real_results):
    said, kept, _, invented = _filler_counts(real_results)
    assert kept >= 0.9 * said and invented == 0, (kept, said)


def test_the_short_read_sentence_comes_out_once(whisper):
    """'The horizon seems extremely distant.' came out twice (Whisper repeating itself over
    the silence after it); the same with the scripted run's longer chunk settings."""
    path = SPEECH / "stereo_diarization.right.flac"
    for options in (TranscribeOptions(), TranscribeOptions(close_pause_s=1.5, long_chunk_s=20.0, max_chunk_s=28.0)):
        t = transcribe_file(path, whisper, options)
        assert words(t.text) == ["the", "horizon", "seems", "extremely", "distant"], t.text
        assert all(w.end > w.start for w in t.words)


def test_the_same_audio_gives_the_same_words_whatever_was_decoded_before(whisper):
    """Decoding is deterministic. faster-whisper's fallback sampled at higher temperatures from
    CTranslate2's per-thread random generator, which is seeded only once per thread, so a window
    Whisper was unsure of came out differently at each decode in the same process (and a take's
    streaming transcript could differ from `starcoach transcribe` of its file). Speech played
    backwards (speech sounds, no words) is such audio: with the sampled fallback, three decodes
    of it gave three different texts."""
    backwards = load_audio(SPEECH / "seriously.source1.2.20-30.20.flac")[::-1][: 12 * SR].copy()
    texts = {transcribe_samples(backwards, whisper).text for _ in range(3)}
    assert len(texts) == 1, texts
    stream = StreamingTranscriber(whisper)
    for i in range(0, len(backwards), 1600):
        stream.feed(backwards[i:i + 1600])
    assert stream.finish().text in texts


# --------------------------------------------------------------------------- synthesized answers

#: Sentences of a spoken Result answer (the issue's example, whose tail was lost).
RESULT = [
    "We recovered about eight thousand dollars a week in payment notices.",
    "Their team then made the dead letter alarm part of their service template.",
    "Um, the alarm fired twice in the next month, and both times we fixed it within an hour.",
    "I also wrote a runbook so that the next engineer on call knows what to do.",
    "Three other teams copied the alarm within a quarter.",
    "Uh, nobody has lost a notice since then.",
    "Looking back, I would have measured the failure rate before I started.",
    "That taught me to write down the baseline first.",
]

#: Pauses (s) at and around the chunking thresholds: VAD's min silence 0.25, close 0.8,
#: max gap 2.0, flush 3.0.
PAUSES = [0.3, 0.75, 0.85, 1.9, 2.1, 2.9, 3.1]


def _take(say, voice: str, speed: float, pauses: list[float]) -> np.ndarray:
    parts = []
    for i, sentence in enumerate(RESULT):
        audio = load_audio(say(sentence, voice=voice, speed=speed))
        audible = np.nonzero(np.abs(audio) > 0.01)[0]
        parts.append(audio[max(0, audible[0] - 800): audible[-1] + 800])  # the voice's own silence off
        parts.append(np.zeros(int(pauses[i % len(pauses)] * SR), np.float32))
    return np.concatenate(parts[:-1])


@pytest.mark.parametrize("voice,speed,shift", [("hibari", 1.0, 0), ("hibari", 1.25, 3), ("espeak", 0.8, 1),
                                               ("espeak", 1.2, 5)])
def test_synthesized_answers_with_pauses_around_thresholds(whisper, say, voice, speed, shift):
    pauses = PAUSES[shift:] + PAUSES[:shift]
    take = _take(say, voice, speed, pauses)
    after = transcribe_samples(take, whisper)
    ours = words(after.text)
    plain_ws = plain_words(whisper, take)
    plain = words(" ".join(w.word for w in plain_ws))
    assert not lost_stretches(after.words, plain_ws), after.text
    assert not repeated(ours, plain) and not doubled_phrases(ours), after.text
    expected = words(" ".join(RESULT))
    assert _errors(expected, ours) <= _errors(expected, plain) + max(1, 0.05 * len(expected)), (
        f"ours: {after.text}\nplain: {' '.join(plain)}")
    assert stream(whisper, take, block=int(SR * 0.1)).words == after.words
    # decoding the open chunk ahead of time in every pause changes nothing either
    guessed, reused = speculating(whisper, take, block=int(SR * 0.1))
    assert guessed.words == after.words and reused >= 1


@pytest.mark.parametrize("cut", [0.12, 0.3])
def test_a_take_that_stops_mid_word_keeps_everything_before(whisper, say, cut):
    """The candidate stops while the last word is still being said: every earlier word stays,
    streaming gives what the file gives, and no word runs past the end of the take."""
    take = _take(say, "hibari", 1.0, [0.4, 0.9, 2.2])[: int(SR * 30)]
    full = transcribe_samples(take, whisper)
    last = full.words[-1]
    stop = int((last.start + cut) * SR)
    cut_take = take[:stop]
    t = transcribe_samples(cut_take, whisper)
    before = [w.word for w in full.words if w.end < last.start - 0.3]
    ours = [w.word for w in t.words]
    assert words(" ".join(ours))[:len(words(" ".join(before)))] == words(" ".join(before)), t.text
    assert all(w.end <= len(cut_take) / SR + 0.05 for w in t.words)
    assert stream(whisper, cut_take, block=int(SR * 0.1)).words == t.words
    assert speculating(whisper, cut_take, block=int(SR * 0.1))[0].words == t.words


def test_a_long_file_is_read_from_disk_in_blocks(tmp_path):
    """iter_audio yields bounded blocks whose concatenation is the decoded file."""
    import soundfile as sf

    rng = np.random.default_rng(1)
    audio = (rng.standard_normal(SR * 25) * 0.1).astype(np.float32)
    path = tmp_path / "long.flac"
    sf.write(path, audio, SR)
    blocks = list(iter_audio(path, block=SR * 4))
    assert max(len(b) for b in blocks) == SR * 4 and len(blocks) == 7
    joined = np.concatenate(blocks)
    assert len(joined) == len(audio)
    assert np.max(np.abs(joined - audio)) < 1e-3
