"""Times as people read and write them: ``1:23``, ``1:02:03``, ``83``, ``1m23s``.

One rule for every view (terminal, HTML, Markdown, captions, the live run) and every input (a
note's ``--at``, a seek).
"""

from __future__ import annotations

import re

from starcoach.errors import TimelineError


def format_clock(seconds: float | None) -> str:
    """``83.4`` -> ``1:23``; an hour or more -> ``1:02:03``; None -> ``-``; negative -> ``0:00``."""
    if seconds is None:
        return "-"
    total = max(0, int(seconds + 0.5))
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


_CLOCK_RE = re.compile(r"^(?:(\d+):)?(?:(\d+):)?(\d+(?:\.\d+)?)$")


def parse_clock(text: str) -> float:
    """``1:23`` -> 83.0; also ``83``, ``83.5``, ``1:02:03``, ``1m23s``.

    Raises:
        TimelineError: not a time.
    """
    value = (text or "").strip().lower()
    m = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?", value)
    if value and m and any(m.groups()):
        h, mi, s = m.groups()
        return int(h or 0) * 3600 + int(mi or 0) * 60 + float(s or 0)
    m = _CLOCK_RE.match(value)
    if not m:
        raise TimelineError(f"'{text}' is not a time", "write it as M:SS (1:23), H:MM:SS, or seconds (83)")
    a, b, s = m.groups()
    if b is not None:
        h, mi = int(a), int(b)
    else:
        h, mi = 0, int(a or 0)
    if b is not None or a is not None:
        if float(s) >= 60 or (b is not None and mi >= 60):
            raise TimelineError(f"'{text}' is not a time", "seconds and minutes run 0-59: write 1:23, not 0:83")
    return h * 3600 + mi * 60 + float(s)
