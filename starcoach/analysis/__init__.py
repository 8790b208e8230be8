"""Answer analysis: what a STAR answer says and how it was said, judged with spaCy.

One module per finding family: :mod:`agency` (who does what, hand-offs), :mod:`quantities`
(quantified results), :mod:`phrases` (disqualifiers, key phrases, step checks), :mod:`delivery`
(fillers, hedges, pace, pauses, repeats, voice energy), :mod:`timing` (time against target);
:mod:`answer` puts them together and :mod:`probes` judges follow-up answers, first asking
:mod:`relevance` whether they address the question. Results are the dataclasses of :mod:`model`.

    >>> from starcoach.analysis import analyze_answer
    >>> analysis = analyze_answer("I traced the failure and wrote a fix.", "action", scenario)
    >>> analysis.to_dict()["i_statements"]
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starcoach.analysis.model import (
    Analysis,
    Check,
    Delivery,
    Finding,
    KeyPhraseMatch,
    ProbeVerdict,
    Timing,
    VoiceEnergy,
)

if TYPE_CHECKING:  # pragma: no cover
    from starcoach.analysis.answer import analyze_answer, warm_up
    from starcoach.analysis.probes import judge_probe

#: The analysers load spaCy's machinery; import them only when one is called, so reading a saved
#: analysis (:mod:`starcoach.analysis.model`) stays light.
_LAZY = {"analyze_answer": "answer", "warm_up": "answer", "judge_probe": "probes"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"starcoach.analysis.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'starcoach.analysis' has no attribute {name!r}")

__all__ = [
    "Analysis",
    "Check",
    "Delivery",
    "Finding",
    "KeyPhraseMatch",
    "ProbeVerdict",
    "Timing",
    "VoiceEnergy",
    "analyze_answer",
    "judge_probe",
    "warm_up",
]
