"""Maps that show streets without the Internet, and addresses found as a resident types them.

The tile service cannot be reached from the test machine (as from an offline town hall): the commune's own
streets, buildings and places must be drawn all the same. The address field's suggestions follow the WAI-ARIA
combobox pattern and pass axe; the counter form keeps its private note apart."""

from playwright.sync_api import expect

from tests.browser.conftest import login, run_axe, with_axe

PHONE = {"width": 390, "height": 844}
V = "/valbourg/signalements"


def test_the_report_map_draws_the_commune_s_streets_without_tiles(browser, demo_site):
    context = browser.new_context(locale="fr-FR", viewport=PHONE)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{demo_site}{V}/signaler/")
    page.wait_for_selector(".leaflet-beffroi-ground-pane path.basemap-road", state="attached")
    assert page.locator(".leaflet-beffroi-ground-pane path.basemap-building").count() > 50
    labels = page.locator(".leaflet-beffroi-labels-pane .basemap-label").all_inner_texts()
    assert "Rue des Écoles" in labels and "Mairie" in labels
    assert "© IGN – Plan IGN" in page.inner_text(".leaflet-control-attribution")
    assert errors == [], errors
    context.close()


def test_an_address_chosen_among_suggestions_places_the_point(browser, demo_site):
    context = with_axe(browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 800}))
    page = context.new_page()
    page.goto(f"{demo_site}{V}/signaler/")
    page.check("input[name=category][value=nid-de-poule]")
    field = page.locator("#id_address")
    assert field.get_attribute("role") == "combobox" and field.get_attribute("aria-expanded") == "false"
    field.press_sequentially("12 rue des ec", delay=30)
    page.wait_for_selector("[role=listbox] [role=option]")
    assert field.get_attribute("aria-expanded") == "true"
    assert page.locator("[role=option]").first.inner_text() == "12 rue des Écoles"
    assert run_axe(page) == []
    field.press("ArrowDown")
    assert field.get_attribute("aria-activedescendant") == page.locator("[role=option]").first.get_attribute(
        "id"
    )
    field.press("Enter")
    assert field.input_value() == "12 rue des Écoles"
    assert page.input_value("#id_latitude").startswith("47.3211")
    assert "Point placé au 12 rue des Écoles." in page.inner_text("#reports-map-status")
    page.click("text=Continuer")
    assert "12 rue des Écoles" in page.inner_text("#titre-lieu + *, main")
    context.close()


def test_a_tapped_point_is_named_by_its_street(browser, demo_site):
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(f"{demo_site}{V}/signaler/")
    page.wait_for_selector(".leaflet-beffroi-ground-pane path.basemap-road", state="attached")
    page.locator("#reports-map").click()  # the centre: the mairie
    # (a locator, not wait_for_function: its polling evaluates a string, which the page's CSP forbids)
    expect(page.locator("#reports-map-status")).to_contain_text("près d")
    status = page.inner_text("#reports-map-status")
    assert "place de la Mairie" in status or "rue" in status or "allée" in status, status
    context.close()


def test_the_counter_form_keeps_public_and_private_apart_and_passes_axe(browser, demo_site):
    context = with_axe(browser.new_context(locale="fr-FR", viewport=PHONE))
    page = context.new_page()
    login(page, demo_site, "agent@demo.test")
    page.goto(f"{demo_site}{V}/gestion/nouveau/")
    page.check("input[name=categorie] >> nth=1")
    page.click("main form.box button[type=submit]")
    page.wait_for_selector(".leaflet-beffroi-ground-pane path.basemap-road", state="attached")
    assert "Ce qui sera public" in page.inner_text(".reports-public-part legend")
    assert "Ce qui reste entre agents" in page.inner_text(".reports-private-part legend")
    assert run_axe(page) == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    context.close()
