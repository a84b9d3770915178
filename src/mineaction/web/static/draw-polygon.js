// The polygon editor of record forms, on the vendored Leaflet.
//
// Click the map to add corners; click the first corner (or "Close polygon") to close the
// shape.  Drag a corner to move it; click a closed polygon's edge to add a corner there;
// click a corner to select it and "Delete corner" (or right-click it) to remove it;
// "Clear" starts again.  The closed polygon is written to the geometry field as WKT
// (longitude latitude, WGS84), which is what the server checks, with the import's words.
// When the field already holds a polygon (an edit), it is drawn first.
(function () {
  "use strict";
  var el = document.getElementById("draw-map");
  var field = document.getElementById("field-geometry");
  if (!el || !field || typeof L === "undefined") { return; }
  var statusLine = document.getElementById("draw-status");
  var closeButton = document.getElementById("draw-close");
  var deleteButton = document.getElementById("draw-delete");
  var clearButton = document.getElementById("draw-clear");
  var words = el.dataset;  // the page's (translated) sentences

  var corners = [];     // L.LatLng, in drawing order, the ring not repeated
  var markers = [];
  var closed = false;
  var selected = -1;
  var foreign = false;  // the field holds a geometry this editor does not draw; keep it
  var shape = null;

  var zoomWords = JSON.parse(el.dataset.words || "{}");  // the zoom buttons' titles, translated
  var map = L.map(el, { doubleClickZoom: false, zoomControl: false }).setView([39.85, 46.9], 9);
  L.control.zoom({
    zoomInTitle: zoomWords.zoomIn || "Zoom in", zoomOutTitle: zoomWords.zoomOut || "Zoom out"
  }).addTo(map);
  fetch("/api/records/districts?format=geojson&limit=1000", { credentials: "same-origin" })
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(function (data) {
      if (data) {
        L.geoJSON(data, {
          interactive: false,
          style: { color: "#6b7785", weight: 1, fillOpacity: 0.03 }
        }).addTo(map);
      }
    });

  function parsePolygon(text) {
    var match = /^\s*POLYGON\s*\(\s*\(([^()]*)\)\s*\)\s*$/i.exec(text || "");
    if (!match) { return null; }
    var points = [];
    var parts = match[1].split(",");
    for (var i = 0; i < parts.length; i++) {
      var xy = parts[i].trim().split(/\s+/);
      var lng = parseFloat(xy[0]);
      var lat = parseFloat(xy[1]);
      if (xy.length < 2 || isNaN(lng) || isNaN(lat)) { return null; }
      points.push(L.latLng(lat, lng));
    }
    var last = points[points.length - 1];
    if (points.length > 1 && last.equals(points[0])) { points.pop(); }
    return points.length >= 3 ? points : null;
  }

  function asWkt() {
    var ring = corners.concat([corners[0]]).map(function (p) {
      return p.lng.toFixed(6) + " " + p.lat.toFixed(6);
    });
    return "POLYGON ((" + ring.join(", ") + "))";
  }

  function write() {
    if (foreign) { return; }
    field.value = closed ? asWkt() : "";
    el.dataset.corners = String(corners.length);
    el.dataset.closed = String(closed);
    var say;
    if (!corners.length) { say = words.sayEmpty; }
    else if (!closed) { say = corners.length < 3 ? words.sayMore : words.sayClose; }
    else { say = words.sayClosed; }
    if (statusLine) { statusLine.textContent = say; }
    if (closeButton) { closeButton.disabled = closed || corners.length < 3; }
    if (deleteButton) { deleteButton.disabled = selected < 0; }
    if (clearButton) { clearButton.disabled = !corners.length; }
  }

  function cornerIcon(i) {
    var names = "draw-corner";
    if (i === selected) { names += " selected"; }
    if (i === 0 && !closed) { names += " first"; }
    return L.divIcon({ className: names, iconSize: [14, 14] });
  }

  function redraw() {
    if (shape) { map.removeLayer(shape); shape = null; }
    markers.forEach(function (m) { map.removeLayer(m); });
    markers = [];
    if (corners.length) {
      var style = { color: "#c0392b", weight: 2, fillOpacity: 0.2 };
      shape = closed ? L.polygon(corners, style) : L.polyline(corners, L.extend(style, { dashArray: "5 5" }));
      if (closed) { shape.on("click", insertCorner); }
      shape.addTo(map);
    }
    corners.forEach(function (point, i) {
      var marker = L.marker(point, {
        icon: cornerIcon(i), draggable: true, keyboard: false, title: String(i + 1)
      });
      marker.on("click", function () { cornerClicked(i); });
      marker.on("contextmenu", function (e) {
        L.DomEvent.preventDefault(e.originalEvent);
        removeCorner(i);
      });
      marker.on("drag", function (e) {
        corners[i] = e.target.getLatLng();
        shape.setLatLngs(corners);
      });
      marker.on("dragend", write);
      marker.addTo(map);
      markers.push(marker);
    });
    write();
  }

  function cornerClicked(i) {
    if (!closed && i === 0 && corners.length >= 3) { closed = true; selected = -1; }
    else { selected = selected === i ? -1 : i; }
    redraw();
  }

  function removeCorner(i) {
    corners.splice(i, 1);
    if (corners.length < 3) { closed = false; }
    selected = -1;
    redraw();
  }

  // A click on a closed polygon's edge puts a new corner into the nearest side.
  function insertCorner(e) {
    L.DomEvent.stopPropagation(e);
    var at = map.latLngToLayerPoint(e.latlng);
    var best = 0;
    var bestDistance = Infinity;
    for (var i = 0; i < corners.length; i++) {
      var a = map.latLngToLayerPoint(corners[i]);
      var b = map.latLngToLayerPoint(corners[(i + 1) % corners.length]);
      var d = L.LineUtil.pointToSegmentDistance(at, a, b);
      if (d < bestDistance) { bestDistance = d; best = i; }
    }
    corners.splice(best + 1, 0, e.latlng);
    selected = -1;
    redraw();
  }

  map.on("click", function (e) {
    if (closed || foreign) { return; }
    corners.push(e.latlng);
    selected = -1;
    redraw();
  });

  function load() {
    var points = parsePolygon(field.value);
    foreign = !points && field.value.trim() !== "";
    corners = points || [];
    closed = !!points;
    selected = -1;
    if (foreign) {
      if (statusLine) { statusLine.textContent = words.sayForeign; }
      if (clearButton) { clearButton.disabled = false; }
      redraw();
      return;
    }
    redraw();
    if (points) { map.fitBounds(L.latLngBounds(points), { maxZoom: 16, padding: [30, 30] }); }
  }

  if (closeButton) {
    closeButton.addEventListener("click", function () {
      if (corners.length >= 3) { closed = true; selected = -1; redraw(); }
    });
  }
  if (deleteButton) {
    deleteButton.addEventListener("click", function () {
      if (selected >= 0) { removeCorner(selected); }
    });
  }
  if (clearButton) {
    clearButton.addEventListener("click", function () {
      foreign = false;
      corners = [];
      closed = false;
      selected = -1;
      redraw();
    });
  }
  field.addEventListener("change", load);
  load();
})();
