// Home page charts: one horizontal bar chart per <canvas data-chart="id of a json_script">,
// drawn with the vendored Chart.js. No inline code (CSP).
(function () {
  "use strict";
  if (!window.Chart) { return; }
  var ARMY = "#2f5f3a", AMBER = "#d39e00", RED = "#b02a37";

  function number(value) {
    return value === null || value === undefined ? "–"
      : Number(value).toLocaleString("vi-VN", { maximumFractionDigits: 2 });
  }

  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.animation = false;

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    canvas.parentElement.style.height = (40 + 24 * data.labels.length) + "px";
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [{
          label: "Tổng điểm",
          data: data.totals,
          backgroundColor: data.totals.map(function (_, i) {
            return data.disqualified[i] ? RED : data.incomplete[i] ? AMBER : ARMY;
          }),
          borderRadius: 3,
          maxBarThickness: 18
        }]
      },
      options: {
        indexAxis: "y",
        maintainAspectRatio: false,
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              title: function (items) { return "Hạng " + data.ranks[items[0].dataIndex] + " · " + data.names[items[0].dataIndex]; },
              label: function (item) { return "Tổng điểm: " + number(item.raw); }
            }
          }
        },
        scales: {
          x: { beginAtZero: true, ticks: { callback: function (value) { return number(value); } } },
          y: { ticks: { autoSkip: false } }
        }
      }
    });
  });
})();
