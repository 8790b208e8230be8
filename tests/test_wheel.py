"""The wheel works outside the checkout: built, installed into a fresh virtual environment, it lists
the 16 bundled scenarios and analyses an answer with its own data files.

Offline: the wheel is built with the project's setuptools (no build isolation, no index) and
installed with ``--no-index --no-deps``; the fresh environment reaches the dependencies (spaCy,
faster-whisper ...) through a ``.pth`` file naming the project environment's site-packages, which
holds no ``starcoach`` package of its own (the project's is an editable finder, not on that path).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


def _run(args: list, **kw) -> subprocess.CompletedProcess:
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=600, **kw)
    assert result.returncode == 0, (args, result.stdout[-2000:], result.stderr[-2000:])
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("wheel")
    source = root / "source"  # a copy, so the build leaves nothing in the checkout
    shutil.copytree(REPO, source, symlinks=True, ignore=shutil.ignore_patterns(
        ".venv", ".git", "__pycache__", ".pytest_cache", "build", "dist", "*.egg-info"))
    dist = root / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", dist, source])
    wheel = next(dist.glob("starcoach-*.whl"))
    venv = root / "venv"
    _run([sys.executable, "-m", "venv", venv])
    python = venv / "bin" / "python"
    site = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    (site / "starcoach-test-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _run([python, "-m", "pip", "install", "--no-index", "--no-deps", wheel])
    elsewhere = root / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "STARCOACH_SCENARIOS",
                                                             "STARCOACH_MODELS_DIR", "VIRTUAL_ENV")}
    env["STARCOACH_HOME"] = str(root / "home")
    return {"wheel": wheel, "venv": venv, "python": python, "cwd": elsewhere, "env": env}


def test_the_wheel_carries_the_question_bank_and_the_data(installed):
    names = zipfile.ZipFile(installed["wheel"]).namelist()
    bank = sorted(n for n in names if n.startswith("starcoach/scenarios/") and n.endswith(".toml"))
    assert [Path(n).name for n in bank] == sorted(p.name for p in (REPO / "scenarios").glob("*.toml"))
    assert len(bank) == 16
    for data in ("starcoach/data/findings.toml", "starcoach/data/lexicon.toml", "starcoach/data/disqualifiers.toml",
                 "starcoach/data/frameworks/star.toml", "starcoach/data/principles.toml", "starcoach/report/session.html"):
        assert data in names


def test_installed_outside_the_checkout_it_lists_16_scenarios(installed):
    where = _run([installed["python"], "-c", "import starcoach, starcoach.paths as p; print(starcoach.__file__);"
                  "print(p.bundled_scenarios_dir()); print(p.source_checkout())"],
                 cwd=installed["cwd"], env=installed["env"]).stdout.split("\n")
    venv = str(installed["venv"].resolve())
    assert where[0].startswith(venv) and where[1].startswith(venv) and where[2] == "None", where
    listed = json.loads(_run([installed["venv"] / "bin" / "starcoach", "scenarios", "--json"],
                             cwd=installed["cwd"], env=installed["env"]).stdout)
    assert len(listed) == 16
    assert all(str(s.get("path", venv)).startswith(venv) for s in listed)
    shown = _run([installed["venv"] / "bin" / "starcoach", "scenarios", "show", "learn-and-be-curious-proactive-learning"],
                 cwd=installed["cwd"], env=installed["env"]).stdout
    assert "Learn and Be Curious" in shown


def test_installed_it_analyses_an_answer_with_its_own_data_files(installed):
    out = _run([installed["venv"] / "bin" / "starcoach", "analyze", "--step", "action", "--json",
                "--text", "Um, we figured it out together and my manager asked me to escalate it."],
               cwd=installed["cwd"], env=installed["env"]).stdout
    analysis = json.loads(out)
    kinds = {f["kind"] for f in analysis["findings"]}
    assert "team-credit" in kinds and any(f["coaching"] for f in analysis["findings"])
