// Saves a review draft in the background: every 20 seconds when something changed, to the
// form's data-autosave-url, carrying the version the page holds. The server answers the new
// version and the time; a stale version (another window saved since) is refused and autosaving
// stops. The text in the form is never replaced by the server's copy, so nothing typed is lost.
(function () {
  "use strict";
  var INTERVAL_MS = 20000;

  function setup(form) {
    var status = document.getElementById("autosave-status");
    var version = form.querySelector("input[name=version]");
    var autosave = form.hasAttribute("data-autosave");
    var changes = 0, saving = false, stopped = false;

    function show(text, isError) {
      if (!status) { return; }
      status.textContent = text;
      status.classList.toggle("text-danger", !!isError);
      status.classList.toggle("text-body-secondary", !isError);
    }

    function save() {
      if (!autosave || stopped || saving || changes === 0) { return; }
      saving = true;
      var sent = changes;
      fetch(form.getAttribute("data-autosave-url"), {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        headers: { "X-Requested-With": "XMLHttpRequest" }
      }).then(function (response) {
        return response.json().then(function (answer) { return { ok: response.ok, status: response.status, answer: answer }; });
      }).then(function (result) {
        if (result.ok) {
          version.value = result.answer.version;
          changes -= sent;  // what was typed while saving waits for the next round
          show(result.answer.message, false);
        } else {
          if (result.status === 409) { stopped = true; }
          show(result.answer.error || "The draft could not be saved.", true);
        }
      }).catch(function () {
        show("The draft could not be saved just now (are you offline?); it will be tried again.", true);
      }).finally(function () {
        saving = false;
      });
    }

    form.addEventListener("input", function () { changes += 1; });
    form.addEventListener("change", function () { changes += 1; });
    form.addEventListener("submit", function () { changes = 0; stopped = true; });
    window.addEventListener("beforeunload", function (event) {
      if (changes > 0) { event.preventDefault(); event.returnValue = ""; }
    });
    setInterval(save, INTERVAL_MS);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("review-form");
    if (form && form.hasAttribute("data-autosave-url")) { setup(form); }
  });
})();
