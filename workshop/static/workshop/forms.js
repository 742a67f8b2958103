// A form marked data-once is sent once: a second click while the first is on its way does
// nothing (the server also refuses duplicates; this only spares the wait and the confusion).
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-once")) { return; }
    if (form.dataset.sent) { event.preventDefault(); return; }
    form.dataset.sent = "1";
    var button = event.submitter;
    if (button && button.name) {
      // A disabled button's value is not sent: carry the choice in a hidden field instead.
      var carried = document.createElement("input");
      carried.type = "hidden"; carried.name = button.name; carried.value = button.value;
      form.appendChild(carried);
    }
    form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
    if (button) { button.textContent = "Sending…"; }
  });
})();
