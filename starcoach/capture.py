"""Recording a take: audio sources, and a recorder that writes to disk as the audio arrives.

Sources all give float32 mono 16 kHz blocks through one small interface (:class:`AudioSource`):

- :class:`MicrophoneSource`: a sounddevice ``InputStream``; its callback only copies each block
  into a queue (the rest happens on the recorder's side, as in sounddevice's ``rec_unlimited.py``).
- :class:`FileSource`: any audio file FFmpeg decodes, all at once, or at real-time pace
  (``realtime=True``) as if it were a microphone, for demos, tests and benchmarks.

:func:`record_take` (or :class:`Recorder` for a UI that polls) writes each block to a WAV file
(16-bit, flushed with an updated header at least every ``RecordOptions.flush_s``), so Ctrl-C
leaves a playable file and ``kill -9`` loses at most the last second. A write that fails (a full
disk) ends the take at once: the file is closed with a header covering every whole frame on
disk, and :class:`RecordingWriteError` says where and how much audio was kept. It reports the level and
the elapsed time on the recorder's clock (samples written / 16 000), and stops on an external
stop (a :class:`threading.Event` the UI sets on a key press), on silence once speech has started
(Silero VAD), on the length guard, or at the end of a file source. Each block can go to a consumer
as well (the mock run feeds a :class:`starcoach.transcribe.StreamingTranscriber` with it).

Device problems raise :class:`starcoach.errors.DeviceError` naming the devices and the fix.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import math
import queue
import shutil
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Protocol

from starcoach.config import input_device_default
from starcoach.errors import DeviceError, StorageError, storage_error
from starcoach.transcribe import load_audio
from starcoach.vad import SAMPLE_RATE, VadOptions, VadStream, WINDOW
from starcoach.wavfile import repair_header

#: Seconds of audio per block a source delivers.
BLOCK_S = 0.1

#: Values of :attr:`RecordedTake.stopped_by`.
STOPPED_BY = ("stop", "silence", "max_length", "end_of_source", "interrupt")

_PORTAUDIO_FIX = "sudo apt-get install libportaudio2 (macOS: brew install portaudio)"


# --------------------------------------------------------------------------- devices


@dataclass(frozen=True)
class InputDevice:
    """An audio input device as PortAudio sees it.

    Attributes:
        index: PortAudio device index (what ``--input-device 3`` means).
        name: Device name (``--input-device NAME`` matches it, case-insensitively).
        hostapi: Host API name (ALSA, PulseAudio, ...).
        channels: Maximum input channels.
        default_samplerate: The device's preferred rate (recording is resampled to 16 kHz).
        is_default: Whether PortAudio picks it when no device is named.
    """

    index: int
    name: str
    hostapi: str
    channels: int
    default_samplerate: float
    is_default: bool

    def label(self) -> str:
        return f"{self.index}: {self.name}" + (" (default)" if self.is_default else "")


def _sounddevice():
    """Import sounddevice, turning a missing PortAudio into a one-line DeviceError."""
    try:
        import sounddevice as sd
    except OSError as e:  # sounddevice raises OSError when libportaudio cannot be loaded
        raise DeviceError("PortAudio library not found, so no microphone can be opened", _PORTAUDIO_FIX) from e
    except ImportError as e:
        raise DeviceError("The sounddevice package is not installed",
                          "run `make run` (or .venv/bin/pip install sounddevice==0.5.6)") from e
    return sd


def list_input_devices() -> list[InputDevice]:
    """Every device with at least one input channel.

    Raises:
        DeviceError: PortAudio is not installed.
    """
    sd = _sounddevice()
    try:
        devices = sd.query_devices()
        hostapis = sd.query_hostapis()
        default_in = sd.default.device[0]
    except Exception as e:  # PortAudioError when the audio system itself is broken
        raise DeviceError(f"Cannot list audio devices: {e}", "check that the sound system (ALSA/PulseAudio) runs") from e
    if default_in is None or default_in < 0:
        try:
            default_in = sd.query_devices(kind="input")["index"]
        except Exception:  # noqa: BLE001 - no default input
            default_in = -1
    return [
        InputDevice(d["index"], d["name"], hostapis[d["hostapi"]]["name"], d["max_input_channels"],
                    float(d["default_samplerate"]), d["index"] == default_in)
        for d in devices
        if d["max_input_channels"] > 0
    ]


def _devices_hint(devices: list[InputDevice]) -> str:
    if not devices:
        return ("no input device is available: plug in a microphone or start PulseAudio "
                "(no microphone? `starcoach demo` and file sources work without one)")
    listed = "; ".join(d.label() for d in devices)
    return f"available input devices: {listed} — choose one by name or index, or set STARCOACH_INPUT_DEVICE"


def resolve_input_device(spec: str | int | None = None) -> InputDevice:
    """Pick the input device: ``spec`` (index or name), else the configured default, else PortAudio's.

    A name matches exactly (case-insensitive) or as a unique substring.

    Raises:
        DeviceError: no such device, an ambiguous name, a device without inputs, or none at all;
            the message lists the devices.
    """
    if spec is None or (isinstance(spec, str) and not spec.strip()):
        spec = input_device_default()
    devices = list_input_devices()
    if spec is None or (isinstance(spec, str) and not spec.strip()):
        for d in devices:
            if d.is_default:
                return d
        if devices:
            return devices[0]
        raise DeviceError("No audio input device found", _devices_hint(devices), param="input_device")
    text = str(spec).strip()
    if text.lstrip("-").isdigit():
        index = int(text)
        for d in devices:
            if d.index == index:
                return d
        raise DeviceError(f"Input device {index} does not exist or has no input channels", _devices_hint(devices),
                          param="input_device")
    lowered = text.lower()
    exact = [d for d in devices if d.name.lower() == lowered]
    if exact:
        return exact[0]
    partial = [d for d in devices if lowered in d.name.lower()]
    if len(partial) == 1:
        return partial[0]
    if len(partial) > 1:
        names = ", ".join(d.label() for d in partial)
        raise DeviceError(f"Input device name {text!r} matches several devices ({names})",
                          "give the index or a longer part of the name", param="input_device")
    raise DeviceError(f"No input device named {text!r}", _devices_hint(devices), param="input_device")


# --------------------------------------------------------------------------- sources


class AudioSource(Protocol):
    """Where a take's audio comes from: float32 mono blocks at 16 kHz.

    Use as a context manager (``with source:`` starts and stops it), then call :meth:`read`.

    Attributes:
        name: Shown to people and stored with the take ("pulse", "answer.wav").
    """

    name: str

    def __enter__(self) -> "AudioSource": ...

    def __exit__(self, *exc) -> None: ...

    def read(self, timeout: float) -> "object | None":
        """The next block (1-D float32 array); ``None`` if none came within ``timeout`` seconds.

        Raises:
            EOFError: the source has no more audio (end of a file).
        """
        ...

    def drain(self) -> list:
        """Blocks already captured but not yet read (taken after an external stop)."""
        ...


class MicrophoneSource:
    """Records from an input device with sounddevice.

    The stream runs at 16 kHz mono when the device allows it; otherwise at the device's own rate,
    resampled to 16 kHz on the reading side. The audio callback only copies blocks into a queue.

    Args:
        device: Index or name (see :func:`resolve_input_device`); ``None`` for the default.
        block_s: Seconds per block.
    """

    def __init__(self, device: str | int | None = None, block_s: float = BLOCK_S) -> None:
        self.device = resolve_input_device(device)
        self.name = self.device.name
        self.block_s = block_s
        self.overflows = 0  # blocks PortAudio reported as overflowed (the system was too busy)
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._stream = None
        self._resampler: _Resampler | None = None

    def __enter__(self) -> "MicrophoneSource":
        sd = _sounddevice()
        rate = SAMPLE_RATE
        try:
            sd.check_input_settings(device=self.device.index, channels=1, dtype="float32", samplerate=SAMPLE_RATE)
        except Exception:  # noqa: BLE001 - this device cannot do 16 kHz: record natively, resample
            rate = int(self.device.default_samplerate)
            self._resampler = _Resampler(rate, SAMPLE_RATE)

        def callback(indata, frames, time_info, status) -> None:  # PortAudio thread: queue only
            if status.input_overflow:
                self.overflows += 1
            self._queue.put(indata[:, 0].copy())

        try:
            self._stream = sd.InputStream(samplerate=rate, channels=1, dtype="float32",
                                          blocksize=int(rate * self.block_s), device=self.device.index,
                                          callback=callback)
            self._stream.start()
        except Exception as e:  # sd.PortAudioError: busy, unplugged, unsupported settings
            self._stream = None
            raise DeviceError(f"Cannot record from input device {self.device.label()}: {e}",
                              _devices_hint(list_input_devices())) from e
        return self

    def __exit__(self, *exc) -> None:
        if self._stream is not None:
            try:
                self._stream.stop()
                self._stream.close()
            finally:
                self._stream = None

    def read(self, timeout: float):
        try:
            block = self._queue.get(timeout=timeout)
        except queue.Empty:
            if self._stream is not None and not self._stream.active:
                raise DeviceError(f"Input device {self.device.label()} stopped delivering audio",
                                  "check that it is still plugged in, then record again") from None
            return None
        return self._resampler(block) if self._resampler else block

    def drain(self) -> list:
        blocks = []
        while True:
            try:
                block = self._queue.get_nowait()
            except queue.Empty:
                return blocks
            blocks.append(self._resampler(block) if self._resampler else block)


class FileSource:
    """An audio file as a source: at once, or at real-time pace like a microphone.

    Args:
        path: Any audio file FFmpeg decodes (resampled to 16 kHz mono).
        realtime: Deliver each block when a microphone would (for demos, tests, benchmarks).
        block_s: Seconds per block.
        clock: Seconds from a monotonic clock (injected by tests); pacing sleeps against it.
        lead_silence_s: Seconds of silence played before the file (real-time runs only need it
            when a test wants the recorder to hear silence first).

    Raises:
        AudioError: the file cannot be decoded (raised on construction, before recording).
    """

    def __init__(self, path: Path | str, realtime: bool = False, block_s: float = BLOCK_S,
                 clock: Callable[[], float] = time.monotonic, lead_silence_s: float = 0.0) -> None:
        import numpy as np


        self.path = Path(path)
        self.name = self.path.name
        self.realtime = realtime
        samples = load_audio(self.path)
        if lead_silence_s > 0:
            samples = np.concatenate([np.zeros(int(lead_silence_s * SAMPLE_RATE), np.float32), samples])
        self.samples = samples
        self.block = max(1, int(round(block_s * SAMPLE_RATE)))
        self._clock = clock
        self._pos = 0
        self._t0: float | None = None

    @property
    def duration_s(self) -> float:
        return len(self.samples) / SAMPLE_RATE

    def __enter__(self) -> "FileSource":
        self._pos = 0
        self._t0 = self._clock()
        return self

    def __exit__(self, *exc) -> None:
        return None

    def read(self, timeout: float):
        if self._pos >= len(self.samples):
            raise EOFError(self.name)
        end = min(self._pos + self.block, len(self.samples))
        if self.realtime:
            due = self._t0 + end / SAMPLE_RATE  # a microphone delivers a block once it is complete
            wait = due - self._clock()
            if wait > timeout:
                time.sleep(max(0.0, timeout))
                return None
            if wait > 0:
                time.sleep(wait)
        block = self.samples[self._pos:end]
        self._pos = end
        return block

    def drain(self) -> list:
        return []


class _Resampler:
    """Streaming resampler for devices that cannot record at 16 kHz (windowed-sinc low-pass + linear)."""

    def __init__(self, rate_in: int, rate_out: int) -> None:
        import numpy as np

        self._np = np
        self.step = rate_in / rate_out
        cutoff = 0.45 * min(1.0, rate_out / rate_in)
        taps = 63
        n = np.arange(taps) - (taps - 1) / 2
        kernel = 2 * cutoff * np.sinc(2 * cutoff * n) * np.hamming(taps)
        self._kernel = (kernel / kernel.sum()).astype(np.float32)
        self._history = np.zeros(taps - 1, dtype=np.float32)
        self._filtered = np.zeros(0, dtype=np.float32)
        self._t = 0.0  # next output position, in input samples of self._filtered

    def __call__(self, block):
        np = self._np
        data = np.concatenate([self._history, block.astype(np.float32)])
        self._history = data[-(len(self._kernel) - 1):]
        filtered = np.convolve(data, self._kernel, mode="valid").astype(np.float32)
        buf = np.concatenate([self._filtered, filtered])
        positions = np.arange(self._t, len(buf) - 1, self.step)
        out = np.interp(positions, np.arange(len(buf)), buf).astype(np.float32)
        consumed = int(positions[-1]) if len(positions) else 0
        self._t = (positions[-1] + self.step - consumed) if len(positions) else self._t
        self._filtered = buf[consumed:]
        return out


# --------------------------------------------------------------------------- recorder


@dataclass(frozen=True)
class RecordOptions:
    """When a take stops, and how it is written.

    Attributes:
        silence_stop_s: Stop after this many seconds of silence once speech has started;
            ``None`` never stops on silence.
        max_s: Stop after this many seconds whatever happens (the length guard).
        flush_s: Write the file's header and data to disk at least this often.
        vad: Speech detection settings (what counts as speech for ``silence_stop_s``).
    """

    silence_stop_s: float | None = 3.0
    max_s: float = 600.0
    flush_s: float = 0.5
    vad: VadOptions = field(default_factory=VadOptions)


@dataclass(frozen=True)
class RecorderStatus:
    """What a live view shows while recording; sent after every block.

    Attributes:
        elapsed_s: Seconds recorded (the recorder's clock: samples / 16 000).
        level: RMS of the last block, 0..1 (full scale = 1).
        level_db: The same in dBFS (-100 for digital silence).
        peak: Largest absolute sample of the last block, 0..1.
        speaking: VAD says the candidate is speaking now.
        speech_started: Speech has been heard in this take.
        silence_s: Seconds of silence since speech last ended (0 while speaking or before speech).
    """

    elapsed_s: float
    level: float
    level_db: float
    peak: float
    speaking: bool
    speech_started: bool
    silence_s: float


@dataclass(frozen=True)
class RecordedTake:
    """One recorded take.

    Attributes:
        path: The WAV file (16-bit PCM, mono, 16 kHz).
        duration_s: Seconds recorded (the recorder's clock).
        stopped_by: ``stop`` (the stop event), ``silence``, ``max_length``, ``end_of_source``
            or ``interrupt`` (Ctrl-C; only seen on :class:`RecordingInterrupted`).
        started_at: When recording started (ISO 8601, UTC).
        source: The source's name (device name or file name).
        sample_rate: Always 16 000.
        speech_started_s: When speech was first heard, or ``None`` if never.
        overflows: Blocks the sound system dropped (0 unless the machine was overloaded).
    """

    path: Path
    duration_s: float
    stopped_by: str
    started_at: str
    source: str
    sample_rate: int = SAMPLE_RATE
    speech_started_s: float | None = None
    overflows: int = 0


class RecordingWriteError(StorageError):
    """Writing the take failed part-way (a full disk, a removed drive); what was written is kept.

    Attributes:
        take: The take as kept on disk (``stopped_by`` is ``interrupt``; ``duration_s`` is the
            audio the file really holds, its header repaired to match).
        disk_full: True when the folder's file system has no space left.
    """

    def __init__(self, take: "RecordedTake", disk_full: bool, cause: BaseException) -> None:
        where = take.path.parent
        kept = f"kept {take.duration_s:.1f} s of audio in {take.path}"
        if disk_full:
            super().__init__(f"The disk holding {where} is full: {kept}",
                             "free some space; the recording up to that point is saved")
        else:
            super().__init__(f"Cannot write the recording {take.path} ({_describe_write_error(cause)}): {kept}",
                             "check the disk, or record to another folder")
        self.take = take
        self.disk_full = disk_full


class _WriteFailed(Exception):
    """Internal: a write to the open WAV failed (carried out of the recording loop)."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


def _describe_write_error(e: BaseException) -> str:
    if isinstance(e, OSError) and e.strerror:
        return e.strerror
    return str(e).strip().rstrip(".") or type(e).__name__


def _disk_full(folder: Path, cause: BaseException) -> bool:
    """Whether a failed write means a full file system (libsndfile only says 'System error')."""
    if isinstance(cause, OSError) and cause.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        return True
    try:
        return shutil.disk_usage(folder).free < 64 * 1024
    except OSError:
        return False


class RecordingInterrupted(KeyboardInterrupt):
    """Ctrl-C during a take; the WAV file is complete and playable. ``take`` describes it."""

    def __init__(self, take: RecordedTake) -> None:
        super().__init__(f"recording interrupted after {take.duration_s:.1f} s; saved {take.path}")
        self.take = take


class Recorder:
    """Records one take from a source into a WAV file (see :func:`record_take`).

    A UI thread may read :attr:`status` at any time while :meth:`run` records in another thread,
    and set ``stop_event`` to stop.
    """

    def __init__(self, source: AudioSource, out_path: Path | str, *,
                 stop_event: threading.Event | None = None, options: RecordOptions | None = None,
                 on_block: Callable[[object, RecorderStatus], None] | None = None,
                 on_status: Callable[[RecorderStatus], None] | None = None,
                 on_start: Callable[[], None] | None = None) -> None:
        self.source = source
        self.on_start = on_start
        self.path = Path(out_path)
        self.stop_event = stop_event or threading.Event()
        self.options = options or RecordOptions()
        self.on_block = on_block
        self.on_status = on_status
        self.status = RecorderStatus(0.0, 0.0, -100.0, 0.0, False, False, 0.0)
        self._frames = 0
        self._speech_started_at: int | None = None
        self._speaking = False
        self._silence_from: int | None = None  # frame where the current silence began
        self._vad_frames = 0  # frames the VAD has decided
        self._announced = False  # on_start called

    @property
    def elapsed_s(self) -> float:
        return self._frames / SAMPLE_RATE

    def run(self) -> RecordedTake:
        """Record until a stop condition; return the take.

        Raises:
            RecordingInterrupted: Ctrl-C; the file is closed (playable) before it propagates.
            RecordingWriteError: a write failed (a full disk); the file is closed and playable up
                to the last whole frame written.
            DeviceError: the source cannot be opened.
            StorageError: the output file cannot be created.
        """
        import soundfile as sf

        started_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        stopped_by = "interrupt"
        try:
            with self.source:  # open the device first: a device error leaves no empty file behind
                wav = self._open_wav(sf)
                try:
                    stopped_by = self._loop(wav)
                    self._announce()  # a take that ended before any audio came is announced too
                except BaseException:
                    with contextlib.suppress(Exception):  # the error that stopped us is the one to tell
                        wav.close()
                    raise
                try:
                    wav.close()
                except (RuntimeError, OSError) as e:  # the final header write failed
                    raise _WriteFailed(e) from e
        except KeyboardInterrupt as e:
            raise RecordingInterrupted(self._take("interrupt", started_at)) from e
        except _WriteFailed as e:
            raise self._write_error(e.cause, started_at) from e.cause
        return self._take(stopped_by, started_at)

    def _write_error(self, cause: BaseException, started_at: str) -> RecordingWriteError:
        """Close out a take whose write failed: header repaired to the frames on disk."""
        kept = None
        with contextlib.suppress(OSError):
            kept = repair_header(self.path)
        take = self._take("interrupt", started_at)
        if kept is not None:
            take = dataclasses.replace(take, duration_s=round(kept, 3))
        return RecordingWriteError(take, _disk_full(self.path.parent, cause), cause)

    def _open_wav(self, sf):
        if self.path.is_dir():
            raise StorageError(f"{self.path} is a folder, not a file name",
                               f"give the WAV file to write, e.g. {self.path / 'take.wav'}")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            return sf.SoundFile(str(self.path), mode="w", samplerate=SAMPLE_RATE, channels=1,
                                subtype="PCM_16", format="WAV")
        except (OSError, RuntimeError) as e:  # soundfile raises LibsndfileError (a RuntimeError)

            with contextlib.suppress(OSError):
                if self.path.stat().st_size == 0:
                    self.path.unlink()  # no empty file left behind
            if isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EPERM):
                raise storage_error(e, self.path) from e
            if _disk_full(self.path.parent, e):
                raise StorageError(f"The disk holding {self.path.parent} is full: nothing could be recorded",
                                   "free some space, then record again") from e
            raise StorageError(f"Cannot write the recording {self.path}: {_describe_write_error(e)}",
                               "choose a folder you can write, with free space") from e

    def _take(self, stopped_by: str, started_at: str) -> RecordedTake:
        started = self._speech_started_at
        return RecordedTake(self.path, round(self.elapsed_s, 3), stopped_by, started_at, self.source.name,
                    speech_started_s=None if started is None else round(started / SAMPLE_RATE, 3),
                    overflows=getattr(self.source, "overflows", 0))

    def _loop(self, wav) -> str:
        import numpy as np

        opts = self.options
        vad = VadStream()
        flush_every = int(opts.flush_s * SAMPLE_RATE)
        unflushed = 0
        max_frames = int(opts.max_s * SAMPLE_RATE)
        silence_frames = None if opts.silence_stop_s is None else int(opts.silence_stop_s * SAMPLE_RATE)
        while True:
            if self.stop_event.is_set():
                for block in self.source.drain():  # audio captured before the key press
                    self._write(wav, block, vad, np)
                _sync(wav)
                return "stop"
            try:
                block = self.source.read(timeout=0.05)
            except EOFError:
                _sync(wav)
                return "end_of_source"
            if block is None:
                continue
            if self._frames + len(block) > max_frames:
                block = block[: max(0, max_frames - self._frames)]
            self._write(wav, block, vad, np)
            unflushed += len(block)
            if unflushed >= flush_every:
                _sync(wav)
                unflushed = 0
            if self._frames >= max_frames:
                _sync(wav)
                return "max_length"
            if (silence_frames is not None and self._speech_started_at is not None
                    and not self._speaking and self._silence_from is not None
                    and self._frames - self._silence_from >= silence_frames):
                _sync(wav)
                return "silence"

    def _write(self, wav, block, vad: VadStream, np) -> None:
        if not len(block):
            return
        try:
            wav.write(block)
        except (RuntimeError, OSError) as e:  # LibsndfileError "System error." on a full disk
            raise _WriteFailed(e) from e
        self._frames += len(block)
        self._announce()
        self._update_speech(vad.feed(block))
        rms = float(np.sqrt(np.mean(np.square(block, dtype=np.float64))))
        peak = float(np.max(np.abs(block)))
        silence_s = 0.0
        if self._speech_started_at is not None and not self._speaking and self._silence_from is not None:
            silence_s = (self._frames - self._silence_from) / SAMPLE_RATE
        self.status = RecorderStatus(
            elapsed_s=round(self.elapsed_s, 3),
            level=min(1.0, rms),
            level_db=20 * math.log10(rms) if rms > 1e-5 else -100.0,
            peak=min(1.0, peak),
            speaking=self._speaking,
            speech_started=self._speech_started_at is not None,
            silence_s=round(silence_s, 3),
        )
        if self.on_block is not None:
            self.on_block(block, self.status)
        if self.on_status is not None:
            self.on_status(self.status)

    def _announce(self) -> None:
        """Call ``on_start`` once, after the first block is written: "recording" is shown only
        when the device is delivering audio and the file is keeping it (a device that is opened
        but not yet capturing would lose the first syllable spoken at the announcement)."""
        if not self._announced:
            self._announced = True
            if self.on_start is not None:
                self.on_start()

    def _update_speech(self, probs) -> None:
        """Hysteresis on VAD windows, the rule of :func:`starcoach.vad.speech_regions`."""
        vad = self.options.vad
        min_silence = int(vad.min_silence_s * SAMPLE_RATE)
        for p in probs:
            window_start = self._vad_frames
            self._vad_frames += WINDOW
            if p >= vad.threshold:
                if not self._speaking:
                    self._speaking = True
                    if self._speech_started_at is None:
                        self._speech_started_at = window_start
                self._silence_from = None
            elif p < vad.neg_threshold:
                if self._silence_from is None:
                    self._silence_from = window_start
                if self._speaking and self._vad_frames - self._silence_from >= min_silence:
                    self._speaking = False


#: libsndfile's command to rewrite the header now (sndfile.h); soundfile does not export it.
_SFC_UPDATE_HEADER_NOW = 0x1060


def _sync(wav) -> None:
    """Push buffered frames to disk and rewrite the WAV header's sizes, so that every reader
    (not only libsndfile, which tolerates a stale header) sees the audio written so far."""
    from soundfile import _ffi, _snd

    try:
        wav.flush()
        _snd.sf_command(wav._file, _SFC_UPDATE_HEADER_NOW, _ffi.NULL, 0)
    except (RuntimeError, OSError) as e:
        raise _WriteFailed(e) from e


def record_take(source: AudioSource, out_path: Path | str, *, stop_event: threading.Event | None = None,
                options: RecordOptions | None = None,
                on_block: Callable[[object, RecorderStatus], None] | None = None,
                on_status: Callable[[RecorderStatus], None] | None = None,
                on_start: Callable[[], None] | None = None,
                **option_overrides) -> RecordedTake:
    """Record one take from ``source`` into the WAV file ``out_path``.

    Args:
        source: A :class:`MicrophoneSource`, :class:`FileSource` or anything with that interface.
        out_path: Where the WAV goes (overwritten); its folder is created.
        stop_event: Set it (from any thread, e.g. on a key press) to end the take.
        options: Stop conditions and flushing; keyword overrides of its fields
            (``silence_stop_s=None``, ``max_s=120``) may be passed directly.
        on_block: Called with each block (float32, 16 kHz) and the status, on the recording
            thread, right after the block is written; keep it quick (queue work elsewhere).
        on_status: Called with the :class:`RecorderStatus` after each block (a live meter).
        on_start: Called once the first block from the device is written to the file (before
            ``on_block`` sees it): the moment to tell the candidate "recording" (nothing said
            after it is lost). A take that ends before any audio arrives calls it at its end.

    Returns:
        The :class:`RecordedTake`.

    Raises:
        RecordingInterrupted: Ctrl-C (a ``KeyboardInterrupt``); the WAV is playable.
        RecordingWriteError: a write failed mid-take (a full disk); the WAV is playable up to it.
        DeviceError: the microphone cannot be opened.
        StorageError: the WAV cannot be created.
    """
    opts = options or RecordOptions()
    if option_overrides:
        opts = dataclasses.replace(opts, **option_overrides)
    recorder = Recorder(source, out_path, stop_event=stop_event, options=opts,
                        on_block=on_block, on_status=on_status, on_start=on_start)
    return recorder.run()
