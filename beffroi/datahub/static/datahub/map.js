/* Progressive enhancement: the assets on a Leaflet map, each marker labelled with its name and state.
   Without JavaScript the table of equipment below gives the same information. */
(function () {
  "use strict";
  var el = document.getElementById("datahub-map");
  if (!el || typeof L === "undefined") { return; }
  function data(id) { var n = document.getElementById(id); return n ? JSON.parse(n.textContent) : null; }
  var boundary = data("datahub-boundary"), points = data("datahub-points") || [];
  var center = data("datahub-center") || [46.6, 2.4], tiles = data("datahub-tiles");
  el.hidden = false;
  var map = L.map(el, { scrollWheelZoom: false, zoomSnap: 0.25 }).setView(center, 14);
  if (tiles) { L.tileLayer(tiles, { maxZoom: 19, attribution: "© OpenStreetMap" }).addTo(map); }
  var colours = { "badge-ok": "#1b6e3a", "badge-warn": "#8a5a00", "badge-danger": "#b3261e" };
  var bounds = [];
  if (boundary) {
    var outline = L.geoJSON(boundary, { style: { color: "#1d4e89", weight: 2, fillOpacity: 0.05 } }).addTo(map);
    bounds.push(outline.getBounds());
  }
  points.forEach(function (p) {
    var m = L.circleMarker([p.lat, p.lon], { radius: 7, color: colours[p.badge] || "#1d4e89", fillOpacity: 0.8 }).addTo(map);
    var a = document.createElement("a"); a.href = p.url; a.textContent = p.title + " — " + p.state;
    m.bindPopup(a);
    m.bindTooltip(p.title + " — " + p.state);
  });
  if (points.length) {
    var group = L.latLngBounds(points.map(function (p) { return [p.lat, p.lon]; }));
    map.fitBounds(bounds.length ? bounds[0].extend(group) : group, { padding: [20, 20] });
  } else if (bounds.length) {
    map.fitBounds(bounds[0]);
  }
})();
