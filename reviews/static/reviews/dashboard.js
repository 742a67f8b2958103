// Draws the chairs' dashboard charts: per direction, how many submitted reviews gave each overall
// score. The figures come from the page (json_script "score-distributions"), never from a request,
// and each chart also has a table for screen readers beside it.
(function () {
  "use strict";

  function draw() {
    var source = document.getElementById("score-distributions");
    if (!source || typeof window.Chart === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    var styles = getComputedStyle(document.documentElement);
    var colour = styles.getPropertyValue("--bs-primary").trim() || "#0d6efd";
    var text = styles.getPropertyValue("--bs-secondary-color").trim() || "#6c757d";
    var highest = 1;
    data.directions.forEach(function (direction) {
      direction.counts.forEach(function (count) { highest = Math.max(highest, count); });
    });
    document.querySelectorAll("canvas[data-chart-index]").forEach(function (canvas) {
      var direction = data.directions[Number(canvas.getAttribute("data-chart-index"))];
      if (!direction) { return; }
      new window.Chart(canvas, {
        type: "bar",
        data: {
          labels: data.scores.map(String),
          datasets: [{ label: "Reviews", data: direction.counts, backgroundColor: colour }]
        },
        options: {
          animation: false,
          plugins: {
            legend: { display: false },
            tooltip: { callbacks: { title: function (items) { return data.labels[items[0].dataIndex]; } } }
          },
          // The same height on every chart, so that directions compare at a glance.
          scales: {
            x: { ticks: { color: text }, title: { display: true, text: "Overall score", color: text } },
            y: { beginAtZero: true, suggestedMax: highest, ticks: { precision: 0, color: text } }
          }
        }
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
