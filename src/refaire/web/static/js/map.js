// The facility map of /map: clustered markers loaded from /api/facilities/points.
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el || !window.L || !L.markerClusterGroup) return;
  var T = JSON.parse(document.getElementById("map-i18n").textContent);
  var count = document.getElementById("map-count");
  var select = document.getElementById("m-process");
  var listLink = document.getElementById("map-list-link");
  document.getElementById("m-submit").hidden = true;
  el.classList.add("live");

  var map = L.map(el, { worldCopyJump: true, minZoom: 1, maxZoom: 18 }).setView([30, 5], 2);
  // The outline sits below the tile pane: tiles cover it when reachable, and
  // when they are not (offline, blocked) the countries still show under the markers.
  map.createPane("outline").style.zIndex = 150;
  var outline = L.geoJSON(null, {
    pane: "outline",
    interactive: false,
    style: { color: "#9aa5ab", weight: 0.7, fillColor: "#eef0e8", fillOpacity: 1, className: "world-outline" }
  }).addTo(map);
  fetch("/static/vendor/world-atlas/countries-110m.geo.json")
    .then(function (r) { return r.json(); })
    .then(function (g) { outline.addData(g); el.dataset.outline = String(g.features.length); });
  var osm = L.tileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png", {
    maxZoom: 19,
    attribution: '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'
  });
  // Leaflet writes layer names as HTML: give it the translations as escaped text.
  var overlays = {};
  overlays[escapeHtml(T.outline)] = outline;
  overlays[escapeHtml(T.osm)] = osm;
  L.control.layers(null, overlays, { collapsed: false }).addTo(map);

  var cluster = L.markerClusterGroup({ chunkedLoading: true, showCoverageOnHover: false });
  map.addLayer(cluster);

  function escapeHtml(s) {
    var d = document.createElement("div");
    d.textContent = String(s);
    return d.innerHTML;
  }

  function popup(p) {
    var box = document.createElement("div");
    var a = document.createElement("a");
    a.href = "/facilities/" + encodeURIComponent(p[0]);
    a.textContent = p[1];
    box.appendChild(a);
    if (p[4]) {
      var note = document.createElement("div");
      note.className = "muted small";
      note.textContent = T.approximate;
      box.appendChild(note);
    }
    return box;
  }

  var pending = 0;
  function load(process) {
    var ticket = ++pending;
    var url = "/api/facilities/points" + (process ? "?process=" + encodeURIComponent(process) : "");
    count.textContent = T.loading;
    el.setAttribute("aria-busy", "true");
    fetch(url)
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (points) {
        if (ticket !== pending) return;  // a newer choice superseded this one
        cluster.clearLayers();
        cluster.addLayers(points.map(function (p) {
          return L.marker([p[2], p[3]], { title: p[1], alt: p[1] }).bindPopup(function () { return popup(p); });
        }));
        count.textContent = T.count.replace("{n}", points.length.toLocaleString(document.documentElement.lang));
        el.dataset.count = String(points.length);
        el.removeAttribute("aria-busy");
      })
      .catch(function () { count.textContent = T.failed; el.removeAttribute("aria-busy"); });
  }

  select.addEventListener("change", function () {
    var v = select.value;
    var q = v ? "?process=" + encodeURIComponent(v) : "";
    history.replaceState(null, "", "/map" + q);
    listLink.href = "/facilities" + q;
    load(v);
  });
  document.getElementById("map-filter").addEventListener("submit", function (e) {
    e.preventDefault();
    load(select.value);
  });
  load(select.value);
})();
