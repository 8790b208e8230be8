"""Small user settings: environment variables first, then ``<data_dir>/config.toml``.

Example ``config.toml``::

    [audio]
    input_device = "USB Audio"   # or an index: 3
    silence_stop_s = 3.0         # stop a take after this much silence once speech has started

    [speech]
    model = "small.en"           # a folder models/small.en/, a path, or hub:small.en

Environment variables override the file: ``STARCOACH_INPUT_DEVICE``, ``STARCOACH_MODEL`` (the model
is resolved in :func:`starcoach.transcribe.resolve_model`).
"""

from __future__ import annotations

import os
from pathlib import Path

from starcoach.errors import StarcoachError
from starcoach.paths import data_dir


class ConfigError(StarcoachError):
    """``config.toml`` cannot be read."""


def config_path() -> Path:
    """Where the user's config file lives (it need not exist)."""
    return data_dir(create=False) / "config.toml"


def load_config() -> dict:
    """The parsed ``config.toml`` ({} when there is none).

    Raises:
        ConfigError: the file is not valid TOML.
    """
    import tomllib

    path = config_path()
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"Cannot read {path}: {e}", "fix the TOML syntax or delete the file") from e


def _setting(env: str, section: str, key: str):
    value = os.environ.get(env)
    if value not in (None, ""):
        return value
    table = load_config().get(section, {})
    return table.get(key) if isinstance(table, dict) else None


def input_device_default() -> str | None:
    """The input device to use when ``--input-device`` is not given (name or index as text)."""
    value = _setting("STARCOACH_INPUT_DEVICE", "audio", "input_device")
    return None if value is None else str(value)


def silence_stop_default(fallback: float | None = 3.0) -> float | None:
    """Seconds of silence that end a take once speech has started (0 or "off" disables)."""
    value = load_config().get("audio", {}).get("silence_stop_s")
    if value is None:
        return fallback
    if value in (0, "off", False):
        return None
    try:
        return float(value)
    except (TypeError, ValueError) as e:
        raise ConfigError(f"audio.silence_stop_s = {value!r} in {config_path()} is not a number",
                          "write seconds, e.g. 3.0, or \"off\"") from e
