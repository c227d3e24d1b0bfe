/* The dashboard's charts: each <canvas data-dashboard-chart="ID"> draws the JSON in <script id="ID">
   with the vendored Chart.js. A click on a bar or slice opens the report behind it. The figures
   above each chart carry the same numbers, so the page says everything without JavaScript. */
(function () {
  "use strict";

  var PALETTE = ["#1f5f99", "#2f8f6f", "#c98a1c", "#b34a4a", "#6b5ca5", "#3a8fb7", "#8a8f3a", "#a35f8f"];

  function format(value, money) {
    return Number(value).toLocaleString(document.documentElement.lang || undefined, {
      minimumFractionDigits: money ? 2 : 0,
      maximumFractionDigits: money ? 2 : 0,
    });
  }

  function draw(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-dashboard-chart"));
    if (!source || typeof window.Chart === "undefined") {
      return;
    }
    var spec = JSON.parse(source.textContent);
    var round = spec.kind === "doughnut" || spec.kind === "pie";
    var chart = new window.Chart(canvas, {
      type: spec.kind,
      data: {
        labels: spec.labels,
        datasets: [{
          label: spec.label,
          data: spec.values.map(Number),
          backgroundColor: round ? PALETTE : PALETTE[0],
          borderWidth: round ? 1 : 0,
        }],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: {
          legend: { display: round, position: "right" },
          tooltip: {
            callbacks: {
              label: function (item) {
                return " " + format(item.raw, spec.money);
              },
            },
          },
        },
        scales: round ? {} : { y: { beginAtZero: true, suggestedMax: 1, ticks: { precision: 0 } } },
        onHover: function (event, elements) {
          event.native.target.style.cursor = elements.length && spec.urls[elements[0].index] ? "pointer" : "default";
        },
        onClick: function (event, elements) {
          var url = elements.length ? spec.urls[elements[0].index] : "";
          if (url) {
            window.location.assign(url);
          }
        },
      },
    });
    canvas.chart = chart;
  }

  document.querySelectorAll("canvas[data-dashboard-chart]").forEach(draw);
})();
