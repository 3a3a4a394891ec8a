// A « Imprimer » button (data-print, hidden until this script runs): without JavaScript the page offers its PDF.
document.querySelectorAll("[data-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
