// What every page does with JavaScript, none of it needed without.
(() => {
  // On a phone the main menu folds behind a « Menu » button; without JavaScript it stays open (the CSS folds it
  // only under html.js-menu). The button says whether the menu is open (aria-expanded).
  const button = document.querySelector(".menu-toggle");
  if (button) {
    document.documentElement.classList.add("js-menu");
    button.hidden = false;
    button.addEventListener("click", () => {
      button.setAttribute("aria-expanded", button.getAttribute("aria-expanded") === "true" ? "false" : "true");
    });
  }
  // A form sent back with errors: its summary takes the focus, so a keyboard or screen-reader user starts from
  // the list of what to correct (each item a link to its field) instead of the top of the page.
  const summary = document.querySelector(".error-summary");
  if (summary) summary.focus();
})();
