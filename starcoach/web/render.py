"""HTML for the web app: one Jinja environment over the web templates and the report's.

The review and progress pages extend the HTML export's own templates (``session.html``,
``progress.html`` in :mod:`starcoach.report`) and fill their blocks (navigation, the note form,
scripts served by the app instead of inlined); the summary cards (``_summary.html``) are the
export's too. Jinja's autoescaping is on for every template, so text that came from a person or
the recogniser — transcripts, notes, questions, findings — is always shown as text.

Feedback for one answer is laid out from :mod:`starcoach.report.feedback`'s data functions, the
ones the terminal draws from, and coloured from the finding-type registry
(:mod:`starcoach.findings`), so the page and the terminal cannot disagree.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from starcoach.findings import finding_type, highlighted_types
from starcoach.framework import step_titles
from starcoach.report.feedback import delivery_parts, fix_items, timing_summary, transcript_segments

#: The colours a highlight style of the finding-type registry may name (its rich style); the page
#: tints each with its own CSS class, so a colour changed in the registry changes on the page too.
_STYLE_WORDS = ("green", "yellow", "magenta", "cyan", "red", "blue", "bold", "italic", "underline")


def highlight_class(type_id: str) -> str:
    """CSS classes for the words of a highlighted finding type: ``hl-<id>`` plus its registry style
    ("bold red underline" -> ``hl-red hl-bold hl-underline``)."""
    words = finding_type(type_id).highlight.split()
    return " ".join([f"hl-{type_id}"] + [f"hl-{w}" for w in words if w in _STYLE_WORDS])

#: What a page calls each thing the run records (the step titles of every framework found).
TITLES = {**step_titles(), "answer": "Whole answer"}


@functools.lru_cache(maxsize=1)
def environment():
    """The Jinja environment: web templates first, then the report's."""
    import jinja2

    from starcoach.clock import format_clock

    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader([jinja2.PackageLoader("starcoach.web", "templates"),
                                    jinja2.PackageLoader("starcoach.report", "")]),
        autoescape=True, trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
    )
    env.globals.update(clock=format_clock, titles=TITLES, highlight_class=highlight_class,
                       legend_word=lambda type_id: finding_type(type_id).legend)
    return env


def render(name: str, **context: Any) -> str:
    """Render template ``name`` with ``context``."""
    return environment().get_template(name).render(**context)


@dataclass
class FeedbackView:
    """One answer's feedback as the page draws it.

    Attributes:
        label: The step (or ``probe-N``) answered.
        title: What the page calls it.
        take: Which take this is.
        timing: Time against target (see :class:`starcoach.report.feedback.TimingSummary`).
        segments: The transcript in highlighted pieces: ``(text, finding type id, repeated)``.
        legend: ``(finding type id, legend word)`` of the highlights used.
        fixes: What to fix, most serious first.
        more: How many more findings there are.
        found: Key phrases conveyed: ``(phrase, matched words)``.
        missing: Key phrases missing.
        delivery: Delivery figures as short phrases.
        latency_s: Seconds from stop to feedback on the server.
    """

    label: str
    title: str
    take: int
    timing: Any
    segments: list[tuple[str, str, bool]]
    legend: list[tuple[str, str]]
    fixes: list[Any]
    more: int
    found: list[tuple[str, str]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    delivery: list[str] = field(default_factory=list)
    latency_s: float = 0.0


def feedback_view(label: str, analysis, take: int = 1, latency_s: float = 0.0) -> FeedbackView:
    """Lay out one answer's :class:`starcoach.analysis.model.Analysis` for the page."""
    segments = transcript_segments(analysis)
    used = {key for _text, key, _rep in segments if key}
    legend = [(kind.id, kind.legend) for kind in highlighted_types() if kind.id in used]
    fixes, more = fix_items(analysis)
    found = [(m.phrase, m.text if m.text and m.text.lower() != m.phrase.lower() else "")
             for m in analysis.key_phrases_found]
    missing = [m.phrase for m in analysis.key_phrases_missing]
    return FeedbackView(label=label, title=TITLES.get(label, label.replace("-", " ").capitalize()), take=take,
                        timing=timing_summary(analysis), segments=segments, legend=legend, fixes=fixes, more=more,
                        found=found, missing=missing, delivery=delivery_parts(analysis), latency_s=latency_s)
