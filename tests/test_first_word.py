"""The first syllable is kept: speech that starts the moment "recording" is announced is in the
transcript (the live take's first ~0.1 s went missing: "I learned" became "It learned").

The run announces a take (``TakeStarted``, which the live view shows as "recording") only once the
microphone is capturing and the WAV file is open. This test starts the bundled voice playing into
the virtual microphone from inside that event and checks the transcript's first word.
"""

from __future__ import annotations

import re
import threading

import pytest

from starcoach.run import MockRun, RunPlan, TakeStarted, microphone_source_factory
from starcoach.scenario import DEFAULT_SCENARIO_ID, find_scenario

pytestmark = [pytest.mark.slow, pytest.mark.mic]

#: Starts with a short, soft word: the one a late start loses.
SPOKEN = "I learned the payment service code base in two weeks, on my own time."


def test_speech_from_the_moment_recording_is_announced_is_kept(virtual_mic, say):
    clip = say(SPOKEN)
    players = []

    def on_event(event) -> None:
        if isinstance(event, TakeStarted):  # the screen says "recording" now: speak at once
            players.append(virtual_mic.play(clip))

    plan = RunPlan.build(find_scenario(DEFAULT_SCENARIO_ID), only="situation", probes="0")
    run = MockRun(plan, microphone_source_factory(), on_event=on_event, silence_stop_s=1.2, max_take_s=20)
    run.start()
    run.wait_for_models(120)
    stop = threading.Event()
    result = run.record_step("situation", stop)
    for player in players:
        player.wait(10)
    run.close()
    assert len(players) == 1
    first = re.sub(r"[^\w']", "", result.transcript.split()[0]).lower() if result.transcript else ""
    assert first == "i", result.transcript
    assert "learned" in result.transcript.lower(), result.transcript
