"""``starcoach devices``, ``starcoach record OUT.wav`` and ``starcoach transcribe AUDIO``.

Thin commands over :mod:`starcoach.capture` and :mod:`starcoach.transcribe`: parse, call the
library, print. Nothing heavy is imported until a command runs.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time


def register(subparsers) -> None:
    """Add the ``devices``, ``record`` and ``transcribe`` commands."""
    p = subparsers.add_parser(
        "devices",
        help="list audio input devices",
        description="List the audio input devices PortAudio sees; the default one is marked. "
        "Choose one with --input-device NAME|INDEX, STARCOACH_INPUT_DEVICE, or "
        "[audio] input_device in <data dir>/config.toml.",
    )
    p.add_argument("--json", action="store_true", help="print a JSON list of devices")
    p.set_defaults(func=_devices)

    p = subparsers.add_parser(
        "record",
        help="record one take into a WAV file, with a live level meter",
        description="Record one take (16 kHz mono WAV, written to disk as it arrives). Stops on a "
        "key press, after --silence seconds of silence once you have started speaking, or at "
        "--max seconds. Ctrl-C keeps what was recorded.",
    )
    p.add_argument("out", metavar="OUT.wav", help="the WAV file to write (overwritten)")
    _input_device_arg(p)
    p.add_argument("--silence", type=float, default=None, metavar="S",
                   help="stop after S seconds of silence once speech started "
                        "(default 3, or [audio] silence_stop_s in config.toml; 0 = never)")
    p.add_argument("--max", dest="max_s", type=float, default=600.0, metavar="S",
                   help="stop after S seconds whatever happens (default 600)")
    p.add_argument("--from-file", metavar="AUDIO",
                   help="record from an audio file instead of the microphone (for demos and tests)")
    p.add_argument("--realtime", action="store_true",
                   help="with --from-file: play the file at real-time pace, as a microphone would")
    p.add_argument("--transcribe", action="store_true",
                   help="transcribe while recording and print the transcript after stop")
    _model_arg(p)
    p.add_argument("--json", action="store_true",
                   help="print the take (and transcript) as JSON instead of a summary")
    p.set_defaults(func=_record)

    p = subparsers.add_parser(
        "transcribe",
        help="transcribe an audio file (words, timings, fillers kept)",
        description="Transcribe an audio file offline with faster-whisper (tiny.en by default). "
        "Fillers (um, uh, like, you know) are kept; silence gives an empty transcript.",
    )
    p.add_argument("audio", metavar="AUDIO", help="any audio file FFmpeg reads (wav, flac, mp3, ogg, m4a...)")
    _model_arg(p)
    p.add_argument("--json", action="store_true",
                   help="print {text, duration_s, speech_s, language, model, no_speech, words, pauses}")
    p.set_defaults(func=_transcribe)


def _input_device_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--input-device", metavar="NAME|INDEX", default=None,
                   help="input device (see `starcoach devices`; default: STARCOACH_INPUT_DEVICE, "
                        "config.toml, then the system default)")


def _model_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", metavar="PATH|NAME", default=None,
                   help="Whisper model: a CTranslate2 folder, a name in models/, or hub:NAME to "
                        "download once (default: STARCOACH_MODEL, then the packaged tiny.en)")


# --- devices ---------------------------------------------------------------------------------


def _devices(args) -> int:
    from dataclasses import asdict

    from starcoach.capture import list_input_devices

    from ._output import console, print_json

    devices = list_input_devices()
    if args.json:
        print_json([asdict(d) for d in devices])
        return 0
    out = console()
    if not devices:
        out.print("No audio input devices. Plug in a microphone or start PulseAudio; "
                  "`starcoach demo` works without one.")
        return 1
    for d in devices:
        mark = "*" if d.is_default else " "
        out.print(f"{mark} {d.index:>3}  {d.name}  [dim]({d.hostapi}, {d.channels} ch, "
                  f"{d.default_samplerate:.0f} Hz)[/dim]")
    out.print("[dim]* default. Choose with --input-device NAME|INDEX or STARCOACH_INPUT_DEVICE.[/dim]")
    return 0


# --- record ----------------------------------------------------------------------------------


def _record(args) -> int:
    from starcoach.capture import FileSource, MicrophoneSource, RecordingInterrupted, RecordOptions, record_take
    from starcoach.config import silence_stop_default

    from ._output import console, print_json
    from ._signals import stop_exit_code, stop_reason

    if args.realtime and not args.from_file:
        print("starcoach: --realtime needs --from-file", file=sys.stderr)
        return 2
    from pathlib import Path

    from starcoach.cli import _args
    from starcoach.errors import StorageError

    _args.seconds(args.max_s, "--max", example=120)
    _args.seconds(args.silence, "--silence", zero_means="never stops on silence")
    if Path(args.out).expanduser().is_dir():
        raise StorageError(f"{args.out} is a folder, not a file name",
                           f"give the WAV file to write, e.g. {Path(args.out) / 'take.wav'}")
    silence = silence_stop_default() if args.silence is None else (args.silence or None)
    options = RecordOptions(silence_stop_s=silence, max_s=args.max_s)
    source = (FileSource(args.from_file, realtime=args.realtime) if args.from_file
              else MicrophoneSource(args.input_device))
    stream = None
    if args.transcribe:
        from starcoach.transcribe import StreamingTranscriber, load_whisper

        stream = StreamingTranscriber(load_whisper(args.model))

    out = console(stderr=True)
    live_view = out.is_terminal and not args.json
    stop = threading.Event()
    keys = _KeyStop(stop) if sys.stdin.isatty() else None
    meter = _Meter(source.name, silence, args.max_s, keys is not None)
    # SIGTERM ends the take like Ctrl-C (starcoach.cli._signals), so the WAV header is complete.

    def on_block(samples, status) -> None:
        meter.status = status
        if stream is not None:
            stream.feed(samples)

    try:
        if keys:
            keys.start()
        if live_view:
            from rich.live import Live

            with Live(meter, console=out, refresh_per_second=10, transient=True):
                take = record_take(source, args.out, stop_event=stop, options=options, on_block=on_block)
        else:
            take = record_take(source, args.out, stop_event=stop, options=options, on_block=on_block)
    except RecordingInterrupted as e:
        print(f"starcoach: stopped ({stop_reason()}); saved {e.take.duration_s:.1f} s to {e.take.path}",
              file=sys.stderr)
        return stop_exit_code()
    finally:
        if keys:
            keys.close()

    transcript, latency = None, None
    if stream is not None:
        t0 = time.perf_counter()
        transcript = stream.finish()
        latency = time.perf_counter() - t0
    if args.json:
        obj = {"path": str(take.path), "duration_s": take.duration_s, "stopped_by": take.stopped_by,
               "started_at": take.started_at, "source": take.source,
               "speech_started_s": take.speech_started_s}
        if transcript is not None:
            obj["transcript"] = transcript.to_dict()
            obj["stop_to_transcript_s"] = round(latency, 3)
        print_json(obj)
        return 0
    con = console()
    con.print(f"Saved {take.duration_s:.1f} s to {take.path} ({_STOP_REASONS.get(take.stopped_by, take.stopped_by)}).",
              soft_wrap=True)
    if transcript is not None:
        con.print(transcript.text if not transcript.no_speech else "[dim](no speech detected)[/dim]")
        con.print(f"[dim]transcript {latency:.2f} s after stop · {transcript.model}[/dim]")
    return 0


_STOP_REASONS = {"stop": "stopped by key press", "silence": "stopped after silence",
                 "max_length": "reached the length limit", "end_of_source": "end of the file"}


class _Meter:
    """The live view of ``record``: elapsed time, a level bar, and how it will stop."""

    def __init__(self, source: str, silence_s: float | None, max_s: float, key_stop: bool) -> None:
        self.source = source
        self.silence_s = silence_s
        self.max_s = max_s
        self.key_stop = key_stop
        self.status = None

    def __rich__(self):
        from rich.text import Text

        s = self.status
        elapsed = s.elapsed_s if s else 0.0
        db = s.level_db if s else -100.0
        width = 30
        filled = int(round(width * max(0.0, min(1.0, (db + 60) / 60))))
        text = Text()
        text.append("● REC ", style="bold red")
        text.append(f"{int(elapsed // 60)}:{elapsed % 60:04.1f}  ")
        text.append("█" * filled, style="green" if db < -6 else "red")
        text.append("░" * (width - filled), style="dim")
        text.append("  speaking" if s and s.speaking else "  …       ", style="bold" if s and s.speaking else "dim")
        hints = []
        if self.key_stop:
            hints.append("any key stops")
        if self.silence_s:
            hints.append(f"{self.silence_s:g} s of silence stops")
        hints.append("Ctrl-C aborts (keeps the audio)")
        text.append(f"\n{self.source} · " + " · ".join(hints), style="dim")
        return text


class _KeyStop:
    """Sets ``stop`` when a key is pressed (terminal in cbreak mode; Ctrl-C still interrupts)."""

    def __init__(self, stop: threading.Event) -> None:
        self.stop = stop
        self._saved = None
        self._closed = threading.Event()

    def start(self) -> None:
        import termios
        import tty

        fd = sys.stdin.fileno()
        try:
            self._saved = termios.tcgetattr(fd)
            tty.setcbreak(fd)
        except termios.error:
            self._saved = None
        threading.Thread(target=self._watch, daemon=True).start()

    def _watch(self) -> None:
        import os
        import select

        fd = sys.stdin.fileno()
        while not self._closed.is_set():
            ready, _, _ = select.select([fd], [], [], 0.1)
            if ready:
                if os.read(fd, 1):
                    self.stop.set()
                return

    def close(self) -> None:
        self._closed.set()
        if self._saved is not None:
            import termios

            termios.tcsetattr(sys.stdin.fileno(), termios.TCSADRAIN, self._saved)


# --- transcribe ------------------------------------------------------------------------------


def warn_if_cut_short(path) -> None:
    """One warning line on stderr when a WAV's header promises more audio than the file holds."""
    from starcoach.wavfile import truncation

    cut = truncation(path)
    if cut is not None:
        print(f"starcoach: warning: {cut.describe(path)} (copied or downloaded only in part?); "
              f"only those {cut.present_s:.1f} s are used", file=sys.stderr)


def _transcribe(args) -> int:
    from starcoach.transcribe import transcribe_file

    from ._output import console, print_json

    warn_if_cut_short(args.audio)
    transcript = transcribe_file(args.audio, model=args.model)
    if args.json:
        print_json(transcript.to_dict())
        return 0
    out = console()
    if transcript.no_speech:
        out.print("(no speech detected)")
    else:
        out.print(transcript.text)
    out.print(f"[dim]{transcript.duration_s:.1f} s, {transcript.speech_s:.1f} s of speech, "
              f"{len(transcript.words)} words, {len(transcript.pauses)} pauses · {transcript.model}[/dim]")
    return 0
