// The map's risk layer: cells of the newest saved risk run, coloured by probability.
// Loaded for the view from /api/risk/map (riskiest first, at most 5,000 cells), with a legend.
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el || !el.mineaction || el.dataset.risk !== "true") { return; }
  var map = el.mineaction.map;
  var words = JSON.parse(el.dataset.riskWords || "{}");
  // Probability classes, highest first: [lower bound, colour].  Finer at the low end, where
  // most cells of a country are: a share of a few per cent is already worth a look.
  var classes = [[0.5, "#800026"], [0.2, "#e31a1c"], [0.1, "#fd8d3c"], [0.05, "#feb24c"],
    [0.02, "#ffeda0"], [0, "#ffffcc"]];

  function colour(p) {
    for (var i = 0; i < classes.length; i++) { if (p >= classes[i][0]) { return classes[i][1]; } }
    return classes[classes.length - 1][1];
  }

  var text = el.mineaction.text;

  function popup(p) {
    var html = "<strong>" + text(words.title) + "</strong><br>" +
      text(words.probability) + ": " + p.probability.toFixed(3) + "<br>" +
      text(words.percentile) + ": " + p.percentile.toFixed(1);
    if (p.why && p.why.length) {
      html += "<br>" + text(words.why) + ":<ul>" + p.why.map(function (w) {
        return "<li>" + text(w[0]) + " (" + (w[1] >= 0 ? "+" : "") + Number(w[1]).toFixed(2) + ")</li>";
      }).join("") + "</ul>";
    }
    return html;
  }

  // The cells lie in their own pane above the record layers' outlines (and below the clusters),
  // so a click on a cell opens its popup whichever layer the map redrew last.
  map.createPane("risk").style.zIndex = 420;
  var renderer = L.canvas({ pane: "risk" });
  var group = L.geoJSON(null, {
    pane: "risk",
    style: function (f) {
      var c = colour(f.properties.probability);
      return { color: c, weight: 0, fillColor: c, fillOpacity: f.properties.probability < 0.02 ? 0.35 : 0.75, pane: "risk", renderer: renderer };
    },
    // The popup belongs to the map, not to the cell: the cells are redrawn whenever the map
    // moves (the popup's own pan included), and a popup bound to a cell would close with it.
    onEachFeature: function (feature, lyr) {
      lyr.on("click", function (e) {
        L.popup().setLatLng(e.latlng).setContent(popup(feature.properties)).openOn(map);
      });
    }
  });
  el.mineaction.control.addOverlay(group, words.layer);

  var legend = L.control({ position: "bottomright" });
  legend.onAdd = function () {
    var div = L.DomUtil.create("div", "map-legend");
    div.setAttribute("data-testid", "risk-legend");
    var rows = classes.map(function (c, i) {
      var upper = i === 0 ? 1 : classes[i - 1][0];
      return "<div><i style=\"background:" + c[1] + "\"></i> " + c[0].toFixed(2) + "–" + upper.toFixed(2) + "</div>";
    });
    div.innerHTML = "<strong>" + text(words.legend) + "</strong>" + rows.join("");
    return div;
  };

  var note = document.getElementById("risk-note");
  var generation = 0;
  function load() {
    if (!map.hasLayer(group)) { return; }
    var current = ++generation;
    var b = map.getBounds();
    var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(5); }).join(",");
    var params = new URLSearchParams({ bbox: bbox, zoom: String(map.getZoom()) });
    fetch("/api/risk/map?" + params.toString(), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { features: [], missing: true }; })
      .then(function (data) {
        if (current !== generation) { return; }  // the view moved on meanwhile
        group.clearLayers();
        group.addData(data);
        el.dataset.loadedrisk = String(data.features.length);
        if (note) {
          note.hidden = !(data.missing || data.truncated);
          note.textContent = data.missing ? words.none : words.truncated;
        }
      });
  }
  map.on("overlayadd", function (e) { if (e.layer === group) { legend.addTo(map); load(); } });
  map.on("overlayremove", function (e) { if (e.layer === group) { legend.remove(); if (note) { note.hidden = true; } } });
  map.on("moveend", load);
  if (el.dataset.riskOn === "true") { group.addTo(map); legend.addTo(map); load(); }
})();
