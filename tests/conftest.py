"""Shared test fixtures.

- Every test gets its own ``STARCOACH_HOME`` (no test touches the user's real data).
- ``virtual_mic``: starts ../shared/tools/virtual-mic (PulseAudio null sink whose monitor is the
  default recording source) once per test session; tests play speech into it in real time.
- ``say``: synthesizes speech with the bundled voice (or espeak-ng), cached per test session.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
VIRTUAL_MIC = REPO.parent / "shared" / "tools" / "virtual-mic"


@pytest.fixture(autouse=True)
def starcoach_home(tmp_path, monkeypatch):
    """Point the data directory at a fresh temp folder for every test."""
    home = tmp_path / "starcoach-home"
    monkeypatch.setenv("STARCOACH_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def speech_cache(tmp_path_factory) -> Path:
    """A folder for synthesized speech, shared by all tests of one run."""
    return tmp_path_factory.mktemp("speech")


@pytest.fixture(scope="session")
def say(speech_cache):
    """``say(text, voice="hibari", speed=1.0) -> Path``: speech as a WAV file (cached)."""
    from starcoach.voice import synthesize

    def _say(text: str, voice: str = "hibari", speed: float = 1.0) -> Path:
        key = hashlib.sha1(f"{voice}|{speed}|{text}".encode()).hexdigest()[:16]
        out = speech_cache / f"{voice}-{key}.wav"
        if not out.exists():
            synthesize(text, out, voice=voice, speed=speed)
        return out

    return _say


class VirtualMic:
    """Handle on the running virtual microphone."""

    def play(self, *files: Path) -> subprocess.Popen:
        """Start playing ``files`` into the microphone in real time; returns the player process."""
        return subprocess.Popen([str(VIRTUAL_MIC), "play", *map(str, files)])


@pytest.fixture(scope="session")
def virtual_mic() -> VirtualMic:
    """Start the virtual microphone (skips only if the tool itself is missing)."""
    if not VIRTUAL_MIC.exists():
        pytest.fail(f"{VIRTUAL_MIC} is missing: the virtual microphone is needed for live tests")
    subprocess.run([str(VIRTUAL_MIC), "start"], check=True, capture_output=True, timeout=180)
    # PortAudio enumerates devices once per process (Pa_Initialize); re-init so it sees pulse.
    try:
        import sounddevice as sd

        sd._terminate()
        sd._initialize()
    except Exception:  # noqa: BLE001 - sounddevice missing shows up in the test itself
        pass
    return VirtualMic()


def has_espeak() -> bool:
    return shutil.which("espeak-ng") is not None


os.environ.setdefault("OMP_NUM_THREADS", "2")
