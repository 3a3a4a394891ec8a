"""Signalements, as judged: a resident on a phone-sized window (JavaScript on, then off) files a report, follows
it with the code and reads the agent's public reply; the agent handles it from the queue to the closing."""

import re

from tests.browser.conftest import login

PHONE = {"width": 390, "height": 844}
V = "/valbourg/signalements"


def _receipt_code(page) -> str:
    assert "Merci, votre signalement est envoyé" in page.inner_text("h1")
    code = page.inner_text(".reports-code").split(":")[-1].strip()
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", code), code
    return code


def _file_with_javascript(browser, base: str) -> str:
    context = browser.new_context(locale="fr-FR", viewport=PHONE, has_touch=True, is_mobile=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{base}{V}/")
    page.click("text=Signaler un problème")
    page.wait_for_selector("#reports-map .leaflet-container, #reports-map.leaflet-container")
    page.check("input[name=category][value=mobilier]")
    page.locator("#reports-map").click()  # the middle of the map: inside the commune's boundary
    assert "Point choisi sur la carte" in page.inner_text("#reports-map-status")
    assert page.input_value("#id_latitude") and page.input_value("#id_longitude")
    page.click("text=Continuer")
    assert "Point choisi sur la carte" in page.inner_text("main")
    page.fill("#id_description", "Banc cassé devant l'école (signalé avec la carte)")
    page.click("text=Envoyer le signalement")
    code = _receipt_code(page)
    assert errors == [], errors
    context.close()
    return code


def _file_without_javascript(browser, base: str) -> str:
    context = browser.new_context(java_script_enabled=False, locale="fr-FR", viewport=PHONE)
    page = context.new_page()
    page.goto(f"{base}/valbourg/")
    page.click("main >> text=Signalements")
    page.click("text=Signaler un problème")
    page.check("input[name=category][value=nid-de-poule]")
    where = page.inner_text("main fieldset:has(#id_address)")
    # one of the three is needed, and no map to touch is mentioned where none is drawn
    assert "(obligatoire)" in where and "facultatif" not in where and "carte" not in where
    page.select_option("#id_place", index=1)  # a named place of the commune instead of the map
    page.click("text=Continuer")
    assert "Déjà signalé ? Soutenez-le" in page.inner_text("main")
    page.fill("#id_description", "Trou profond devant la mairie (sans JavaScript)")
    page.select_option("#id_q_danger", "oui")
    page.fill("#id_contact_email", "riverain@exemple.test")
    page.click("text=Envoyer le signalement")
    code = _receipt_code(page)
    assert "Un accusé de réception a été envoyé à r…\u2060@exemple.test." in page.inner_text("main")
    context.close()
    return code


def _follow(browser, base: str, code: str, *, javascript: bool) -> str:
    """The resident types the code as dictated on the phone: lower case, without the dash."""
    context = browser.new_context(java_script_enabled=javascript, locale="fr-FR", viewport=PHONE)
    page = context.new_page()
    page.goto(f"{base}{V}/")
    page.click("text=Suivre un signalement avec son code")
    page.fill("#id_code", code.replace("-", "").lower())
    page.click("text=Voir le suivi")
    assert code in page.inner_text("h1")
    text = page.inner_text("main")
    context.close()
    return text


def test_resident_files_and_follows_agent_handles(browser, demo_site):
    with_js = _file_with_javascript(browser, demo_site)
    without_js = _file_without_javascript(browser, demo_site)
    assert with_js != without_js
    assert "Banc cassé devant l'école" in _follow(browser, demo_site, with_js, javascript=True)
    followed = _follow(browser, demo_site, without_js, javascript=False)
    # what the resident sent, their answer included, and never their address
    assert "Trou profond devant la mairie" in followed and "Oui, risque de chute" in followed
    assert "riverain@exemple.test" not in followed

    # The agent finds the report in the queue by its code and handles it end to end.
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    login(page, demo_site, "agent@demo.test")
    page.goto(f"{demo_site}{V}/gestion/")
    page.fill("#q-q", without_js)
    page.click("main button[type=submit]")
    page.click("main table tbody tr >> nth=0 >> a")
    assert "Trou profond devant la mairie" in page.inner_text("main")
    assert "riverain@exemple.test" in page.inner_text("main")  # the private contact, for agents only
    assert "Oui, risque de chute" in page.inner_text("main")  # the extra question's answer
    page.select_option("#a-assignee", index=1)
    page.click("main button:has-text('Affecter')")
    page.check("#a-vis-note")
    page.fill("#a-body", "Voir avec l'équipe voirie mardi")
    page.click("main button:has-text('Ajouter')")
    page.check("#a-vis-public")
    page.fill("#a-body", "Une équipe rebouchera le trou jeudi matin.")
    page.click("main button:has-text('Ajouter')")
    page.select_option("#a-state", label="Résolu — clôt le signalement")
    page.click("text=Enregistrer l'état")
    history = page.inner_text(".reports-history")
    assert "Une équipe rebouchera le trou jeudi matin." in history and "Résolu" in history
    context.close()

    # Back to the resident, on the phone without JavaScript: the public reply, not the internal note.
    followed = _follow(browser, demo_site, without_js, javascript=False)
    assert "Une équipe rebouchera le trou jeudi matin." in followed
    assert "Résolu" in followed
    assert "Voir avec l'équipe voirie" not in followed
    assert "riverain@exemple.test" not in followed
