// The observatory's density map, and its print link.
(function () {
  "use strict";
  var print = document.getElementById("obs-print");
  if (print) print.addEventListener("click", function (e) { e.preventDefault(); window.print(); });
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
