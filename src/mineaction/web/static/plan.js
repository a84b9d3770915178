// The priority map of the planning page: open hazards coloured by score, the points in a popup.
(function () {
  "use strict";
  var el = document.getElementById("plan-map");
  if (!el) { return; }
  var labels = JSON.parse(el.dataset.labels || "{}");
  // Five classes from low (pale yellow) to high (dark red): ColorBrewer YlOrRd.
  var ramp = ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"];
  var criteria = ["projects", "blockages", "beneficiaries", "accidents", "contamination", "evidence", "effort"];
  // SVG rather than canvas: a few thousand polygons draw fast, and each is a clickable element.
  var map = L.map(el).setView([39.85, 46.9], 9);

  function esc(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" }[c];
    });
  }

  function criterionLabel(name) {
    return labels[name + "_c"] || labels[name] || name;
  }

  function popup(p) {
    var rows = criteria.map(function (name) {
      var points = Number(p["points_" + name] || 0);
      return "<tr><td>" + esc(criterionLabel(name)) + "</td><td class=\"num\">" +
        (points > 0 ? "+" : "") + points.toFixed(1) + "</td></tr>";
    }).join("");
    return "<strong>" + esc(p.hazard) + "</strong> · " + esc(labels.rank) + " " + esc(p.rank) +
      "<br>" + esc(labels.score) + " <strong>" + Number(p.score).toFixed(1) + "</strong>" +
      "<br>" + esc(labels.district) + ": " + esc(p.district) +
      "<br>" + esc(labels.contamination) + ": " + esc(String(p.contamination).replace(/_/g, " ")) +
      "<br>" + esc(labels.remaining) + ": " + Number(p.remaining_ha).toLocaleString("en", { maximumFractionDigits: 1 }) + " ha" +
      (p.projects ? "<br>" + esc(labels.projects) + ": " + esc(p.projects) : "") +
      "<table class=\"points\"><thead><tr><th>" + esc(labels.criterion) + "</th><th>" + esc(labels.points) +
      "</th></tr></thead><tbody>" + rows + "</tbody></table>";
  }

  // District outlines give the hazards a place (public data, drawn under them).
  fetch("/api/records/districts?format=geojson&limit=1000", { credentials: "same-origin" })
    .then(function (r) { return r.ok ? r.json() : { features: [] }; })
    .then(function (data) {
      L.geoJSON(data, { style: { color: "#6b7785", weight: 1, fillOpacity: 0.03 }, interactive: false })
        .addTo(map).bringToBack();
    });

  fetch(el.dataset.layer, { credentials: "same-origin" })
    .then(function (r) { return r.ok ? r.json() : { features: [] }; })
    .then(function (data) {
      var scores = data.features.map(function (f) { return Number(f.properties.score); });
      var sorted = scores.slice().sort(function (a, b) { return a - b; });
      // Class breaks at the quintiles: each colour holds a fifth of the hazards.
      var breaks = ramp.map(function (_c, i) {
        return sorted.length ? sorted[Math.floor(i * sorted.length / ramp.length)] : 0;
      });
      function colour(score) {
        var cls = 0;
        breaks.forEach(function (b, i) { if (score >= b) { cls = i; } });
        return ramp[cls];
      }
      var layer = L.geoJSON(data, {
        style: function (f) {
          var c = colour(Number(f.properties.score));
          return { color: c, weight: 2, fillColor: c, fillOpacity: 0.85 };
        },
        onEachFeature: function (f, lyr) { lyr.bindPopup(popup(f.properties), { maxWidth: 320 }); }
      }).addTo(map);
      if (data.features.length) { map.fitBounds(layer.getBounds(), { padding: [10, 10] }); }
      var legend = L.control({ position: "bottomright" });
      legend.onAdd = function () {
        var div = L.DomUtil.create("div", "legend");
        var top = sorted.length ? sorted[sorted.length - 1] : 0;
        div.innerHTML = "<strong>" + esc(labels.legend) + "</strong><br>" + ramp.map(function (c, i) {
          var to = i + 1 < breaks.length ? breaks[i + 1] : top;
          return "<i style=\"background:" + c + "\"></i> " + breaks[i].toFixed(1) + " – " + to.toFixed(1);
        }).reverse().join("<br>");
        return div;
      };
      legend.addTo(map);
      el.dataset.loaded = String(data.features.length);
    });
})();
