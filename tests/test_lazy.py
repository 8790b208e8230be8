"""Deferred imports (starcoach.lazy): the stand-in loads the real module on first use, and code
that imported the stand-in keeps working. Each case runs in a fresh interpreter, since it changes
``sys.modules``."""

from __future__ import annotations

import subprocess
import sys

_CASE = r"""
import sys
from starcoach.lazy import defer_import, is_loaded
defer_import("colorsys")
import colorsys                      # the stand-in: nothing loaded yet
assert not is_loaded("colorsys")
assert "colorsys" in sys.modules
print(colorsys.rgb_to_hsv(1.0, 0.0, 0.0))   # first use loads it
assert is_loaded("colorsys")
from colorsys import hls_to_rgb      # later importers get the real module
print(hls_to_rgb(0.0, 0.5, 1.0), sys.modules["colorsys"] is not colorsys)
defer_import("no_such_module_here")  # not installed: nothing deferred, the real import reports it
try:
    import no_such_module_here
except ModuleNotFoundError as e:
    print("missing", e.name)
"""


def test_a_deferred_module_loads_on_first_use_and_a_missing_one_is_reported_where_used():
    done = subprocess.run([sys.executable, "-c", _CASE], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["(0.0, 1.0, 1.0)", "(1.0, 0.0, 0.0) True", "missing no_such_module_here"]
