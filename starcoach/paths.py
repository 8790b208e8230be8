"""Where things live: one function per place, each overridable by an environment variable.

- ``data_dir()``: sessions, the index, user config. ``STARCOACH_HOME`` overrides the
  platform default (``platformdirs.user_data_dir("starcoach")``).
- ``scenario_dirs()``: the bundled question bank (:func:`bundled_scenarios_dir`) plus
  ``<data_dir>/scenarios`` for the user's own; ``STARCOACH_SCENARIOS`` (a path list) replaces both.
- ``models_dir()``: where users put CTranslate2 model folders: ``models/`` in a source checkout,
  ``<data_dir>/models`` in an installed starcoach; ``STARCOACH_MODELS_DIR`` overrides.

Nothing is read from outside the package by default, so a wheel installed anywhere (``pip
install .``, pipx) works the same as the checkout.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from starcoach.errors import storage_error


def source_checkout() -> Path | None:
    """The project folder when starcoach runs from its source checkout (None when installed)."""
    root = Path(__file__).resolve().parent.parent
    return root if (root / "pyproject.toml").is_file() and (root / "scenarios").is_dir() else None


def bundled_scenarios_dir() -> Path:
    """The question bank shipped with starcoach: the package data ``starcoach/scenarios``.

    In the source tree that folder is a link to the project's ``scenarios/`` (where contributors
    edit the files), so the wheel carries exactly those files and there is no copy to drift.
    """
    return Path(str(resources.files("starcoach").joinpath("scenarios"))).resolve()


def data_dir(create: bool = True) -> Path:
    """The folder for sessions, the session index and config.

    Args:
        create: Make the folder if it does not exist yet.
    """
    env = os.environ.get("STARCOACH_HOME")
    if env:
        path = Path(env).expanduser()
    else:
        from platformdirs import user_data_dir

        path = Path(user_data_dir("starcoach", appauthor=False))
    if create:
        _make(path)
    return path


def _make(path: Path) -> None:
    """Create a data folder, or say in one line why it cannot be (never a bare OSError)."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise storage_error(e, path) from e


def sessions_dir(create: bool = True) -> Path:
    """The folder holding one sub-folder per saved session."""
    path = data_dir(create) / "sessions"
    if create:
        _make(path)
    return path


def scenario_dirs() -> list[Path]:
    """Folders searched for ``*.toml`` scenario files, bundled first."""
    env = os.environ.get("STARCOACH_SCENARIOS")
    if env:
        return [Path(p).expanduser() for p in env.split(os.pathsep) if p]
    dirs = [bundled_scenarios_dir()]
    user = data_dir(create=False) / "scenarios"
    if user.is_dir():
        dirs.append(user)
    return dirs


def models_dir() -> Path:
    """The folder where users put extra CTranslate2 Whisper model folders."""
    env = os.environ.get("STARCOACH_MODELS_DIR")
    if env:
        return Path(env).expanduser()
    checkout = source_checkout()
    return checkout / "models" if checkout else data_dir(create=False) / "models"
