// The observatory's density map, a sector's where-made map, and the print link.
(function () {
  "use strict";
  var print = document.getElementById("obs-print");
  if (print) print.addEventListener("click", function (e) { e.preventDefault(); window.print(); });
  var where = document.getElementById("where-map");
  if (where && window.L) {
    var points = JSON.parse(document.getElementById("where-data").textContent);
    var wmap = L.map(where, { worldCopyJump: true, minZoom: 1, maxZoom: 8 }).setView([30, 5], 2);
    fetch("/static/vendor/world-atlas/countries-110m.geo.json")
      .then(function (r) { return r.json(); })
      .then(function (g) {
        L.geoJSON(g, { interactive: false, style: { color: "#9aa5ab", weight: 0.7, fillColor: "#eef0e8", fillOpacity: 1 } }).addTo(wmap).bringToBack();
      });
    var top = points.reduce(function (m, p) { return Math.max(m, p[2]); }, 1);
    points.forEach(function (p) {
      // a country at the population-weighted centre of its towns; area ∝ designs makeable there
      L.circleMarker([p[0], p[1]], {
        radius: 3 + 20 * Math.sqrt(p[2] / top), color: "#0b6e4f", weight: 1,
        fillColor: "#0b6e4f", fillOpacity: 0.45
      }).bindTooltip(document.createTextNode(p[3] + ": " + p[2])).addTo(wmap);
    });
    where.dataset.points = String(points.length);
  }
  var el = document.getElementById("density-map");
  if (!el || !window.L) return;
  var data = JSON.parse(document.getElementById("density-data").textContent);
  var map = L.map(el, { worldCopyJump: true, minZoom: 1, maxZoom: 8 }).setView([30, 5], 2);
  fetch("/static/vendor/world-atlas/countries-110m.geo.json")
    .then(function (r) { return r.json(); })
    .then(function (g) {
      L.geoJSON(g, { interactive: false, style: { color: "#9aa5ab", weight: 0.7, fillColor: "#eef0e8", fillOpacity: 1 } }).addTo(map).bringToBack();
    });
  var max = data.cells.reduce(function (m, c) { return Math.max(m, c[2]); }, 1);
  data.cells.forEach(function (c) {
    // area proportional to the count: radius grows with its square root
    L.circleMarker([c[0], c[1]], {
      radius: 3 + 22 * Math.sqrt(c[2] / max), color: "#0b6e4f", weight: 1,
      fillColor: "#0b6e4f", fillOpacity: 0.45, className: "density-cell"
    }).bindTooltip(document.createTextNode(String(c[2]))).addTo(map);
  });
  el.dataset.cells = String(data.cells.length);
})();
