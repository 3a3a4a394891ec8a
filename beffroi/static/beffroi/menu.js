// On a phone the main menu folds behind a « Menu » button; without JavaScript it stays open (the CSS folds it
// only under html.js-menu). The button says whether the menu is open (aria-expanded).
(() => {
  const button = document.querySelector(".menu-toggle");
  if (!button) return;
  document.documentElement.classList.add("js-menu");
  button.hidden = false;
  button.addEventListener("click", () => {
    button.setAttribute("aria-expanded", button.getAttribute("aria-expanded") === "true" ? "false" : "true");
  });
})();
