"""The interviewer's voice is never in memory beside the speech models: a run gives the voice every
question it may ask before loading Whisper and spaCy, the voice speaks them in advance in a child
process (hibari's pronunciation lexicon alone holds about 100 MB, and its imports and ONNX session
leave ~20 MB behind even when unloaded), and later plays them.
BENCHMARKS.md ("Peak memory") has what this does to a whole run's peak.
"""

from __future__ import annotations

import re

import pytest

from starcoach import voice
from starcoach.run import MockRun, ModelsReady, RunPlan
from starcoach.scenario import DEFAULT_SCENARIO_ID, find_scenario


def _rss_mb() -> float:
    return int(re.search(r"VmRSS:\s+(\d+)", open("/proc/self/status").read()).group(1)) / 1024


def test_prepared_questions_are_played_without_the_engine(monkeypatch):
    voice._hibari()  # loaded in this process before (as test_transcribe's say fixture does): prepare unloads it
    interviewer = voice.Interviewer("hibari")
    interviewer.prepare(["How did you verify your fix?", "What would you do differently?"])
    assert voice._hibari.cache_info().currsize == 0  # the engine is gone

    played = []
    monkeypatch.setattr(voice, "_play", lambda speech, device: played.append(speech))
    interviewer("How did you verify your fix?")
    assert voice._hibari.cache_info().currsize == 0  # a prepared question needs no engine
    assert played and played[0].duration_s > 0.5
    interviewer("Something it was not given?")
    assert len(played) == 2 and voice._hibari.cache_info().currsize == 1  # made when asked
    voice.release()


_PREPARE_APART = r"""
import json, re, sys
from starcoach import voice
def anon():
    return int(re.search(r"RssAnon:\s+(\d+)", open("/proc/self/status").read()).group(1)) / 1024
before = anon()
interviewer = voice.Interviewer("hibari")
interviewer.prepare(["How did you verify your fix?", "What would you do differently?", "How did you verify your fix?"])
print(json.dumps({"engine": sorted(m for m in ("hibari", "onnxruntime") if m in sys.modules),
                  "grew_mb": anon() - before,
                  "speech": {t: s.duration_s for t, s in interviewer._prepared.items()},
                  "rates": sorted({s.sample_rate for s in interviewer._prepared.values()})}))
"""


@pytest.mark.slow
def test_questions_are_spoken_in_a_child_process_so_the_engine_never_enters_the_run():
    """hibari's imports, ONNX session and the heap they leave behind (~20 MB that release() cannot
    hand back) stay in a child process; the run's process only receives the speech."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    done = subprocess.run([sys.executable, "-c", _PREPARE_APART], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parent.parent)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["engine"] == [], result  # neither hibari nor its ONNX runtime was imported here
    assert sorted(result["speech"]) == ["How did you verify your fix?", "What would you do differently?"]
    assert all(d > 0.8 for d in result["speech"].values()), result
    assert result["rates"] == [voice.synthesize_samples("Hi.").sample_rate]
    assert result["grew_mb"] < 15, result  # numpy and the speech; in-process synthesis left ~40 MB
    voice.release()


def test_a_voice_that_cannot_speak_in_the_child_says_so(monkeypatch):
    with pytest.raises(voice.VoiceError, match="could not speak"):
        voice.synthesize_apart(["Hello there."], voice="nonsense")


@pytest.mark.slow
def test_release_hands_the_voice_engine_memory_back():
    voice.synthesize_samples("Warm up the imports first.")
    voice.release()
    before = _rss_mb()
    voice.synthesize_samples("How did you ensure your fix was accepted by the Platform team?")
    loaded = _rss_mb()
    voice.release()
    after = _rss_mb()
    assert loaded - before > 50, (before, loaded)  # the lexicon really is big
    assert after - before < 25, (before, loaded, after)


class RecordingVoice:
    def __init__(self, events: list) -> None:
        self.events = events

    def prepare(self, questions) -> None:
        self.events.append(("prepare", list(questions)))

    def __call__(self, text: str) -> None:
        self.events.append(("say", text))


def test_a_run_prepares_every_question_before_the_models_load():
    scenario = find_scenario(DEFAULT_SCENARIO_ID)
    events: list = []
    plan = RunPlan.build(scenario, only="situation", probes="1,3")
    run = MockRun(plan, lambda label: None, voice=RecordingVoice(events),
                  on_event=lambda e: events.append(("ready",)) if isinstance(e, ModelsReady) else None)
    run.start()
    assert run.wait_for_models(180)
    run.close()
    kinds = [e[0] for e in events]
    assert kinds[:2] == ["prepare", "ready"], events
    questions = events[0][1]
    assert scenario.probes[0].question in questions and scenario.probes[2].question in questions
    assert scenario.probes[1].question not in questions  # not asked in this run
    if plan.followups:
        assert len(questions) > 2  # the adaptive follow-ups it could choose are prepared too


def test_a_run_goes_on_when_the_questions_cannot_be_spoken_in_advance():
    """If preparing fails (the child process cannot speak, espeak is missing), the models still
    load and each question is spoken when asked: the run's loader thread must not die on it
    (the run would wait for its models forever)."""
    class FailingVoice:
        def __call__(self, text):
            pass

        def prepare(self, questions):
            raise voice.VoiceError("The hibari voice could not speak the questions in advance", "…")

    events: list = []
    plan = RunPlan.build(find_scenario(DEFAULT_SCENARIO_ID), only="situation", probes="1")
    run = MockRun(plan, lambda label: None, voice=FailingVoice(),
                  on_event=lambda e: events.append(e) if isinstance(e, ModelsReady) else None)
    run.start()
    assert run.wait_for_models(180)
    run.close()
    assert events


_WEB_PREPARE = r"""
import json, sys, tempfile, types
from pathlib import Path
import soundfile as sf
from starcoach.web.practice import PracticeHub
hub = PracticeHub(types.SimpleNamespace(voice="hibari", cache_dir=Path(tempfile.mkdtemp())))
asked = "How did you verify your fix?"
hub.prepare_voice([asked, "What would you do differently?", asked])
after_prepare = "hibari" in sys.modules
url = hub.speak(asked)
info = sf.info(str(hub.voice_dir / url.rsplit("/", 1)[1]))
after_prepared_question = "hibari" in sys.modules
hub.speak("A follow-up it was not given?")
print(json.dumps({"engine": [after_prepare, after_prepared_question, "hibari" in sys.modules],
                  "url": url, "seconds": info.duration, "files": len(list(hub.voice_dir.glob("*.wav")))}))
"""


@pytest.mark.slow
def test_the_web_app_speaks_a_runs_questions_in_a_child_process():
    """`starcoach serve` speaks the scenario's probes ahead of time as the terminal run does: in a
    child process, so the server that holds Whisper and spaCy never loads hibari for them; a
    follow-up it was not given is still spoken when asked."""
    import json
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", _WEB_PREPARE], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["engine"] == [False, False, True]
    assert re.fullmatch(r"/voice/[0-9a-f]{24}\.wav", result["url"])
    assert result["seconds"] > 0.8 and result["files"] == 3
