"""Typed records from JSON: read an object field by field, naming the field that is wrong.

Every type that is stored as JSON (the session, its transcripts, analyses and summary) has a
``from_dict`` that reads its fields through :class:`Fields`. A value of the wrong type raises
:class:`RecordError` with the path of the field (``steps[2].analysis.duration_s``), what was
expected and what was found, so a damaged file is reported in one line instead of failing later
somewhere else. The rules are the same for every record:

- a key the dataclass gives a default to may be missing (the default is used);
- a key without a default must be present;
- ``null`` is accepted only where the type allows ``None``;
- keys this version does not know are ignored (a newer starcoach may have written them).

Nothing here knows about sessions; :mod:`starcoach.store` turns a :class:`RecordError` into the
user-facing error that names the file.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

#: Marks a field that has no default (it must be present).
REQUIRED: Any = object()


class RecordError(ValueError):
    """A JSON value does not have the type its record expects.

    Attributes:
        field: Path of the field, e.g. ``steps[2].analysis.duration_s`` ("" for the whole record).
        expected: What it should be ("a number", "text", "an object").
        got: What it is, described for a person ("text 'abc'", "the number 12345").
    """

    def __init__(self, field: str, expected: str, got: str) -> None:
        self.field = field
        self.expected = expected
        self.got = got
        where = field or "the record"
        super().__init__(f"{where} {self.problem}")

    @property
    def problem(self) -> str:
        """What is wrong, without the field: ``is missing``, ``is text 'abc', expected a number``."""
        return "is missing" if self.got == "missing" else f"is {self.got}, expected {self.expected}"


def describe(value: object) -> str:
    """A JSON value as a message names it: ``text 'abc'``, ``the number 12345``, ``a list``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        short = value if len(value) <= 40 else value[:37] + "..."
        return f"text {short!r}"
    if isinstance(value, (int, float)):
        return f"the number {value:g}" if isinstance(value, float) else f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class Fields:
    """One JSON object, read field by field with type checks.

    Args:
        data: The parsed JSON value that should be an object.
        where: Its path ("" for the top of a file).

    Raises:
        RecordError: ``data`` is not an object.
    """

    def __init__(self, data: object, where: str = "") -> None:
        if not isinstance(data, dict):
            raise RecordError(where, "an object", describe(data))
        self.data: dict[str, Any] = data
        self.where = where

    def path(self, key: str) -> str:
        """The path of ``key`` inside this object."""
        return f"{self.where}.{key}" if self.where else key

    def _get(self, key: str, default: Any) -> tuple[bool, Any]:
        if key in self.data:
            return True, self.data[key]
        if default is REQUIRED:
            raise RecordError(self.path(key), "present", "missing")
        return False, default

    def text(self, key: str, default: Any = REQUIRED) -> str:
        """A string."""
        present, value = self._get(key, default)
        if present and not isinstance(value, str):
            raise RecordError(self.path(key), "text", describe(value))
        return value

    def optional_text(self, key: str, default: Any = None) -> str | None:
        """A string or ``null``."""
        present, value = self._get(key, default)
        if not present or value is None:
            return value
        return self.text(key)

    def number(self, key: str, default: Any = REQUIRED) -> float:
        """A number (an integer is accepted and returned as float)."""
        present, value = self._get(key, default)
        if not present:
            return value
        if not _is_number(value):
            raise RecordError(self.path(key), "a number", describe(value))
        return float(value)

    def optional_number(self, key: str, default: Any = None) -> float | None:
        """A number or ``null``."""
        present, value = self._get(key, default)
        if not present or value is None:
            return value
        return self.number(key)

    def integer(self, key: str, default: Any = REQUIRED) -> int:
        """An integer (``2.0`` is not accepted: counts and offsets are whole)."""
        present, value = self._get(key, default)
        if present and (not isinstance(value, int) or isinstance(value, bool)):
            raise RecordError(self.path(key), "a whole number", describe(value))
        return value

    def optional_integer(self, key: str, default: Any = None) -> int | None:
        """An integer or ``null``."""
        present, value = self._get(key, default)
        if not present or value is None:
            return value
        return self.integer(key)

    def boolean(self, key: str, default: Any = REQUIRED) -> bool:
        """``true`` or ``false``."""
        present, value = self._get(key, default)
        if present and not isinstance(value, bool):
            raise RecordError(self.path(key), "true or false", describe(value))
        return value

    def texts(self, key: str, default: Any = REQUIRED) -> list[str]:
        """A list of strings."""
        present, value = self._get(key, default)
        if not present:
            return list(value)
        if not isinstance(value, list):
            raise RecordError(self.path(key), "a list of texts", describe(value))
        for i, item in enumerate(value):
            if not isinstance(item, str):
                raise RecordError(f"{self.path(key)}[{i}]", "text", describe(item))
        return list(value)

    def numbers(self, key: str, length: int | None = None, default: Any = REQUIRED) -> list[float]:
        """A list of numbers (of exactly ``length`` when given)."""
        present, value = self._get(key, default)
        if not present:
            return list(value)
        expected = f"a list of {length} numbers" if length else "a list of numbers"
        if not isinstance(value, list) or (length is not None and len(value) != length):
            raise RecordError(self.path(key), expected, describe(value) if not isinstance(value, list)
                              else f"a list of {len(value)}")
        for i, item in enumerate(value):
            if not _is_number(item):
                raise RecordError(f"{self.path(key)}[{i}]", "a number", describe(item))
        return [float(v) for v in value]

    def counts(self, key: str, default: Any = REQUIRED) -> dict[str, int]:
        """An object mapping names to whole numbers."""
        present, value = self._get(key, default)
        if not present:
            return dict(value)
        inner = Fields(value, self.path(key))
        return {k: inner.integer(k) for k in value}

    def record(self, key: str, build: Callable[[Any, str], T], default: Any = REQUIRED) -> T:
        """A nested object, built by ``build(value, path)``."""
        present, value = self._get(key, default)
        if not present:
            return value
        return build(value, self.path(key))

    def optional_record(self, key: str, build: Callable[[Any, str], T], default: Any = None) -> T | None:
        """A nested object or ``null``."""
        present, value = self._get(key, default)
        if not present or value is None:
            return value
        return build(value, self.path(key))

    def records(self, key: str, build: Callable[[Any, str], T], default: Any = REQUIRED) -> list[T]:
        """A list of objects, each built by ``build(item, path)``."""
        present, value = self._get(key, default)
        if not present:
            return list(value)
        if not isinstance(value, list):
            raise RecordError(self.path(key), "a list", describe(value))
        return [build(item, f"{self.path(key)}[{i}]") for i, item in enumerate(value)]

    def mapping(self, key: str, build: Callable[[str, Any, str], T], default: Any = REQUIRED) -> dict[str, T]:
        """An object whose values are records, each built by ``build(name, value, path)``."""
        present, value = self._get(key, default)
        if not present:
            return dict(value)
        inner = Fields(value, self.path(key))
        return {k: build(k, v, inner.path(k)) for k, v in inner.data.items()}
