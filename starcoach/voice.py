"""The interviewer's voice, and synthetic candidates for demos, tests and benchmarks.

Two engines, both offline:

- ``hibari``: the natural voice bundled in the ``hibari-tts`` wheel (voice "heart"); only the
  bundled voice is used, so nothing is ever downloaded.
- ``espeak``: Debian's ``espeak-ng`` command, robotic but everywhere.

:func:`synthesize` writes speech to a WAV file; :func:`speak` plays it through the default output
device (the CLI decides whether to call it).
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from starcoach.errors import StarcoachError

VOICES = ("hibari", "espeak", "off")


class VoiceError(StarcoachError):
    """The requested voice cannot speak here."""


@dataclass(frozen=True)
class Speech:
    """Synthesized speech.

    Attributes:
        samples: float32 mono samples in [-1, 1].
        sample_rate: Samples per second.
    """

    samples: "object"  # numpy.ndarray; typed loosely to keep numpy out of start-up
    sample_rate: int

    @property
    def duration_s(self) -> float:
        """Length in seconds."""
        return len(self.samples) / self.sample_rate


@functools.lru_cache(maxsize=1)
def _hibari():
    try:
        from hibari import Hibari
    except ImportError as e:  # pragma: no cover - dependency always installed by make
        raise VoiceError(
            "The hibari voice is not installed", "run `make run` (or pip install hibari-tts==0.2.1)"
        ) from e
    return Hibari()  # the bundled default voice: never downloads


def synthesize_samples(text: str, voice: str = "hibari", speed: float = 1.0, seed: int = 0) -> Speech:
    """Speak ``text`` into memory.

    Args:
        text: What to say.
        voice: ``hibari`` (bundled natural voice) or ``espeak`` (espeak-ng).
        speed: 1.0 is normal pace; 0.8 slower, 1.2 faster.
        seed: Fixes hibari's noise so the same text gives the same audio.
    """
    import numpy as np

    if voice == "hibari":
        tts = _hibari()
        return Speech(np.asarray(tts(text, speed=speed, seed=seed), dtype=np.float32), tts.sample_rate)
    if voice == "espeak":
        exe = shutil.which("espeak-ng") or shutil.which("espeak")
        if exe is None:
            raise VoiceError("espeak-ng is not installed", "sudo apt-get install espeak-ng, or use the hibari voice",
                             param="voice")
        wpm = int(165 * speed)
        out = subprocess.run([exe, "-v", "en-us", "-s", str(wpm), "--stdout", text],
                             capture_output=True, check=True).stdout
        import io

        import soundfile as sf

        data, rate = sf.read(io.BytesIO(out), dtype="float32")
        return Speech(data, rate)
    raise VoiceError(f"Unknown voice {voice!r}", f"expected one of {', '.join(VOICES)}")


def synthesize(text: str, out_path: Path | str, voice: str = "hibari", speed: float = 1.0,
               seed: int = 0) -> Path:
    """Speak ``text`` into a 16-bit WAV file and return its path."""
    import soundfile as sf

    speech = synthesize_samples(text, voice=voice, speed=speed, seed=seed)
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    sf.write(out, speech.samples, speech.sample_rate, subtype="PCM_16")
    return out


def speak(text: str, voice: str = "hibari", device: int | str | None = None) -> None:
    """Say ``text`` through the output device and return when done. ``off`` says nothing."""
    if voice == "off" or not text.strip():
        return
    _play(synthesize_samples(text, voice=voice), device)


def _play(speech: Speech, device: int | str | None) -> None:
    import sounddevice as sd

    sd.play(speech.samples, speech.sample_rate, device=device)
    sd.wait()


def release() -> None:
    """Unload the hibari voice and hand its memory back (its pronunciation lexicon alone holds
    about 100 MB); the next synthesis loads it again (1-2 s)."""
    import gc

    from starcoach.heap import trim

    _hibari.cache_clear()
    gc.collect()
    trim()


def synthesize_apart(texts, voice: str = "hibari") -> dict[str, Speech]:
    """Speak each of ``texts`` in a child process and return the speech by text.

    The engine's imports, its ONNX session and the heap they leave behind (hibari: ~20 MB that
    :func:`release` cannot hand back, and ~100 MB while it speaks) stay in the child, which has
    exited when this returns; a run calls it before loading the speech models, so the process
    that then holds Whisper and spaCy never held the voice (BENCHMARKS.md, "Peak memory").

    Raises:
        VoiceError: the child could not speak (its last line of error says why).
    """
    import json
    import os
    import sys
    import tempfile

    import numpy as np

    texts = list(texts)
    if not texts:
        return {}
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parent.parent)  # this starcoach, wherever it runs from
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    with tempfile.TemporaryDirectory(prefix="starcoach-voice-") as tmp:
        out = Path(tmp) / "speech.npz"
        done = subprocess.run([sys.executable, "-m", "starcoach.voice", voice, str(out)],
                              input=json.dumps(texts), capture_output=True, text=True, env=env)
        if done.returncode != 0 or not out.exists():
            lines = (done.stderr or "").strip().splitlines()
            raise VoiceError(f"The {voice} voice could not speak the questions in advance"
                             + (f": {lines[-1]}" if lines else ""),
                             "they are spoken when asked instead; check `starcoach doctor`")
        with np.load(out) as data:
            rates = data["rates"]
            return {text: Speech(data[f"s{i}"].astype(np.float32, copy=False), int(rates[i]))
                    for i, text in enumerate(texts)}


def _speak_to_file(voice: str, out: str) -> None:
    """The child of :func:`synthesize_apart`: texts as a JSON list on stdin, speech to ``out``."""
    import json
    import sys

    import numpy as np

    texts = json.loads(sys.stdin.read())
    speeches = [synthesize_samples(text, voice=voice) for text in texts]
    arrays = {f"s{i}": s.samples for i, s in enumerate(speeches)}
    np.savez(out, rates=np.array([s.sample_rate for s in speeches]), **arrays)


class Interviewer:
    """The interviewer's voice, with the questions it will ask spoken in advance.

    :meth:`prepare` synthesizes every question a run may ask (hibari: in a child process), so
    the voice engine is never in memory beside the speech models (a run prepares before loading
    them); calling the interviewer plays a prepared question, or synthesizes one it was not given.

    Args:
        voice: ``hibari``, ``espeak`` or ``off``.
        device: Output device for sounddevice (default: the system's).
    """

    def __init__(self, voice: str = "hibari", device: int | str | None = None) -> None:
        self.voice = voice
        self.device = device
        self._prepared: dict[str, Speech] = {}

    def prepare(self, questions) -> None:
        """Synthesize ``questions`` now; hibari does it in a child process, so its engine never
        enters this one (see :func:`synthesize_apart`)."""
        if self.voice == "off":
            return
        todo = list(dict.fromkeys(t for t in questions if t.strip() and t not in self._prepared))
        if self.voice == "hibari":
            self._prepared.update(synthesize_apart(todo, voice=self.voice))
            if _hibari.cache_info().currsize:  # loaded here earlier: out before the models come
                release()
            return
        for text in todo:
            self._prepared[text] = synthesize_samples(text, voice=self.voice)

    def __call__(self, text: str) -> None:
        """Say ``text`` and return when done."""
        if self.voice == "off" or not text.strip():
            return
        speech = self._prepared.get(text) or synthesize_samples(text, voice=self.voice)
        _play(speech, self.device)


if __name__ == "__main__":  # python -m starcoach.voice VOICE OUT.npz (see synthesize_apart)
    import sys

    _speak_to_file(sys.argv[1], sys.argv[2])
