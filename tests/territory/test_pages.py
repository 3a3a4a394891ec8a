"""The pages of a commune's first day: the operator adds it (with and without JavaScript), its administrators
follow « Premiers pas », agents publish news, the public home, archiving and the export archive."""

import io
import json
import zipfile

import pytest
from django.core import mail
from PIL import Image

from beffroi.accounts.models import Invitation
from beffroi.core.models import AuditEntry, Commune
from beffroi.reports.models import Category
from beffroi.territory import services
from beffroi.territory.models import NewsItem, Team
from tests.factories import UserFactory, member
from tests.territory.test_communes import ROVON, mayor_of, square


@pytest.fixture
def operator(db):
    return UserFactory(email="exploitation@syndicat.test", is_staff=True)


def png(size=(120, 80), mode="RGBA") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (200, 30, 30, 255) if mode == "RGBA" else (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/geo+json"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=content_type)


# --- The operator ---------------------------------------------------------------------------------------------


def test_only_the_operator_opens_the_platform_pages(client, valbourg, admin_valbourg):
    assert client.get("/plateforme/communes/").status_code == 302  # to the login page
    client.force_login(admin_valbourg)
    response = client.get("/plateforme/communes/nouvelle/")
    assert response.status_code == 403
    assert "réservée à l'équipe de l'opérateur" in response.content.decode().replace("&#x27;", "'")
    assert client.post("/plateforme/communes/valbourg/archiver/").status_code == 403
    assert client.get("/plateforme/communes/valbourg/export/").status_code == 403


def test_search_without_javascript_then_pick_then_create(
    client, operator, django_capture_on_commit_callbacks
):
    client.force_login(operator)
    html = client.get("/plateforme/communes/recherche/", {"q": "rovon"}).content.decode()
    assert "Rovon (38 · Isère)" in html
    assert f"?insee={ROVON}" in html
    form = client.get("/plateforme/communes/nouvelle/", {"insee": ROVON}).content.decode()
    assert "CC Saint-Marcellin Vercors Isère Communauté" in form and "605 habitants" in form
    assert 'value="village"' in form and "checked" in form.split('value="village"')[1][:40]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/plateforme/communes/nouvelle/",
            {
                "insee_code": ROVON,
                "admin_email": "mairie@rovon.test",
                "preset": "village",
                "contour": upload("rovon.geojson", square(45.19, 5.46)),
            },
        )
    assert response.status_code == 302
    commune = Commune.objects.get(insee_code=ROVON)
    assert commune.slug == "rovon" and commune.boundary is not None and commune.preset == "village"
    assert mail.outbox[0].to == ["mairie@rovon.test"]
    listing = client.get("/plateforme/communes/").content.decode()
    assert "Rovon" in listing and "en préparation" in listing


def test_a_bad_slug_is_said_once_and_the_host_help_speaks_plain_french(client, operator):
    client.force_login(operator)
    response = client.post(
        "/plateforme/communes/nouvelle/",
        {"insee_code": ROVON, "admin_email": "mairie@rovon.test", "slug": "Rovon Isère!"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("Lettres minuscules, chiffres et tirets seulement") == 2  # the summary and the field
    assert "ne doit contenir que des lettres" not in html
    assert "ALLOWED_HOSTS" not in html and "reliée à ce serveur par son hébergeur" in html.replace(
        "&#x27;", "'"
    )


def test_search_as_you_type_answers_the_results_alone(client, operator):
    client.force_login(operator)
    response = client.get("/plateforme/communes/recherche/", {"q": "st jean de luz"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "Saint-Jean-de-Luz (64 · Pyrénées-Atlantiques)" in html
    assert "<html" not in html


def test_a_commune_already_on_the_platform_is_shown_as_such(client, operator, valbourg):
    Commune.objects.filter(pk=valbourg.pk).update(insee_code=ROVON)
    client.force_login(operator)
    html = client.get("/plateforme/communes/recherche/", {"q": ROVON}).content.decode()
    assert "déjà sur la plateforme (/valbourg/)" in html


def test_bad_input_on_the_creation_page_is_shown_in_french_next_to_the_field(client, operator, valbourg):
    client.force_login(operator)
    response = client.post(
        "/plateforme/communes/nouvelle/",
        {
            "insee_code": ROVON,
            "admin_email": "mairie@rovon.test",
            "slug": "valbourg",
            "contour": upload(
                "point.geojson", json.dumps({"type": "Point", "coordinates": [5, 45]}).encode()
            ),
        },
    )
    html = response.content.decode().replace("&#x27;", "'")
    assert response.status_code == 200
    assert "déjà pris par Valbourg" in html
    assert "polygone ou un multipolygone" in html
    assert not Commune.objects.filter(insee_code=ROVON).exists()
    unknown = client.get("/plateforme/communes/nouvelle/", {"insee": "99999"}).content.decode()
    assert "Aucune commune n'a le code INSEE « 99999 »" in unknown.replace("&#x27;", "'")


def test_archived_commune_pages_and_apis_are_closed_and_its_data_kept(client, operator, valbourg):
    services.team_create(commune=valbourg, name="Voirie", actor=None)
    client.force_login(operator)
    assert client.post("/plateforme/communes/valbourg/archiver/", {"confirme": "1"}).status_code == 302
    client.logout()
    page = client.get("/valbourg/signalements/")
    assert page.status_code == 410
    assert "Les services en ligne de Valbourg sont fermés" in page.content.decode()
    api = client.get("/valbourg/api/communes")
    assert api.status_code == 410 and api["Content-Type"].startswith("application/problem+json")
    assert client.get("/open311/v2/services.json", {"jurisdiction_id": "valbourg"}).status_code in (400, 404)
    assert "Valbourg" not in client.get("/").content.decode()
    assert Team.objects.filter(commune=valbourg).exists()
    client.force_login(operator)
    client.post("/plateforme/communes/valbourg/archiver/", {"action": "reactivate"})
    assert client.get("/valbourg/").status_code == 200


def test_the_export_holds_the_commune_s_tables_files_and_nothing_of_another(
    client, operator, valbourg, hautmesnil
):
    services.team_create(commune=valbourg, name="Voirie", actor=None)
    services.team_create(commune=hautmesnil, name="Secret de Hautmesnil", actor=None)
    services.commune_identity_update(commune=valbourg, actor=None, logo=png())
    services.news_create(commune=valbourg, actor=None, title="Marché", body="Le marché =1+1 est samedi.")
    client.force_login(operator)
    response = client.get("/plateforme/communes/valbourg/export/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="beffroi-valbourg-')
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = set(archive.namelist())
    assert {
        "manifest.json",
        "territory/team.json",
        "territory/newsitem.json",
        "csv/territory_team.csv",
    } <= names
    assert any(n.startswith("media/communes/logos/") for n in names)
    teams = json.loads(archive.read("territory/team.json"))
    assert [t["name"] for t in teams] == ["Voirie"]
    everything = b"".join(archive.read(n) for n in names)
    assert b"Secret de Hautmesnil" not in everything
    csv_text = archive.read("csv/territory_newsitem.csv").decode("utf-8")
    assert (
        csv_text.startswith("\ufeff") and "'=1+1" not in csv_text
    )  # only a cell that starts with = is guarded
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["commune"]["slug"] == "valbourg" and manifest["tables"]["territory.team"] == 1
    assert AuditEntry.objects.filter(commune=valbourg, action="commune.export").exists()


def test_the_export_never_holds_a_secret(valbourg):
    from beffroi.core import services as core_services
    from beffroi.territory import export

    _key, secret = core_services.apikey_create(commune=valbourg, scope="read")
    out = io.BytesIO()
    export.write_archive(valbourg, out)
    archive = zipfile.ZipFile(out)
    keys = json.loads(archive.read("core/apikey.json"))
    assert "key_hash" not in keys[0]
    assert secret.encode() not in b"".join(archive.read(n) for n in archive.namelist())


# --- The commune's administrators ------------------------------------------------------------------------------


@pytest.fixture
def rovon(operator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return services.commune_add(insee_code=ROVON, admin_email="mairie@rovon.test", actor=operator)


@pytest.fixture
def mayor(rovon):
    return mayor_of(rovon)


def test_first_steps_are_ticked_from_the_commune_s_real_state(client, rovon, mayor):
    client.force_login(mayor)
    html = client.get("/rovon/espace-agents/administration/premiers-pas/").content.decode()
    assert html.count("à faire") == 5  # identity, contour, team, accessibility, home (no module yet)
    assert "Étapes faites : 0 sur 5" in html
    services.commune_preset_apply(commune=rovon, preset="village", actor=mayor)
    services.commune_identity_update(
        commune=rovon,
        actor=mayor,
        logo=png(),
        address="1 place de la Mairie",
        contact_phone="04 76 00 00 00",
        publication_director="Odile Martin, maire",
    )
    services.commune_contour_set(commune=rovon, actor=mayor, contour_file=square(45.19, 5.46))
    Invitation.objects.create(
        commune=rovon,
        email="secretaire@rovon.test",
        role="agent",
        token_hash="x" * 64,
        created_at=rovon.created_at,
        sent_at=rovon.created_at,
        expires_at=rovon.created_at.replace(year=2100),
    )
    services.commune_home_update(
        commune=rovon,
        actor=mayor,
        welcome_text="Bienvenue",
        home_published=True,
        accessibility_level="non",
        accessibility_audit="autoévaluation du 3 décembre 2026",
    )
    html = client.get("/rovon/espace-agents/administration/premiers-pas/").content.decode()
    # the village preset opened the démarches and published the saisine libre: « Première démarche » is done
    assert "Étapes faites : 7 sur 7" in html and "à faire" not in html
    assert "Catégories de signalement" in html and "Première démarche en ligne" in html
    admin_page = client.get("/rovon/espace-agents/administration/").content.decode()
    assert "Premiers pas" in admin_page


def test_the_identity_step_says_what_is_still_missing(client, rovon, mayor):
    services.commune_identity_update(
        commune=rovon,
        actor=mayor,
        logo=None,
        address="1 place de la Mairie",
        contact_phone="04 76 00 00 00",
        publication_director="Odile Martin, maire",
    )
    client.force_login(mayor)
    html = client.get("/rovon/espace-agents/administration/premiers-pas/").content.decode()
    assert "Ajoutez le logo ou le blason." in html
    assert "l&#x27;adresse de la mairie" not in html and "l'adresse de la mairie" not in html


def test_categories_item_undone_when_no_category_has_a_team(client, rovon, mayor):
    services.commune_preset_apply(commune=rovon, preset="village", actor=mayor)
    Category.objects.filter(commune=rovon).update(team=None)
    client.force_login(mayor)
    html = client.get("/rovon/espace-agents/administration/premiers-pas/").content.decode()
    assert "Catégories de signalement" in html and "Étapes faites : 1 sur 7" in html  # the saisine libre


def test_the_mayor_picks_a_preset_on_the_page(client, rovon, mayor):
    client.force_login(mayor)
    page = client.get("/rovon/espace-agents/administration/modele/").content.decode()
    assert "le modèle suggéré est : Village" in page
    response = client.post("/rovon/espace-agents/administration/modele/", {"preset": "village"})
    assert response.status_code == 302
    assert Category.objects.filter(commune=rovon).count() == 5
    bad = client.post("/rovon/espace-agents/administration/modele/", {"preset": "metropole"})
    assert bad.status_code == 200 and "Sélectionnez un choix valide" in bad.content.decode()


def test_logo_is_checked_resized_and_shown_in_the_header(client, rovon, mayor):
    client.force_login(mayor)
    response = client.post(
        "/rovon/espace-agents/administration/identite/",
        {"logo": upload("blason.png", png((2400, 1200)), "image/png"), "address": "1 place de la Mairie"},
    )
    assert response.status_code == 302
    rovon.refresh_from_db()
    with Image.open(rovon.logo.path) as stored:
        assert stored.format == "PNG" and max(stored.size) == 600
    assert 'class="brand-logo" src="/rovon/logo.png?v=' in client.get("/rovon/").content.decode()
    bad = client.post(
        "/rovon/espace-agents/administration/identite/",
        {"logo": upload("blason.png", b"<svg onload=alert(1)>", "image/png")},
    )
    assert "n'est pas une image lisible" in bad.content.decode().replace("&#x27;", "'")


def test_a_logo_chosen_with_an_error_elsewhere_is_kept_and_saved_next_time(client, rovon, mayor):
    import re

    client.force_login(mayor)
    page = "/rovon/espace-agents/administration/identite/"
    assert "Retirer le logo actuel" not in client.get(page).content.decode()  # there is none yet
    refused = client.post(
        page,
        {
            "logo": upload("blason.png", png((300, 200)), "image/png"),
            "contact_email": "mairie@",
            "address": "2 place de l'Église",
        },
    )
    html = refused.content.decode()
    assert refused.status_code == 200 and "Le logo choisi est gardé" in html
    # the other fields come back as typed, not as a list of values
    assert 'value="2 place de l&#x27;Église"' in html and "[&#x27;" not in html
    rovon.refresh_from_db()
    assert not rovon.logo
    kept = re.search(r'name="logo_pending" value="([^"]+)"', html).group(1)
    saved = client.post(page, {"logo_pending": kept, "contact_email": "mairie@rovon.test"})
    assert saved.status_code == 302
    rovon.refresh_from_db()
    assert rovon.logo and rovon.contact_email == "mairie@rovon.test"
    assert "Retirer le logo actuel" in client.get(page).content.decode()
    forged = client.post(page, {"logo_pending": "PHN2Zz4=", "contact_email": "mairie@rovon.test"})
    assert forged.status_code == 302  # not an image: ignored, the stored logo stays
    rovon.refresh_from_db()
    assert rovon.logo


def test_a_bad_contour_on_the_page_is_refused_in_french(client, rovon, mayor):
    client.force_login(mayor)
    response = client.post(
        "/rovon/espace-agents/administration/contour/", {"contour": upload("c.geojson", b"{not json")}
    )
    assert "GeoJSON lisible" in response.content.decode()
    rovon.refresh_from_db()
    assert rovon.boundary is None
    ok = client.post(
        "/rovon/espace-agents/administration/contour/", {"contour": upload("c.geojson", square(45.19, 5.46))}
    )
    assert ok.status_code == 302
    rovon.refresh_from_db()
    assert rovon.boundary["type"] == "Polygon"


def test_other_communes_and_agents_cannot_change_the_setup(client, rovon, valbourg, admin_valbourg):
    agent = member(rovon, "agent", "agent@rovon.test")
    for user in (agent, admin_valbourg):
        client.force_login(user)
        for path in ("premiers-pas/", "identite/", "contour/", "modele/", "page-accueil/"):
            assert client.get(f"/rovon/espace-agents/administration/{path}").status_code == 403
        client.post("/rovon/espace-agents/administration/modele/", {"preset": "village"})
    assert not Team.objects.filter(commune=rovon).exists()


# --- The public home and news ------------------------------------------------------------------------------------


def test_unpublished_home_is_in_preparation_for_visitors_and_a_preview_for_staff(
    client, rovon, mayor, valbourg
):
    html = client.get("/rovon/").content.decode()
    assert "Les services en ligne de Rovon sont en préparation" in html
    assert "Rovon" not in client.get("/").content.decode()
    client.force_login(mayor)
    assert "Cette page n'est pas encore publiée" in client.get("/rovon/").content.decode().replace(
        "&#x27;", "'"
    )
    response = client.post(
        "/rovon/espace-agents/administration/page-accueil/", {"home_published": "on", "welcome_text": ""}
    )
    assert "Écrivez un mot d'accueil avant de publier" in response.content.decode().replace("&#x27;", "'")
    client.post(
        "/rovon/espace-agents/administration/page-accueil/",
        {
            "home_published": "on",
            "welcome_text": "Bienvenue à Rovon ! Voir https://rovon.fr",
            "accessibility_level": "non",
            "accessibility_audit": "autoévaluation, décembre 2026",
        },
    )
    client.logout()
    html = client.get("/rovon/").content.decode()
    assert "Bienvenue à Rovon !" in html and '<a href="https://rovon.fr"' in html
    assert "Accessibilité : non conforme" in html
    assert "Rovon" in client.get("/").content.decode()
    statement = client.get("/rovon/accessibilite").content.decode()
    assert "<strong>non conforme</strong>" in statement and "autoévaluation, décembre 2026" in statement


def test_news_are_plain_text_with_links_and_stay_in_their_commune(
    client, valbourg, hautmesnil, agent_valbourg
):
    client.force_login(agent_valbourg)
    response = client.post(
        "/valbourg/espace-agents/actualites/",
        {
            "title": "Travaux rue <b>Haute</b>",
            "body": "<script>alert(1)</script> Détails : https://valbourg.fr/travaux",
        },
    )
    assert response.status_code == 302
    html = client.get("/valbourg/").content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html
    assert "<b>Haute</b>" not in html
    assert '<a href="https://valbourg.fr/travaux"' in html
    assert "Travaux rue" not in client.get("/hautmesnil/").content.decode()
    item = NewsItem.objects.get()
    other_agent = member(hautmesnil, "agent", "agent2@hautmesnil.test")
    client.force_login(other_agent)
    assert client.post(f"/hautmesnil/espace-agents/actualites/{item.pk}/supprimer/").status_code == 404
    assert NewsItem.objects.filter(pk=item.pk).exists()
    habitant = member(valbourg, "habitant", "h@valbourg.test")
    client.force_login(habitant)
    assert client.post("/valbourg/espace-agents/actualites/", {"title": "x", "body": "y"}).status_code == 403


def test_the_platform_home_searches_its_communes(client, valbourg, hautmesnil):
    html = client.get("/", {"q": "haut"}).content.decode()
    assert 'href="/hautmesnil/"' in html and 'href="/valbourg/"' not in html
    assert "1 commune correspond à « haut »" in html.replace("&#x27;", "'")


def test_no_contour_warns_the_agents_on_the_queue(client, valbourg, agent_valbourg):
    valbourg.enabled_modules = ["reports"]
    valbourg.boundary = None
    valbourg.save()
    client.force_login(agent_valbourg)
    html = client.get("/valbourg/signalements/gestion/").content.decode().replace("&#x27;", "'")
    assert "La commune n'a pas encore de contour" in html


def test_the_logo_is_served_and_printed_in_the_council_report(client, valbourg, admin_valbourg, tmp_path):
    services.commune_identity_update(commune=valbourg, actor=None, logo=png())
    response = client.get("/valbourg/logo.png")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert client.get("/hautmesnil/logo.png").status_code == 404
    valbourg.enabled_modules = ["planning"]
    valbourg.save()
    client.force_login(admin_valbourg)
    # the printed report's letterhead carries the logo: the PDF holds one image (the radar is drawn, not an image)
    pytest.importorskip("weasyprint")
    import shutil
    import subprocess

    if shutil.which("pdfimages") is None:
        pytest.skip("pdfimages (poppler-utils) is not installed")
    pdf = client.get("/valbourg/projet/rapport.pdf").content
    assert pdf.startswith(b"%PDF")
    target = tmp_path / "rapport.pdf"
    target.write_bytes(pdf)
    listing = subprocess.run(
        ["pdfimages", "-list", str(target)], capture_output=True, text=True, check=True
    ).stdout
    assert len(listing.strip().splitlines()) >= 3  # two header lines, then one line per image


def test_the_agents_space_says_what_each_module_s_tools_do_for_the_staff(client, valbourg):
    """Its cards speak to the staff (« Instruire les idées des habitants… »), not to residents (« votez pour vos
    projets préférés »), which is what the commune's home page says of the same modules."""
    from tests.factories import member

    valbourg.enabled_modules = ["reports", "budgeting"]
    valbourg.save()
    client.force_login(member(valbourg, "agent", "agent-cartes@valbourg.test"))
    page = client.get("/valbourg/espace-agents/").content.decode()
    assert "Traiter les signalements des habitants" in page and "Instruire les idées des habitants" in page
    assert "votez pour vos projets préférés" not in page
    assert "votez pour vos projets préférés" in client.get("/valbourg/").content.decode()


def test_a_commune_states_its_non_conformity_without_an_audit_and_the_statement_is_dated(
    client, valbourg, admin_valbourg
):
    """« Non conforme » is what a site without a valid audit must say: it needs no evaluator. A level of
    conformity does. The statement gives the day it was established, as the RGAA's model asks."""
    client.force_login(admin_valbourg)
    url = "/valbourg/espace-agents/administration/page-accueil/"
    base = {"home_published": "on", "welcome_text": "Bienvenue."}
    response = client.post(url, {**base, "accessibility_level": "partiel", "accessibility_audit": ""})
    assert response.status_code == 400
    assert "une conformité totale ou partielle repose sur un audit" in response.content.decode().replace(
        "&#x27;", "'"
    )
    response = client.post(url, {**base, "accessibility_level": "non", "accessibility_audit": ""})
    assert response.status_code == 302
    valbourg.refresh_from_db()
    assert valbourg.accessibility_level == "non" and valbourg.accessibility_stated_on is not None
    statement = client.get("/valbourg/accessibilite").content.decode()
    assert "<strong>non conforme</strong>" in statement
    day = valbourg.accessibility_stated_on
    from beffroi.core import dates

    assert f"Cette déclaration a été établie le {dates.long_date(day)}." in statement.replace("&#x27;", "'")


def test_a_commune_that_never_stated_its_accessibility_states_it_by_saving_the_page(
    client, valbourg, admin_valbourg
):
    """The site already says « non conforme » when nothing was stated: the form starts there, so saving the page
    states it, and the first steps' item is done (it no longer says « à faire » beside a footer that answers)."""
    assert valbourg.accessibility_level == ""
    client.force_login(admin_valbourg)
    url = "/valbourg/espace-agents/administration/page-accueil/"
    page = client.get(url).content.decode()
    assert '<option value="non" selected>non conforme</option>' in page and "Non renseigné" not in page
    response = client.post(url, {"welcome_text": "Bienvenue.", "accessibility_level": "non"})
    assert response.status_code == 302
    valbourg.refresh_from_db()
    assert valbourg.accessibility_level == "non" and valbourg.accessibility_stated_on is not None
    from beffroi.territory import first_steps

    done = {step.code: step.done for step in first_steps.steps(valbourg)}
    assert done["accessibility"]


def test_the_multi_year_plan_is_published_on_the_accessibility_page_of_its_commune_only(
    client, valbourg, hautmesnil, admin_valbourg
):
    """The RGAA asks for the schéma pluriannuel and the year's action plan on the « Accessibilité » page: the
    administrator writes it with the home page's settings; until then the page says it is not published."""
    statement = client.get("/valbourg/accessibilite").content.decode().replace("&#x27;", "'")
    assert "Valbourg n'a pas encore publié de schéma pluriannuel" in statement
    client.force_login(admin_valbourg)
    plan = (
        "2027-2029 : un audit par an, référente : Mme Roux.\n\n"
        "Plan 2027 : corriger les formulaires. Détail : https://valbourg.example/schema.pdf"
    )
    response = client.post(
        "/valbourg/espace-agents/administration/page-accueil/",
        {"welcome_text": "Bienvenue.", "accessibility_level": "non", "accessibility_plan": plan},
    )
    assert response.status_code == 302
    statement = client.get("/valbourg/accessibilite").content.decode()
    assert "<p>2027-2029 : un audit par an, référente : Mme Roux.</p>" in statement
    assert '<a href="https://valbourg.example/schema.pdf" rel="nofollow">' in statement
    assert "pas encore publié de schéma" not in statement
    assert "Mme Roux" not in client.get("/hautmesnil/accessibilite").content.decode()


def test_the_legal_notice_names_the_publication_director_and_the_host(client, rovon, mayor, settings):
    settings.BEFFROI_HOSTING_NAME = "Syndicat numérique des Alpes"
    settings.BEFFROI_HOSTING_ADDRESS = "3 rue du Lac, 38000 Grenoble"
    settings.BEFFROI_HOSTING_PHONE = "04 76 11 22 33"
    html = client.get("/rovon/mentions-legales").content.decode()
    assert "le maire ou la maire de la commune" in html  # not named yet
    client.force_login(mayor)
    response = client.post(
        "/rovon/espace-agents/administration/identite/",
        {"address": "1 place de la Mairie", "publication_director": "Odile Martin, maire"},
    )
    assert response.status_code == 302
    client.logout()
    html = client.get("/rovon/mentions-legales").content.decode()
    assert "Directeur ou directrice de la publication\u00a0: Odile Martin, maire." in html
    assert "hébergé par Syndicat numérique des Alpes, 3 rue du Lac, 38000 Grenoble." in html
    assert "04 76 11 22 33" in html


def test_the_legal_notice_names_the_map_tiles_service_it_loads_from(client, rovon, settings):
    settings.BEFFROI_TILE_ORIGIN = "https://data.geopf.fr"
    settings.BEFFROI_TILE_ATTRIBUTION = "© IGN – Plan IGN"
    html = client.get("/rovon/mentions-legales").content.decode()
    assert "chargées depuis data.geopf.fr (© IGN – Plan IGN)" in html
    assert "aucun service tiers" not in html

    settings.BEFFROI_TILE_ORIGIN = ""  # BEFFROI_TILE_URL=none: the commune's own layers only
    html = client.get("/rovon/mentions-legales").content.decode()
    assert "sans aucun service tiers" in html and "chargées depuis" not in html


def test_the_legal_notice_lists_the_cookies_as_they_are_and_answers_with_a_final_slash(
    client, rovon, settings
):
    settings.BEFFROI_PAGE_CACHE_SECONDS = 30
    html = client.get("/rovon/mentions-legales").content.decode()
    assert "Pendant 30 secondes après un envoi" in html
    assert "ou quand vous envoyez ou soutenez quelque chose sans compte" in html
    settings.BEFFROI_PAGE_CACHE_SECONDS = 0
    assert "secondes après un envoi" not in client.get("/rovon/mentions-legales").content.decode()

    for page in ("mentions-legales", "accessibilite", "donnees-personnelles"):
        answer = client.get(f"/rovon/{page}/")
        assert answer.status_code == 301 and answer["Location"] == f"/rovon/{page}"
