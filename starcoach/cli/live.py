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
    STEP_TITLES,
    _clock,
    level_meter,
    print_interrupted,
    print_saved,
    render_feedback,
    render_intro,
    render_adopted,
    render_probe,
    render_step_prompt,
    render_summary,
    timing_colour,
)

class RecordingView:
    """The live panel: elapsed against target (colour turns), input level meter, what stops it."""

    def __init__(self, title: str, target_s: float, silence_s: float | None, clock=time.monotonic) -> None:
        self.title = title
        self.target_s = target_s
        self.silence_s = silence_s
        self.clock = clock
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
        elif isinstance(event, r.Progress):
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
        elif self.state == "recording":
            hint = "Enter or space: stop"
            if self.silence_s:
                hint += f" · stops after {self.silence_s:g}s of silence"
            body.append(hint, style="dim")
            if not self.models_ready:
                body.append("  (loading models…)", style="dim")
        else:
            body.append(self.state, style="yellow")
        return Panel(body, title=f"[bold]{self.title}", border_style=colour)


class LiveRun:
    """The interactive run: prompts, keys, the live view, feedback, probes, summary."""

    def __init__(self, console, plan, factory, *, voice: Callable[[str], None] | None, model: str | None, session,
                 silence_s: float | None, source_kind: str) -> None:
        from starcoach.run import MockRun

        self.console = console
        self.plan = plan
        self.silence_s = silence_s
        self.view: RecordingView | None = None
        self.models_ready = False
        self.run_ = MockRun(plan, factory, voice=voice, on_event=self._on_event,
                            model=model, session=session, source_kind=source_kind, silence_stop_s=silence_s)

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
        steps = [p for p in pending if not p.startswith("probe-")]
        for number, label in enumerate(steps, 1):
            if label == "answer":
                self._answer()
            else:
                self._step(label, number, len(steps))
        probes = [p for p in pending if p.startswith("probe-")]
        if probes:
            self.console.rule("[bold]Follow-up questions")
            self.console.print("The interviewer asks; answer aloud when the question ends. Enter or space stops.")
        for label in probes:
            self._probe(int(label.split("-")[1]))

    def _step(self, step: str, number: int, total: int) -> None:
        console = self.console
        while True:
            console.print(render_step_prompt(self.plan, step, number, total))
            console.print("[bold]Enter[/] to start speaking · [bold]q[/] to stop the run here")
            self.keys.drain()
            if self.keys.wait({"enter", "space", "q"}) == "q":
                raise KeyboardInterrupt
            target = self.plan.scenario.step(step).target_s
            result = self._record(f"{STEP_TITLES[step]} · target {target:.0f}s", target,
                                  lambda stop: self.run_.record_step(step, stop))
            console.print(render_feedback(result, self.plan.scenario))
            console.print("[bold]Enter[/] next · [bold]r[/] redo this step (every take is kept) · [bold]q[/] stop here")
            self.keys.drain()
            key = self.keys.wait({"enter", "space", "r", "q"})
            if key == "q":
                raise KeyboardInterrupt
            if key != "r":
                return

    def _answer(self) -> None:
        console = self.console
        while True:
            target = sum(self.plan.scenario.step(s).target_s for s in self.plan.steps)
            console.print(f"Answer the whole question in one go (about {_clock(target)}). "
                          "[bold]Enter[/] to start · [bold]q[/] to stop the run here")
            self.keys.drain()
            if self.keys.wait({"enter", "space", "q"}) == "q":
                raise KeyboardInterrupt
            results = self._record(f"Whole answer · target {_clock(target)}", target,
                                   lambda stop: self.run_.record_answer(stop))
            for result in results:
                console.print(render_feedback(result, self.plan.scenario))
            missing = [s for s in self.plan.steps if s not in {r.step for r in results}]
            if missing:
                console.print(f"[yellow]Not heard: {', '.join(STEP_TITLES[m] for m in missing)}[/]")
            console.print("[bold]Enter[/] continue · [bold]r[/] answer again (kept) · [bold]q[/] stop here")
            self.keys.drain()
            key = self.keys.wait({"enter", "space", "r", "q"})
            if key == "q":
                raise KeyboardInterrupt
            if key != "r":
                return

    def _probe(self, index: int) -> None:
        probe = self.plan.scenario.probes[index - 1]
        self.console.print(f"\n[bold cyan]Interviewer:[/] {probe.question}")
        result = self._record(f"Probe {index} · answer aloud", 30.0, lambda stop: self.run_.ask_probe(index, stop))
        self.console.print(render_probe(result))

    def _record(self, title: str, target: float, work: Callable[[threading.Event], Any]):
        """Run ``work(stop)`` in a worker thread while the live view shows elapsed and level."""
        from rich.live import Live

        stop = threading.Event()
        box: dict[str, Any] = {}

        def target_fn() -> None:
            try:
                box["result"] = work(stop)
            except BaseException as e:  # noqa: BLE001 - re-raised on the main thread
                box["error"] = e

        self.view = RecordingView(title, target, self.silence_s)
        self.view.models_ready = self.models_ready
        worker = threading.Thread(target=target_fn, name="starcoach-take", daemon=True)
        self.keys.drain()
        worker.start()
        try:
            with Live(self.view, console=self.console, refresh_per_second=10, transient=True):
                while worker.is_alive():
                    key = self.keys.read(0.05)
                    # keys pressed while the interviewer is still talking do not end the answer
                    if key in ("enter", "space") and self.view.state == "recording":
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
