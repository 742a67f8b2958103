// Shows each <time class="local-time"> in the visitor's own time zone, and runs countdowns.
// The countdown is measured against the server's clock (data-server-now), not the browser's:
// a wrong clock on the visitor's computer must not make a deadline look further away.
(function () {
  "use strict";
  var loadedAt = Date.now();

  function localise() {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    var format = new Intl.DateTimeFormat(undefined, {
      weekday: "short", day: "numeric", month: "short", year: "numeric",
      hour: "2-digit", minute: "2-digit", timeZoneName: "short"
    });
    document.querySelectorAll("time.local-time").forEach(function (el) {
      var when = new Date(el.getAttribute("datetime"));
      if (!isNaN(when)) {
        el.textContent = format.format(when);
        el.title = "Your time zone: " + zone;
      }
    });
  }

  function describe(ms) {
    if (ms <= 0) { return "now"; }
    var s = Math.floor(ms / 1000);
    var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600);
    var m = Math.floor((s % 3600) / 60), sec = s % 60;
    if (d > 0) { return d + "d " + h + "h " + m + "m"; }
    return h + "h " + m + "m " + sec + "s";
  }

  function tick() {
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      var target = Date.parse(el.getAttribute("data-countdown"));
      var serverNow = Date.parse(el.getAttribute("data-server-now")) + (Date.now() - loadedAt);
      el.textContent = describe(target - serverNow);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    localise();
    tick();
    setInterval(tick, 1000);
  });
})();
