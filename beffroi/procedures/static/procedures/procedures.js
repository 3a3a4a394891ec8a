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
