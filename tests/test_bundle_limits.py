"""``starcoach import``: what a bundle may unpack is capped by the audio its session declares.

A bundle is a zip from someone else's machine. These bundles carry valid checksums (the
attacker recomputes them), so only the caps stand between a 1 MB download and a gigabyte on disk
or in memory. Imports run as real processes and report their peak memory (VmHWM).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from procs import env_for, one_error_line, sc
from starcoach.cli import main
from starcoach.scenario import DEFAULT_SCENARIO_ID
from starcoach.session import Session, Take
from starcoach.store import save_session, session_dir

SID = "20261127-143005-bundle"


@pytest.fixture
def bundle(tmp_path, starcoach_home) -> Path:
    """A real bundle of a session with one 2-second take, exported by `starcoach export --bundle`."""
    session = Session(session_id=SID, scenario=DEFAULT_SCENARIO_ID, scenario_version="1", question="q",
                      principle="Learn and Be Curious", mode="ownership", level="sde2",
                      started_at="2026-11-27T14:30:05+00:00", takes=[
                          Take("situation", 1, "audio/situation-1.wav", "2026-11-27T14:30:06+00:00", 2.0, "key"),
                          Take("task", 1, "audio/task-1.wav", "2026-11-27T14:30:09+00:00", 1.0, "key")])
    save_session(session)
    t = np.arange(32000) / 16000
    sf.write(str(session_dir(SID) / "audio" / "situation-1.wav"), (0.2 * np.sin(440 * t)).astype(np.float32), 16000)
    sf.write(str(session_dir(SID) / "audio" / "task-1.wav"), np.zeros(16000, np.float32), 16000)
    out = tmp_path / "session.zip"
    assert main(["export", SID, "--bundle", str(out)]) == 0
    assert main(["sessions", "rm", SID, "--yes"]) == 0
    return out


def _rewrite(src: Path, dst: Path, drop: set[str] = frozenset(), zeros: dict[str, int] | None = None) -> Path:
    """A copy of bundle ``src`` without ``drop``, plus members of N zero bytes, manifest re-signed."""
    with zipfile.ZipFile(src) as zin:
        manifest = json.loads(zin.read("starcoach-bundle.json"))
        with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
            for info in zin.infolist():
                if info.filename in drop or info.filename == "starcoach-bundle.json" or info.filename in (zeros or {}):
                    continue
                zout.writestr(info, zin.read(info))
            for name, size in (zeros or {}).items():
                h = hashlib.sha256()
                block = bytes(1024**2)
                with zout.open(name, "w", force_zip64=True) as f:
                    for _ in range(size // len(block)):
                        f.write(block)
                        h.update(block)
                manifest["files"][name] = h.hexdigest()
            for name in drop:
                manifest["files"].pop(name, None)
            zout.writestr("starcoach-bundle.json", json.dumps(manifest))
    return dst


def _import_measured(bundle: Path, home: Path) -> tuple[subprocess.CompletedProcess, int]:
    """Run `starcoach import` in a process of its own; returns it and its peak memory in MB."""
    code = textwrap.dedent("""
        import sys
        from starcoach.cli import main
        code = main(["import", sys.argv[1]])
        hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM")][0].split()[1]
        print(f"VmHWM {int(hwm) // 1024}", file=sys.stderr)
        sys.exit(code)
    """)
    result = subprocess.run([sys.executable, "-c", code, str(bundle)], capture_output=True, text=True,
                            env=env_for(home), timeout=300)
    lines = result.stderr.splitlines()
    peak = int(lines[-1].split()[1])
    result.stderr = "\n".join(lines[:-1]) + ("\n" if len(lines) > 1 else "")
    return result, peak


def test_a_small_bundle_with_a_huge_unused_file_unpacks_only_what_the_session_uses(bundle, tmp_path, starcoach_home):
    bomb = _rewrite(bundle, tmp_path / "bomb.zip", zeros={f"{SID}/audio/zeros.wav": 400 * 1024**2})
    assert bomb.stat().st_size < 2 * 1024**2  # 400 MB of zeros in a ~400 KB download
    result, peak_mb = _import_measured(bomb, starcoach_home)
    assert result.returncode == 0, result.stderr
    assert f"Imported session {SID} (3 files" in result.stdout
    assert result.stderr.strip() == ("starcoach: note: skipped 1 file the session does not use: audio/zeros.wav")
    folder = starcoach_home / "sessions" / SID
    assert sorted(p.name for p in (folder / "audio").iterdir()) == ["situation-1.wav", "task-1.wav"]
    assert peak_mb < 250, f"import peaked at {peak_mb} MB"


def test_an_audio_file_far_larger_than_its_declared_length_is_refused(bundle, tmp_path, starcoach_home):
    bloated = _rewrite(bundle, tmp_path / "bloated.zip", zeros={f"{SID}/audio/task-1.wav": 20 * 1024**2})
    result = sc("import", str(bloated), home=starcoach_home)
    one_error_line(result, "audio/task-1.wav unpacks to 20.0 MB but the session declares 1.0 s of audio for it "
                           "(at most 1.4 MB)", "export it again")
    assert not (starcoach_home / "sessions" / SID).exists()


def test_a_bundle_missing_an_audio_file_says_so(bundle, tmp_path, starcoach_home):
    partial = _rewrite(bundle, tmp_path / "partial.zip", drop={f"{SID}/audio/task-1.wav"})
    result = sc("import", str(partial), home=starcoach_home)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == ("starcoach: warning: the bundle has no audio for audio/task-1.wav "
                                     "(it replays as silence; ask for a new export)")
    assert (starcoach_home / "sessions" / SID / "audio" / "situation-1.wav").exists()


def test_replacing_a_session_a_run_holds_is_refused(bundle, starcoach_home):
    from starcoach.store import hold_session

    assert main(["import", str(bundle)]) == 0
    with hold_session(SID):
        result = sc("import", str(bundle), "--replace", home=starcoach_home)
        one_error_line(result, f"Session {SID} is in use by another process")
    assert sc("import", str(bundle), "--replace", home=starcoach_home).returncode == 0
