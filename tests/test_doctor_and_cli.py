"""The CLI entry points, start-up cost and `starcoach doctor`, through the real command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
STARCOACH = REPO / ".venv" / "bin" / "starcoach"
HEAVY = ("spacy", "faster_whisper", "ctranslate2", "numpy", "sounddevice", "soundfile", "rich", "hibari")


def run(*args: str, env_home: Path | None = None, **kw) -> subprocess.CompletedProcess:
    import os

    env = dict(os.environ)
    if env_home is not None:
        env["STARCOACH_HOME"] = str(env_home)
    return subprocess.run([str(STARCOACH), *args], capture_output=True, text=True, env=env, timeout=120, **kw)


def test_help_lists_commands_and_imports_nothing_heavy():
    code = (
        "import sys, starcoach.cli as c; p = c.build_parser(); p.format_help();"
        f"heavy = [m for m in {HEAVY!r} if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", f"--help imports heavy modules: {out}"
    help_text = run("--help").stdout
    for command in ("doctor",):
        assert command in help_text


def test_python_dash_m_works():
    result = subprocess.run([sys.executable, "-m", "starcoach", "--version"], capture_output=True, text=True)
    assert result.returncode == 0
    assert result.stdout.startswith("starcoach ")


def test_doctor_json_reports_models_and_voice(tmp_path):
    result = run("doctor", "--json", env_home=tmp_path / "home")
    data = json.loads(result.stdout)
    checks = {c["name"]: c for c in data["checks"]}
    assert set(checks) >= {"Python", "PortAudio", "Microphone", "Whisper model", "spaCy model",
                           "Voice (hibari)", "Data directory"}
    for name in ("Python", "PortAudio", "Whisper model", "spaCy model", "Voice (hibari)", "Data directory"):
        assert checks[name]["ok"], checks[name]
    assert "en_core_web_sm" in checks["spaCy model"]["detail"]
    assert str(tmp_path / "home") in checks["Data directory"]["detail"]
    # exit code follows the essential checks
    assert result.returncode == (0 if data["ok"] else 1)


def test_doctor_names_the_fix_for_an_unusable_data_dir(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = run("doctor", env_home=blocker / "home")
    assert result.returncode == 1
    assert "Data directory" in result.stdout
    assert "STARCOACH_HOME" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
