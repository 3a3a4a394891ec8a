/* Progressive enhancement: a Leaflet map to pick a point (signaler) or show reports (carte, fiche).
   Without JavaScript the pages use the place list, the address field and the lists instead.
   The sentences come translated from the page (data-hint, data-picked on the status line). */
(function () {
  "use strict";
  var el = document.getElementById("reports-map");
  if (!el || typeof L === "undefined") { return; }
  function data(id) { var n = document.getElementById(id); return n ? JSON.parse(n.textContent) : null; }
  var boundary = data("reports-boundary"), points = data("reports-points") || [];
  // a commune created from the official list has no centre until its contour is sent: the whole of France
  var center = data("reports-center");
  var map = L.map(el, { scrollWheelZoom: false }).setView(center || [46.6, 2.4], center ? 15 : 5);
  if (window.BeffroiBasemap) { window.BeffroiBasemap.add(map, data("basemap-config")); }
  var outline = null;
  if (boundary) {
    outline = L.geoJSON(boundary, { interactive: false, style: { className: "map-outline", weight: 3, fill: false } }).addTo(map);
  }
  var markers = [];
  points.forEach(function (p) {
    var m = L.circleMarker([p.lat, p.lon], { radius: 7, className: "reports-marker", fillOpacity: 0.85 }).addTo(map);
    var a = document.createElement("a"); a.href = p.url; a.textContent = p.title + " — " + p.state;
    m.bindPopup(a);
    markers.push(m);
  });
  /* Show streets, not the whole commune: a single report close up, several on their extent, else the centre. */
  if (points.length === 1) {
    map.setView([points[0].lat, points[0].lon], 17);
  } else if (points.length > 1) {
    map.fitBounds(L.latLngBounds(points.map(function (p) { return [p.lat, p.lon]; })), { padding: [24, 24], maxZoom: 17 });
  }
  if (el.dataset.mode !== "pick") { return; }
  var lat = document.getElementById("id_latitude"), lon = document.getElementById("id_longitude");
  var status = document.getElementById("reports-map-status"), chosen = null, asked = 0;
  function say(key, address) {
    if (status) { status.textContent = (status.dataset[key] || "").replace("{address}", address || ""); }
  }
  /* A point tapped becomes « près du 14 rue des Écoles » (the commune's address base), never coordinates. */
  function nearest(latlng) {
    var url = el.dataset.nearUrl, ticket = ++asked;
    if (!url || !window.fetch) { return; }
    fetch(url + "?lat=" + latlng.lat.toFixed(6) + "&lon=" + latlng.lng.toFixed(6), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (d) { if (d && d.label && ticket === asked) { say("near", d.label); } })
      .catch(function () { /* the sentence without the address stays */ });
  }
  function choose(latlng, label) {
    lat.value = latlng.lat.toFixed(6); lon.value = latlng.lng.toFixed(6);
    if (chosen) { chosen.setLatLng(latlng); } else { chosen = L.circleMarker(latlng, { radius: 9, className: "reports-chosen", fillOpacity: 0.9 }).addTo(map); }
    if (label) { asked++; say("placed", label); } else { say("picked"); nearest(latlng); }
  }
  say("hint");
  /* The counter's form shows the coordinates (typed from what the resident gives, « 47,3149 » too): the point follows. */
  function typed() {
    var la = parseFloat(lat.value.replace(",", ".")), lo = parseFloat(lon.value.replace(",", "."));
    if (isNaN(la) || isNaN(lo)) { return false; }
    choose(L.latLng(la, lo));
    return true;
  }
  typed();
  if (lat.type !== "hidden") {
    [lat, lon].forEach(function (input) {
      input.addEventListener("change", function () { if (typed()) { map.setView(chosen.getLatLng(), Math.max(map.getZoom(), 17)); } });
    });
  }
  /* A tap on the whole commune brings the streets closer, so the point can be set right on a second tap. */
  map.on("click", function (e) { choose(e.latlng); if (map.getZoom() < 17) { map.setView(e.latlng, 17); } });
  /* An address chosen in the address field's suggestions (address-search.js) places the point there. */
  document.addEventListener("beffroi:address", function (e) {
    var p = L.latLng(e.detail.lat, e.detail.lon);
    choose(p, e.detail.label);
    map.setView(p, Math.max(map.getZoom(), 17));
  });
})();
