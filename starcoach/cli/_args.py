"""Checks of command-line numbers and paths that argparse accepts but that make no sense.

``--loop 0``, ``--max -1``, ``--silence -5`` or ``--max nan`` parse as numbers; these turn them
into one line naming the flag, the value and what would be valid (a UsageError, exit 1).
"""

from __future__ import annotations

import math

from starcoach.errors import UsageError


def seconds(value: float | None, flag: str, *, zero_means: str = "", example: float = 3) -> float | None:
    """``value`` if it is a finite number of seconds > 0 (or 0 when ``zero_means`` says what 0 does).

    Raises:
        UsageError: negative, not finite, or 0 where 0 means nothing.
    """
    if value is None:
        return None
    if not math.isfinite(value) or value < 0 or (value == 0 and not zero_means):
        valid = f"a number of seconds above 0{f' (0 {zero_means})' if zero_means else ''}"
        raise UsageError(f"{flag} {value:g} makes no sense", f"give {valid}, e.g. {flag} {example:g}")
    return value


def count(value: int | None, flag: str, what: str) -> int | None:
    """``value`` if it is 1 or more.

    Raises:
        UsageError: 0 or negative.
    """
    if value is not None and value < 1:
        raise UsageError(f"{flag} {value} makes no sense", f"give the number of {what}, 1 or more, e.g. {flag} 3")
    return value
