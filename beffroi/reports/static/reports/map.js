/* Progressive enhancement: a Leaflet map to pick a point (signaler) or show reports (carte, fiche).
   Without JavaScript the pages use the place list, the address field and the lists instead.
   The sentences come translated from the page (data-hint, data-picked on the status line). */
(function () {
  "use strict";
  var el = document.getElementById("reports-map");
  if (!el || typeof L === "undefined") { return; }
  function data(id) { var n = document.getElementById(id); return n ? JSON.parse(n.textContent) : null; }
  var boundary = data("reports-boundary"), points = data("reports-points") || [];
  var center = data("reports-center"), tiles = data("reports-tiles");
  var map = L.map(el, { scrollWheelZoom: false }).setView(center || [46.6, 2.4], center ? 14 : 5);
  if (tiles) { L.tileLayer(tiles, { maxZoom: 19, attribution: "© OpenStreetMap" }).addTo(map); }
  var outline = null;
  if (boundary) {
    outline = L.geoJSON(boundary, { style: { color: "#1d4e89", weight: 2, fillOpacity: 0.05 } }).addTo(map);
    map.fitBounds(outline.getBounds());
  }
  var markers = [];
  points.forEach(function (p) {
    var m = L.circleMarker([p.lat, p.lon], { radius: 7, color: "#1d4e89", fillOpacity: 0.8 }).addTo(map);
    var a = document.createElement("a"); a.href = p.url; a.textContent = p.title + " — " + p.state;
    m.bindPopup(a);
    markers.push(m);
  });
  if (points.length === 1 && !boundary) { map.setView([points[0].lat, points[0].lon], 16); }
  if (el.dataset.mode !== "pick") { return; }
  var lat = document.getElementById("id_latitude"), lon = document.getElementById("id_longitude");
  var status = document.getElementById("reports-map-status"), chosen = null;
  function choose(latlng) {
    lat.value = latlng.lat.toFixed(6); lon.value = latlng.lng.toFixed(6);
    if (chosen) { chosen.setLatLng(latlng); } else { chosen = L.circleMarker(latlng, { radius: 9, color: "#b3261e", fillOpacity: 0.9 }).addTo(map); }
    if (status) { status.textContent = (status.dataset.picked || "").replace("{lat}", lat.value).replace("{lon}", lon.value); }
  }
  if (lat.value && lon.value) { choose(L.latLng(parseFloat(lat.value), parseFloat(lon.value))); }
  map.on("click", function (e) { choose(e.latlng); });
  if (status) { status.textContent = status.dataset.hint || ""; }
})();
