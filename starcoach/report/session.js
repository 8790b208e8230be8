// starcoach session report: click a word to seek, the spoken word follows the audio.
// No network, no libraries: the page is one self-contained file.
(function () {
  "use strict";
  var player = document.getElementById("player");
  var clock = document.getElementById("clock");
  var words = Array.prototype.slice.call(document.querySelectorAll(".w"));
  var starts = words.map(function (w) { return parseFloat(w.getAttribute("data-t")); });
  var sections = Array.prototype.slice.call(document.querySelectorAll("article.section"))
    .map(function (s) { return parseFloat(s.getAttribute("data-t")); });
  var current = -1;

  function fmt(t) {
    t = Math.max(0, Math.floor(t || 0));
    var m = Math.floor(t / 60), s = t % 60;
    return m + ":" + (s < 10 ? "0" : "") + s;
  }
  function indexAt(t) {  // last word starting at or before t
    var lo = 0, hi = starts.length - 1, found = -1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (starts[mid] <= t + 0.001) { found = mid; lo = mid + 1; } else { hi = mid - 1; }
    }
    return found;
  }
  function highlight(t, scroll) {
    var i = indexAt(t);
    if (clock) { clock.textContent = fmt(t) + (player && isFinite(player.duration) ? " / " + fmt(player.duration) : ""); }
    if (i === current) { return; }
    if (current >= 0) { words[current].classList.remove("now"); }
    current = i;
    if (i >= 0) {
      words[i].classList.add("now");
      if (scroll && words[i].scrollIntoView) { words[i].scrollIntoView({ block: "nearest" }); }
    }
  }
  function seek(t) {
    if (!isFinite(t)) { return; }
    if (player) { player.currentTime = t; }
    highlight(t, false);
  }
  function play() {
    if (!player) { return; }
    var p = player.play();
    if (p && p.catch) { p.catch(function () { /* no output device, or autoplay refused: stay paused */ }); }
  }
  document.addEventListener("click", function (e) {
    var el = e.target.closest ? e.target.closest("[data-t]") : null;
    if (!el || el.tagName === "ARTICLE") { return; }
    e.preventDefault();
    seek(parseFloat(el.getAttribute("data-t")));
  });
  if (player) {
    player.addEventListener("timeupdate", function () { highlight(player.currentTime, !player.paused); });
    player.addEventListener("seeked", function () { highlight(player.currentTime, false); });
    player.addEventListener("loadedmetadata", function () { highlight(player.currentTime, false); });
  }
  document.addEventListener("keydown", function (e) {
    var tag = (e.target && e.target.tagName) || "";
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || tag === "BUTTON" || tag === "AUDIO" || e.ctrlKey || e.metaKey || e.altKey || !player) { return; }
    var t = player.currentTime;
    if (e.key === " " || e.key === "k") { if (player.paused) { play(); } else { player.pause(); } }
    else if (e.key === "ArrowLeft" || e.key === "j") { seek(Math.max(0, t - 5)); }
    else if (e.key === "ArrowRight" || e.key === "l") { seek(t + 5); }
    else if (e.key === "n") { for (var i = 0; i < sections.length; i++) { if (sections[i] > t + 0.05) { seek(sections[i]); break; } } }
    else if (e.key === "p") {
      var prev = 0;
      for (var j = 0; j < sections.length; j++) { if (sections[j] < t - 1.0) { prev = sections[j]; } }
      seek(prev);
    }
    else { return; }
    e.preventDefault();
  });
})();
