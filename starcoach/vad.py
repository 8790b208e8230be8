"""Where the candidate is speaking: Silero VAD (bundled with faster-whisper) on raw audio.

Silero gives one speech probability per 32 ms window (512 samples at 16 kHz). This module turns
those probabilities into speech regions and pauses with one rule, used everywhere:

- the recorder feeds blocks to a :class:`VadStream` to stop after silence once speech started;
- the streaming transcriber uses a :class:`VadStream` to close chunks at pauses;
- offline transcription computes the probabilities of a whole file with
  :func:`speech_probabilities`.

:class:`VadStream` carries the model state between blocks, so its probabilities are the same as
the whole-file ones whatever the block size; speech time and pauses of a take therefore do not
depend on how the audio arrived.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from starcoach.lazy import defer_import

# faster-whisper imports PyAV (~25 MB resident) at once, for compressed files only: takes are WAV.
defer_import("av")

SAMPLE_RATE = 16000
#: Samples per Silero decision (32 ms at 16 kHz).
WINDOW = 512
#: Seconds per Silero decision.
WINDOW_S = WINDOW / SAMPLE_RATE
_CONTEXT = 64  # samples of the previous window Silero v6 looks at


@dataclass(frozen=True)
class VadOptions:
    """How speech probabilities become speech regions.

    Attributes:
        threshold: A window with probability at or above this starts (or continues) speech.
        neg_threshold: While speaking, a window below this counts as silence; windows between the
            two thresholds continue whatever state came before (hysteresis).
        min_silence_s: Silence shorter than this does not split speech (a breath, a plosive).
        min_speech_s: Speech shorter than this is dropped (a click, a cough).
        min_pause_s: Gaps between speech regions shorter than this are not reported as pauses.
    """

    threshold: float = 0.5
    neg_threshold: float = 0.35
    min_silence_s: float = 0.25
    min_speech_s: float = 0.15
    min_pause_s: float = 0.3


@dataclass(frozen=True)
class SpeechRegion:
    """A stretch of speech, in seconds from the start of the audio (not padded)."""

    start: float
    end: float

    @property
    def duration_s(self) -> float:
        return self.end - self.start


_model_lock = threading.Lock()


def _silero():
    from faster_whisper.vad import get_vad_model

    with _model_lock:  # get_vad_model is lru_cached; build it once even with two threads
        return get_vad_model()


def speech_probabilities(samples) -> "object":
    """Speech probability of every 32 ms window of ``samples`` (float32 mono 16 kHz).

    Returns:
        A float32 array with ``ceil(len(samples) / 512)`` values; the last window is zero-padded.
    """
    stream = VadStream()
    probs = stream.feed(samples)
    return stream.flush(probs)


class VadStream:
    """Silero VAD fed block by block, with its recurrent state carried over.

    ``feed`` accepts any block size and returns the probabilities of the windows completed by that
    block; ``flush`` pads the leftover samples to a final window. Not thread-safe: one stream per
    consumer (the model session itself is shared).
    """

    def __init__(self) -> None:
        import numpy as np

        self._np = np
        self._model = _silero()
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)
        self._context = np.zeros(_CONTEXT, dtype=np.float32)
        self._pending = np.zeros(0, dtype=np.float32)
        self.windows = 0  # windows decided so far

    def feed(self, samples) -> "object":
        """Add samples; return the probabilities of the windows they complete (maybe none)."""
        np = self._np
        samples = np.asarray(samples, dtype=np.float32).reshape(-1)
        data = np.concatenate([self._pending, samples]) if len(self._pending) else samples
        n = len(data) // WINDOW
        self._pending = data[n * WINDOW:].copy()
        if n == 0:
            return np.zeros(0, dtype=np.float32)
        windows = data[: n * WINDOW].reshape(n, WINDOW)
        contexts = np.empty((n, _CONTEXT), dtype=np.float32)
        contexts[0] = self._context
        if n > 1:
            contexts[1:] = windows[:-1, -_CONTEXT:]
        self._context = windows[-1, -_CONTEXT:].copy()
        batch = np.concatenate([contexts, windows], axis=1)
        probs, self._h, self._c = self._model.session.run(
            None, {"input": batch, "h": self._h, "c": self._c}
        )
        self.windows += n
        return np.asarray(probs, dtype=np.float32).reshape(-1)

    def flush(self, probs=None) -> "object":
        """Decide the last, partial window (zero-padded) and return all of ``probs`` plus it."""
        np = self._np
        head = np.zeros(0, dtype=np.float32) if probs is None else probs
        if not len(self._pending):
            return head
        tail = self.feed(np.zeros(WINDOW - len(self._pending), dtype=np.float32))
        return np.concatenate([head, tail])


class SpeechTracker:
    """The speech/silence rule of :class:`VadOptions`, applied one window at a time.

    Hysteresis: speech starts at a window at or above ``threshold``; while speaking, a run of
    windows below ``neg_threshold`` (windows between the thresholds do not end the run) lasting
    ``min_silence_s`` ends it, at the run's first window. Used by :func:`speech_regions` and by
    the transcriber, which closes chunks as regions end, so both see the same regions.
    """

    def __init__(self, options: VadOptions | None = None) -> None:
        self.options = options or VadOptions()
        self.min_silence = max(1, round(self.options.min_silence_s / WINDOW_S))
        self.windows = 0  # windows pushed so far
        self.start: int | None = None  # first window of the speech in progress
        self.silence_from: int | None = None  # first window of the current silence run

    @property
    def speaking(self) -> bool:
        return self.start is not None

    def push(self, p: float) -> tuple[int, int] | None:
        """Add one window's probability; return ``(start, end)`` windows of a region it ended."""
        opts = self.options
        i = self.windows
        self.windows += 1
        if self.start is None:
            if p >= opts.threshold:
                self.start, self.silence_from = i, None
            return None
        if p >= opts.threshold:
            self.silence_from = None
        elif p < opts.neg_threshold:
            if self.silence_from is None:
                self.silence_from = i
            if i + 1 - self.silence_from >= self.min_silence:
                region = (self.start, self.silence_from)
                self.start = self.silence_from = None
                return region
        return None

    def open_region(self) -> tuple[int, int] | None:
        """The region in progress, as if the audio ended now (``None`` when silent)."""
        if self.start is None:
            return None
        return self.start, self.silence_from if self.silence_from is not None else self.windows


def speech_regions(probs, options: VadOptions | None = None,
                   duration_s: float | None = None) -> list[SpeechRegion]:
    """Speech regions from window probabilities (see :class:`VadOptions` for the rule).

    Args:
        probs: One probability per 32 ms window, from :func:`speech_probabilities` or a stream.
        options: Thresholds; the defaults suit interview answers.
        duration_s: Length of the audio, to clip the last region (defaults to the windows' end).
    """
    opts = options or VadOptions()
    end_s = duration_s if duration_s is not None else len(probs) * WINDOW_S
    tracker = SpeechTracker(opts)
    spans = [r for r in map(tracker.push, probs) if r is not None]
    if tracker.open_region() is not None:
        spans.append(tracker.open_region())
    regions = [SpeechRegion(a * WINDOW_S, min(b * WINDOW_S, end_s)) for a, b in spans]
    return [r for r in regions if r.duration_s >= opts.min_speech_s]


def pauses_between(regions: list[SpeechRegion], min_pause_s: float) -> list[tuple[float, float]]:
    """Gaps between consecutive speech regions lasting at least ``min_pause_s``, as (start, end)."""
    return [
        (a.end, b.start)
        for a, b in zip(regions, regions[1:])
        if b.start - a.end >= min_pause_s
    ]
