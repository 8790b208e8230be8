"""The interactive run: prompts, keys, the live recording view, feedback, probes, the summary.

:class:`LiveRun` drives :class:`starcoach.run.MockRun` from the keyboard (one key reader:
:mod:`starcoach.cli._keys`); :class:`RecordingView` is the panel shown while a take records
(elapsed against target, input level, what stops it). The library never reads the keyboard; this
module does, and only this one.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable

from starcoach.cli._keys import KeyReader
from starcoach.cli._signals import stop_exit_code
from starcoach.cli.views import (
    _clock,
    budget_text,
    level_meter,
    print_interrupted,
    print_saved,
    render_adopted,
    render_feedback,
    render_intro,
    render_kept,
    render_probe,
    render_recap,
    render_step_prompt,
    render_summary,
    timing_colour,
)

#: How long an answer to a follow-up should take (the live view's target).
PROBE_TARGET_S = 30.0

class RecordingView:
    """The live panel: elapsed against target (colour turns), input level meter, what stops it."""

    def __init__(self, title: str, target_s: float, silence_s: float | None, clock=time.monotonic,
                 can_skip: bool = False) -> None:
        self.title = title
        self.target_s = target_s
        self.silence_s = silence_s
        self.clock = clock
        self.can_skip = can_skip
        self.elapsed = 0.0
        self.level = 0.0
        self.speaking = False
        self.state = "waiting"
        self.models_ready = False
        self._stopped_at: float | None = None

    def update(self, event) -> None:
        from starcoach import run as r

        if isinstance(event, r.TakeStarted):
            self.state = "recording"
        elif isinstance(event, r.TakeProgress):
            self.elapsed, self.level, self.speaking = event.elapsed_s, event.level, event.speaking
        elif isinstance(event, r.TakeStopped):
            self.state = f"stopped ({event.stopped_by}) — transcribing and analysing…"
            self.elapsed = event.duration_s
            self._stopped_at = self.clock()
        elif isinstance(event, r.ModelsReady):
            self.models_ready = True

    def __rich__(self):
        from rich.panel import Panel
        from rich.text import Text

        colour = timing_colour(self.elapsed, self.target_s)
        body = Text()
        body.append("● " if self.state == "recording" else "■ ", style="bold red" if self.state == "recording" else "dim")
        body.append(f"{_clock(self.elapsed)}", style=f"bold {colour}")
        body.append(f" / {_clock(self.target_s)} target", style="dim")
        if self.elapsed > self.target_s:
            body.append(f"  +{self.elapsed - self.target_s:.0f}s over", style="red")
        body.append("\nlevel ")
        body.append(level_meter(self.level), style="green" if self.speaking else "cyan")
        body.append("\n")
        if self.state == "waiting":
            body.append("the interviewer is asking…", style="dim")
            if self.can_skip:
                body.append("  s: skip this question", style="dim")
        elif self.state == "recording":
            hint = "Enter or space: stop"
            if self.can_skip:
                hint += " · s: skip this question"
            if self.silence_s:
                hint += f" · stops after {self.silence_s:g}s of silence"
            body.append(hint, style="dim")
            if not self.models_ready:
                body.append("  (loading models…)", style="dim")
        else:
            body.append(self.state, style="yellow")
        return Panel(body, title=f"[bold]{self.title}", border_style=colour)


#: A take with nothing said at all stops after this many seconds (a multiple of the silence stop,
#: at least :data:`LEAD_SILENCE_MIN_S`), like the silence stop after speech does.
LEAD_SILENCE_FACTOR = 3.0
LEAD_SILENCE_MIN_S = 10.0


class LiveRun:
    """The interactive run: prompts, keys, the live view, feedback, probes, summary.

    Keys: Enter starts a take; Enter or space stops it; ``s`` skips a follow-up question; after a
    step's feedback ``f`` shows all of it, ``r`` redoes the step (every take is kept), ``k`` keeps
    an earlier take instead of the new one; ``q`` stops the run between takes (Ctrl-C any time).
    """

    def __init__(self, console, plan, factory, *, voice: Callable[[str], None] | None, model: str | None, session,
                 silence_s: float | None, source_kind: str) -> None:
        from starcoach.run import MockRun

        self.console = console
        self.plan = plan
        self.silence_s = silence_s
        self.resumed = session
        self.view: RecordingView | None = None
        self.models_ready = False
        lead = max(LEAD_SILENCE_MIN_S, LEAD_SILENCE_FACTOR * silence_s) if silence_s else None
        self.run_ = MockRun(plan, factory, voice=voice, on_event=self._on_event,
                            model=model, session=session, source_kind=source_kind, silence_stop_s=silence_s,
                            lead_silence_s=lead)

    def _on_event(self, event) -> None:
        from starcoach import run as r

        if isinstance(event, r.ModelsReady):
            self.models_ready = True
        if isinstance(event, r.TakesAdopted):
            self.console.print(render_adopted(event), soft_wrap=True)
        view = self.view
        if view is not None:
            view.update(event)

    def run(self) -> int:
        from starcoach.run import RunInterrupted

        console = self.console
        console.print(render_intro(self.plan))
        if self.resumed is not None:
            console.print(render_recap(self.resumed, self.plan))
        self.run_.start()  # models load while the candidate reads the question
        try:
            with KeyReader() as keys:
                self.keys = keys
                self._loop()
        except (KeyboardInterrupt, EOFError):
            print_interrupted(console, self.run_.interrupt())
            return stop_exit_code()
        except RunInterrupted as e:
            print_interrupted(console, e.session)
            return stop_exit_code()
        finally:
            self.run_.close()
        session = self.run_.finish()
        console.print(render_summary(session, self.plan.scenario))
        print_saved(console, session)
        return 0

    def _loop(self) -> None:
        pending = self.run_.pending()
        for label in [p for p in pending if not p.startswith(("probe-", "followup-"))]:
            if label == "answer":
                self._answer()
            else:
                self._step(label, *self.plan.step_number(label))
        asks = [p for p in pending if p.startswith(("probe-", "followup-"))]
        if asks:
            self.console.rule("[bold]Follow-up questions")
            self.console.print("The interviewer asks; answer aloud when the question ends. "
                               "[bold]Enter[/] or [bold]space[/] stops · [bold]s[/] skips a question.")
        for label in asks:
            kind, number = label.split("-")
            if kind == "probe":
                self._probe(int(number))
            else:
                self._followup(int(number))

    def _step(self, step: str, number: int, total: int) -> None:
        console = self.console
        console.print(render_step_prompt(self.plan, step, number, total))
        while True:
            console.print("[bold]Enter[/] to start speaking · [bold]q[/] to stop the run here")
            self.keys.drain()
            if self.keys.wait({"enter", "space", "q"}) == "q":
                raise KeyboardInterrupt
            target = self.plan.scenario.step(step).target_s
            result = self._record(f"{number}/{total} {self.plan.scenario.framework.title(step)} · target {target:.0f}s", target,
                                  lambda stop, skip: self.run_.record_step(step, stop))
            console.print(render_feedback(result, self.plan.scenario, more_hint="f: full feedback"))
            key = self._after_feedback(step, result)
            if key == "r":
                # one line, not the prompt panel again: redos do not pile headers up
                console.print(f"[cyan]{number}/{total} {self.plan.scenario.framework.title(step)}, take "
                              f"{self.run_.session.next_take_number(step)}[/] · target {target:.0f}s")
                continue
            return

    def _after_feedback(self, step: str, result) -> str:
        """The keys after a step's feedback; returns ``enter`` (next) or ``r`` (redo)."""
        session = self.run_.session
        counted = result
        while True:
            takes = [t for t in session.takes_for(step) if t.analysis is not None]
            keep = " · [bold]k[/] keep an earlier take instead" if len(takes) > 1 else ""
            self.console.print(f"[bold]Enter[/] next · [bold]f[/] full feedback · [bold]r[/] redo this step "
                               f"(every take is kept){keep} · [bold]q[/] stop here")
            self.keys.drain()
            key = self.keys.wait({"enter", "space", "r", "q", "f", "k"})
            if key == "q":
                raise KeyboardInterrupt
            if key == "f":
                self.console.print(render_feedback(counted, self.plan.scenario, full=True))
                continue
            if key == "k" and len(takes) > 1:
                numbers = [t.take for t in takes]
                at = numbers.index(counted.take) if counted.take in numbers else len(numbers) - 1
                counted = self.run_.keep_take(step, numbers[at - 1])  # one earlier; from the first, the last
                self.console.print(render_kept(counted, len(takes)))
                continue
            return "r" if key == "r" else "enter"

    def _answer(self) -> None:
        console = self.console
        lo, hi = self.plan.budget_s
        while True:
            console.print(f"Answer the whole question in one go: {budget_text(self.plan)} "
                          f"(the {self.plan.scenario.level(self.plan.level).name} budget). "
                          "[bold]Enter[/] to start · [bold]q[/] to stop the run here")
            self.keys.drain()
            if self.keys.wait({"enter", "space", "q"}) == "q":
                raise KeyboardInterrupt
            results = self._record(f"Whole answer · budget {budget_text(self.plan)}", hi,
                                   lambda stop, skip: self.run_.record_answer(stop))
            for result in results:
                console.print(render_feedback(result, self.plan.scenario, more_hint="starcoach review shows all"))
            self._missing(results)
            if self._after_answer() != "r":
                return

    def _missing(self, results) -> None:
        missing = [s for s in self.plan.steps if s not in {r.step for r in results}]
        if missing:
            self.console.print(f"[yellow]Not heard: {', '.join(self.plan.scenario.framework.title(m) for m in missing)}[/]")

    def _after_answer(self) -> str:
        """The keys after a whole answer's feedback; returns ``enter`` (go on) or ``r`` (again)."""
        counted = None
        while True:
            answers = [t.take for t in self.run_.session.takes_for("answer") if t.transcript is not None]
            keep = " · [bold]k[/] keep an earlier answer instead" if len(answers) > 1 else ""
            self.console.print(f"[bold]Enter[/] continue · [bold]r[/] answer again (kept){keep} · [bold]q[/] stop here")
            self.keys.drain()
            key = self.keys.wait({"enter", "space", "r", "q", "k"})
            if key == "q":
                raise KeyboardInterrupt
            if key == "k" and len(answers) > 1:
                counted = answers[-1] if counted is None else counted
                counted = answers[answers.index(counted) - 1]  # one earlier; from the first, the last
                results = self.run_.keep_answer(counted)
                self.console.print(f"[bold cyan]Answer {counted} of {len(answers)} counts now[/] "
                                   f"[dim]· {len(results)} step{'s' * (len(results) != 1)} heard · "
                                   "k again for an earlier one[/]")
                self._missing(results)
                continue
            if key != "k":
                return "r" if key == "r" else "enter"

    def _probe(self, index: int) -> None:
        probe = self.plan.scenario.probes[index - 1]
        self.console.print(f"\n[bold cyan]Interviewer:[/] {probe.question}")
        result = self._record(f"Probe {index} · answer aloud", PROBE_TARGET_S,
                              lambda stop, skip: self.run_.ask_probe(index, stop, skip), can_skip=True)
        self.console.print(render_probe(result))

    def _followup(self, number: int) -> None:
        chosen = self.run_.followups()
        if number > len(chosen):
            return  # the answer's gaps called for fewer follow-ups
        self.console.print(f"\n[bold cyan]Interviewer:[/] {chosen[number - 1].probe.question} "
                           "[dim](a follow-up on your answer)[/]")
        result = self._record(f"Follow-up {number} · answer aloud", PROBE_TARGET_S,
                              lambda stop, skip: self.run_.ask_followup(number, stop, skip), can_skip=True)
        if result is not None:
            self.console.print(render_probe(result))

    def _record(self, title: str, target: float, work: Callable[[threading.Event, threading.Event], Any],
                can_skip: bool = False):
        """Run ``work(stop, skip)`` in a worker thread while the live view shows elapsed and level."""
        from rich.live import Live

        stop, skip = threading.Event(), threading.Event()
        box: dict[str, Any] = {}

        def target_fn() -> None:
            try:
                box["result"] = work(stop, skip)
            except BaseException as e:  # noqa: BLE001 - re-raised on the main thread
                box["error"] = e

        self.view = RecordingView(title, target, self.silence_s, can_skip=can_skip)
        self.view.models_ready = self.models_ready
        worker = threading.Thread(target=target_fn, name="starcoach-take", daemon=True)
        self.keys.drain()
        worker.start()
        try:
            with Live(self.view, console=self.console, refresh_per_second=10, transient=True):
                while worker.is_alive():
                    key = self.keys.read(0.05)
                    if can_skip and key == "s":
                        skip.set()
                        stop.set()
                    # keys pressed while the interviewer is still talking do not end the answer
                    elif key in ("enter", "space") and self.view.state == "recording":
                        stop.set()
        except KeyboardInterrupt:
            self.run_.cancel()
            worker.join(10)
            raise
        finally:
            self.view = None
        if "error" in box:
            raise box["error"]
        return box["result"]
