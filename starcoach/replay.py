"""Replay a session: the recording plays while the transcript follows, findings and notes inline.

:class:`Replay` is the engine: a position on the session clock (see
:class:`~starcoach.report.timeline.Timeline`) that advances with an injected clock at a chosen
speed, and that can be paused, sought, and moved to the next or previous step. It drives an
optional :class:`AudioSink` (:class:`SoundDeviceSink` plays through sounddevice) and reports what
to show as a :class:`ReplayFrame`, plus the :class:`ReplayEvent` s (a step begins, a word is
spoken, a finding or a note is reached) passed since the last call. It never reads the keyboard
and never prints: ``starcoach replay`` (``starcoach.cli.sessions``) maps keys to these methods
and draws the frames.

Without a sink (``--no-audio``) the transcript is replayed at its real pace on the clock alone,
so it works on a machine without any output device.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from starcoach.errors import DeviceError, StarcoachError
from starcoach.report.audio import session_audio
from starcoach.report.timeline import Timeline

#: Seconds into a step after which "previous step" restarts the step instead of going back.
RESTART_GRACE_S = 2.0
#: Allowed replay speeds.
MIN_SPEED, MAX_SPEED = 0.25, 64.0


class ReplayError(StarcoachError):
    """A replay option is out of range."""


class AudioSink(Protocol):
    """Where replayed audio goes. Positions are on the session clock."""

    def start(self, position_s: float, speed: float) -> None:
        """Play from ``position_s`` at ``speed`` (1.0 = real time)."""

    def stop(self) -> None:
        """Stop sound (the position is kept by the engine)."""

    def close(self) -> None:
        """Release the device."""


class ClockedSink(AudioSink, Protocol):
    """A sink that knows what is being heard: replay follows it instead of the wall clock."""

    def position(self) -> float | None:
        """The session time being heard now (None before playback starts)."""


@dataclass(frozen=True)
class ReplayEvent:
    """Something reached during replay.

    Attributes:
        at_s: Time on the session clock.
        kind: ``section`` (a step or probe begins), ``word``, ``finding`` (its words have been
            spoken) or ``note``.
        index: Index into ``timeline.sections`` / ``words`` / ``findings`` / ``notes``.
    """

    at_s: float
    kind: str
    index: int


@dataclass(frozen=True)
class ReplayFrame:
    """What the replay shows right now.

    Attributes:
        position_s: Position on the session clock.
        duration_s: Length of the session clock.
        section: Index of the current section.
        word: Index of the current (or last spoken) word, None before the first.
        playing: False when paused or finished.
        finished: True once the end is reached.
        speed: Replay speed.
    """

    position_s: float
    duration_s: float
    section: int
    word: int | None
    playing: bool
    finished: bool
    speed: float


def replay_events(timeline: Timeline) -> list[ReplayEvent]:
    """Every event of a session, in time order (sections before their first word)."""
    order = {"section": 0, "note": 1, "word": 2, "finding": 3}
    events = [ReplayEvent(s.start_s, "section", i) for i, s in enumerate(timeline.sections)]
    events += [ReplayEvent(w.start_s, "word", i) for i, w in enumerate(timeline.words)]
    events += [ReplayEvent(f.end_s, "finding", i) for i, f in enumerate(timeline.findings) if f.end_s is not None]
    events += [ReplayEvent(n.at_s, "note", i) for i, n in enumerate(timeline.notes)]
    events.sort(key=lambda e: (e.at_s, order[e.kind], e.index))
    return events


class Replay:
    """The replay engine.

    Args:
        timeline: The session on one clock.
        speed: Replay speed (0.25-64; 1.0 is real time).
        clock: Monotonic seconds (injected: tests drive it by hand).
        sink: Where the audio goes; None replays the transcript alone.
        start_s: Where to start on the session clock.
    """

    def __init__(self, timeline: Timeline, speed: float = 1.0, clock: Callable[[], float] = time.monotonic,
                 sink: AudioSink | None = None, start_s: float = 0.0) -> None:
        if not MIN_SPEED <= speed <= MAX_SPEED:
            raise ReplayError(f"Speed {speed:g} is out of range", f"give a speed between {MIN_SPEED:g} and {MAX_SPEED:g}",
                              param="speed", value=speed)
        self.timeline = timeline
        self.speed = speed
        self.clock = clock
        self.sink = sink
        self.duration_s = timeline.duration_s
        self._events = replay_events(timeline)
        self._event_times = [e.at_s for e in self._events]
        self._section_starts = [s.start_s for s in timeline.sections]
        self._anchor_pos = self._clamp(start_s)
        self._anchor_clock = clock()
        self._playing = False
        self._reported = self._anchor_pos - 1e-6  # events up to here were already handed out

    # -- position --------------------------------------------------------------------------------

    def position(self) -> float:
        """Current position on the session clock (stops at the end).

        While a sink that reports what is being heard plays, the position follows the sound
        (the transcript never runs ahead of a device that buffers or stalls); otherwise the clock.
        """
        if not self._playing:
            return self._anchor_pos
        heard = getattr(self.sink, "position", None)
        pos = heard() if callable(heard) else None
        if pos is None:
            pos = self._anchor_pos + (self.clock() - self._anchor_clock) * self.speed
        if pos >= self.duration_s:
            self._anchor_pos = self.duration_s
            self._anchor_clock = self.clock()
            self._playing = False
            if self.sink:
                self.sink.stop()
            return self.duration_s
        return pos

    @property
    def playing(self) -> bool:
        """True while playing (False when paused or at the end)."""
        self.position()
        return self._playing

    @property
    def finished(self) -> bool:
        """True once the position reached the end."""
        return self.position() >= self.duration_s

    def play(self) -> None:
        """Play from the current position (from the start again if at the end)."""
        if self._playing:
            return
        if self._anchor_pos >= self.duration_s:
            self._anchor_pos = 0.0
            self._reported = -1e-6
        self._anchor_clock = self.clock()
        self._playing = True
        if self.sink:
            self.sink.start(self._anchor_pos, self.speed)

    def pause(self) -> None:
        """Pause at the current position."""
        if not self._playing:
            return
        self._anchor_pos = self.position()
        self._playing = False
        if self.sink:
            self.sink.stop()

    def toggle(self) -> None:
        """Pause if playing, else play."""
        if self.playing:
            self.pause()
        else:
            self.play()

    def seek(self, position_s: float) -> float:
        """Jump to ``position_s`` (clamped to the session); returns the new position.

        Events between the old and the new position are skipped, not replayed.
        """
        was_playing = self.playing
        if was_playing and self.sink:
            self.sink.stop()
        self._anchor_pos = self._clamp(position_s)
        self._anchor_clock = self.clock()
        self._reported = self._anchor_pos - 1e-6
        if self._anchor_pos >= self.duration_s:
            self._playing = False
        elif was_playing and self.sink:
            self.sink.start(self._anchor_pos, self.speed)
        return self._anchor_pos

    def skip(self, delta_s: float) -> float:
        """Seek by ``delta_s`` seconds (negative goes back)."""
        return self.seek(self.position() + delta_s)

    def section_index(self) -> int:
        """Index of the section at the current position."""
        return self.timeline.section_at(self.position())

    def next_section(self) -> float:
        """Jump to the start of the next step (or to the end after the last)."""
        pos = self.position()
        i = bisect.bisect_right(self._section_starts, pos + 1e-6)
        return self.seek(self._section_starts[i] if i < len(self._section_starts) else self.duration_s)

    def previous_section(self) -> float:
        """Restart the current step, or go to the previous one within the first seconds of a step."""
        pos = self.position()
        i = self.timeline.section_at(pos)
        if not self._section_starts:
            return self.seek(0.0)
        if pos - self._section_starts[i] < RESTART_GRACE_S and i > 0:
            i -= 1
        return self.seek(self._section_starts[i])

    def go_to_section(self, name: str) -> float:
        """Jump to the start of the step or probe called ``name``."""
        return self.seek(self.timeline.sections[self.timeline.section_index(name)].start_s)

    # -- what to show ----------------------------------------------------------------------------

    def frame(self) -> ReplayFrame:
        """The current state for a view."""
        pos = self.position()
        return ReplayFrame(position_s=pos, duration_s=self.duration_s, section=self.timeline.section_at(pos),
                           word=self.timeline.word_at(pos), playing=self._playing,
                           finished=pos >= self.duration_s, speed=self.speed)

    def events(self) -> list[ReplayEvent]:
        """Events reached since the last call (or since the last seek)."""
        pos = self.position()
        lo = bisect.bisect_right(self._event_times, self._reported)
        hi = bisect.bisect_right(self._event_times, pos)
        self._reported = max(self._reported, pos)
        return self._events[lo:hi]

    def next_event_in(self) -> float | None:
        """Wall-clock seconds until the next event at the current speed (None if none left or paused)."""
        pos = self.position()
        i = bisect.bisect_right(self._event_times, pos)
        if not self._playing:
            return None
        target = self._event_times[i] if i < len(self._event_times) else self.duration_s
        return max(0.0, (target - pos) / self.speed)

    def close(self) -> None:
        """Stop and release the audio device."""
        if self.sink:
            self.sink.stop()
            self.sink.close()

    def _clamp(self, t: float) -> float:
        return min(max(0.0, float(t)), self.duration_s)


class SoundDeviceSink:
    """Plays the session track through sounddevice (PortAudio).

    The output stream stays open; paused, it plays silence, so pause and seek are instant. A
    speed other than 1.0 plays the samples faster or slower (the pitch changes with it).

    Args:
        timeline: The session (its track is built at the device's rate).
        device: Output device index or name (None: the default).

    Raises:
        DeviceError: no usable output device; the fix suggests ``--no-audio``.
    """

    def __init__(self, timeline: Timeline, device: int | str | None = None) -> None:
        try:
            import sounddevice as sd
        except OSError as e:  # PortAudio library missing
            raise DeviceError(f"PortAudio is not available ({e})", "install libportaudio2, or replay without audio",
                              instead=("no_audio",)) from e
        try:
            info = sd.query_devices(device, "output")
        except (ValueError, sd.PortAudioError) as e:
            raise DeviceError(f"No audio output device{f' {device!r}' if device is not None else ''} ({e})",
                              "replay without audio to read the transcript at its real pace",
                              instead=("no_audio",)) from e

        self.rate = int(info["default_samplerate"] or 16000)
        audio = session_audio(timeline, self.rate)
        self.missing = audio.missing
        self._samples = audio.samples
        self._lock = threading.Lock()
        self._pos = 0.0
        self._start = 0.0
        self._speed = 1.0
        self._playing = False
        self.frames_played = 0
        try:
            self._stream = sd.OutputStream(samplerate=self.rate, channels=1, dtype="float32",
                                           device=device, callback=self._callback)
            self._stream.start()
        except sd.PortAudioError as e:
            raise DeviceError(f"Cannot open the audio output ({e})",
                              "check `starcoach doctor`, or replay without audio", instead=("no_audio",)) from e

    def _callback(self, outdata, frames, time_info, status) -> None:  # audio thread: keep it tiny
        import numpy as np

        with self._lock:
            playing, pos, speed = self._playing, self._pos, self._speed
            if playing:
                self._pos = pos + frames * speed
        if not playing:
            outdata.fill(0)
            return
        samples = self._samples
        idx = pos + np.arange(frames) * speed
        inside = idx < len(samples) - 1
        out = np.zeros(frames, dtype=np.float32)
        if inside.any():
            i0 = idx[inside].astype(np.int64)
            frac = (idx[inside] - i0).astype(np.float32)
            out[inside] = samples[i0] * (1 - frac) + samples[i0 + 1] * frac
            self.frames_played += int(inside.sum())
        outdata[:, 0] = out

    def start(self, position_s: float, speed: float) -> None:
        with self._lock:
            self._pos = position_s * self.rate
            self._start = position_s
            self._speed = speed
            self._playing = True

    def position(self) -> float | None:
        """What is being heard: samples handed to the device, less its output latency."""
        with self._lock:
            if not self._playing:
                return None
            consumed = self._pos / self.rate
            start, speed = self._start, self._speed
        latency = float(getattr(self._stream, "latency", 0.0) or 0.0)
        return max(start, consumed - latency * speed)

    def stop(self) -> None:
        with self._lock:
            self._playing = False

    def close(self) -> None:
        try:
            self._stream.stop()
            self._stream.close()
        except Exception:  # noqa: BLE001 - closing a dead stream must not hide the real error
            pass
