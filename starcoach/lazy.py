"""Imports put off until first use, for libraries that other libraries import eagerly.

faster-whisper imports PyAV (FFmpeg's libraries, ~25 MB resident) when it is imported, but uses
it only to decode compressed audio files. A live run, and every take the recorder wrote, reads
16-bit PCM WAV straight from disk (:mod:`starcoach.wavfile`), so PyAV never needs to load there.
:func:`defer_import` puts a stand-in module in ``sys.modules`` that imports the real one on its
first attribute access (``av.open(...)``); ``importlib.util.LazyLoader`` cannot do this, since the
``import`` statement itself reads the module's ``__spec__`` and so loads it at once.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
import types

_lock = threading.Lock()


class _Deferred(types.ModuleType):
    """Stands in ``sys.modules`` for a module until one of its attributes is read."""

    def __getattr__(self, attr: str):
        module = self.__dict__.get("_module") or self._load()
        return getattr(module, attr)

    def _load(self) -> types.ModuleType:
        name = self.__name__
        with _lock:
            if sys.modules.get(name) is self:
                del sys.modules[name]
            module = importlib.import_module(name)
        # Later reads go straight to the module; importers that bound the stand-in keep forwarding.
        self.__dict__["_module"] = module
        return module


def defer_import(name: str) -> None:
    """Make ``import name`` cheap until the module is used; no effect if it is already imported
    or not installed (the real import then reports what is missing, where it is needed)."""
    with _lock:
        if name in sys.modules or importlib.util.find_spec(name) is None:
            return
        sys.modules[name] = _Deferred(name)


def is_loaded(name: str) -> bool:
    """Whether the real module ``name`` has been imported (not only its stand-in)."""
    return name in sys.modules and not isinstance(sys.modules[name], _Deferred)
