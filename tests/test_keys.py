"""The one key reader (starcoach.cli._keys): key names from a real pseudo-terminal."""

from __future__ import annotations

import os

import pytest

from starcoach.cli._keys import KeyReader


def test_keys_are_read_by_name_from_a_terminal():
    master, slave = os.openpty()
    try:
        with open(slave, "rb", buffering=0, closefd=False) as stream, KeyReader(stream) as keys:
            os.write(master, b" \r\nQr\x1b[A\x1b[D")
            assert [keys.read(1.0) for _ in range(7)] == ["space", "enter", "enter", "q", "r", "up", "left"]
            assert keys.read(0.05) is None
            os.write(master, b"xxr")
            assert keys.wait({"r", "q"}) == "r"
            os.write(master, b"abc")
            keys.drain()
            assert keys.read(0.05) is None
    finally:
        os.close(master)
        os.close(slave)


def test_end_of_input_is_an_eof_error():
    read, write = os.pipe()
    os.close(write)
    with open(read, "rb", buffering=0) as stream, KeyReader(stream) as keys:  # a pipe: no terminal modes
        with pytest.raises(EOFError):
            keys.read(1.0)
