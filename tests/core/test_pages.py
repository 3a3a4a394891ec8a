"""The layout and the legally required pages, in French, with an English catalogue."""

import pytest


@pytest.mark.parametrize(
    "path, title",
    [
        ("/valbourg/accessibilite", "Déclaration d'accessibilité"),
        ("/valbourg/mentions-legales", "Mentions légales"),
        ("/valbourg/donnees-personnelles", "Données personnelles"),
    ],
)
def test_legal_pages(client, valbourg, path, title):
    response = client.get(path)
    html = response.content.decode()
    assert response.status_code == 200
    assert f"<title>{title} — Valbourg</title>" in html.replace("&#x27;", "'")
    assert 'lang="fr"' in html


def test_layout_has_skip_link_landmarks_and_csp(client, valbourg):
    response = client.get("/valbourg/")
    html = response.content.decode()
    assert 'href="#contenu"' in html and '<main id="contenu"' in html
    assert "<header" in html and "<footer" in html and "<nav" in html
    assert "Accessibilité : non conforme" in html
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "https://" not in html.split("<main")[0]  # no third-party asset in the head


def test_language_switch_to_english(client, valbourg):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/valbourg/"}, follow=True)
    html = response.content.decode()
    assert 'lang="en"' in html
    assert "Skip to content" in html
    assert "Accessibility: non-compliant" in html


def test_commune_home_shows_only_enabled_modules(client, valbourg):
    from beffroi.core import modules

    enabled = [m for m in modules.all_modules()]
    if not enabled:
        pytest.skip("no module registered yet")
    valbourg.enabled_modules = [enabled[0].code]
    valbourg.save()
    html = client.get("/valbourg/").content.decode()
    assert str(enabled[0].label) in html
    for other in enabled[1:]:
        assert str(other.description) not in html


def test_french_by_default_even_for_an_english_browser(client, valbourg):
    html = client.get("/valbourg/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert 'lang="fr"' in html and "Aller au contenu" in html


def test_the_layout_shows_a_changed_commune_and_menu_at_once_in_each_language(client, valbourg, hautmesnil):
    """The menu and the footer are kept rendered (fragments cache) under what they show: a new telephone
    number, a module switched off or another commune's page never shows the previous rendering."""
    valbourg.enabled_modules = ["reports", "budgeting"]
    valbourg.contact_phone = "03 80 00 00 01"
    valbourg.save()
    hautmesnil.enabled_modules = ["reports"]
    hautmesnil.save()

    def menu_and_footer(slug: str) -> tuple[str, str]:
        html = client.get(f"/{slug}/").content.decode()
        return html.split('id="menu-principal"')[1].split("</ul>")[0], html.split("<footer")[1]

    menu, footer = menu_and_footer("valbourg")
    assert "/valbourg/budget-participatif/" in menu and "03 80 00 00 01" in footer
    menu, footer = menu_and_footer("hautmesnil")
    assert "/hautmesnil/signalements/" in menu and "/valbourg/" not in menu + footer
    assert "budget-participatif" not in menu and "Mairie de Hautmesnil" in footer

    valbourg.enabled_modules = ["reports"]
    valbourg.contact_phone = "03 80 00 00 02"
    valbourg.save()
    menu, footer = menu_and_footer("valbourg")
    assert "budget-participatif" not in menu and "/valbourg/signalements/" in menu
    assert "03 80 00 00 02" in footer and "03 80 00 00 01" not in footer

    client.post("/i18n/setlang/", {"language": "en", "next": "/valbourg/"})
    menu, footer = menu_and_footer("valbourg")
    assert "Reports</a>" in menu and "Signalements" not in menu
    assert "Legal notice" in footer and "Mentions légales" not in footer


def test_the_accessibility_statement_says_non_compliant_until_an_audit_says_otherwise(client, valbourg):
    """RGAA: with no audit, a site is declared « non conforme », whatever its automatic tests say; the ways
    to appeal to the Défenseur des droits are links a person can follow."""
    html = client.get("/valbourg/accessibilite").content.decode()
    assert "<strong>non conforme</strong>" in html and "aucun audit de conformité" in html
    assert "partiellement conforme" not in html
    assert 'href="https://formulaire.defenseurdesdroits.fr/"' in html
    assert 'href="https://www.defenseurdesdroits.fr/carte-des-delegues"' in html

    valbourg.accessibility_level = "partiel"
    valbourg.accessibility_audit = "audit interne du 12 mars 2026 sur 10 pages"
    valbourg.save()
    html = client.get("/valbourg/accessibilite").content.decode()
    assert "<strong>partiellement conforme</strong>" in html and "audit interne du 12 mars 2026" in html
    assert "Accessibilité : partiellement conforme" in html  # the footer of every page says the same


def test_a_form_marks_what_must_be_answered_and_no_box_as_optional():
    """The one field template (core.form_renderer): « (obligatoire) » / « (facultatif) » on what is typed or
    chosen; a box left unticked is an answer, so only a box that must be ticked is marked."""
    from django import forms

    class Form(forms.Form):
        name = forms.CharField(label="Nom")
        note = forms.CharField(label="Note", required=False)
        active = forms.BooleanField(label="Active", required=False)
        accept = forms.BooleanField(label="J'accepte les conditions")

    html = Form().as_div()
    assert 'Nom <span class="required">(obligatoire)</span>' in html
    assert 'Note <span class="optional">(facultatif)</span>' in html
    assert "Active</label>" in html
    assert 'J&#x27;accepte les conditions <span class="required">(obligatoire)</span>' in html


def test_the_platforms_own_accessibility_statement_names_the_platform(client, communes):
    """The statement at the address of a platform of several communes: the platform takes the commitment."""
    response = client.get("/accessibilite")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<p>Beffroi s'engage à rendre ses services en ligne accessibles" in html.replace("&#x27;", "'")
