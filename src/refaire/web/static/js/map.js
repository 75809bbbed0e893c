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
  // Towns with names, from the app (offline gazetteer): the largest at small zooms.
  map.createPane("towns").style.zIndex = 450;
  var towns = L.layerGroup([], { pane: "towns" });
  var townRows = [];
  function minPopulation(z) {
    // few names on a whole-world view, more as one zooms in
    return z <= 2 ? 6000000 : z <= 4 ? 2000000 : z === 5 ? 500000 : z === 6 ? 200000 : z === 7 ? 100000 : 50000;
  }
  function drawTowns() {
    if (!map.hasLayer(towns)) return;
    towns.clearLayers();
    var bounds = map.getBounds().pad(0.1), least = minPopulation(map.getZoom()), shown = 0;
    for (var i = 0; i < townRows.length && shown < 250; i++) {
      var t = townRows[i];
      if (t[3] < least) break;  // rows come largest first
      if (!bounds.contains([t[1], t[2]])) continue;
      var label = document.createElement("span");
      label.textContent = t[0];  // record text: never HTML
      L.circleMarker([t[1], t[2]], { pane: "towns", radius: 2.5, weight: 1, color: "#3a4348", fillOpacity: 1, interactive: false })
        .bindTooltip(label, { permanent: true, direction: "right", className: "town-label", pane: "towns" })
        .addTo(towns);
      shown++;
    }
    el.dataset.towns = String(shown);
  }
  fetch("/api/map/towns")
    .then(function (r) { return r.json(); })
    .then(function (rows) { townRows = rows; drawTowns(); });
  map.on("moveend zoomend overlayadd", drawTowns);

  // Leaflet writes layer names and attributions as HTML: give it escaped text.
  var overlays = {};
  overlays[escapeHtml(T.outline)] = outline;
  overlays[escapeHtml(T.towns)] = towns;
  var tiles = null;
  if (T.tiles && T.tiles.url) {
    tiles = L.tileLayer(T.tiles.url, { maxZoom: 19, attribution: escapeHtml(T.tiles.attribution || "") });
    overlays[escapeHtml(T.osm)] = tiles;
    tiles.addTo(map);
    // Offline or blocked: the first tile that fails puts the towns back over the outline.
    tiles.once("tileerror", function () {
      map.removeLayer(tiles);
      towns.addTo(map);
      el.dataset.tiles = "failed";
    });
    tiles.once("tileload", function () { el.dataset.tiles = "loaded"; });
  } else {
    towns.addTo(map);  // no tile server: the bundled layers are the map
  }
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
    box.className = "map-popup";
    var name = document.createElement("strong");
    name.textContent = p[1];
    box.appendChild(name);
    var data = document.createElement("div");
    data.className = "data-" + (p[5] || "unknown");
    data.textContent = (T.data && T.data[p[5] || "unknown"]) || "";
    box.appendChild(data);
    var a = document.createElement("a");
    a.href = "/facilities/" + encodeURIComponent(p[0]);
    a.textContent = T.open;
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
