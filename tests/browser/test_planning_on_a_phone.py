"""The commune's project on a 390 px phone, in headless Chromium: the council report's tables and the public
pages show every value (stacked rows with their column's name), and the radar's letters are named beside it."""

import pytest

from tests.browser.conftest import login, run_axe

PHONE = {"width": 390, "height": 844}

# Each table cell whose right edge lies past its scrolling region (or the window): a value the reader does not
# see without scrolling the table sideways.
HIDDEN_CELLS = r"""
() => [...document.querySelectorAll('main table')].flatMap((table) => {
  const region = table.closest('.table-scroll');
  const right = Math.min(region ? region.getBoundingClientRect().right : innerWidth, innerWidth) + 1;
  const caption = table.caption ? table.caption.innerText : '';
  return [...table.querySelectorAll('th, td')]
    .filter((cell) => cell.getBoundingClientRect().width > 0 && cell.getBoundingClientRect().right > right)
    .map((cell) => `${caption}: ${cell.innerText}`);
})
"""


@pytest.mark.parametrize("who", [None, "elu@demo.test"], ids=["anonyme", "elu"])
def test_the_project_pages_show_every_value_on_a_phone(browser, demo_site, who):
    context = browser.new_context(bypass_csp=True, locale="fr-FR", viewport=PHONE)
    page = context.new_page()
    paths = ["/valbourg/projet/"]
    if who:
        login(page, demo_site, who)
        paths += ["/valbourg/projet/rapport/", "/valbourg/projet/feuille-de-route/"]
    page.goto(demo_site + "/valbourg/projet/")
    paths.append(page.get_attribute("main .project-cards a", "href"))
    for path in paths:
        page.goto(demo_site + path if path.startswith("/") else path)
        assert page.evaluate(HIDDEN_CELLS) == [], path
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), path
        assert run_axe(page) == [], path
    if who:
        page.goto(demo_site + "/valbourg/projet/rapport/")
        legend = page.locator(".council-report .radar-legend")
        assert "Gouvernance & stratégie numérique" in legend.inner_text()
        box = legend.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    context.close()
