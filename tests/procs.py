"""Real starcoach processes for the reliability tests: spawn, wait, signal, read what they left.

Every helper runs the installed ``starcoach`` command (the one next to this Python), with the
test's own ``STARCOACH_HOME``; nothing here fakes a process, a signal or a file system.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

STARCOACH = Path(sys.executable).parent / "starcoach"
SAMPLE_RATE = 16000

#: Short spoken answers (the bundled voice says each in 3-5 s).
ANSWERS = {
    "situation": "While reviewing system metrics, I noticed a webhook drop rate in the Platform team logs.",
    "task": "It was not my team and there was no ticket, but I decided to find the cause myself.",
    "action": "I traced the failure to a race condition in the retry queue and I wrote a fix with tests.",
    "result": "The drop rate went from three percent to zero and we recovered eight thousand dollars a week.",
    "reflection": "I learned to read other teams' dashboards, and now I review them every Monday.",
}


def env_for(home: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ, STARCOACH_HOME=str(home), COLUMNS="100", PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


def spawn(*args: str, home: Path, **extra_env: str) -> subprocess.Popen:
    """Start ``starcoach ARGS`` in the background (stdout and stderr captured as text)."""
    return subprocess.Popen([str(STARCOACH), *args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env_for(home, **extra_env))


def sc(*args: str, home: Path, timeout: float = 180, prefix: list[str] | None = None, cwd: Path | None = None,
       **extra_env: str) -> subprocess.CompletedProcess:
    """Run ``starcoach ARGS`` to the end (``prefix``: e.g. a privilege-dropping wrapper)."""
    result = subprocess.run([*(prefix or []), str(STARCOACH), *args], capture_output=True, text=True,
                            env=env_for(home, **extra_env), timeout=timeout, stdin=subprocess.DEVNULL, cwd=cwd)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def one_error_line(result: subprocess.CompletedProcess, *fragments: str) -> str:
    """Assert the command failed with exactly one ``starcoach: error …`` line holding ``fragments``."""
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("starcoach: error E"), result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def wait_for(predicate: Callable[[], object], what: str, timeout: float = 90,
             proc: subprocess.Popen | None = None) -> object:
    """Poll ``predicate`` until it returns something truthy; fail if ``proc`` ends first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            out, err = proc.communicate()
            raise AssertionError(f"process ended (exit {proc.returncode}) before {what}:\n{out}\n{err}")
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def wav_seconds(path: Path) -> float:
    """Seconds of 16-bit mono 16 kHz audio in a WAV the recorder wrote, from its size on disk."""
    try:
        return max(0.0, (path.stat().st_size - 44) / 2 / SAMPLE_RATE)
    except FileNotFoundError:
        return 0.0


def answers_folder(say, folder: Path, labels: tuple[str, ...], lead_silence_s: float = 0.0) -> Path:
    """A ``--answers`` folder: each label's answer spoken by the bundled voice."""
    folder.mkdir(parents=True, exist_ok=True)
    for label in labels:
        clip = say(ANSWERS[label])
        if lead_silence_s:
            import numpy as np
            import soundfile as sf

            data, rate = sf.read(str(clip), dtype="float32")
            pad = np.zeros(int(lead_silence_s * rate), dtype=np.float32)
            sf.write(str(folder / f"{label}.wav"), np.concatenate([pad, data]), rate)
        else:
            shutil.copy(clip, folder / f"{label}.wav")
    return folder


def mount_tmpfs(path: Path, size: str = "2m", read_only: bool = False) -> None:
    """Mount a fresh tmpfs at ``path`` (unmount with :func:`unmount`); skips the test where it cannot."""
    import pytest

    path.mkdir(parents=True, exist_ok=True)
    if shutil.which("mount") is None:
        pytest.skip("no mount command: a full or read-only disk cannot be simulated here")
    options = f"size={size}" + (",ro" if read_only else "")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {done.stderr.strip()}")


def unmount(path: Path) -> None:
    subprocess.run(["umount", "-l", str(path)], capture_output=True)


def without_file_permission_override() -> list[str]:
    """A command prefix under which file permissions apply even to root (else: no prefix).

    Root reads any file whatever its mode; dropping CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from
    the bounding set (util-linux ``setpriv``) makes a ``chmod 000`` file unreadable to it too.
    """
    import pytest

    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv (util-linux): permissions cannot be denied to root")
    return [setpriv, "--bounding-set", "-dac_override,-dac_read_search", "--"]


def session_ids(home: Path) -> list[str]:
    root = home / "sessions"
    return sorted(p.name for p in root.iterdir() if (p / "session.json").exists()) if root.is_dir() else []
