"""Long takes for the memory benchmark: the synthesized story sentences of ``speech_set.py``,
spoken by both voices in turn and joined with pauses of 0.3-3 s, looped to any length.

The file is written sentence by sentence (never held whole), so a 2-hour take costs no more
memory to make than a 2-minute one. Cached in ``benchmarks/out/cache/`` by length and seed.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from speech_set import SAMPLE_RATE, STORIES, _sentence_audio

VOICES = ("hibari", "espeak")


def write_long_take(seconds: float, cache: Path, seed: int = 0) -> Path:
    """A WAV of about ``seconds`` seconds of speech and pauses (16 kHz mono PCM_16)."""
    import numpy as np
    import soundfile as sf

    key = hashlib.sha1(f"long|{seconds}|{seed}".encode()).hexdigest()[:10]
    path = cache / f"long-{int(seconds)}s-{key}.wav"
    if path.exists():
        return path
    cache.mkdir(parents=True, exist_ok=True)
    sentences = [(voice, s) for story in STORIES.values() for s in story for voice in VOICES]
    clips = {}
    rng = np.random.default_rng(seed)
    written = 0
    part = path.with_suffix(".part")
    with sf.SoundFile(part, "w", SAMPLE_RATE, 1, subtype="PCM_16", format="WAV") as out:
        n = 0
        while written < seconds * SAMPLE_RATE:
            voice, sentence = sentences[n % len(sentences)]
            n += 1
            if (voice, sentence) not in clips:
                clips[voice, sentence] = _sentence_audio(sentence, voice, cache)
            clip = clips[voice, sentence]
            pause = np.zeros(int(rng.uniform(0.3, 3.0) * SAMPLE_RATE), np.float32)
            out.write(clip)
            out.write(pause)
            written += len(clip) + len(pause)
    part.rename(path)
    return path
