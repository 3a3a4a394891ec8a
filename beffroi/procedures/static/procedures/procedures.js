// Conditional display as the visitor answers (the server decides the same way when the form is sent; without
// this script every question is shown with a note saying when to fill it in).
(function () {
  "use strict";
  function valuesOf(form, key) {
    var chosen = [];
    form.querySelectorAll('input[data-field="' + key + '"]').forEach(function (input) {
      if (input.checked) { chosen.push(input.value); }
    });
    return chosen;
  }
  function update(form) {
    form.querySelectorAll("[data-condition-field]").forEach(function (element) {
      var key = element.getAttribute("data-condition-field");
      if (!form.querySelector('input[data-field="' + key + '"]')) { return; } // asked on another step
      var wanted = element.getAttribute("data-condition-values").split("|");
      var shown = valuesOf(form, key).some(function (v) { return wanted.indexOf(v) !== -1; });
      if (shown) { element.removeAttribute("data-condition-hidden"); } else { element.setAttribute("data-condition-hidden", ""); }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form.procedures-form").forEach(function (form) {
      update(form);
      form.addEventListener("change", function () { update(form); });
    });
  });
})();

// A postal address's map point (with JavaScript only; without it the address alone is sent and the server
// places it from the commune's address base when it can). The commune's base map (basemap.js, as on the
// reports' form); a tap places the point in the field's hidden latitude and longitude, « Retirer » clears it.
(function () {
  "use strict";
  function data(id) { var n = document.getElementById(id); return n ? JSON.parse(n.textContent) : null; }
  document.addEventListener("DOMContentLoaded", function () {
    if (typeof L === "undefined") { return; }
    var boundary = data("procedures-boundary"), center = data("procedures-center");
    document.querySelectorAll(".procedures-map-field").forEach(function (wrap) {
      var lat = document.getElementById(wrap.dataset.lat), lon = document.getElementById(wrap.dataset.lon);
      var status = wrap.querySelector(".procedures-map-status"), clear = wrap.querySelector(".procedures-map-clear");
      if (!lat || !lon) { return; }
      wrap.hidden = false;
      var map = L.map(wrap.querySelector(".procedures-map"), { scrollWheelZoom: false })
        .setView(center || [46.6, 2.4], center ? 15 : 5);
      if (window.BeffroiBasemap) { window.BeffroiBasemap.add(map, data("basemap-config")); }
      if (boundary) {
        L.geoJSON(boundary, { interactive: false, style: { className: "map-outline", weight: 3, fill: false } }).addTo(map);
      }
      var chosen = null;
      function say(key) { status.textContent = status.dataset[key] || ""; }
      function choose(latlng) {
        lat.value = latlng.lat.toFixed(6); lon.value = latlng.lng.toFixed(6);
        if (chosen) { chosen.setLatLng(latlng); } else { chosen = L.circleMarker(latlng, { radius: 9, className: "procedures-map-chosen", fillOpacity: 0.9 }).addTo(map); }
        clear.hidden = false; say("picked");
      }
      clear.addEventListener("click", function () {
        lat.value = ""; lon.value = "";
        if (chosen) { map.removeLayer(chosen); chosen = null; }
        clear.hidden = true; say("hint");
      });
      if (lat.value && lon.value) {
        var at = L.latLng(parseFloat(lat.value), parseFloat(lon.value));
        choose(at); map.setView(at, 17);
      } else { clear.hidden = true; say("hint"); }
      map.on("click", function (e) { choose(e.latlng); if (map.getZoom() < 17) { map.setView(e.latlng, 17); } });
    });
  });
})();

// The decision form (agents): choosing a letter template puts its letter, filled with the dossier on the server
// (the page's « procedures-decision-letters » data), in the letter's field, with its signatory and decision when
// none is given yet. A letter the agent has written is never replaced: « Préremplir avec ce modèle » does it,
// and does it all without this script.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var data = document.getElementById("procedures-decision-letters");
    var form = document.querySelector("form[data-decision-form]");
    if (!data || !form) { return; }
    var letters = JSON.parse(data.textContent);
    var select = form.querySelector('select[name="template"]');
    var text = form.querySelector('textarea[name="text"]');
    var signatory = form.querySelector('input[name="signatory"]');
    if (!select || !text) { return; }
    var filled = ""; // what a template put there last: another template may replace it
    select.addEventListener("change", function () {
      var letter = letters[select.value];
      if (!letter) { return; }
      if (text.value.trim() !== "" && text.value !== filled) { return; }
      text.value = letter.text;
      filled = letter.text;
      if (signatory && !signatory.value.trim()) { signatory.value = letter.signatory; }
      if (!form.querySelector('input[name="outcome"]:checked')) {
        var outcome = form.querySelector('input[name="outcome"][value="' + letter.outcome + '"]');
        if (outcome) { outcome.checked = true; }
      }
    });
  });
})();
