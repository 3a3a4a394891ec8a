// Progressive enhancement of the ballot: live total of the basket (panier) or of the points given.
// Without JavaScript the "Recalculer" button asks the server for the same figures (the page says so).
(function () {
  "use strict";
  var fieldset = document.querySelector(".pb-ballot");
  var output = document.getElementById("pb-total");
  if (!fieldset || !output) return;
  var type = fieldset.getAttribute("data-ballot-type");
  var lang = document.documentElement.lang || "fr";
  var format = function (n) { return n.toLocaleString(lang); };
  // an amount as the server writes it (|euros): a no-break space keeps the euro sign on the number's line
  var euros = function (n) { return format(n) + "\u00a0€"; };
  // The sentences come translated from the page (data-template, data-over); only numbers are filled in here.
  var template = output.getAttribute("data-template") || "";
  var overTemplate = output.getAttribute("data-over-template") || template;
  var over = output.getAttribute("data-over") || "";
  var fill = function (values, sentence) {
    return (sentence || template).replace(/\{(\w+)\}/g, function (_m, key) { return values[key]; });
  };
  function update() {
    if (type === "panier") {
      var limit = parseInt(fieldset.getAttribute("data-limit"), 10) || 0;
      var total = 0;
      fieldset.querySelectorAll("input[type=checkbox]:checked").forEach(function (box) {
        total += parseInt(box.getAttribute("data-cost"), 10) || 0;
      });
      var values = { total: euros(total), limit: euros(limit), left: euros(limit - total), excess: euros(total - limit) };
      output.textContent = fill(values, total > limit ? overTemplate : template) +
        (total > limit ? " " + over : "");
      output.classList.toggle("pb-total-over", total > limit);
    } else if (type === "points") {
      var max = parseInt(fieldset.getAttribute("data-points"), 10) || 0;
      var used = 0;
      fieldset.querySelectorAll("input[type=number]").forEach(function (input) {
        used += parseInt(input.value, 10) || 0;
      });
      output.textContent = fill({ used: used, total: max }) + (used > max ? " " + over : "");
      output.classList.toggle("pb-total-over", used > max);
    }
  }
  fieldset.addEventListener("change", update);
  fieldset.addEventListener("input", update);
  // The live figure from the start; « Recalculer » and the line about it are for pages without JavaScript. The
  // live total stays in view while the list scrolls (without JavaScript it changes only on « Recalculer »: it
  // stays in its place rather than cover the list).
  update();
  document.querySelectorAll(".pb-without-script").forEach(function (line) { line.hidden = true; });
  document.querySelectorAll(".pb-summary").forEach(function (summary) { summary.classList.add("pb-live"); });
})();
