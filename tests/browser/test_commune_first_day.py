"""A commune's first day, as judged: the operator adds a real 605-inhabitant commune from the official list
(search as you type), the invited mayor accepts from the mail, picks the village preset, fills « Premiers pas »
to the end, and the public home is published — every page checked with axe-core (WCAG 2.1 A/AA) and for
horizontal scrolling at 390 px. (The pages without JavaScript are exercised by tests/territory/test_pages.py.)"""

import json
import re

from django.core import mail

from tests.browser.conftest import login, run_axe, with_axe

PHONE = {"width": 390, "height": 844}


def _check(page) -> None:
    assert run_axe(page) == [], page.url
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"], page.url


def _operator_adds_rovon(browser, base: str) -> str:
    context = with_axe(browser.new_context(locale="fr-FR", viewport=PHONE))
    page = context.new_page()
    login(page, base, "operateur@demo.test")
    page.goto(f"{base}/plateforme/communes/nouvelle/")
    _check(page)
    page.fill("input[name=q]", "rovon")
    page.wait_for_selector("#resultats >> text=Rovon (38 · Isère)")
    _check(page)
    page.click("#resultats >> text=Rovon (38 · Isère)")
    assert "605 habitants" in page.inner_text("main")
    _check(page)
    page.fill("#id_admin_email", "maire@rovon.test")
    page.click("text=Créer Rovon et inviter l'administrateur")
    assert "Rovon est créée" in page.inner_text(".messages")
    _check(page)
    context.close()
    (message,) = [m for m in mail.outbox if m.to == ["maire@rovon.test"]]
    return re.search(r"https?://[^/\s]+(/rovon/invitation/\S+/)", message.body).group(1)


def test_a_commune_s_first_day(browser, demo_site):
    mail.outbox.clear()
    path = _operator_adds_rovon(browser, demo_site)
    context = with_axe(browser.new_context(locale="fr-FR", viewport=PHONE))
    page = context.new_page()
    page.goto(demo_site + path)
    _check(page)
    page.fill("#id_full_name", "Claire Dumas")
    page.fill("#id_password1", "Rovon-Mairie-2026!")
    page.fill("#id_password2", "Rovon-Mairie-2026!")
    page.click("main form button[type=submit]")
    page.goto(f"{demo_site}/rovon/espace-agents/administration/premiers-pas/")
    text = page.inner_text(
        "main"
    )  # the operator kept the preset suggested for 605 inhabitants (its saisine libre is published)
    assert "Étapes faites : 2 sur 7" in text and "Modèle de départ : Village." in text
    _check(page)
    page.click("text=Changer de modèle")
    _check(page)
    page.check("input[value=village]")
    page.click("text=Appliquer ce modèle")
    assert "Étapes faites : 2 sur 7" in page.inner_text("main")
    page.click("main >> text=Identité de la commune et logo")
    _check(page)
    page.fill("#id_address", "Le Village, 38470 Rovon")
    page.fill("#id_contact_phone", "04 76 38 00 00")
    page.fill("#id_publication_director", "Claire Dumas, maire de Rovon")
    page.set_input_files(
        "#id_logo", files=[{"name": "blason.png", "mimeType": "image/png", "buffer": _png()}]
    )
    page.click("main form button[type=submit]")
    page.goto(f"{demo_site}/rovon/espace-agents/administration/contour/")
    _check(page)
    ring = [[5.43, 45.17], [5.48, 45.17], [5.48, 45.22], [5.43, 45.22], [5.43, 45.17]]
    page.set_input_files(
        "#id_contour",
        files=[
            {
                "name": "rovon.geojson",
                "mimeType": "application/geo+json",
                "buffer": json.dumps({"type": "Polygon", "coordinates": [ring]}).encode(),
            }
        ],
    )
    page.click("text=Envoyer le contour")
    assert "Contour enregistré" in page.inner_text("main")
    page.goto(f"{demo_site}/rovon/espace-agents/administration/")
    _check(page)
    page.goto(f"{demo_site}/rovon/espace-agents/administration/page-accueil/")
    _check(page)
    page.fill("#id_welcome_text", "Bienvenue à Rovon. Infos : https://rovon.example/")
    page.select_option("#id_accessibility_level", "non")
    page.fill("#id_accessibility_audit", "autoévaluation, décembre 2026")
    page.check("#id_home_published")
    page.click("main form button[type=submit]")
    page.goto(f"{demo_site}/rovon/espace-agents/actualites/")
    _check(page)
    page.fill("#id_title", "Vœux du maire")
    page.fill("#id_body", "Samedi 10 janvier à 11 h, salle des fêtes.")
    page.click("text=Publier")
    page.goto(f"{demo_site}/rovon/espace-agents/administration/premiers-pas/")
    text = page.inner_text("main")
    assert "Étapes faites : 6 sur 7" in text  # the team is still to invite (the preset published a démarche)
    context.close()
    visitor = with_axe(browser.new_context(locale="fr-FR", viewport=PHONE))
    page = visitor.new_page()
    page.goto(f"{demo_site}/rovon/")
    _check(page)
    text = page.inner_text("main")
    assert "Bienvenue à Rovon." in text and "Vœux du maire" in text
    assert "Accessibilité : non conforme" in page.inner_text("footer")  # stated once, in every page's footer
    assert page.locator("img.brand-logo").count() == 1
    page.goto(f"{demo_site}/")
    _check(page)
    assert "Rovon" in page.inner_text("main")
    visitor.close()


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (300, 360), (30, 70, 160)).save(out, "PNG")
    return out.getvalue()
