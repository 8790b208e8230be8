"""Practising in the browser: the page's microphone feeds the same mock run as the terminal.

The page records with ``getUserMedia`` and an AudioWorklet, and streams raw PCM (float32 at the
page's own sample rate) over the ``/ws/practice`` WebSocket. Here it becomes a
:class:`BrowserSource` — an audio source like the microphone's, resampled to 16 kHz mono by the
microphone's own resampler — and goes through :class:`starcoach.run.MockRun` exactly as a
terminal run does: recorder (written to disk as it arrives) → streaming transcriber → analysis,
every take saved in the session. The run's events come back to the page as small JSON messages,
with the feedback already rendered as HTML (escaped, from the same data the terminal shows).

The protocol, page → server (text frames are JSON; binary frames are audio):

- ``{"type": "start", "scenario"|"principle"|"loop"|"resume", "mode", "level", "only", "probes",
  "continuous"}``;
- ``{"type": "record", "label": "situation", "rate": 48000}`` then binary frames, then
  ``{"type": "stop"}`` (the page sends the audio it still holds before the stop); recording the
  same step again is a redo (the new take counts), ``{"type": "keep", "label", "take"}`` lets an
  earlier take count instead;
- ``{"type": "probe", "label": "probe-1"|"followup-1"}``: ask a follow-up (the scenario's, or an
  adaptive one chosen from the answer's gaps); the server sends the question and its spoken
  audio, the page plays it and answers with ``{"type": "answer", "rate": …}`` (then audio and
  stop, as above); ``{"type": "skip"}`` skips it, before or while answering;
- ``{"type": "finish"}``: the summary; ``{"type": "next"}``: the next question of a loop.

Server → page: ``plan``, ``models-ready``, ``take-started``, ``level``, ``take-stopped``,
``feedback``, ``recorded``, ``kept``, ``probe-asked``, ``probe-voice``, ``probe-judged``,
``probe-none`` (no adaptive follow-up needed), ``finished``, ``notice``, ``error``. A page that
goes away mid-run leaves the session saved as incomplete (resumable from the Sessions page or
with ``starcoach run --resume``).

It never prints; the server's config comes in as :class:`starcoach.web.app.WebConfig`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import queue
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starcoach.errors import StarcoachError
from starcoach.run import PlanError, RunError
from starcoach.web.render import feedback_view, render

#: The page may not send blocks bigger than this (bytes): a few seconds of float32 at 48 kHz.
MAX_FRAME_BYTES = 1 << 20

#: Sample rates a page may declare.
RATES = range(8000, 192001)

#: Seconds between two level messages while recording (the meter's refresh).
LEVEL_EVERY_S = 0.1

_END = object()


class BrowserSource:
    """Audio streamed by a page, as an :class:`starcoach.capture.AudioSource`.

    The WebSocket handler calls :meth:`feed` with each binary frame (float32 little-endian mono
    at ``rate``) and :meth:`end` when the page goes away; the recorder reads 16 kHz blocks.

    Args:
        rate: The page's sample rate (its AudioContext's); ``None`` until the page opens its
            microphone (a follow-up's source exists before the question is read: :meth:`set_rate`).
        name: Stored with the take.
    """

    realtime = True  # a live source: the transcriber keeps up while the candidate speaks

    def __init__(self, rate: int | None = None, name: str = "browser microphone") -> None:
        self.name = name
        self.rate: int | None = None
        self.received_s = 0.0
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._resampler = None
        if rate is not None:
            self.set_rate(rate)

    def set_rate(self, rate: Any) -> None:
        """The page opened its microphone at ``rate`` samples a second.

        Raises:
            AudioError: not a usable sample rate.
        """
        from starcoach.capture import _Resampler
        from starcoach.vad import SAMPLE_RATE

        try:
            usable = int(rate) in RATES
        except (TypeError, ValueError):
            usable = False
        if not usable:
            from starcoach.errors import AudioError

            raise AudioError(f"The page's sample rate {rate!r} is not usable", "reload the page and try again",
                             param="rate", value=rate)
        self.rate = int(rate)
        self._resampler = _Resampler(self.rate, SAMPLE_RATE) if self.rate != SAMPLE_RATE else None

    def feed(self, data: bytes) -> None:
        """Queue one frame of the page's audio (nothing before the page said its rate)."""
        import numpy as np

        usable = len(data) - len(data) % 4
        if usable <= 0 or self.rate is None:
            return
        block = np.frombuffer(data[:usable], dtype="<f4").astype(np.float32)
        block = np.nan_to_num(np.clip(block, -1.0, 1.0))
        self.received_s += len(block) / self.rate
        if self._resampler is not None:
            block = self._resampler(block)
        if len(block):
            self._queue.put(block)

    def end(self) -> None:
        """No more audio will come (the page went away): the recorder sees the end of the source."""
        self._queue.put(_END)

    def __enter__(self) -> "BrowserSource":
        return self

    def __exit__(self, *exc) -> None:
        return None

    def read(self, timeout: float):
        try:
            block = self._queue.get(timeout=timeout)
        except queue.Empty:
            return None
        if block is _END:
            self._queue.put(_END)
            raise EOFError(self.name)
        return block

    def drain(self) -> list:
        blocks = []
        while True:
            try:
                block = self._queue.get_nowait()
            except queue.Empty:
                return blocks
            if block is _END:
                self._queue.put(_END)
                return blocks
            blocks.append(block)


@dataclass
class Request:
    """What the page asked for when it started (see :meth:`Practice.start`)."""

    scenarios: list[Any]
    mode: str
    level: str
    continuous: bool
    resume: Any = None  # a starcoach.run.ResumedRun
    steps: tuple[str, ...] | None = None
    probes: int | None = None  # ask the first N probes (None: all)
    no_probes: bool = False
    adaptive: bool = True  # then the adaptive follow-ups the answer's gaps call for


class PracticeHub:
    """Every practice in progress on this server, and the interviewer's recorded questions."""

    def __init__(self, config) -> None:
        self.config = config
        self.active: set[Practice] = set()
        self.voice_dir = Path(config.cache_dir) / "voice"
        self._voice_lock = threading.Lock()

    async def websocket(self, ws) -> None:
        """One page's practice, for as long as its WebSocket stays open."""
        await ws.accept()
        practice = Practice(self, ws, asyncio.get_running_loop())
        self.active.add(practice)
        try:
            await practice.serve()
        finally:
            self.active.discard(practice)
            await asyncio.get_running_loop().run_in_executor(None, practice.abandon)

    async def shutdown(self) -> None:
        """The server stops: every run in progress is saved as incomplete."""
        loop = asyncio.get_running_loop()
        for practice in list(self.active):
            await loop.run_in_executor(None, practice.abandon)

    async def voice_file(self, request):
        """A spoken question made by :meth:`speak` (``/voice/<hash>.wav``)."""
        from starlette.responses import FileResponse, PlainTextResponse

        name = request.path_params["name"]
        stem = name[:-4] if name.endswith(".wav") else ""
        path = self.voice_dir / name
        if not (len(stem) == 24 and all(c in "0123456789abcdef" for c in stem)) or not path.is_file():
            return PlainTextResponse("Not found", status_code=404)
        return FileResponse(path, media_type="audio/wav")

    def speak(self, text: str) -> str | None:
        """The question as a WAV the page can play (cached); its URL, or None without a voice.
        A question :meth:`prepare_voice` did not speak ahead (an adaptive follow-up) is spoken
        here, in the server's process."""
        voice = self.config.voice
        if voice == "off" or not text.strip():
            return None
        from starcoach.voice import synthesize_samples

        path = self._voice_path(text)
        with self._voice_lock:
            if not path.exists():
                self._cache_voice(path, synthesize_samples(text, voice=voice))
        return f"/voice/{path.stem}.wav"

    def prepare_voice(self, texts) -> None:
        """Speak ``texts`` ahead of time into the cache, in a child process
        (:func:`starcoach.voice.synthesize_apart`): the voice engine (hibari: ~100 MB while it
        speaks, ~20 MB it cannot hand back) never enters the server beside Whisper and spaCy."""
        voice = self.config.voice
        todo = [t for t in dict.fromkeys(texts) if t.strip() and not self._voice_path(t).exists()]
        if voice == "off" or not todo:
            return
        from starcoach.voice import synthesize_apart

        spoken = synthesize_apart(todo, voice=voice)
        with self._voice_lock:
            for text, speech in spoken.items():
                path = self._voice_path(text)
                if not path.exists():
                    self._cache_voice(path, speech)

    @staticmethod
    def _cache_voice(path: Path, speech) -> None:
        """Write ``speech`` (samples and rate) to the cache as ``path``, whole or not at all."""
        import soundfile as sf

        tmp = path.with_suffix(".tmp.wav")
        path.parent.mkdir(parents=True, exist_ok=True)
        sf.write(tmp, speech.samples, speech.sample_rate, subtype="PCM_16")
        tmp.replace(path)

    def _voice_path(self, text: str) -> Path:
        key = hashlib.sha1(f"{self.config.voice}|{text}".encode()).hexdigest()[:24]
        return self.voice_dir / f"{key}.wav"


class Practice:
    """One page's practice: a mock run (or a loop of them) driven by the page's messages."""

    def __init__(self, hub: PracticeHub, ws, loop: asyncio.AbstractEventLoop) -> None:
        self.hub = hub
        self.ws = ws
        self.loop = loop
        self.outbox: asyncio.Queue = asyncio.Queue()
        self.run = None
        self.request: Request | None = None
        self.question = 0  # index into request.scenarios
        self.worker: threading.Thread | None = None
        self.source: BrowserSource | None = None
        self.stop = threading.Event()
        self.skip = threading.Event()
        self.answer = threading.Event()  # the page finished playing a follow-up question (answer or skip)
        self.probe_source = BrowserSource()
        self.closed = False
        self.busy = False
        self.job = 0
        self._last_level = 0.0

    # --- the connection ------------------------------------------------------------------------

    async def serve(self) -> None:
        sender = asyncio.create_task(self._send_loop())
        try:
            while True:
                message = await self.ws.receive()
                if message["type"] == "websocket.disconnect":
                    break
                data = message.get("bytes")
                if data is not None:
                    if len(data) <= MAX_FRAME_BYTES and self.source is not None:
                        self.source.feed(data)
                    continue
                text = message.get("text")
                if text is None:
                    continue
                try:
                    command = json.loads(text)
                    if not isinstance(command, dict):
                        raise ValueError("not an object")
                except ValueError:
                    self.send({"type": "error", "message": "The page sent a message the server cannot read",
                               "fix": "reload the page"})
                    continue
                await self.handle(command)
        finally:
            self.closed = True
            sender.cancel()

    async def _send_loop(self) -> None:
        while True:
            message = await self.outbox.get()
            try:
                await self.ws.send_text(json.dumps(message))
            except Exception:  # noqa: BLE001 - the page went away; serve() ends on the disconnect
                return

    def done(self, message: dict[str, Any]) -> None:
        """Send the message that ends the current request: the page may ask the next thing now."""
        self.busy = False
        self.send(message)

    def send(self, message: dict[str, Any]) -> None:
        """Queue a message for the page (from any thread)."""
        if self.closed:
            return
        try:
            self.loop.call_soon_threadsafe(self.outbox.put_nowait, message)
        except RuntimeError:  # the loop has closed: the server is stopping
            pass

    async def handle(self, command: dict[str, Any]) -> None:
        kind = command.get("type")
        if kind == "stop":
            self.stop.set()
            return
        if kind == "answer":  # the question has been read: the page's microphone is open
            try:
                self.probe_source.set_rate(command.get("rate"))
            except StarcoachError as e:
                self._error(e)
                return
            self.source = self.probe_source
            self.answer.set()
            return
        if kind == "skip":  # skip the follow-up, before or while answering (what was said is kept)
            self.skip.set()
            self.stop.set()
            self.answer.set()
            return
        if self.busy:
            self.send({"type": "error", "message": "The coach is still busy with the last answer",
                       "fix": "wait for its feedback, then go on"})
            return
        if kind == "start":
            self._work(self._start, command)
        elif kind == "record":
            label = str(command.get("label") or "")
            try:
                self._check_label(label)
                self.source = BrowserSource(command.get("rate", 0))
            except StarcoachError as e:
                self._error(e)
                return
            self.stop = threading.Event()
            self._work(self._record, label)
        elif kind == "probe":
            self.stop, self.skip = threading.Event(), threading.Event()
            self.answer.clear()
            self.probe_source = BrowserSource()
            self._work(self._probe, str(command.get("label") or ""))
        elif kind == "keep":
            self._work(self._keep, str(command.get("label") or ""), command.get("take"))
        elif kind == "finish":
            self._work(self._finish)
        elif kind == "next":
            self._work(self._next)
        else:
            self.send({"type": "error", "message": f"Unknown request {kind!r}", "fix": "reload the page"})

    def _work(self, fn, *args) -> None:
        """Run ``fn`` on a worker thread (the run blocks while recording); one at a time."""
        self.busy = True
        self.job += 1
        job = self.job

        def target() -> None:
            try:
                fn(*args)
            except StarcoachError as e:
                self.busy = False
                self._error(e)
            except Exception as e:  # noqa: BLE001 - the page must hear about it; the session is saved
                self.busy = False
                self._error(RunError(f"The coach hit an unexpected error ({type(e).__name__}: {e})",
                                     "the session so far is saved; reload the page to go on"))
            finally:
                if self.job == job:  # not a newer request the page made after this one's last message
                    self.busy = False

        self.worker = threading.Thread(target=target, name="starcoach-web-practice", daemon=True)
        self.worker.start()

    def _error(self, e: StarcoachError) -> None:
        self.send({"type": "error", "message": e.message, "fix": e.fix, "code": e.code})

    # --- what the page asks --------------------------------------------------------------------

    def _start(self, command: dict[str, Any]) -> None:
        self.request = self._parse_start(command)
        self.question = 0
        self._begin()

    def _parse_start(self, command: dict[str, Any]) -> Request:
        """What the page asked, checked by the library's own rules (as ``starcoach run`` checks its flags)."""
        import random

        from starcoach.errors import ScenarioError
        from starcoach.library import pick_scenarios
        from starcoach.run import PlanError, resume_run
        from starcoach.scenario import DEFAULT_SCENARIO_ID, find_scenario

        if command.get("resume"):
            resumed = resume_run(str(command["resume"]))
            return Request([resumed.plan.scenario], resumed.plan.mode, resumed.plan.level, resumed.plan.continuous,
                           resume=resumed)
        loop = command.get("loop")
        principle = command.get("principle") or None
        if loop or principle:
            n = None
            if loop:
                try:
                    n = int(loop)
                except (TypeError, ValueError):
                    raise ScenarioError(f"A mock loop of {loop!r} questions is not possible",
                                        "give a whole number of questions", param="loop", value=loop) from None
            scenarios = pick_scenarios(principle=principle, loop=n, rng=random.Random())
        else:
            scenarios = [find_scenario(str(command.get("scenario") or DEFAULT_SCENARIO_ID))]
        only = command.get("only")
        probes = command.get("probes", "all")
        first = None
        if probes not in (None, "all", "none", ""):
            try:
                first = max(0, int(probes))
            except (TypeError, ValueError):
                raise PlanError(f"Follow-up questions {probes!r} is not a number",
                                "choose all of them, none, or how many", "probes", probes) from None
        return Request(scenarios, str(command.get("mode") or ""), str(command.get("level") or ""),
                       bool(command.get("continuous")), steps=tuple(str(x) for x in only) if isinstance(only, list) else None,
                       probes=first, no_probes=probes == "none", adaptive=command.get("adaptive", True) is not False)

    def _plan(self, scenario):
        """The plan of the current question: :meth:`starcoach.run.RunPlan.build` on the page's choices."""
        from starcoach.run import RunPlan

        req = self.request
        if req.resume is not None:
            return req.resume.plan
        words: list[str] | None = None  # None: all of the scenario's probes
        if req.no_probes:
            words = []
        elif req.probes is not None:  # "the first N": as many as this question has, up to N
            words = [str(i) for i in range(1, min(req.probes, len(scenario.probes)) + 1)]
        if words is not None:
            words += ["adaptive"] if req.adaptive else []
        plan = RunPlan.build(scenario, req.mode or None, req.level or None, only=_own_steps(req.steps, scenario),
                             probes=None if words is None else (",".join(words) or "none"), continuous=req.continuous)
        if not req.adaptive:  # "all of them, no adaptive ones" has no word of its own
            plan = dataclasses.replace(plan, followups=0)
        return plan

    def _begin(self) -> None:
        """Start the run for the current question of the request."""
        from starcoach.run import MockRun

        req = self.request
        scenario = req.scenarios[self.question]
        plan = self._plan(scenario)
        run = MockRun(plan, self._source_for, voice=self._voice, on_event=self._on_event,
                      model=self.hub.config.model, session=req.resume.session if req.resume else None,
                      source_kind="browser",
                      silence_stop_s=self.hub.config.silence_stop_s)
        run.start()
        self.run = run
        pending = run.pending()
        steps = [label for label in pending if not label.startswith(("probe-", "followup-"))]
        probes = [label for label in pending if label.startswith(("probe-", "followup-"))]
        sc = plan.scenario
        self.done({
            "type": "plan",
            "session_id": run.session.session_id,
            "question_number": self.question + 1,
            "questions": len(req.scenarios),
            "steps": [{"label": s, "target_s": _target(sc, plan, s),
                       "html": render("_step.html", sc=sc, plan=plan, label=s, number=i, total=len(steps),
                                      target_s=_target(sc, plan, s))}
                      for i, s in enumerate(steps, 1)],
            "probes": probes,
            "resumed": req.resume is not None,
            "html": render("_question.html", sc=sc, plan=plan, mode=sc.mode(plan.mode), level=sc.level(plan.level),
                           resumed=req.resume is not None, number=self.question + 1, total=len(req.scenarios)),
        })
        threading.Thread(target=self._prepare_voice, args=(sc, probes), daemon=True).start()

    def _prepare_voice(self, scenario, probes: list[str]) -> None:
        """Speak the scenario's probes ahead of time, so a question plays as soon as it is asked
        (adaptive follow-ups are chosen from the answer, so they are spoken when asked)."""
        questions = [scenario.probes[int(label.split("-")[1]) - 1].question
                     for label in probes if label.startswith("probe-")]
        if self.closed or not questions:
            return
        try:
            self.hub.prepare_voice(questions)
        except Exception:  # noqa: BLE001 - each is spoken (or reported) when its probe comes
            return

    def _check_label(self, label: str) -> None:
        if self.run is None:
            raise RunError("No run in progress", "start one first")
        plan = self.run.plan
        allowed = ["answer"] if plan.continuous else list(plan.steps)
        if label not in allowed:
            raise PlanError(f"'{label}' is not a step of this run", f"expected one of {', '.join(allowed)}",
                            "only", label, tuple(allowed))

    def _record(self, label: str) -> None:
        if label == "answer":
            self.run.record_answer(self.stop)
            takes = self._takes(label)
            # which answer counts, and the earlier ones that can count instead
            self.done({"type": "recorded", "label": label, "take": takes[-1] if takes else None, "takes": takes})
        else:
            self.run.record_step(label, self.stop)
            self.done({"type": "recorded", "label": label})

    def _probe(self, label: str) -> None:
        """Ask follow-up ``probe-N`` (the scenario's) or ``followup-N`` (adaptive, from the answer's gaps)."""
        if self.run is None:
            raise RunError("No run in progress", "start one first")
        asked = [x for x in self.run.plan.labels() if x.startswith(("probe-", "followup-"))]
        if label not in asked:
            raise PlanError(f"No follow-up '{label}' in this run", "ask the follow-ups the run lists", "probes",
                            label, tuple(asked))
        number = int(label.split("-")[1])
        if label.startswith("probe-"):
            self.run.ask_probe(number, self.stop, self.skip)
        elif self.run.ask_followup(number, self.stop, self.skip) is None:
            self.done({"type": "probe-none", "label": label})  # the answer's gaps called for fewer

    def _keep(self, label: str, take: Any) -> None:
        """Let an earlier take of a step count instead of the latest (every take stays saved)."""
        if self.run is None:
            raise RunError("No run in progress", "start one first")
        self._check_label(label)
        try:
            number = int(take)
        except (TypeError, ValueError):
            raise RunError(f"No take {take!r} of {label}", "choose one of the step's takes") from None
        results = self.run.keep_answer(number) if label == "answer" else [self.run.keep_take(label, number)]
        html = "".join(render("_feedback.html", f=feedback_view(r.step, r.analysis, take=r.take), transcript=r.transcript)
                       for r in results)
        self.done({"type": "kept", "label": label, "take": number, "takes": self._takes(label), "html": html})

    def _takes(self, label: str) -> list[int]:
        """The finished takes of a step, or answers of a whole-answer run (those that can count)."""
        if self.run is None:
            return []
        takes = self.run.session.takes_for(label)
        return [t.take for t in takes if (t.transcript if label == "answer" else t.analysis) is not None]

    def _finish(self) -> None:
        if self.run is None:
            raise RunError("No run in progress", "start one first")
        self.run.finish()
        self.run.close()

    def _next(self) -> None:
        req = self.request
        if req is None or self.question + 1 >= len(req.scenarios):
            raise RunError("There is no next question in this loop", "start a new practice")
        self.question += 1
        req.resume = None
        self._begin()

    def abandon(self) -> None:
        """The page went away or the server stops: stop any take, save the run as incomplete.

        The run is cancelled before the take is stopped, so the recorder marks the take
        interrupted (kept on disk) instead of analysing it as a finished answer.
        """
        self.closed = True
        run = self.run
        if run is not None and not run.session.complete:
            run.cancel()
        self.answer.set()
        self.stop.set()
        if self.source is not None:
            self.source.end()
        if run is None:
            return
        if self.worker is not None:
            self.worker.join(60)
        if not run.session.complete:
            try:
                run.interrupt()
            except StarcoachError:
                pass
        run.close()

    # --- the run's world -----------------------------------------------------------------------

    def _source_for(self, label: str):
        if label.startswith(("probe-", "followup-")):
            return self.probe_source  # its rate comes when the page answers
        return self.source

    def _voice(self, question: str) -> None:
        """The interviewer asks: the page plays the question, then answers (or skips)."""
        url = None
        try:
            url = self.hub.speak(question)
        except Exception as e:  # noqa: BLE001 - no voice must not end the interview
            self.send({"type": "notice", "message": f"The interviewer's voice is unavailable ({getattr(e, 'message', e)});"
                                                   " questions are shown as text."})
        self.send({"type": "probe-voice", "url": url})
        self.answer.wait()
        self.answer.clear()
        if self.closed:  # the page went away while the question played: not a skipped probe
            from starcoach.run import RunInterrupted

            raise RunInterrupted(self.run.session)

    def _on_event(self, event) -> None:
        from starcoach import run as r

        if isinstance(event, r.ModelsReady):
            self.send({"type": "models-ready", "seconds": event.seconds})
        elif isinstance(event, r.TakeStarted):
            self._last_level = 0.0
            self.send({"type": "take-started", "label": event.label, "take": event.take, "target_s": event.target_s})
        elif isinstance(event, r.TakeProgress):
            now = time.monotonic()
            if now - self._last_level >= LEVEL_EVERY_S:
                self._last_level = now
                self.send({"type": "level", "label": event.label, "elapsed_s": round(event.elapsed_s, 2),
                           "level": round(event.level, 4), "speaking": event.speaking})
        elif isinstance(event, r.TakeStopped):
            self.send({"type": "take-stopped", "label": event.label, "duration_s": event.duration_s,
                       "stopped_by": event.stopped_by})
        elif isinstance(event, r.StepFeedback):
            result = event.result
            view = feedback_view(result.step, result.analysis, take=result.take, latency_s=event.latency_s)
            self.send({"type": "feedback", "label": result.step, "take": result.take, "takes": self._takes(result.step),
                       "latency_s": event.latency_s, "continuous": self.run.plan.continuous if self.run else False,
                       "html": render("_feedback.html", f=view, transcript=result.transcript)})
        elif isinstance(event, r.ProbeAsked):
            self.send({"type": "probe-asked", "index": event.index, "question": event.question,
                       "source": event.source})
        elif isinstance(event, r.ProbeJudged):
            result = event.result
            view = feedback_view(result.label, result.analysis, latency_s=event.latency_s) \
                if result.analysis and result.transcript.strip() else None
            self.done({"type": "probe-judged", "label": result.label, "index": result.index, "verdict": result.verdict,
                       "source": result.source, "latency_s": event.latency_s,
                       "html": render("_probe.html", p=result, f=view)})
        elif isinstance(event, r.RunFinished):
            from starcoach.summary import time_against_budget, verdict_counts

            session = event.session
            req = self.request
            more = req is not None and self.question + 1 < len(req.scenarios)
            self.done({"type": "finished", "session_id": session.session_id, "more": more,
                       "html": render("_finished.html", s=session, summary=session.summary,
                                      budget=time_against_budget(session), probes=verdict_counts(session),
                                      number=self.question + 1, total=len(req.scenarios) if req else 1)})


def _target(scenario, plan, label: str) -> float:
    if label == "answer":
        return sum(scenario.step(s).target_s for s in plan.steps)
    return scenario.step(label).target_s


def _own_steps(steps: tuple[str, ...] | None, scenario) -> tuple[str, ...] | None:
    """The page's chosen steps that belong to ``scenario``'s framework (None: all of them).

    The page offers the steps of every framework of the bank, so a mock loop can mix frameworks;
    a step of another framework is not this question's, a name no framework knows is an error
    (reported by :meth:`starcoach.run.RunPlan.build`).

    Raises:
        PlanError: none of the chosen steps is one of this question's.
    """
    if not steps:
        return None
    from starcoach.framework import step_titles

    known = step_titles()
    own = tuple(s for s in steps if s in scenario.framework.names or s not in known)
    if not own:
        names = scenario.framework.names
        raise PlanError(f"None of the chosen steps ({', '.join(steps)}) is a step of this question",
                        f"choose among {', '.join(names)}", "only", ",".join(steps), names)
    return own
