/* The base map of every Beffroi map: the configured tile service (Plan IGN by default), and the commune's own
   vector layers (streets, buildings, named places) drawn in panes UNDER the tiles. Where a tile loads it covers
   them; where none can be reached (an offline town hall, a blocked network) or no service is configured, the
   commune's own plan shows, so a map is never a grey box.
   Use: BeffroiBasemap.add(map, config) with config = {tiles: {url, attribution, maxZoom} | null,
   layers_url: "…/fond-de-carte.json" | null, attribution: "…"} (the page's json_script "basemap-config"). */
(function () {
  "use strict";
  if (typeof L === "undefined") { return; }

  function angleOf(map, a, b) {
    var p = map.project(L.latLng(a[1], a[0]), 16), q = map.project(L.latLng(b[1], b[0]), 16);
    var deg = Math.atan2(q.y - p.y, q.x - p.x) * 180 / Math.PI;
    if (deg > 90) { deg -= 180; } else if (deg < -90) { deg += 180; }
    return deg;
  }

  function longestSegment(coords) {
    var best = 0, at = 0;
    for (var i = 0; i + 1 < coords.length; i++) {
      var dx = coords[i + 1][0] - coords[i][0], dy = coords[i + 1][1] - coords[i][1], d = dx * dx + dy * dy;
      if (d > best) { best = d; at = i; }
    }
    return [coords[at], coords[at + 1]];
  }

  function label(map, text, latlng, cls, angle) {
    var span = document.createElement("span");
    span.textContent = text;
    /* Styles set through the DOM, not markup: the CSP allows no inline style attribute. */
    span.style.transform = "translate(-50%, -50%) rotate(" + (angle || 0).toFixed(1) + "deg)";
    var icon = L.divIcon({ className: "basemap-label " + cls, html: span, iconSize: null });
    return L.marker(latlng, { icon: icon, pane: "beffroi-labels", interactive: false, keyboard: false });
  }

  var PLACE_CLASS = { parc: "basemap-park", cimetiere: "basemap-park", place: "basemap-square",
    eau: "basemap-water", mairie: "basemap-public", ecole: "basemap-public", eglise: "basemap-public",
    equipement: "basemap-public" };

  function draw(map, layers) {
    var ground = "beffroi-ground", labels = L.layerGroup().addTo(map);
    var places = layers.lieux, buildings = layers.batiments, streets = layers.voies;
    if (places) {
      L.geoJSON(places, { pane: ground, interactive: false, style: function (f) {
        var cls = PLACE_CLASS[f.properties.kind] || "basemap-square";
        return { className: cls, weight: cls === "basemap-water" ? 4 : 1 };
      } }).addTo(map);
    }
    if (buildings) {
      L.geoJSON(buildings, { pane: ground, interactive: false,
        style: function () { return { className: "basemap-building", weight: 0.5 }; } }).addTo(map);
    }
    if (streets) {
      var width = function (f) { return f.properties.kind === "principale" ? 9 : f.properties.kind === "chemin" ? 3 : 7; };
      L.geoJSON(streets, { pane: ground, interactive: false, style: function (f) {
        return f.properties.kind === "chemin" ? { className: "basemap-path", weight: 2 }
          : { className: "basemap-casing", weight: width(f) + 2, lineCap: "round" };
      } }).addTo(map);
      L.geoJSON(streets, { pane: ground, interactive: false, filter: function (f) { return f.properties.kind !== "chemin"; },
        style: function (f) {
          return { className: f.properties.kind === "principale" ? "basemap-main-road" : "basemap-road", weight: width(f), lineCap: "round" };
        } }).addTo(map);
      streets.features.forEach(function (f) {
        var g = f.geometry, coords = g.type === "LineString" ? g.coordinates : (g.coordinates[0] || []);
        if (!f.properties.name || coords.length < 2) { return; }
        var seg = longestSegment(coords);
        var mid = L.latLng((seg[0][1] + seg[1][1]) / 2, (seg[0][0] + seg[1][0]) / 2);
        labels.addLayer(label(map, f.properties.name, mid, "basemap-label-street", angleOf(map, seg[0], seg[1])));
      });
    }
    if (places) {
      var streetNames = {};
      (streets ? streets.features : []).forEach(function (f) { streetNames[f.properties.name] = true; });
      places.features.forEach(function (f) {
        if (!f.properties.name || streetNames[f.properties.name]) { return; }  /* « Place du Marché » once */
        var b = L.geoJSON(f).getBounds();
        if (!b.isValid()) { return; }
        var major = { mairie: 1, ecole: 1, eglise: 1, parc: 1 }[f.properties.kind];
        var minor = major ? "" : " basemap-label-minor";
        labels.addLayer(label(map, f.properties.name, b.getCenter(), "basemap-label-place" + minor, 0));
      });
    }
  }

  function add(map, config) {
    config = config || {};
    map.getContainer().classList.add("beffroi-map");
    map.createPane("beffroi-ground").style.zIndex = 150;   /* under the tiles (200) */
    map.createPane("beffroi-labels").style.zIndex = 160;
    var far = function () {
      map.getContainer().classList.toggle("beffroi-map-far", map.getZoom() < 15);
      map.getContainer().classList.toggle("beffroi-map-mid", map.getZoom() < 16);
    };
    map.on("zoomend", far); far();
    if (config.attribution) { map.attributionControl.addAttribution(config.attribution); }
    if (config.tiles && config.tiles.url) {
      L.tileLayer(config.tiles.url, { maxZoom: config.tiles.maxZoom || 19, attribution: config.tiles.attribution || "" }).addTo(map);
    }
    if (config.layers_url && window.fetch) {
      fetch(config.layers_url, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (layers) { if (layers) { draw(map, layers); } })
        .catch(function () { /* the map keeps its tiles and markers */ });
    }
  }

  window.BeffroiBasemap = { add: add };
})();
