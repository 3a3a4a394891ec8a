/* Progressive enhancement: the meeting's place on a Leaflet map. Without JavaScript the page gives the address
   and the coordinates. */
(function () {
  "use strict";
  var el = document.getElementById("pc-map");
  if (!el || typeof L === "undefined") { return; }
  function data(id) { var n = document.getElementById(id); return n ? JSON.parse(n.textContent) : null; }
  var point = data("pc-point"), tiles = data("pc-tiles");
  if (!point) { return; }
  el.classList.add("pc-map-on");
  var map = L.map(el, { scrollWheelZoom: false }).setView([point.lat, point.lon], 16);
  if (tiles) { L.tileLayer(tiles, { maxZoom: 19, attribution: "© IGN, OpenStreetMap" }).addTo(map); }
  L.circleMarker([point.lat, point.lon], { radius: 9, color: "#1d4e89", fillOpacity: 0.85 }).addTo(map).bindPopup(point.title);
})();
