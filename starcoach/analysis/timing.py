"""Timing: elapsed time against the step's target."""

from __future__ import annotations

from starcoach.analysis.model import Timing

#: Speaking rate used to estimate how long a typed answer would take to say.
ESTIMATE_WPM = 150.0

#: A step is on target within this share of the target, but never less than MIN_TOLERANCE_S.
#: The one rule for "on target": the analysis, the run summary and every report use it.
TOLERANCE_SHARE = 0.15
MIN_TOLERANCE_S = 3.0


def tolerance_for(target_s: float) -> float:
    """How far from ``target_s`` still counts as on target."""
    return max(MIN_TOLERANCE_S, TOLERANCE_SHARE * target_s)


def timing_status(duration_s: float, target_s: float) -> str:
    """``under``, ``on`` or ``over`` the target: within 15% of it (at least 3 s) counts as on."""
    delta = duration_s - target_s
    if abs(delta) <= tolerance_for(target_s):
        return "on"
    return "over" if delta > 0 else "under"


def time_against_target(target_s: float | None, duration_s: float | None, word_count: int = 0) -> Timing:
    """Under, on or over the target, and by how many seconds.

    Args:
        target_s: The step's target (None: no target, e.g. a probe answer).
        duration_s: Elapsed seconds (None for a typed answer: estimated from ``word_count``).
        word_count: Words in the answer, for the estimate.
    """
    estimated = duration_s is None
    estimated_s = word_count / ESTIMATE_WPM * 60.0 if estimated else None
    elapsed = estimated_s if estimated else duration_s
    if target_s is None or elapsed is None:
        return Timing(target_s, duration_s, "unknown", None, None, estimated, estimated_s)
    return Timing(target_s, duration_s, timing_status(elapsed, target_s), elapsed - target_s,
                  tolerance_for(target_s), estimated, estimated_s)
