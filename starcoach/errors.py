"""Errors a person can act on, and the one table of their codes.

Library code raises these; a front end turns each into one line naming the problem and the fix
(the CLI: ``starcoach: error E401: No session 'x' — run `starcoach sessions` ...``), never a
traceback. Every error carries a code, like spaCy's E050, assigned here and nowhere else:
:data:`CODES` maps each code to the class that carries it, and a subclass without a row cannot
be defined. The library describes what is wrong in its own terms and never names a command-line
flag: an error says which input was wrong (:attr:`StarcoachError.param`, the library's name for
it: ``speed``, ``at``, ``only``) and which options would avoid it (:attr:`StarcoachError.instead`:
``no_audio``, ``replace``); the CLI adds the matching flags (``--speed``, ``--no-audio``), a web
form highlights its field.
"""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Any

#: Every error starcoach raises: code -> (class name, what it means). The only place codes live.
CODES: dict[str, tuple[str, str]] = {
    "E000": ("StarcoachError", "a problem the user can fix (the base class; never raised as such)"),
    "E001": ("UsageError", "command-line options that make no sense, alone or together"),
    "E100": ("ScenarioError", "a scenario or a leadership principle cannot be used as given"),
    "E101": ("ScenarioNotFound", "no scenario has the id or path given"),
    "E102": ("ScenarioInvalid", "a scenario file fails the schema (every problem listed)"),
    "E110": ("QuizInputError", "a quiz answer is not the number of an option"),
    "E200": ("AudioError", "an audio file is missing, unreadable, corrupt or cut short"),
    "E210": ("DeviceError", "the microphone, the speakers or PortAudio are missing or unusable"),
    "E300": ("ModelNotFound", "a Whisper or spaCy model cannot be found locally"),
    "E310": ("VoiceError", "the interviewer's voice cannot speak"),
    "E400": ("StorageError", "the data folder cannot be read or written (full disk, permissions)"),
    "E401": ("SessionNotFound", "no saved session has the id, prefix or 'latest' given"),
    "E402": ("SessionInvalid", "a session file is not JSON, or a field has the wrong type"),
    "E403": ("LockTimeout", "another process held a lock for too long"),
    "E404": ("InUse", "a session is held by a live process (a run recording into it)"),
    "E405": ("RecordingWriteError", "a take could not be written to the end (what was written is kept)"),
    "E406": ("IndexBusy", "another process kept the session index locked too long"),
    "E410": ("TimelineError", "a time or step given does not exist in the session, or is not a time"),
    "E420": ("BundleError", "a session bundle cannot be written or is not a valid bundle"),
    "E430": ("ReplayError", "a replay option is out of range"),
    "E440": ("HistoryInputError", "a filter or a note for the saved sessions is not valid"),
    "E500": ("AnalysisDataError", "a data file of the analysis is missing or malformed"),
    "E510": ("AnalysisInputError", "the analysis was asked about an unknown step or level"),
    "E511": ("NothingToAnalyse", "the answer to analyse has no words (an empty text, or audio without speech)"),
    "E520": ("FindingTypesError", "the finding-type registry (data/findings.toml) is malformed"),
    "E530": ("FrameworkError", "an interview framework is unknown, or its file is malformed"),
    "E600": ("RunInterrupted", "the run was stopped before the end; what was recorded is saved"),
    "E601": ("RunError", "a run cannot start or continue as asked"),
    "E602": ("PlanError", "a mode, level, step or probe asked of a run does not fit the scenario"),
    "E700": ("ConfigError", "config.toml cannot be read or holds a bad value"),
    "E710": ("ServeError", "the web app cannot listen: its port is taken, or the address is not this machine's"),
}
_CODE_OF = {name: code for code, (name, _meaning) in CODES.items()}


class StarcoachError(Exception):
    """A problem the user can fix.

    Args:
        message: What is wrong, naming the bad value ("Unknown step 'actoin' in x.toml").
        fix: What to do about it ("expected one of situation, task, ..."), in the library's terms.
        param: The input that was wrong, by the library's name for it (``speed``, ``at``).
        instead: Options that would avoid the problem (``no_audio``, ``replace``).
        **details: Anything else a front end may show (the value given, what is valid, a path).

    Attributes:
        code: The error's code (see :data:`CODES`).
    """

    code = "E000"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__name__ not in _CODE_OF:
            raise TypeError(f"{cls.__name__} has no code: add it to starcoach.errors.CODES")
        cls.code = _CODE_OF[cls.__name__]

    def __init__(self, message: str, fix: str = "", *, param: str = "", instead: tuple[str, ...] = (),
                 **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix
        self.param = param
        self.instead = tuple(instead)
        self.details = details

    def __str__(self) -> str:
        return f"{self.message}. {self.fix}" if self.fix else self.message

    def one_line(self) -> str:
        """The message and the fix on one line, as the CLI prints it."""
        text = f"{self.message}"
        if self.fix:
            text += f" — {self.fix}"
        return text

    def to_dict(self) -> dict[str, Any]:
        """What a front end needs to show it (JSON-ready when the details are)."""
        return {"code": self.code, "message": self.message, "fix": self.fix, "param": self.param,
                "instead": list(self.instead), **self.details}


class UsageError(StarcoachError):
    """Command-line options that make no sense, alone or together (raised by the CLI only)."""


class ScenarioError(StarcoachError):
    """A scenario file is missing, malformed or fails the schema."""


class ScenarioNotFound(ScenarioError):
    """No scenario has the requested id."""


class AudioError(StarcoachError):
    """An audio file cannot be read (corrupt, empty, unsupported format)."""


class DeviceError(StarcoachError):
    """The microphone (or PortAudio) is missing or unusable."""


class ModelNotFound(StarcoachError):
    """A Whisper or spaCy model cannot be found locally."""


class StorageError(StarcoachError):
    """The data directory cannot be written (full disk, permissions)."""


def storage_error(e: OSError, path: Path) -> StorageError:
    """A :class:`StorageError` naming ``path`` and what to do for ``e`` (full disk, read-only, ...)."""
    if e.errno == errno.ENOSPC:
        return StorageError(f"The disk holding {path.parent} is full (writing {path.name})",
                            "free some space; audio recorded so far is kept")
    if e.errno == errno.EROFS:
        return StorageError(f"Cannot write {path}: the folder is on a read-only file system",
                            "set STARCOACH_HOME to a folder you can write")
    if e.errno in (errno.EACCES, errno.EPERM):
        return StorageError(f"Cannot write {path} (permission denied)", "set STARCOACH_HOME to a folder you can write")
    return StorageError(f"Cannot write {path} ({e.strerror})", "check the disk and STARCOACH_HOME")


class SessionNotFound(StorageError):
    """No saved session has the requested id."""


class FrameworkError(StarcoachError):
    """An interview framework is unknown, or its file is malformed."""


class TimelineError(StarcoachError):
    """A time or step given by the user does not exist in the session (or is not a time)."""


class SessionInvalid(StorageError):
    """A session file is not JSON, not a session, or a field of it has the wrong type.

    Attributes:
        path: The file (or ``bundle.zip: session.json``).
        field: The field that is wrong (``total_s``, ``steps[2].analysis.duration_s``); "" when the
            file as a whole is the problem.
        problem: What is wrong ("is text 'abc', expected a number", "cannot be read (...)").
    """

    def __init__(self, path: str, field: str, problem: str, fix: str = "") -> None:
        self.path = path
        self.field = field
        self.problem = problem
        message = f"Session file {path} is damaged: {field} {problem}" if field else f"Session file {path} {problem}"
        super().__init__(message, fix or "its audio is still in the folder; restore session.json from a backup "
                                         "or delete the session", path=path, field=field, problem=problem)
