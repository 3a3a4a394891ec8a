"""A resident's journey with JavaScript turned off: every step is a plain link or form."""


def test_journey_without_javascript(browser, demo_site):
    context = browser.new_context(
        bypass_csp=True, java_script_enabled=False, locale="fr-FR", viewport={"width": 390, "height": 844}
    )
    page = context.new_page()
    page.goto(demo_site + "/")
    page.click("text=Valbourg")
    assert page.title().endswith("Valbourg")
    page.click("text=Se connecter")
    page.fill("#id_username", "habitant@demo.test")
    page.fill("#id_password", "beffroi-demo")
    page.click("main button[type=submit]")
    page.click("header >> text=Mon compte")
    assert "habitant@demo.test" in page.inner_text("main")
    # switch to English and back, through the form
    page.click("header button[value=en]")
    assert page.locator("html").get_attribute("lang") == "en"
    page.click("header button[value=fr]")
    assert page.locator("html").get_attribute("lang") == "fr"
    page.click("text=Accessibilité : non conforme")
    assert "Déclaration d'accessibilité" in page.inner_text("h1")
    page.click("header button:has-text('Se déconnecter')")
    assert "Vous êtes déconnecté" in page.inner_text("main")
    context.close()


def test_skip_link_moves_focus_to_the_content(browser, demo_site):
    page = browser.new_page(bypass_csp=True)
    page.goto(demo_site + "/valbourg/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Aller au contenu"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "contenu"
    page.close()


def test_the_phone_menu_folds_with_javascript_and_stays_open_without(browser, demo_site):
    """Issue #11: the header took a quarter of a phone's screen; the menu now folds behind « Menu »."""
    phone = {"width": 390, "height": 844}
    with_js = browser.new_context(locale="fr-FR", viewport=phone)
    page = with_js.new_page()
    page.goto(demo_site + "/valbourg/")
    menu = page.locator("#menu-principal")
    assert not menu.is_visible()
    folded = page.locator("header.site-header").bounding_box()
    assert folded is not None and folded["height"] < 130  # it was about 190 px
    page.click("button.menu-toggle")
    assert menu.is_visible() and page.get_attribute("button.menu-toggle", "aria-expanded") == "true"
    assert page.locator("#menu-principal >> text=Signalements").is_visible()
    with_js.close()
    without_js = browser.new_context(locale="fr-FR", viewport=phone, java_script_enabled=False)
    page = without_js.new_page()
    page.goto(demo_site + "/valbourg/")
    assert page.locator("#menu-principal >> text=Signalements").is_visible()
    assert not page.locator("button.menu-toggle").is_visible()
    without_js.close()
    wide = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 800})
    page = wide.new_page()
    page.goto(demo_site + "/valbourg/")
    assert (
        page.locator("#menu-principal").is_visible() and not page.locator("button.menu-toggle").is_visible()
    )
    wide.close()
