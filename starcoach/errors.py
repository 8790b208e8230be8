"""Errors a person can act on.

Library code raises these; the CLI turns each into one line naming the problem and the fix,
never a traceback. Every error carries a short code (like spaCy's E050) so it can be looked up.
"""

from __future__ import annotations


class StarcoachError(Exception):
    """A problem the user can fix.

    Args:
        message: What is wrong, naming the bad value ("Unknown step 'actoin' in x.toml").
        fix: What to do about it ("expected one of situation, task, ...").
    """

    code = "E000"

    def __init__(self, message: str, fix: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix

    def __str__(self) -> str:
        return f"{self.message}. {self.fix}" if self.fix else self.message

    def one_line(self) -> str:
        """The message and the fix on one line, as the CLI prints it."""
        text = f"{self.message}"
        if self.fix:
            text += f" — {self.fix}"
        return text


class ScenarioError(StarcoachError):
    """A scenario file is missing, malformed or fails the schema."""

    code = "E100"


class ScenarioNotFound(ScenarioError):
    """No scenario has the requested id."""

    code = "E101"


class AudioError(StarcoachError):
    """An audio file cannot be read (corrupt, empty, unsupported format)."""

    code = "E200"


class DeviceError(StarcoachError):
    """The microphone (or PortAudio) is missing or unusable."""

    code = "E210"


class ModelNotFound(StarcoachError):
    """A Whisper or spaCy model cannot be found locally."""

    code = "E300"


class StorageError(StarcoachError):
    """The data directory cannot be written (full disk, permissions)."""

    code = "E400"


class SessionNotFound(StorageError):
    """No saved session has the requested id."""

    code = "E401"


class TimelineError(StarcoachError):
    """A time or step given by the user does not exist in the session (or is not a time)."""

    code = "E410"


class SessionInvalid(StorageError):
    """A session file is not JSON, not a session, or a field of it has the wrong type.

    Attributes:
        path: The file (or ``bundle.zip: session.json``).
        field: The field that is wrong (``total_s``, ``steps[2].analysis.duration_s``); "" when the
            file as a whole is the problem.
        problem: What is wrong ("is text 'abc', expected a number", "cannot be read (...)").
    """

    code = "E402"

    def __init__(self, path: str, field: str, problem: str, fix: str = "") -> None:
        self.path = path
        self.field = field
        self.problem = problem
        message = f"Session file {path} is damaged: {field} {problem}" if field else f"Session file {path} {problem}"
        super().__init__(message, fix or "its audio is still in the folder; restore session.json from a backup "
                                         "or delete the session")
