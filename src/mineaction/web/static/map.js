// The map page: one Leaflet layer per kind the user may read, loaded for the view (bbox).
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
  // Other scripts of the page (the risk layer) add their overlays to the same map and control.
  el.mineaction = { map: map, control: control };
  var groups = {};
  var filters = { period: "", operator: "" };

  layers.forEach(function (layer) {
    var colour = colours[layer.name] || "#37474f";
    var group = L.geoJSON(null, {
      style: function () {
        return { color: colour, weight: layer.name === "districts" ? 1 : 2, fillOpacity: layer.name === "districts" ? 0.03 : 0.25 };
      },
      pointToLayer: function (_f, latlng) {
        return L.circleMarker(latlng, { radius: 5, color: colour, weight: 1, fillOpacity: 0.8 });
      },
      onEachFeature: function (feature, lyr) {
        var p = feature.properties || {};
        var terms = words.terms || {};
        var code = p.category || p.method;
        var title = p["name_" + words.lang] || p.name || p.reference || terms[code] || code || (layer.label + " " + feature.id);
        lyr.bindPopup(title + (layer.name === "districts" ? "" : " · <a href=\"/records/" + layer.name + "/" + feature.id + "\">" + (words.record || "record") + " " + feature.id + "</a>"));
      }
    });
    groups[layer.name] = { group: group, layer: layer };
    control.addOverlay(group, layer.label);
    if (["districts", "hazards", "findings", "land-releases"].indexOf(layer.name) >= 0) { group.addTo(map); }
  });

  var note = document.getElementById("map-truncated");
  var truncated = {};

  function load() {
    var b = map.getBounds();
    var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(5); }).join(",");
    Object.keys(groups).forEach(function (name) {
      var entry = groups[name];
      if (!map.hasLayer(entry.group)) { return; }
      // Simplified for the zoom by the server; at most 5,000 features a layer.
      var params = new URLSearchParams({ bbox: bbox, zoom: String(map.getZoom()) });
      if (entry.layer.filters && filters.period) { params.set("period", filters.period); }
      if (entry.layer.operator && filters.operator) { params.set("operator", filters.operator); }
      fetch("/api/map/" + name + "?" + params.toString(), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { features: [] }; })
        .then(function (data) {
          entry.group.clearLayers();
          entry.group.addData(data);
          el.dataset["loaded" + name.replace(/-/g, "")] = String(data.features.length);
          truncated[name] = Boolean(data.truncated);
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
