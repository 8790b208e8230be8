"""Looking back at sessions: terminal review, HTML/Markdown/caption exports, progress, bundles.

Each module renders one view of the same data, the session :class:`~starcoach.report.timeline.Timeline`
(words, findings and notes on one clock): ``review`` (rich, terminal), ``html`` (one self-contained
file), ``markdown``, ``captions`` (VTT/SRT), ``progress`` (trends over sessions), ``bundle`` (zip
hand-over between machines).
"""
