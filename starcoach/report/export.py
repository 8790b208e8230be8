"""``starcoach export``: one session to a file (HTML, Markdown, JSON, VTT, SRT).

:func:`render` returns the document; :func:`export_session` writes it (and, for captions, the
session track next to it with the same name, so a media player pairs them).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from starcoach.errors import StorageError
from starcoach.report.audio import AUDIO_FORMATS, encode, session_audio
from starcoach.report.captions import render_srt, render_vtt
from starcoach.report.html import render_html
from starcoach.report.markdown import render_markdown
from starcoach.report.timeline import Timeline, build_timeline
from starcoach.store import load_session, session_dir

#: Export formats and their file extensions.
EXPORT_FORMATS: dict[str, str] = {"html": ".html", "md": ".md", "json": ".json", "vtt": ".vtt", "srt": ".srt"}


@dataclass
class ExportResult:
    """What an export wrote.

    Attributes:
        session_id: The session exported.
        format: The format.
        paths: Files written (the document first).
        missing_audio: Sections whose audio was missing (silent in the embedded/side track).
    """

    session_id: str
    format: str
    paths: list[Path] = field(default_factory=list)
    missing_audio: list[str] = field(default_factory=list)


def load_timeline(ref: str, takes: dict[str, int] | None = None) -> Timeline:
    """Load a session (id, prefix or ``latest``) and place it on one clock (``takes``: play these
    takes instead of the counted ones, step -> take number)."""
    session = load_session(ref)
    return build_timeline(session, session_dir(session.session_id), takes=takes)


def render(timeline: Timeline, fmt: str, with_audio: bool = True, audio_format: str = "mp3") -> tuple[str, list[str]]:
    """The document in format ``fmt``; also returns the sections with missing audio."""
    _check_format(fmt)
    if fmt == "json":
        return json.dumps(timeline.session.to_dict(), indent=2, ensure_ascii=False) + "\n", []
    if fmt == "md":
        return render_markdown(timeline), []
    if fmt == "vtt":
        return render_vtt(timeline), []
    if fmt == "srt":
        return render_srt(timeline), []

    audio = session_audio(timeline) if with_audio else None
    return render_html(timeline, audio, audio_format=audio_format), (audio.missing if audio else [])


def export_session(ref: str, fmt: str, out: Path | None = None, with_audio: bool = True,
                   audio_format: str = "mp3") -> ExportResult:
    """Write session ``ref`` as ``fmt`` to ``out`` (default ``./<session_id>.<ext>``).

    For ``vtt``/``srt`` with audio, the session track is written beside the captions
    (``<name>.mp3``) so a player shows them together.
    """
    _check_format(fmt)
    timeline = load_timeline(ref)
    sid = timeline.session.session_id
    path = Path(out) if out else Path.cwd() / f"{sid}{EXPORT_FORMATS[fmt]}"
    if path.is_dir():
        path = path / f"{sid}{EXPORT_FORMATS[fmt]}"
    text, missing = render(timeline, fmt, with_audio=with_audio, audio_format=audio_format)
    result = ExportResult(sid, fmt, [path], missing)
    write_file(path, text.encode("utf-8"))
    if fmt in ("vtt", "srt") and with_audio:
        audio = session_audio(timeline)
        side = path.with_suffix(AUDIO_FORMATS[audio_format][3])
        write_file(side, encode(audio, audio_format))
        result.paths.append(side)
        result.missing_audio = audio.missing
    return result


def write_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temp file and a rename (a reader never sees half a file)."""
    import contextlib
    import os
    import tempfile

    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except OSError as e:
        if tmp:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise StorageError(f"Cannot write {path} ({e.strerror})", "choose another -o PATH") from e


def _check_format(fmt: str) -> None:
    if fmt not in EXPORT_FORMATS:
        raise StorageError(f"Unknown export format '{fmt}'", f"expected one of {', '.join(EXPORT_FORMATS)}")


__all__ = ["EXPORT_FORMATS", "ExportResult", "export_session", "load_timeline", "render", "write_file"]
