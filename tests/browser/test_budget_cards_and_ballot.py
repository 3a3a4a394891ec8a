"""The participatory budget in headless Chromium: the project cards keep their words whole on a phone and two
cards wide, and the basket's total never claims « 0 € » without JavaScript while it is live with it."""

import pytest

from tests.browser.conftest import login

BUDGET = "/valbourg/budget-participatif/bp-2026"

# Each word of four letters or more in the cards whose letters sit on two lines (a word cut, not wrapped).
WORDS_CUT = r"""
() => {
  const cut = [];
  for (const card of document.querySelectorAll(".card-list .card")) {
    const walker = document.createTreeWalker(card, NodeFilter.SHOW_TEXT);
    let node;
    while ((node = walker.nextNode())) {
      const word = /[\p{L}\p{N}]{4,}/gu;
      let m;
      while ((m = word.exec(node.data))) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const lines = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
        if (lines.size > 1) cut.push(m[0]);
      }
    }
  }
  return cut;
}
"""


@pytest.mark.parametrize("width", [390, 840])
def test_project_cards_wrap_whole_words(browser, demo_site, width):
    context = browser.new_context(bypass_csp=True, locale="fr-FR", viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(demo_site + BUDGET + "/")
    assert "nature et environnement" in page.inner_text(".card-list")
    assert page.evaluate(WORDS_CUT) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    context.close()


@pytest.mark.parametrize("javascript", [False, True])
def test_the_basket_total_is_true_with_or_without_javascript(browser, demo_site, javascript):
    context = browser.new_context(
        bypass_csp=True,
        locale="fr-FR",
        java_script_enabled=javascript,
        viewport={"width": 390, "height": 844},
    )
    page = context.new_page()
    login(page, demo_site, "habitant@demo.test")
    page.goto(demo_site + BUDGET + "/voter/")
    total = page.locator("#pb-total")
    page.locator("main input[name=project]").first.check()
    if javascript:
        assert total.inner_text().startswith(
            "Total de votre panier : 4\u202f000\u00a0€ sur 80\u202f000\u00a0€"
        )
        # the live total needs no « Recalculer »: the button and its line are gone, the total stays in view
        assert not page.locator(".pb-without-script").first.is_visible()
        assert not page.locator("main button[value=recalculer]").is_visible()
        assert page.evaluate("getComputedStyle(document.querySelector('.pb-summary')).position") == "sticky"
    else:
        # nothing is claimed that ticking would make false; the page says how to get the figure
        assert total.inner_text() == "Votre panier peut compter jusqu'à 80\u202f000\u00a0€ de projets."
        assert page.locator(".pb-without-script").first.is_visible()
        # a total that changes only on « Recalculer » stays in its place rather than cover the list
        assert page.evaluate("getComputedStyle(document.querySelector('.pb-summary')).position") == "static"
        page.click("main button[value=recalculer]")
        assert page.locator("#pb-total").inner_text().startswith("Total de votre panier : 4\u202f000\u00a0€")
        assert "Total recalculé." in page.inner_text(
            "main"
        ) and "n'est pas enregistré" not in page.inner_text("main")
    context.close()
