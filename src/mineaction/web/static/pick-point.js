// A small map on record forms: a click sets the lon and lat fields, a marker shows them.
(function () {
  "use strict";
  var el = document.getElementById("pick-map");
  var lon = document.getElementById("field-lon");
  var lat = document.getElementById("field-lat");
  if (!el || !lon || !lat) { return; }
  var start = lat.value && lon.value ? [parseFloat(lat.value), parseFloat(lon.value)] : [39.85, 46.9];
  var words = JSON.parse(el.dataset.words || "{}");  // the zoom buttons' titles, translated
  var map = L.map(el, { zoomControl: false }).setView(start, lat.value ? 12 : 9);
  L.control.zoom({ zoomInTitle: words.zoomIn || "Zoom in", zoomOutTitle: words.zoomOut || "Zoom out" }).addTo(map);
  fetch("/api/records/districts?format=geojson&limit=1000", { credentials: "same-origin" })
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(function (data) {
      if (data) { L.geoJSON(data, { style: { color: "#6b7785", weight: 1, fillOpacity: 0.03 } }).addTo(map); }
    });
  var marker = lat.value ? L.marker(start).addTo(map) : null;
  map.on("click", function (e) {
    lon.value = e.latlng.lng.toFixed(6);
    lat.value = e.latlng.lat.toFixed(6);
    if (marker) { marker.setLatLng(e.latlng); } else { marker = L.marker(e.latlng).addTo(map); }
  });
})();
