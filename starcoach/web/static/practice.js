// starcoach Practice page: the microphone streams to the server, which runs the same mock run
// as the terminal (recorder -> streaming transcriber -> analysis) and sends back the feedback.
//
// Audio: getUserMedia -> AudioWorklet (pcm-worklet.js) -> float32 frames at the context's rate,
// batched here and sent as binary WebSocket frames; the server resamples to 16 kHz.
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var ws = null, ctx = null, workletReady = null, node = null, stream = null, mic = null;
  var batch = [], batchLen = 0, sending = false, heard = false;
  var state = "setup";      // setup, ready, recording, analysing, feedback, asking, done
  var plan = null, stepIndex = 0, probes = [], probeIndex = 0, current = null, target = 0;
  var stoppedAt = 0, voice = null, lastTake = null;
  var shown = { models: false };

  // What tests and the benchmark read: stop-to-feedback latencies measured in the page.
  var api = window.starcoach = { latencies: [], events: [], state: function () { return state; }, session: null, elapsed: 0 };

  function setState(s) { state = s; document.body.setAttribute("data-state", s); }
  function status(text) { $("status").textContent = text || ""; }
  function alertBox(text) {
    var box = $("alert");
    box.textContent = text || "";
    box.hidden = !text;
  }
  function fmt(t) {
    t = Math.max(0, Math.round(t || 0));
    var m = Math.floor(t / 60), s = t % 60;
    return m + ":" + (s < 10 ? "0" : "") + s;
  }
  function show(el, on) { el.hidden = !on; }
  function focus(el) { if (el && !el.hidden && !el.disabled) { el.focus(); } }
  function html(el, markup) { el.innerHTML = markup; }  // server-rendered with Jinja autoescaping

  // --- the connection -------------------------------------------------------------------------

  function connect() {
    return new Promise(function (resolve, reject) {
      if (ws && ws.readyState === 1) { resolve(ws); return; }
      ws = new WebSocket("ws://" + location.host + "/ws/practice");
      ws.binaryType = "arraybuffer";
      ws.onopen = function () { resolve(ws); };
      ws.onerror = function () { reject(new Error("no connection")); };
      ws.onclose = function () {
        if (state !== "setup" && state !== "done") {
          alertBox("The connection to starcoach closed. Everything recorded so far is saved; reload the page to resume.");
        }
        closeMic();
        ws = null;
      };
      ws.onmessage = function (e) { receive(JSON.parse(e.data)); };
    });
  }
  function send(obj) { if (ws && ws.readyState === 1) { ws.send(JSON.stringify(obj)); } }

  // --- the microphone -------------------------------------------------------------------------

  function audioGraph() {
    // The audio context and the worklet, made once (on the Start click, so the first take does not
    // wait for them) and kept for the whole practice.
    if (!navigator.mediaDevices || !window.AudioWorkletNode) {
      return Promise.reject(new Error("This browser cannot record here (it needs getUserMedia and AudioWorklet)."));
    }
    ctx = ctx || new AudioContext();
    workletReady = workletReady || ctx.audioWorklet.addModule("/static/pcm-worklet.js").then(function () {
      node = new AudioWorkletNode(ctx, "pcm-tap");
      node.port.onmessage = onPcm;
    });
    return workletReady.then(function () { return ctx.resume(); });
  }
  function openMic() {
    return audioGraph().then(function () {
      return navigator.mediaDevices.getUserMedia({ audio: {
        channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false } });
    }).then(function (s) {
      stream = s;
      api.micOpenedAt = performance.now();
      mic = ctx.createMediaStreamSource(stream);
      mic.connect(node);
      return ctx.sampleRate;
    });
  }
  function closeMic() {
    sending = false;
    if (mic) { try { mic.disconnect(); } catch (e) { /* already */ } mic = null; }
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
  }
  function onPcm(e) {
    if (!sending) { return; }
    if (!heard) {  // the audio graph runs: now every word counts
      heard = true;
      api.firstBlockAt = performance.now();
      status("Recording — speak now. Stop with the button or the space bar.");
    }
    batch.push(e.data);
    batchLen += e.data.length;
    if (batchLen >= ctx.sampleRate * 0.05) { flush(); }
  }
  function flush() {
    if (!batchLen) { return; }
    var out = new Float32Array(batchLen), at = 0;
    for (var i = 0; i < batch.length; i++) { out.set(batch[i], at); at += batch[i].length; }
    batch = []; batchLen = 0;
    if (ws && ws.readyState === 1) { ws.send(out.buffer); }
  }
  function micError(err) {
    closeMic();
    alertBox("The microphone cannot be opened: " + (err && err.message ? err.message : err) +
             ". Allow microphone access for this page, or check that a microphone is connected.");
  }

  // --- what the candidate does ----------------------------------------------------------------

  function start(e) {
    e.preventDefault();
    alertBox("");
    var form = $("setup-form");
    var pick = form.querySelector("input[name=pick]:checked").value;
    var only = Array.prototype.slice.call(form.querySelectorAll("input[name=only]:checked")).map(function (c) { return c.value; });
    if (!only.length) { alertBox("Choose at least one step to answer."); return; }
    var msg = { type: "start", mode: $("mode").value, level: $("level").value, continuous: $("continuous").checked,
                only: only, probes: $("probes").value, adaptive: $("adaptive").checked };
    var resume = form.getAttribute("data-resume");
    if (resume) { msg.resume = resume; }
    else if (pick === "scenario") { msg.scenario = $("scenario").value; }
    else if (pick === "principle") { msg.principle = $("principle").value; }
    else { msg.loop = parseInt($("loop").value, 10); }
    $("start").disabled = true;
    audioGraph().catch(function () { /* reported when the microphone opens */ });
    connect().then(function () { send(msg); }).catch(function () {
      $("start").disabled = false;
      alertBox("The page cannot reach starcoach. Is `starcoach serve` still running?");
    });
  }

  function record() {
    if (state !== "ready") { return; }
    var label = plan.steps[stepIndex].label;
    setState("opening");
    $("record-btn").disabled = true;
    status("Opening the microphone…");
    openMic().then(function (rate) {
      if (label === "answer") { $("feedback").textContent = ""; }  // answering again: the new answer's steps only
      send({ type: "record", label: label, rate: rate });
      heard = false;
      sending = true;  // from here on every sample goes to the server, in order
      current = label;
      recordingView(plan.steps[stepIndex].target_s);
    }).catch(function (err) { setState("ready"); $("record-btn").disabled = false; micError(err); });
  }

  function recordingView(targetS) {
    target = targetS;
    api.elapsed = 0;
    setState("recording");
    show($("recorder"), true);
    show($("actions"), false);
    $("target").textContent = fmt(targetS);
    $("timer").textContent = "0:00";
    $("timer").className = "timer";
    $("over").textContent = "";
    $("record-btn").disabled = true;
    $("stop-btn").disabled = false;
    if (!heard) { status("Starting the microphone…"); }
    focus($("stop-btn"));
  }

  function stop() {
    if (state !== "recording") { return; }
    stoppedAt = performance.now();
    flush();
    sending = false;
    send({ type: "stop" });
    closeMic();
    analysing();
  }
  function analysing() {
    show($("answer-now"), false);
    show($("skip-probe"), false);
    setState("analysing");
    $("stop-btn").disabled = true;
    $("meter").value = 0;
    status("Stopped — transcribing and analysing…");
  }

  function nextStep() {
    if (state !== "feedback") { return; }
    if (stepIndex + 1 < plan.steps.length) {
      stepIndex += 1;
      prompt();
    } else if (probeIndex < probes.length) {
      askProbe();
    } else {
      finish();
    }
  }
  function redo() {
    if (state !== "feedback" || !current || isProbe(current)) { return; }
    prompt();
  }
  function keep(take) {  // let an earlier take count instead of the latest
    if (state !== "feedback" || !current || isProbe(current)) { return; }
    setState("analysing");
    status("Keeping take " + take + "…");
    send({ type: "keep", label: current, take: take });
  }
  function isProbe(label) { return label.indexOf("probe-") === 0 || label.indexOf("followup-") === 0; }
  function probeTitle(label) {
    var n = label.split("-")[1];
    return label.indexOf("followup-") === 0 ? "Adaptive follow-up " + n : "Follow-up " + n;
  }

  function prompt() {
    var step = plan.steps[stepIndex];
    html($("stage"), step.html);
    markSteps(step.label);
    setState("ready");
    show($("recorder"), true);
    show($("actions"), false);
    $("target").textContent = fmt(step.target_s);
    $("timer").textContent = "0:00";
    $("timer").className = "timer";
    $("over").textContent = "";
    $("record-btn").disabled = false;
    $("record-btn").textContent = "Start answering";
    $("stop-btn").disabled = true;
    show($("answer-now"), false);
    show($("skip-probe"), false);
    status(shown.models ? "Ready when you are." : "Loading the speech models… you can start already.");
    focus($("record-btn"));
  }

  function askProbe() {
    var label = probes[probeIndex];
    probeIndex += 1;
    current = label;
    markSteps(current);
    setState("asking");
    show($("actions"), false);
    show($("recorder"), true);
    $("record-btn").disabled = true;
    $("stop-btn").disabled = true;
    show($("answer-now"), false);
    show($("skip-probe"), false);
    html($("stage"), "");
    status("The interviewer asks a follow-up question…");
    send({ type: "probe", label: label });
  }
  function probeAnswer() {
    if (state !== "asking") { return; }
    if (voice) { voice.pause(); voice = null; }
    setState("opening");
    show($("answer-now"), false);
    show($("skip-probe"), false);
    status("Opening the microphone…");
    openMic().then(function (rate) {
      send({ type: "answer", rate: rate });
      heard = false;
      sending = true;
      recordingView(30);
      show($("skip-probe"), true);
    }).catch(function (err) { send({ type: "skip" }); micError(err); });
  }
  function skipProbe() {  // before answering, or while answering (what was said is kept)
    if (state !== "asking" && !(state === "recording" && isProbe(current))) { return; }
    if (voice) { voice.pause(); voice = null; }
    show($("answer-now"), false);
    show($("skip-probe"), false);
    if (state === "recording") { stoppedAt = performance.now(); flush(); sending = false; closeMic(); }
    setState("analysing");
    status("Skipped.");
    send({ type: "skip" });
  }
  function finish() {
    setState("analysing");
    show($("actions"), false);
    show($("recorder"), false);
    html($("stage"), "");
    status("Writing the summary…");
    send({ type: "finish" });
  }

  function markSteps(label) {
    var items = $("step-list").querySelectorAll("li");
    for (var i = 0; i < items.length; i++) {
      var on = items[i].getAttribute("data-label") === label;
      items[i].classList.toggle("current", on);
      if (on) { items[i].setAttribute("aria-current", "step"); } else { items[i].removeAttribute("aria-current"); }
    }
  }

  // --- what the server says -------------------------------------------------------------------

  function receive(msg) {
    api.events.push(msg.type);
    switch (msg.type) {
      case "plan": return onPlan(msg);
      case "models-ready": shown.models = true; if (state === "ready") { status("Ready when you are."); } return;
      case "take-started": return;
      case "level": return onLevel(msg);
      case "take-stopped":
        if (state === "recording") {  // stopped by the server (silence, length guard)
          stoppedAt = performance.now();
          sending = false;
          closeMic();
          analysing();
          status("Stopped (" + msg.stopped_by + ") — transcribing and analysing…");
        }
        return;
      case "feedback": return onFeedback(msg);
      case "recorded": return onRecorded(msg);
      case "probe-asked": return onProbeAsked(msg);
      case "probe-voice": return onProbeVoice(msg);
      case "probe-judged": return onProbeJudged(msg);
      case "probe-none": return onProbeNone(msg);
      case "kept": return onKept(msg);
      case "finished": return onFinished(msg);
      case "notice": status(msg.message); return;
      case "error":
        alertBox(msg.message + (msg.fix ? " — " + msg.fix : ""));
        if (state === "setup" || state === "opening") { $("start").disabled = false; }
        return;
    }
  }

  function onPlan(msg) {
    plan = msg;
    api.session = msg.session_id;
    stepIndex = 0;
    probes = msg.probes || [];
    probeIndex = 0;
    current = null;
    show($("setup"), false);
    show($("run"), true);
    show($("after"), false);
    html($("summary"), "");
    html($("feedback"), "");
    html($("question"), msg.html);
    var list = $("step-list");
    list.textContent = "";
    msg.steps.forEach(function (s) { list.appendChild(stepItem(s.label, titleOf(s.label) + " " + fmt(s.target_s))); });
    probes.forEach(function (label) { list.appendChild(stepItem(label, probeTitle(label))); });
    $("review-link").href = "/sessions/" + encodeURIComponent(msg.session_id);
    if (msg.steps.length) { prompt(); } else if (probes.length) { setState("feedback"); askProbe(); } else { finish(); }
  }
  function stepItem(label, text) {
    var li = document.createElement("li");
    li.setAttribute("data-label", label);
    li.textContent = text;
    return li;
  }
  function titleOf(label) {
    var t = { situation: "Situation", task: "Task", action: "Action", result: "Result", reflection: "Reflection", answer: "Whole answer" };
    return t[label] || label;
  }

  function onLevel(msg) {
    if (state !== "recording") { return; }
    api.elapsed = msg.elapsed_s;
    var db = 20 * Math.log10(Math.max(msg.level, 1e-6));
    $("meter").value = Math.max(0, Math.min(1, (db + 60) / 60));
    var t = $("timer");
    t.textContent = fmt(msg.elapsed_s);
    t.className = "timer " + (msg.elapsed_s > target ? "late" : msg.elapsed_s >= 0.8 * target ? "near" : "early");
    $("over").textContent = msg.elapsed_s > target ? "+" + Math.round(msg.elapsed_s - target) + " s over" : "";
  }

  function onFeedback(msg) {
    var box = document.createElement("div");
    html(box, msg.html);
    var article = box.firstElementChild;
    var feedback = $("feedback");
    if (!msg.continuous) { feedback.textContent = ""; }
    feedback.appendChild(article);
    var page = stoppedAt ? (performance.now() - stoppedAt) / 1000 : null;
    api.latencies.push({ label: msg.label, take: msg.take, server_s: msg.latency_s, page_s: page });
    lastTake = msg;
    var item = $("step-list").querySelector("li[data-label='" + msg.label + "']");
    if (item) { item.classList.add("done"); }
    status("Feedback " + (page !== null ? page.toFixed(2) : msg.latency_s.toFixed(2)) + " s after you stopped.");
  }
  function onRecorded(msg) {
    setState("feedback");
    $("record-btn").disabled = true;
    show($("actions"), true);
    var last = stepIndex + 1 >= plan.steps.length;
    $("next-btn").textContent = !last ? "Next step" : (probeIndex < probes.length ? "Follow-up questions" : "Finish and see the summary");
    $("redo-btn").textContent = msg.label === "answer" ? "Answer again" : "Redo this step";
    if (msg.label === "answer") { lastTake = msg; }  // which whole answer counts
    show($("redo-btn"), true);
    showTakes(lastTake && lastTake.label === msg.label ? lastTake : null);
    focus($("next-btn"));
  }
  function showTakes(msg) {
    // After a redo: which take counts, and buttons to let an earlier one count instead.
    var box = $("takes");
    box.textContent = "";
    if (!msg || !msg.takes || msg.takes.length < 2) { return; }
    var what = msg.label === "answer" ? "Answer " : "Take ";
    box.appendChild(document.createTextNode(what + msg.take + " counts; every " + what.trim().toLowerCase() + " is kept. "));
    msg.takes.forEach(function (n) {
      if (n === msg.take) { return; }
      var b = document.createElement("button");
      b.type = "button";
      b.className = "keep";
      b.setAttribute("data-take", String(n));
      b.textContent = "Keep " + what.trim().toLowerCase() + " " + n + " instead";
      b.addEventListener("click", function () { keep(n); });
      box.appendChild(b);
    });
  }
  function onKept(msg) {
    var box = document.createElement("div");
    html(box, msg.html);
    var feedback = $("feedback");
    feedback.textContent = "";
    while (box.firstElementChild) { feedback.appendChild(box.firstElementChild); }  // a whole answer: every step
    lastTake = msg;
    setState("feedback");
    showTakes(msg);
    status((msg.label === "answer" ? "Answer " : "Take ") + msg.take + " counts now.");
    focus($("next-btn"));
  }

  function onProbeAsked(msg) {
    html($("stage"), "");
    var p = document.createElement("div");
    p.className = "step-prompt";
    var h = document.createElement("h3");
    h.textContent = msg.source === "adaptive" ? "Adaptive follow-up " + msg.index : "Follow-up " + msg.index;
    var q = document.createElement("p");
    q.className = "question asked";
    q.textContent = "\u201c" + msg.question + "\u201d";
    p.appendChild(h);
    p.appendChild(q);
    $("stage").appendChild(p);
    $("target").textContent = fmt(30);
    $("timer").textContent = "0:00";
  }
  function onProbeVoice(msg) {
    show($("answer-now"), true);
    show($("skip-probe"), true);
    focus($("answer-now"));
    if (!msg.url) { status("Answer aloud when ready."); probeAnswer(); return; }
    status("The interviewer is asking… recording starts when the question ends.");
    voice = new Audio(msg.url);
    voice.addEventListener("ended", function () { voice = null; probeAnswer(); });
    voice.addEventListener("error", function () { voice = null; status("The question cannot be played; answer when ready."); });
    var playing = voice.play();
    if (playing && playing.catch) {
      playing.catch(function () { status("Press “Answer now” when you are ready (the question could not play here)."); });
    }
  }
  function onProbeJudged(msg) {
    var box = document.createElement("div");
    html(box, msg.html);
    var feedback = $("feedback");
    feedback.textContent = "";
    feedback.appendChild(box.firstElementChild);
    var page = stoppedAt ? (performance.now() - stoppedAt) / 1000 : null;
    api.latencies.push({ label: msg.label, server_s: msg.latency_s, page_s: page, verdict: msg.verdict });
    stoppedAt = 0;
    var item = $("step-list").querySelector("li[data-label='" + msg.label + "']");
    if (item) { item.classList.add("done"); }
    setState("feedback");
    show($("actions"), true);
    show($("redo-btn"), false);
    $("takes").textContent = "";
    stepIndex = plan.steps.length;
    $("next-btn").textContent = probeIndex < probes.length ? "Next follow-up" : "Finish and see the summary";
    status(msg.verdict === "skipped" ? "Skipped." : "Verdict: " + msg.verdict + ".");
    focus($("next-btn"));
  }
  function onProbeNone(msg) {  // the answer's gaps called for fewer adaptive follow-ups
    var item = $("step-list").querySelector("li[data-label='" + msg.label + "']");
    if (item) { item.remove(); }
    probes = probes.filter(function (label) { return label !== msg.label; });
    probeIndex -= 1;
    if (probeIndex < probes.length) { setState("feedback"); askProbe(); } else { finish(); }
  }
  function onFinished(msg) {
    setState("done");
    html($("summary"), msg.html);
    show($("recorder"), false);
    show($("actions"), false);
    show($("after"), true);
    show($("next-question"), !!msg.more);
    status("");
    focus(msg.more ? $("next-question") : $("review-link"));
  }

  // --- wiring ---------------------------------------------------------------------------------

  $("setup-form").addEventListener("submit", start);
  $("record-btn").addEventListener("click", record);
  $("stop-btn").addEventListener("click", stop);
  $("next-btn").addEventListener("click", nextStep);
  $("redo-btn").addEventListener("click", redo);
  $("answer-now").addEventListener("click", probeAnswer);
  $("skip-probe").addEventListener("click", skipProbe);
  $("next-question").addEventListener("click", function () {
    show($("after"), false);
    html($("summary"), "");
    setState("analysing");
    status("Next question…");
    send({ type: "next" });
  });
  document.addEventListener("keydown", function (e) {
    var tag = (e.target && e.target.tagName) || "";
    if (e.ctrlKey || e.metaKey || e.altKey || tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT") { return; }
    if (state === "recording" && (e.key === " " || e.key === "Enter")) {
      e.preventDefault();
      stop();
    } else if (state === "feedback" && e.key === "r") {
      e.preventDefault();
      redo();
    } else if (state === "feedback" && e.key === "k" && lastTake && lastTake.takes && lastTake.takes.length > 1) {
      e.preventDefault();  // keep the take before the one that counts
      var earlier = lastTake.takes.filter(function (n) { return n < lastTake.take; });
      if (earlier.length) { keep(earlier[earlier.length - 1]); }
    }
  });
  window.addEventListener("beforeunload", function (e) {
    if (state === "recording" || state === "analysing") { e.preventDefault(); }
  });
  setState("setup");
})();
