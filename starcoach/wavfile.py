"""WAV headers against the bytes on disk: repair after a crash or a full disk, spot truncated files.

A WAV file states its length twice in its header (the RIFF size and the ``data`` chunk size).
The recorder rewrites both at every flush (:mod:`starcoach.capture`), so after ``kill -9`` or a
power cut they are at most one flush behind the audio on disk; after a full disk the last write
may have stopped part-way through a block. :func:`repair_header` makes the header describe
exactly the whole frames on disk, so every player reads the take to its last sample.

The other way round, a file whose header promises more audio than the file holds was cut short
(a copy interrupted, a download stopped): :func:`truncation` says by how much, so a command can
warn instead of silently analysing 0.6 s of a 9 s answer.

Pure file handling: no printing, no audio decoding.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class WavLayout:
    """Where a WAV's audio is and what its header claims.

    Attributes:
        data_offset: Byte offset of the first sample.
        declared_bytes: The ``data`` chunk size the header states.
        present_bytes: Bytes of audio actually in the file after ``data_offset``.
        frame_bytes: Bytes per frame (channels × bytes per sample).
        sample_rate: Frames per second.
        format_tag: The ``fmt`` chunk's format (1: integer PCM).
        channels: Channels per frame.
        bits: Bits per sample.
    """

    data_offset: int
    declared_bytes: int
    present_bytes: int
    frame_bytes: int
    sample_rate: int
    format_tag: int = 0
    channels: int = 0
    bits: int = 0

    @property
    def plain_pcm16_mono(self) -> bool:
        """Whole 16-bit mono integer PCM, exactly as long as the header says (the recorder's
        own files once closed)."""
        return (self.format_tag == 1 and self.channels == 1 and self.bits == 16
                and self.declared_bytes == self.present_bytes)

    @property
    def declared_s(self) -> float:
        """Seconds the header promises."""
        return self.declared_bytes / self.frame_bytes / self.sample_rate

    @property
    def present_s(self) -> float:
        """Seconds of whole frames in the file."""
        return (self.present_bytes // self.frame_bytes) / self.sample_rate


def layout(path: Path | str) -> WavLayout | None:
    """Read the header of a RIFF/WAVE file; ``None`` if it is not one (or too damaged to tell).

    Only the first chunk headers are read, never the audio.
    """
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            head = f.read(12)
            if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
                return None
            pos, fmt = 12, None
            while pos + 8 <= size:
                f.seek(pos)
                chunk_id, chunk_size = struct.unpack("<4sI", f.read(8))
                if chunk_id == b"fmt ":
                    body = f.read(min(chunk_size, 40))
                    if len(body) < 16:
                        return None
                    tag, channels, rate, _, block_align, bits = struct.unpack("<HHIIHH", body[:16])
                    fmt = (max(1, block_align or channels * 2), rate, tag, channels, bits)
                elif chunk_id == b"data":
                    if fmt is None or fmt[1] <= 0:
                        return None
                    offset = pos + 8
                    # 0xFFFFFFFF / 0: a stream whose size was never written (a writer that died early)
                    return WavLayout(offset, chunk_size, max(0, size - offset), *fmt)
                pos += 8 + chunk_size + (chunk_size & 1)
    except (OSError, struct.error):
        return None
    return None


def repair_header(path: Path | str) -> float | None:
    """Make a WAV's header describe exactly the whole frames on disk; returns their seconds.

    A trailing partial frame (a write cut by a full disk) is cut off. Only the header's two size
    fields are rewritten in place, which needs no free space. Returns ``None`` when the file is
    not a WAV this can read.

    Raises:
        OSError: the file cannot be opened for writing.
    """
    wav = layout(path)
    if wav is None:
        return None
    whole = wav.present_bytes - wav.present_bytes % wav.frame_bytes
    with open(path, "r+b") as f:
        if wav.present_bytes != whole:
            f.truncate(wav.data_offset + whole)
        if wav.declared_bytes != whole:
            f.seek(4)
            f.write(struct.pack("<I", min(0xFFFFFFFF, wav.data_offset + whole - 8)))
            f.seek(wav.data_offset - 4)
            f.write(struct.pack("<I", min(0xFFFFFFFF, whole)))
            f.flush()
            os.fsync(f.fileno())
    return whole / wav.frame_bytes / wav.sample_rate


@dataclass(frozen=True)
class Truncation:
    """A WAV cut short: its header promises ``declared_s``, the file holds ``present_s``."""

    declared_s: float
    present_s: float

    def describe(self, path: Path | str) -> str:
        """``take.wav is cut short: its header promises 9.0 s but the file holds 0.6 s``."""
        return (f"{Path(path).name} is cut short: its header promises {self.declared_s:.1f} s "
                f"but the file holds {self.present_s:.1f} s")


def truncation(path: Path | str, tolerance_s: float = 0.05) -> Truncation | None:
    """How a WAV file was cut short, or ``None`` if it is whole (or not a WAV).

    A header whose size was never written (0 or 0xFFFFFFFF, as streaming writers leave it) is
    not counted as truncation.
    """
    wav = layout(path)
    if wav is None or wav.declared_bytes in (0, 0xFFFFFFFF):
        return None
    if wav.declared_s - wav.present_s > tolerance_s:
        return Truncation(round(wav.declared_s, 2), round(wav.present_s, 2))
    return None
