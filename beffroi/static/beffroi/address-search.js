/* Address suggestions from the commune's address base (its Base Adresse Locale), on a text field marked
   data-address-search="<url of adresses/recherche.json>". The WAI-ARIA combobox pattern (APG, "combobox with
   listbox popup", list autocomplete with manual selection): arrows move through the suggestions, Enter picks
   one, Escape closes them; a status line says how many there are. Choosing one fills the field, sets the
   form's latitude/longitude and tells the page's map (event "beffroi:address"). Without JavaScript the field
   is a plain text field and the server looks the address up itself. */
(function () {
  "use strict";
  var counter = 0;

  function enhance(input) {
    var url = input.dataset.addressSearch, n = ++counter, timer = null, items = [], active = -1, ticket = 0;
    var chosenByList = false;
    var wrap = document.createElement("div");
    wrap.className = "address-combobox";
    input.parentNode.insertBefore(wrap, input);
    wrap.appendChild(input);
    var list = document.createElement("ul");
    list.id = "address-suggestions-" + n;
    list.className = "address-suggestions";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", input.dataset.listLabel || "");
    list.hidden = true;
    wrap.appendChild(list);
    var live = document.createElement("div");
    live.className = "visually-hidden";
    live.setAttribute("role", "status");
    wrap.appendChild(live);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("autocomplete", "off");
    var lat = document.getElementById("id_latitude"), lon = document.getElementById("id_longitude");

    function close() {
      list.hidden = true; active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }
    function highlight(i) {
      active = i;
      Array.prototype.forEach.call(list.children, function (li, j) { li.setAttribute("aria-selected", j === i ? "true" : "false"); });
      if (i >= 0) { input.setAttribute("aria-activedescendant", list.children[i].id); list.children[i].scrollIntoView({ block: "nearest" }); }
      else { input.removeAttribute("aria-activedescendant"); }
    }
    function pick(i) {
      var item = items[i];
      if (!item) { return; }
      input.value = item.label;
      chosenByList = true;
      if (lat && lon) { lat.value = item.lat.toFixed(6); lon.value = item.lon.toFixed(6); }
      close();
      live.textContent = (input.dataset.chosen || "").replace("{address}", item.label);
      document.dispatchEvent(new CustomEvent("beffroi:address", { detail: item }));
    }
    function show(results) {
      items = results;
      list.textContent = "";
      results.forEach(function (item, i) {
        var li = document.createElement("li");
        li.id = list.id + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.textContent = item.label;
        li.addEventListener("mousedown", function (e) { e.preventDefault(); });
        li.addEventListener("click", function () { pick(i); });
        list.appendChild(li);
      });
      if (results.length) {
        list.hidden = false; input.setAttribute("aria-expanded", "true"); highlight(-1);
        live.textContent = (results.length === 1 ? input.dataset.countOne : input.dataset.countMany || "").replace("{n}", results.length);
      } else {
        close();
        live.textContent = input.dataset.none || "";
      }
    }
    function search() {
      var q = input.value.trim(), mine = ++ticket;
      if (q.length < 3) { close(); return; }
      fetch(url + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { results: [] }; })
        .then(function (d) { if (mine === ticket && document.activeElement === input) { show(d.results || []); } })
        .catch(function () { close(); });
    }
    input.addEventListener("input", function () {
      if (chosenByList && lat && lon) { lat.value = ""; lon.value = ""; }  /* the typed text no longer names that point */
      chosenByList = false;
      clearTimeout(timer); timer = setTimeout(search, 180);
    });
    input.addEventListener("keydown", function (e) {
      var open = !list.hidden;
      if (e.key === "ArrowDown") { e.preventDefault(); if (!open) { search(); } else { highlight(Math.min(active + 1, items.length - 1)); } }
      else if (e.key === "ArrowUp") { if (open) { e.preventDefault(); highlight(Math.max(active - 1, 0)); } }
      else if (e.key === "Enter") { if (open && active >= 0) { e.preventDefault(); pick(active); } }
      else if (e.key === "Escape") { if (open) { e.preventDefault(); close(); } }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  if (!window.fetch) { return; }
  Array.prototype.forEach.call(document.querySelectorAll("input[data-address-search]"), enhance);
})();
