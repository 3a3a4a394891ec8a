"""Démarches, the secrétaire's side and the address map: a builder changes a field of an installed démarche and
publishes it, edits and deletes a decision letter's template (1280×800 and 390×844, axe on every page); a
resident places the point of an address on the map with JavaScript, and gives the address alone without it."""

from __future__ import annotations

from datetime import date, timedelta

from playwright.sync_api import expect

from tests.browser.conftest import login, run_axe, with_axe

D = "/valbourg/demarches"
WIDE = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def _check(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url
    assert run_axe(page) == [], page.url


def test_builder_edits_a_field_and_a_letter(browser, demo_site, tmp_path):
    label = "Quotient familial CAF"
    for viewport in (WIDE, PHONE):
        context = with_axe(browser.new_context(locale="fr-FR", viewport=viewport))
        page = context.new_page()
        login(page, demo_site, "admin@demo.test")
        page.goto(f"{demo_site}{D}/gestion/demarches/")
        page.click("a:has-text('Inscription à la cantine et au périscolaire')")
        page.click(f"a:has-text('Modifier « {label} »')")
        _check(page, viewport["width"])
        page.screenshot(path=tmp_path / f"field-{viewport['width']}.png", full_page=True)
        page.fill("#id_minimum", "900")
        page.fill("#id_maximum", "100")
        page.click("button:has-text('Enregistrer le champ')")
        assert "le minimum dépasse le maximum" in page.inner_text(".error-summary")
        _check(page, viewport["width"])
        label = f"Quotient familial ({viewport['width']})"
        page.fill("#id_label", label)
        page.fill("#id_minimum", "0")
        page.fill("#id_maximum", "5000")
        page.click("button:has-text('Enregistrer le champ')")
        assert "Champ modifié dans la version en préparation" in page.inner_text("main")
        assert label in page.inner_text("main")
        page.click("button:has-text('Publier une nouvelle version')")
        assert "publiée" in page.inner_text("main")
        _check(page, viewport["width"])

        page.goto(f"{demo_site}{D}/gestion/demarches/lettres/")
        page.click("a:has-text('Modifier « Acceptation »')")
        _check(page, viewport["width"])
        page.fill("#id_signatory", "Le maire, Michel Roy")
        page.click("button:has-text('Enregistrer le modèle')")
        assert "Modèle de lettre modifié." in page.inner_text("main")
        page.click("a:has-text('Supprimer « Classement sans suite »')")
        _check(page, viewport["width"])
        page.screenshot(path=tmp_path / f"letter-delete-{viewport['width']}.png", full_page=True)
        if viewport is WIDE:
            page.click("a:has-text('Annuler')")
            assert "Classement sans suite" in page.inner_text("main")
        else:
            page.click("button:has-text('Supprimer le modèle')")
            assert "Modèle « Classement sans suite » supprimé." in page.inner_text("main")
        context.close()


def _moving(browser, base: str, tmp_path, *, javascript: bool) -> str:
    context = browser.new_context(java_script_enabled=javascript, locale="fr-FR", viewport=PHONE)
    if javascript:
        with_axe(context)
    page = context.new_page()
    page.goto(f"{base}{D}/")
    page.click("text=Permis de stationnement pour un déménagement")
    page.check("input[name=applicant_kind][value=particulier]")
    page.click("button:has-text('Commencer la demande')")
    page.fill("#champ-last_name", "Martin")
    page.fill("#champ-first_name", "Jeanne")
    page.fill("#champ-email", "jeanne.martin@exemple.fr")
    page.fill("#champ-address-street", "3 rue des Lilas")
    page.fill("#champ-address-postcode", "21990")
    page.fill("#champ-address-city", "Valbourg")
    assert not page.locator(".procedures-map").is_visible()  # the applicant's own address: no map
    page.click("button:has-text('Continuer')")
    page.fill("#champ-adresse-street", "12 rue de l'Église")
    page.fill("#champ-adresse-postcode", "21990")
    page.fill("#champ-adresse-city", "Valbourg")
    if javascript:
        map_box = page.locator("#champ-adresse-map")
        # shown by the page's script, which may still be running on a loaded machine when the fields are filled
        expect(map_box).to_be_visible()
        assert run_axe(page) == []
        map_box.click()
        assert "Point placé sur la carte" in page.inner_text(".procedures-map-status")
        assert page.input_value("#champ-adresse-lat") != ""
    else:
        assert not page.locator("#champ-adresse-map").is_visible()
    page.fill("#champ-date", (date.today() + timedelta(days=20)).isoformat())
    page.fill("#champ-horaires", "de 8 h à 13 h")
    page.fill("#champ-longueur", "10")
    page.check("input[name=demenageur][value=non]")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=tmp_path / f"address-{'js' if javascript else 'nojs'}.png", full_page=True)
    page.click("button:has-text('Continuer')")
    summary = page.inner_text("main")
    assert "12 rue de l'Église" in summary
    page.screenshot(path=tmp_path / f"summary-{'js' if javascript else 'nojs'}.png", full_page=True)
    context.close()
    return summary


def _stored_point(summary: str):
    """The map point stored with the draft whose code the summary page shows (« brouillon CUBU-AMCX »)."""
    import re

    from beffroi.procedures.models import Dossier

    code = re.search(r"brouillon ([A-Z0-9]{4})-([A-Z0-9]{4})", summary)
    dossier = Dossier.objects.get(tracking_code=code.group(1) + code.group(2))
    return (dossier.answers.get("adresse") or {}).get("point")


def test_an_address_gets_its_map_point_with_javascript_only(browser, demo_site, tmp_path):
    with_map = _moving(browser, demo_site, tmp_path, javascript=True)
    assert (_stored_point(with_map) or {}).get("source") == "carte"
    # the resident reads the address, not its coordinates (the agents' page gives them)
    assert "latitude" not in with_map and "point placé sur la carte" not in with_map
    without = _moving(browser, demo_site, tmp_path, javascript=False)
    assert (_stored_point(without) or {}).get("source") != "carte"
