/* Progressive enhancement: the assets on a Leaflet map, each marker labelled with its name and state.
   Without JavaScript the table of equipment below gives the same information. */
(function () {
  "use strict";
  var el = document.getElementById("datahub-map");
  if (!el || typeof L === "undefined") { return; }
  function data(id) { var n = document.getElementById(id); return n ? JSON.parse(n.textContent) : null; }
  var boundary = data("datahub-boundary"), points = data("datahub-points") || [];
  var center = data("datahub-center") || [46.6, 2.4];
  el.hidden = false;
  var map = L.map(el, { scrollWheelZoom: false, zoomSnap: 0.25 }).setView(center, 15);
  if (window.BeffroiBasemap) { window.BeffroiBasemap.add(map, data("basemap-config")); }
  var colours = { "badge-ok": "#1b6e3a", "badge-warn": "#8a5a00", "badge-danger": "#b3261e" };
  if (boundary) {
    L.geoJSON(boundary, { interactive: false, style: { className: "map-outline", weight: 3, fill: false } }).addTo(map);
  }
  points.forEach(function (p) {
    var m = L.circleMarker([p.lat, p.lon], { radius: 7, color: colours[p.badge] || "#1d4e89", fillOpacity: 0.8 }).addTo(map);
    var label = p.state ? p.title + " — " + p.state : p.title;
    if (p.url) {  /* the dashboard: each marker leads to its equipment's page */
      var a = document.createElement("a"); a.href = p.url; a.textContent = label;
      m.bindPopup(a);
    }
    m.bindTooltip(label);
  });
  if (points.length) {
    var group = L.latLngBounds(points.map(function (p) { return [p.lat, p.lon]; }));
    map.fitBounds(group, { padding: [20, 20], maxZoom: 17 });
  }
})();
