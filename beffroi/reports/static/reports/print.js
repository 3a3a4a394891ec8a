/* The receipt's print button: shown only where JavaScript can print; without it, the hint to use Ctrl+P stays. */
(function () {
  "use strict";
  var button = document.querySelector("[data-print]"), hint = document.querySelector("[data-print-hint]");
  if (!button || !window.print) { return; }
  button.hidden = false;
  if (hint) { hint.hidden = true; }
  button.addEventListener("click", function () { window.print(); });
})();
