// Charts of the ranking pages, drawn with the vendored Chart.js from data the page passes in
// <script type="application/json"> blocks (json_script): no inline code.
(function () {
  "use strict";
  if (!window.Chart) { return; }
  var ARMY = "#2f5f3a", AMBER = "#d39e00", RED = "#b02a37", GREY = "#9aa59a";

  function read(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  function number(value) {
    return value === null || value === undefined ? "–"
      : Number(value).toLocaleString("vi-VN", { maximumFractionDigits: 2 });
  }

  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.animation = false;

  var ranking = read("ranking-chart-data");
  var canvas = document.getElementById("ranking-chart");
  if (ranking && canvas) {
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: ranking.labels,
        datasets: [{
          label: "Tổng điểm",
          data: ranking.totals,
          backgroundColor: ranking.totals.map(function (_, i) {
            return ranking.disqualified[i] ? RED : ranking.incomplete[i] ? AMBER : ARMY;
          }),
          borderRadius: 3,
          maxBarThickness: 22
        }]
      },
      options: {
        indexAxis: "y",
        maintainAspectRatio: false,
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              title: function (items) { return "Hạng " + ranking.ranks[items[0].dataIndex] + " · " + ranking.names[items[0].dataIndex]; },
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
  }

  var unit = read("ranking-unit-chart-data");
  var unitCanvas = document.getElementById("ranking-unit-chart");
  if (unit && unitCanvas) {
    new Chart(unitCanvas, {
      type: "bar",
      data: {
        labels: unit.labels,
        datasets: [
          { label: unit.unit_label, data: unit.unit, backgroundColor: ARMY, borderRadius: 3 },
          { label: "Trung bình khối/cụm", data: unit.mean, backgroundColor: GREY, borderRadius: 3 }
        ]
      },
      options: {
        maintainAspectRatio: false,
        plugins: {
          legend: { position: "bottom" },
          tooltip: {
            callbacks: {
              title: function (items) { return items[0].label + ". " + unit.titles[items[0].dataIndex]; },
              label: function (item) { return item.dataset.label + ": " + number(item.raw); }
            }
          }
        },
        scales: { y: { beginAtZero: true, ticks: { callback: function (value) { return number(value); } } } }
      }
    });
  }
})();
