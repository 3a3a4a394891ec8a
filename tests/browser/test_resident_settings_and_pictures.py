"""A resident on a phone with JavaScript off chooses what they are told, sees the residents' photos on the idea
and proposal cards, and an administrator's destructive action asks on a page of its own."""

from urllib.parse import urljoin

from tests.browser.conftest import login, run_axe


def test_a_resident_mutes_a_kind_of_mail_without_javascript_on_a_phone(browser, demo_site):
    context = browser.new_context(
        bypass_csp=True, java_script_enabled=False, locale="fr-FR", viewport={"width": 390, "height": 844}
    )
    page = context.new_page()
    login(page, demo_site, "habitant@demo.test")
    page.goto(f"{demo_site}/valbourg/mon-espace/")
    box = page.locator("#id_signalements_email")
    assert box.is_checked()
    box.uncheck()
    page.click("text=Enregistrer mes choix")
    assert "Vos choix de notifications sont enregistrés." in page.inner_text("main")
    assert not page.locator("#id_signalements_email").is_checked()
    assert page.locator("#id_participation_email").is_checked()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()


def test_idea_and_proposal_cards_show_the_residents_photos_with_their_description(browser, demo_site):
    context = browser.new_context(bypass_csp=True, locale="fr-FR", viewport={"width": 390, "height": 844})
    page = context.new_page()
    for path in ("/valbourg/budget-participatif/bp-2027/idees/", "/valbourg/participation/propositions/"):
        page.goto(demo_site + path)
        pictures = page.locator("img.card-picture")
        assert pictures.count() >= 2
        first = pictures.first
        assert first.get_attribute("alt").startswith("Dessin :")
        served = page.request.get(urljoin(page.url, first.get_attribute("src")))  # the photo is served
        assert served.ok and served.headers["content-type"].startswith("image/"), served.status
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert run_axe(page) == []
    context.close()


def test_revoking_an_api_key_asks_on_a_page_of_its_own(browser, demo_site):
    """The page is the server's (tests/core/test_confirm.py posts without a browser); here axe reads it."""
    context = browser.new_context(bypass_csp=True, locale="fr-FR", viewport={"width": 390, "height": 844})
    page = context.new_page()
    login(page, demo_site, "admin@demo.test")
    page.goto(f"{demo_site}/valbourg/espace-agents/administration/cles-api/")
    page.fill("#id_name", "Capteurs du lavoir")
    page.click("main button:has-text('Créer la clé')")
    page.goto(f"{demo_site}/valbourg/espace-agents/administration/cles-api/")
    page.locator("button.button-danger:has-text('Révoquer')").first.click()
    assert page.inner_text("h1").startswith("Révoquer la clé")
    assert run_axe(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.click("text=Revenir sans rien changer")
    assert page.locator("button.button-danger:has-text('Révoquer')").count() >= 1
    context.close()
