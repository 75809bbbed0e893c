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

  // A link can open the map on a place, as OpenStreetMap's do: /map#map=zoom/lat/lon
  var at = /^#map=(\d{1,2})\/(-?\d{1,2}(?:\.\d+)?)\/(-?\d{1,3}(?:\.\d+)?)$/.exec(location.hash);
  var view = at ? [[Number(at[2]), Number(at[3])], Math.min(18, Number(at[1]))] : [[30, 5], 2];
  var map = L.map(el, { worldCopyJump: true, minZoom: 1, maxZoom: 18 }).setView(view[0], view[1]);
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

  // First-level administrative units (Natural Earth admin-1, one TopoJSON from the app):
  // thin lines from a regional zoom on, names one step closer. The 1.8 MB file is asked
  // for only when someone first zooms that far.
  var REGION_ZOOM = 5, REGION_NAME_ZOOM = 6;
  map.createPane("regions").style.zIndex = 420;
  map.getPane("regions").style.pointerEvents = "none";
  var regions = L.layerGroup([], { pane: "regions" });
  var regionLines = L.layerGroup([], { pane: "regions" });
  var regionNames = L.layerGroup([], { pane: "regions" });
  var regionRows = null, regionsAsked = false;
  function regionLayers(topo) {
    var s = topo.transform.scale, t = topo.transform.translate;
    var arcs = topo.arcs.map(function (arc) {
      var x = 0, y = 0;
      return arc.map(function (d) { x += d[0]; y += d[1]; return [y * s[1] + t[1], x * s[0] + t[0]]; });
    });
    // one path per country, so that Leaflet skips the countries out of view
    var byCountry = {}, seen = [], rows = [];
    topo.objects.admin1.geometries.forEach(function (g) {
      var c = g.properties.country, polys = g.type === "Polygon" ? [g.arcs] : g.arcs;
      polys.forEach(function (p) {
        p.forEach(function (ring) {
          ring.forEach(function (i) {
            var a = i < 0 ? ~i : i;
            if (seen[a]) return;
            seen[a] = true;
            (byCountry[c] = byCountry[c] || []).push(arcs[a]);
          });
        });
      });
      if (g.properties.name) rows.push([g.properties.name, g.properties.label[1], g.properties.label[0]]);
    });
    Object.keys(byCountry).forEach(function (c) {
      L.polyline(byCountry[c], { pane: "regions", weight: 0.8, color: "#6b5b73", opacity: 0.8, dashArray: "4 3", interactive: false, className: "region-line" })
        .addTo(regionLines);
    });
    return rows;
  }
  function drawRegions() {
    if (!map.hasLayer(regions)) return;
    var z = map.getZoom();
    if (z < REGION_ZOOM) {
      regions.clearLayers();
      el.dataset.regions = "0";
      return;
    }
    if (!regionRows) {
      if (!regionsAsked) {
        regionsAsked = true;
        fetch("/api/map/regions")
          .then(function (r) { return r.json(); })
          .then(function (topo) { regionRows = regionLayers(topo); drawRegions(); });
      }
      return;
    }
    if (!regions.hasLayer(regionLines)) regions.addLayer(regionLines);
    regionNames.clearLayers();
    if (z >= REGION_NAME_ZOOM) {
      var bounds = map.getBounds(), shown = 0;
      for (var i = 0; i < regionRows.length && shown < 120; i++) {
        var r = regionRows[i];
        if (!bounds.contains([r[1], r[2]])) continue;
        var label = document.createElement("span");
        label.textContent = r[0];  // record text: never HTML
        L.circleMarker([r[1], r[2]], { pane: "regions", radius: 0, opacity: 0, fillOpacity: 0, interactive: false })
          .bindTooltip(label, { permanent: true, direction: "center", className: "region-label", pane: "regions" })
          .addTo(regionNames);
        shown++;
      }
    }
    if (!regions.hasLayer(regionNames)) regions.addLayer(regionNames);
    el.dataset.regions = String(regionLines.getLayers().length);
  }
  map.on("moveend zoomend overlayadd", drawRegions);

  // Leaflet writes layer names and attributions as HTML: give it escaped text.
  var overlays = {};
  overlays[escapeHtml(T.outline)] = outline;
  overlays[escapeHtml(T.towns)] = towns;
  overlays[escapeHtml(T.regions)] = regions;
  var tiles = null;
  if (T.tiles && T.tiles.url) {
    tiles = L.tileLayer(T.tiles.url, { maxZoom: 19, attribution: escapeHtml(T.tiles.attribution || "") });
    overlays[escapeHtml(T.osm)] = tiles;
    tiles.addTo(map);
    // Offline or blocked: the first tile that fails puts the towns back over the outline.
    tiles.once("tileerror", function () {
      map.removeLayer(tiles);
      towns.addTo(map);
      regions.addTo(map);
      el.dataset.tiles = "failed";
    });
    tiles.once("tileload", function () { el.dataset.tiles = "loaded"; });
  } else {
    towns.addTo(map);  // no tile server: the bundled layers are the map
    regions.addTo(map);
  }
  L.control.layers(null, overlays, { collapsed: false }).addTo(map);
  drawRegions();  // the view may already be regional (a #map= link)

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
