"""The session's audio as one track on the session clock, and its encodings for export.

Replay and the HTML export play a session as one recording: each section's audio (a step take,
a probe answer, or a stretch of the whole-answer file) is placed at its start on the
:class:`~starcoach.report.timeline.Timeline` clock; a section whose file is missing stays silent.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

from starcoach.errors import AudioError
from starcoach.report.timeline import Timeline
from starcoach.transcribe import load_audio

#: Export encodings: name -> (soundfile format, subtype, MIME type, file extension).
AUDIO_FORMATS: dict[str, tuple[str, str, str, str]] = {
    "mp3": ("MP3", "MPEG_LAYER_III", "audio/mpeg", ".mp3"),
    "ogg": ("OGG", "VORBIS", "audio/ogg", ".ogg"),
    "wav": ("WAV", "PCM_16", "audio/wav", ".wav"),
}

#: Sample rate of the session track (the recorder's rate).
TRACK_RATE = 16000


@dataclass
class SessionAudio:
    """The whole session as one mono track.

    Attributes:
        samples: float32 mono samples (numpy array).
        sample_rate: Samples per second.
        missing: Sections whose audio file is missing or unreadable (silent in the track).
    """

    samples: "object"
    sample_rate: int
    missing: list[str] = field(default_factory=list)

    @property
    def duration_s(self) -> float:
        """Length in seconds."""
        return len(self.samples) / self.sample_rate


def session_audio(timeline: Timeline, sample_rate: int = TRACK_RATE) -> SessionAudio:
    """Build the session track: every section's audio at its place on the clock."""
    import numpy as np

    total = int(round(timeline.duration_s * sample_rate))
    track = np.zeros(total, dtype=np.float32)
    missing = []
    cache: dict[Path, object] = {}
    for section in timeline.sections:
        part = section.audio
        if part is None:
            if section.duration_s or section.transcript:
                missing.append(section.name)
            continue
        try:
            if part.path not in cache:
                cache[part.path] = read_mono(part.path, sample_rate)
            samples = cache[part.path]
        except AudioError:
            missing.append(section.name)
            continue
        a = int(round(part.file_start_s * sample_rate))
        b = min(len(samples), a + int(round(part.duration_s * sample_rate)))
        at = int(round(part.start_s * sample_rate))
        chunk = samples[a:b][: max(0, total - at)]
        track[at:at + len(chunk)] = chunk
    return SessionAudio(track, sample_rate, missing)


def read_mono(path: Path, sample_rate: int = TRACK_RATE):
    """Read an audio file as float32 mono at ``sample_rate``.

    Raises:
        AudioError: the file cannot be decoded.
    """
    import numpy as np

    try:
        import soundfile as sf

        data, rate = sf.read(str(path), dtype="float32", always_2d=True)
        mono = data.mean(axis=1)
    except Exception:  # noqa: BLE001 - not a format libsndfile reads: let PyAV try
        try:
            return np.asarray(load_audio(path), dtype=np.float32) if sample_rate == 16000 else \
                resample(np.asarray(load_audio(path), dtype=np.float32), 16000, sample_rate)
        except Exception as e:  # noqa: BLE001
            raise AudioError(f"Cannot read audio file {path} ({e})", "the session's other audio still plays") from e
    return resample(mono, rate, sample_rate)


def resample(samples, rate: int, to: int):
    """Linear-interpolation resampling (speech at 16-48 kHz; good enough for playback)."""
    import numpy as np

    if rate == to or len(samples) == 0:
        return np.asarray(samples, dtype=np.float32)
    n = int(round(len(samples) * to / rate))
    return np.interp(np.arange(n) * (rate / to), np.arange(len(samples)), samples).astype(np.float32)


def encode(audio: SessionAudio, fmt: str = "mp3") -> bytes:
    """The track as a file in memory (``mp3``, ``ogg`` or ``wav``)."""
    import soundfile as sf

    if fmt not in AUDIO_FORMATS:
        raise AudioError(f"Unknown audio format {fmt!r}", f"expected one of {', '.join(AUDIO_FORMATS)}")
    container, subtype, _, _ = AUDIO_FORMATS[fmt]
    buf = io.BytesIO()
    samples = audio.samples
    if len(samples) == 0:
        import numpy as np

        samples = np.zeros(audio.sample_rate // 10, dtype=np.float32)
    sf.write(buf, samples, audio.sample_rate, format=container, subtype=subtype)
    return buf.getvalue()


def mime_type(fmt: str) -> str:
    """The MIME type of an export encoding."""
    return AUDIO_FORMATS[fmt][2]
