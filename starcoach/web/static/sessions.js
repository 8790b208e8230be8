// starcoach Sessions page: delete a session after confirming in a dialog.
(function () {
  "use strict";
  var dialog = document.getElementById("confirm-delete");
  var status = document.getElementById("delete-status");
  var pending = null, opener = null;

  function updateCount() {
    var n = document.querySelectorAll(".session-row").length;
    var count = document.getElementById("count");
    if (count) { count.textContent = n + " session" + (n === 1 ? "" : "s") + "."; }
  }
  document.addEventListener("click", function (e) {
    var button = e.target.closest ? e.target.closest("button.delete") : null;
    if (!button) { return; }
    pending = button.getAttribute("data-session");
    opener = button;
    document.getElementById("confirm-id").textContent = pending;
    dialog.returnValue = "";
    dialog.showModal();
  });
  dialog.addEventListener("close", function () {
    var id = pending;
    pending = null;
    if (dialog.returnValue !== "delete" || !id) { if (opener) { opener.focus(); } return; }
    fetch("/api/sessions/" + encodeURIComponent(id), { method: "DELETE", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
      .then(function (res) {
        if (!res.ok) { status.textContent = res.body.error + (res.body.fix ? " — " + res.body.fix : ""); return; }
        var row = document.getElementById("row-" + id);
        var next = row && (row.nextElementSibling || row.previousElementSibling);
        if (row) { row.remove(); }
        status.textContent = "Deleted session " + id + ".";
        updateCount();
        var focus = next && next.querySelector("a.open");
        if (focus) { focus.focus(); } else { document.getElementById("main").focus(); }
      })
      .catch(function () { status.textContent = "The server did not answer; the session was not deleted."; });
  });
})();
