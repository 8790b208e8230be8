// starcoach review page: pin a coach's note at the current time, or on the word you clicked.
// (session.js, shared with the HTML export, seeks on clicks and follows playback.)
(function () {
  "use strict";
  var form = document.getElementById("note-form");
  if (!form) { return; }
  var player = document.getElementById("player");
  var at = document.getElementById("note-at");
  var where = document.getElementById("note-where");
  var text = document.getElementById("note-text");
  var author = document.getElementById("note-author");
  var status = document.getElementById("note-status");
  var picked = null;  // the word clicked last, until playback moves on

  try { author.value = localStorage.getItem("starcoach-author") || author.value; } catch (e) { /* storage off */ }

  function fmt(t) {
    t = Math.max(0, Math.floor(t || 0));
    var m = Math.floor(t / 60), s = t % 60;
    return m + ":" + (s < 10 ? "0" : "") + s;
  }
  function pinTime() {
    if (picked) { return parseFloat(picked.getAttribute("data-t")); }
    return player ? player.currentTime : 0;
  }
  function show() {
    at.textContent = fmt(pinTime());
    where.title = picked ? "on the word \u201c" + picked.textContent + "\u201d" : "at the current time";
    where.firstChild.textContent = picked ? "on \u201c" + picked.textContent + "\u201d at " : "at ";
  }
  document.addEventListener("click", function (e) {
    var w = e.target.closest ? e.target.closest(".w") : null;
    if (!w) { return; }
    if (picked) { picked.classList.remove("picked"); }
    picked = w;
    w.classList.add("picked");
    show();
  });
  if (player) {
    player.addEventListener("play", function () { if (picked) { picked.classList.remove("picked"); picked = null; } show(); });
    player.addEventListener("timeupdate", show);
    player.addEventListener("seeked", show);
  }
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var body = { at_s: pinTime(), text: text.value, author: author.value };
    try { localStorage.setItem("starcoach-author", author.value); } catch (err) { /* storage off */ }
    status.textContent = "Saving…";
    fetch("/api/sessions/" + encodeURIComponent(form.getAttribute("data-session")) + "/notes", {
      method: "POST", headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify(body)
    }).then(function (r) { return r.json().then(function (b) { return { ok: r.ok, body: b }; }); })
      .then(function (res) {
        if (!res.ok) { status.textContent = res.body.error + (res.body.fix ? " — " + res.body.fix : ""); return; }
        addNote(res.body);
        text.value = "";
        status.textContent = "Pinned to " + res.body.title + " at " + res.body.clock + ".";
      })
      .catch(function () { status.textContent = "The server did not answer; the note was not saved."; });
  });

  function noteLine(n, clockText) {
    var link = document.createElement("a");
    link.className = "seek";
    link.setAttribute("data-t", String(n.t));
    link.textContent = clockText;
    var who = document.createElement("b");
    who.textContent = n.author;
    var frag = document.createDocumentFragment();
    frag.appendChild(link);
    frag.appendChild(document.createTextNode(" "));
    frag.appendChild(who);
    frag.appendChild(document.createTextNode(": " + n.text));
    return frag;
  }
  function addNote(n) {
    var div = document.createElement("div");
    div.className = "note";
    div.appendChild(noteLine(n, n.clock));
    var section = document.getElementById("section-" + n.step);
    if (section) {
      var anchor = section.querySelector(".findings");
      section.insertBefore(div, anchor);
    }
    var li = document.createElement("li");
    li.appendChild(noteLine(n, n.title + " " + n.clock));
    document.getElementById("notes-list").appendChild(li);
    var none = document.getElementById("no-notes");
    if (none) { none.remove(); }
  }
  show();
})();
