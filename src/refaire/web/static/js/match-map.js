// The map of /designs/{id}/match: the search circle and one marker per matching facility.
(function () {
  "use strict";
  var el = document.getElementById("match-map");
  if (!el || !window.L) return;
  var data = JSON.parse(document.getElementById("match-data").textContent);
  el.classList.add("live");
  var map = L.map(el, { worldCopyJump: true, maxZoom: 18 });
  // The view first: vector layers are only drawn on a map that has one.
  map.fitBounds(L.latLng(data.centre).toBounds(data.radius_km * 2000));
  // Country outlines under the markers, so the map reads even without tiles.
  map.createPane("outline").style.zIndex = 150;
  var outline = L.geoJSON(null, { pane: "outline", interactive: false,
    style: { color: "#9aa5ab", weight: 0.7, fillColor: "#eef0e8", fillOpacity: 1 } }).addTo(map);
  fetch("/static/vendor/world-atlas/countries-110m.geo.json").then(function (r) { return r.json(); })
    .then(function (g) { outline.addData(g); el.dataset.outline = String(g.features.length); });
  L.circle(data.centre, { radius: data.radius_km * 1000, color: "#0b6e4f", weight: 1, fillOpacity: 0.04 }).addTo(map);
  L.circleMarker(data.centre, { radius: 5, color: "#1d2327", fillOpacity: 1 }).addTo(map);
  var n = 0;
  data.points.forEach(function (p) {
    var m = L.circleMarker([p.lat, p.lon], {
      radius: 9, weight: 2, color: "#fff", fillOpacity: 0.95,
      fillColor: p.complete ? "#0b6e4f" : "#c77c00", className: "match-marker " + (p.complete ? "complete" : "partial")
    }).addTo(map);
    var box = document.createElement("div"), a = document.createElement("a");
    a.href = "/facilities/" + encodeURIComponent(p.id); a.textContent = p.name; box.appendChild(a);
    box.appendChild(document.createTextNode(" · " + p.km + " km"));
    m.bindPopup(box);
    // A string given to Leaflet is HTML: the name goes in as text, never as markup.
    var tip = document.createElement("span");
    tip.textContent = p.name;
    m.bindTooltip(tip);
    n++;
  });
  el.dataset.markers = String(n);
})();
