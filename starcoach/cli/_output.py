"""Consoles for the CLI: rich on stdout for people, plain JSON for programs."""

from __future__ import annotations

import json
import sys
from typing import Any


def console(stderr: bool = False):
    """A rich Console on stdout (or stderr). Imported lazily: rich costs ~50 ms."""
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)


def print_json(obj: Any) -> None:
    """Print ``obj`` as indented JSON on stdout (dataclasses must be converted first)."""
    json.dump(obj, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
