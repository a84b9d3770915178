// The map page: one Leaflet layer per kind the user may read, loaded tile by tile for the view.
// Each layer asks /api/map for the web-map tiles (at the map's zoom) that cover the view, so the
// same tiles are asked again as people pan and the server answers them from its cache. A dense
// layer at a low zoom comes back as clusters: a circle sized by its count; a click zooms in.
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el) { return; }
  var layers = JSON.parse(el.dataset.layers || "[]");
  // The page's words in the reader's language (data-words: no inline script under the CSP).
  var words = JSON.parse(el.dataset.words || "{}");
  var colours = {
    "districts": "#6b7785", "hazards": "#c62828", "land-releases": "#2e7d32",
    "findings": "#ef6c00", "accidents": "#6a1b9a", "minefield-records": "#ad1457",
    "activities": "#1565c0", "projects": "#00838f", "eore-sessions": "#827717"
  };
  var map = L.map(el, { preferCanvas: true, zoomControl: false }).setView([39.85, 46.9], 9);
  L.control.zoom({ zoomInTitle: words.zoomIn || "Zoom in", zoomOutTitle: words.zoomOut || "Zoom out" }).addTo(map);
  var control = L.control.layers(null, null, { collapsed: false }).addTo(map);
  // A value written into a popup as text, never as markup (names are typed by people).
  function text(value) {
    var span = document.createElement("span");
    span.textContent = String(value);
    return span.innerHTML;
  }
  // Other scripts of the page (the risk layer) add their overlays to the same map and control.
  el.mineaction = { map: map, control: control, text: text };
  // Clusters lie above the outlines in SVG: only their circles catch clicks, the canvas below
  // still gets the rest. Each layer writes its counts at its own offset, so they stay legible
  // where the cells of several layers meet.
  map.createPane("clusters").style.zIndex = 450;
  var clusterRenderer = L.svg({ pane: "clusters" });
  var labelOffsets = { "findings": [0, -8], "land-releases": [0, 8], "hazards": [-16, 0] };
  var groups = {};
  var filters = { period: "", operator: "" };

  layers.forEach(function (layer) {
    var colour = colours[layer.name] || "#37474f";
    var group = L.geoJSON(null, {
      style: function () {
        return { color: colour, weight: layer.name === "districts" ? 1 : 2, fillOpacity: layer.name === "districts" ? 0.03 : 0.25 };
      },
      pointToLayer: function (f, latlng) {
        var p = f.properties || {};
        if (p.cluster) {
          return L.circleMarker(latlng, { radius: clusterRadius(p.count), color: colour, weight: 2, fillOpacity: 0.2, pane: "clusters", renderer: clusterRenderer });
        }
        return L.circleMarker(latlng, { radius: 5, color: colour, weight: 1, fillOpacity: 0.8 });
      },
      onEachFeature: function (feature, lyr) {
        var p = feature.properties || {};
        if (p.cluster) {
          lyr.bindTooltip("<span style=\"color:" + colour + "\">" + p.count + "</span>", {
            permanent: true, direction: "center", className: "map-cluster-count", offset: labelOffsets[layer.name] || [16, 0]
          });
          lyr.on("click", function () { map.setView(lyr.getLatLng(), Math.min(map.getZoom() + 2, 18)); });
          return;
        }
        var terms = words.terms || {};
        var code = p.category || p.method;
        var title = p["name_" + words.lang] || p.name || p.reference || terms[code] || code || (layer.label + " " + feature.id);
        var html = text(title) + (layer.name === "districts" ? "" : " · <a href=\"/records/" + layer.name + "/" + feature.id + "\">" + (words.record || "record") + " " + feature.id + "</a>");
        // The popup belongs to the map: the layers are redrawn whenever the map moves (the
        // popup's own pan included), and a popup bound to a feature would close with it.
        lyr.on("click", function (e) {
          L.popup().setLatLng(lyr.getLatLng ? lyr.getLatLng() : e.latlng).setContent(html).openOn(map);
        });
      }
    });
    groups[layer.name] = { group: group, layer: layer };
    control.addOverlay(group, layer.label);
    if (["districts", "hazards", "findings", "land-releases"].indexOf(layer.name) >= 0) { group.addTo(map); }
  });

  var note = document.getElementById("map-truncated");
  var truncated = {};
  var generation = 0;

  function clusterRadius(count) { return Math.min(30, 8 + 4 * Math.log(count) / Math.LN10 * 1.5); }

  // The web-map tiles (x, y at zoom z) that cover the view, and each one's box in degrees.
  var MAX_LAT = 85.0511287798066;
  function tileX(lon, n) { return Math.floor((lon + 180) / 360 * n); }
  function tileY(lat, n) {
    var phi = Math.max(-MAX_LAT, Math.min(MAX_LAT, lat)) * Math.PI / 180;
    return Math.floor((1 - Math.log(Math.tan(phi) + 1 / Math.cos(phi)) / Math.PI) / 2 * n);
  }
  function latOf(row, n) { return Math.atan(Math.sinh(Math.PI * (1 - 2 * row / n))) * 180 / Math.PI; }
  function tilesInView(z) {
    var n = Math.pow(2, z), b = map.getBounds(), out = [];
    var clamp = function (v) { return Math.max(0, Math.min(n - 1, v)); };
    var x0 = clamp(tileX(b.getWest(), n)), x1 = clamp(tileX(b.getEast(), n));
    var y0 = clamp(tileY(b.getNorth(), n)), y1 = clamp(tileY(b.getSouth(), n));
    for (var x = x0; x <= x1; x++) {
      for (var y = y0; y <= y1; y++) {
        out.push([x / n * 360 - 180, latOf(y + 1, n), (x + 1) / n * 360 - 180, latOf(y, n)].map(function (v) { return v.toFixed(6); }).join(","));
      }
    }
    return out;
  }

  function load() {
    var z = Math.round(map.getZoom());
    var tiles = tilesInView(z);
    var current = ++generation;
    Object.keys(groups).forEach(function (name) {
      var entry = groups[name];
      if (!map.hasLayer(entry.group)) { return; }
      // Simplified for the zoom by the server; at most 5,000 features a tile; clusters when dense.
      var asks = tiles.map(function (bbox) {
        var params = new URLSearchParams({ bbox: bbox, zoom: String(z) });
        if (entry.layer.filters && filters.period) { params.set("period", filters.period); }
        if (entry.layer.operator && filters.operator) { params.set("operator", filters.operator); }
        return fetch("/api/map/" + name + "?" + params.toString(), { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : { features: [] }; })
          .catch(function () { return { features: [] }; });
      });
      Promise.all(asks).then(function (answers) {
        if (current !== generation) { return; }  // the view moved on meanwhile
        var seen = {}, features = [], cut = false, count = 0;
        answers.forEach(function (data) {
          cut = cut || Boolean(data.truncated);
          data.features.forEach(function (f) {
            var key = (f.properties && f.properties.cluster ? "c" : "r") + f.id;
            if (seen[key]) { return; }  // a record whose box meets two tiles comes twice
            seen[key] = true;
            features.push(f);
            count += f.properties && f.properties.cluster ? f.properties.count : 1;
          });
        });
        entry.group.clearLayers();
        entry.group.addData({ type: "FeatureCollection", features: features });
        el.dataset["loaded" + name.replace(/-/g, "")] = String(count);
        truncated[name] = cut;
        if (note) { note.hidden = !Object.keys(truncated).some(function (k) { return truncated[k] && map.hasLayer(groups[k].group); }); }
      });
    });
  }
  map.on("moveend overlayadd", load);
  var form = document.getElementById("map-filters");
  if (form) {
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      filters.period = form.elements.period.value.trim();
      filters.operator = form.elements.operator.value.trim();
      load();
    });
  }
  load();
})();
