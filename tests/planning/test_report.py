"""The demo roadmap and the council report (HTML and PDF from the same template)."""

import logging
import re

import pytest

from beffroi.core import demo
from beffroi.funding.models import FinancingLine
from beffroi.planning.models import Assessment, Project


@pytest.fixture
def demo_valbourg(db):
    steps = {step.name: step for step in demo.steps()}
    steps["territory"].load()
    steps["planning"].load()
    from beffroi.accounts.models import User

    return User.objects.get(email="elu@demo.test")


def test_demo_is_idempotent_and_flags_one_failing_plan(demo_valbourg, client):
    counts = (Assessment.objects.count(), Project.objects.count(), FinancingLine.objects.count())
    {step.name: step for step in demo.steps()}["planning"].load()
    assert (Assessment.objects.count(), Project.objects.count(), FinancingLine.objects.count()) == counts
    assert Project.objects.filter(commune__slug="valbourg").count() == 5
    assert Assessment.objects.filter(commune__slug="valbourg").count() == 3
    client.force_login(demo_valbourg)
    html = client.get("/valbourg/projet/feuille-de-route/").content.decode()
    assert html.count("Participation minimale non respectée") == 1
    assert "NON respectée" not in html and ">respectée<" not in html
    assert "Dossiers de financement à déposer" in html


def test_report_html_has_every_section(demo_valbourg, client):
    client.force_login(demo_valbourg)
    response = client.get("/valbourg/projet/rapport/")
    assert response.status_code == 200
    html = response.content.decode()
    for heading in (
        "Rapport au conseil municipal",
        "1. Diagnostic",
        "2. Projets retenus et coûts",
        "3. Calendrier",
        "4. Plans de financement",
        "5. Indicateurs de suivi",
    ):
        assert heading in html
    assert "Détection de fuites sur le réseau d&#x27;eau" in html
    assert "CGCT art. L1111-10 III" in html
    assert "ne respecte pas la participation minimale" in html
    assert 'role="img"' in html  # the radar, with its table
    assert "report-print.css" in html


def test_report_pdf(demo_valbourg, client):
    pytest.importorskip("weasyprint")
    client.force_login(demo_valbourg)
    response = client.get("/valbourg/projet/rapport.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_report_pdf_is_a_document_of_its_own_with_the_letterhead_and_no_site_chrome(demo_valbourg, client):
    """Issue #11: the council's PDF printed the site's menu, a logout button and the CSRF token on page 1."""
    pytest.importorskip("weasyprint")
    import shutil
    import subprocess

    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    client.force_login(demo_valbourg)
    pdf = client.get("/valbourg/projet/rapport.pdf").content
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout
    text = text.decode()
    pages = text.split("\f")
    pages = [page for page in pages if page.strip()]
    first = pages[0]
    assert "Mairie de Valbourg" in first and "Rapport au conseil municipal" in first
    assert "1. Diagnostic" in text and "5. Indicateurs de suivi" in text
    for chrome in (
        "Se déconnecter",
        "Espace agents",
        "Mon compte",
        "Aller au contenu",
        "csrfmiddlewaretoken",
        "Télécharger le rapport",
        "Menu principal",
        "English",
    ):
        assert chrome not in text, chrome
    # every page carries its number out of the total and the commune's name
    assert 2 <= len(pages) <= 12
    for number, page in enumerate(pages, start=1):
        assert re.search(rf"\b{number}\s*/\s*{len(pages)}\b", page)
        assert "Commune de Valbourg" in page


def test_assessment_pages_from_the_demo(demo_valbourg, client):
    client.force_login(demo_valbourg)
    html = client.get("/valbourg/projet/diagnostic/").content.decode()
    assert "Progrès dans le temps" in html
    first, *_rest = Assessment.objects.filter(commune__slug="valbourg").order_by("pk")
    detail = client.get(f"/valbourg/projet/diagnostic/{first.pk}/").content.decode()
    assert "<svg" in detail and "Scores par domaine" in detail
    ids = list(Assessment.objects.filter(commune__slug="valbourg").values_list("pk", flat=True))
    compare = client.get(f"/valbourg/projet/diagnostic/comparer/?a={ids[1]}&b={ids[2]}").content.decode()
    assert "Écart" in compare
    form = client.get("/valbourg/projet/diagnostic/nouveau/").content.decode()
    assert "<legend>" in form or "<legend" in form


def test_demo_records_valbourgs_zonages_once_and_matching_uses_them(demo_valbourg, client):
    from beffroi.core.models import AuditEntry, Commune
    from beffroi.funding import selectors as funding_selectors
    from beffroi.planning.models import Project

    valbourg = Commune.objects.get(slug="valbourg")
    before = AuditEntry.objects.filter(action="funding.zonages.update").count()
    {step.name: step for step in demo.steps()}["planning"].load()
    assert AuditEntry.objects.filter(action="funding.zonages.update").count() == before
    profile = funding_selectors.commune_profile(commune=valbourg)
    assert {"FRR", "PVD"} <= profile.zonages
    assert "GAL_LEADER" not in profile.zonages | profile.zonages_absent
    client.force_login(demo_valbourg)
    project = Project.objects.filter(commune=valbourg).first()
    html = client.get(
        f"/valbourg/projet/feuille-de-route/projets/{project.pk}/financements/"
    ).content.decode()
    assert "France Ruralités Revitalisation (FRR)" in html
    assert "Modifier les zonages de la commune" in html


def test_report_pdf_is_styled_with_the_production_static_files(
    demo_valbourg, client, settings, tmp_path, caplog
):
    """In production the pages link hashed stylesheets (manifest storage, after collectstatic): the PDF must
    load them, or the council receives a page 1 made of the site's menu and buttons."""
    pytest.importorskip("weasyprint")
    from django.core.management import call_command

    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    client.force_login(demo_valbourg)
    html = client.get("/valbourg/projet/rapport/").content.decode()
    assert re.search(r"beffroi\.[0-9a-f]{12}\.css", html)  # the page links the hashed name, as in production
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        response = client.get("/valbourg/projet/rapport.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    refused = [r.getMessage() for r in caplog.records if "stylesheet" in r.getMessage().lower()]
    assert refused == []


def test_a_draft_never_reaches_the_council_and_the_elu_chooses_the_assessment(demo_valbourg, client):
    """A throw-away self-assessment became the council report's official one: now a draft stays out of it,
    and the élu chooses which validated assessment the report presents."""
    from beffroi.core.models import AuditEntry
    from beffroi.planning import report, selectors, services

    valbourg = Assessment.objects.filter(commune__slug="valbourg").first().commune
    chosen_before = selectors.assessment_for_report(commune=valbourg)
    draft = services.assessment_create(
        commune=valbourg,
        actor=demo_valbourg,
        grid_version=chosen_before.grid_version,
        answers=chosen_before.answers,
        scores={**chosen_before.scores, "overall": 0.5},
        is_draft=True,
    )
    assert report.build(commune=valbourg, today=draft.assessed_on)["latest"] == chosen_before
    client.force_login(demo_valbourg)
    page = client.get(f"/valbourg/projet/diagnostic/{draft.pk}/").content.decode()
    assert "Brouillon" in page and "Valider ce diagnostic" in page and "(elu)" not in page
    oldest = Assessment.objects.filter(commune=valbourg, is_draft=False).order_by("assessed_on").first()
    response = client.post(f"/valbourg/projet/diagnostic/{oldest.pk}/rapport/")
    assert response.status_code == 302
    assert report.build(commune=valbourg, today=draft.assessed_on)["latest"] == oldest
    assert AuditEntry.objects.filter(action="planning.assessment.report", object_id=str(oldest.pk)).exists()
    # a draft cannot be chosen; validated, it can
    client.post(f"/valbourg/projet/diagnostic/{draft.pk}/rapport/")
    assert not Assessment.objects.get(pk=draft.pk).used_in_report
    client.post(f"/valbourg/projet/diagnostic/{draft.pk}/valider/")
    client.post(f"/valbourg/projet/diagnostic/{draft.pk}/rapport/")
    assert report.build(commune=valbourg, today=draft.assessed_on)["latest"].pk == draft.pk
    assert Assessment.objects.filter(commune=valbourg, used_in_report=True).count() == 1


def test_the_assessment_form_saves_a_draft(demo_valbourg, client):
    client.force_login(demo_valbourg)
    form = client.get("/valbourg/projet/diagnostic/nouveau/").content.decode()
    assert 'value="brouillon"' in form and "Garder comme brouillon" in form


def _report_pdf_text(client) -> str:
    pytest.importorskip("weasyprint")
    import shutil
    import subprocess

    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    pdf = client.get("/valbourg/projet/rapport.pdf").content
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return re.sub(r"[\s\u00a0\u202f]+", " ", text)


def test_report_indicators_are_french_numbers_with_their_unit(demo_valbourg, client):
    """The reviewer read « 21,000 → 10,000 (jours) », « 410000,000 205000,000 (kWh/an) », « 5,000 → 90,000 (%) »."""
    client.force_login(demo_valbourg)
    html = client.get("/valbourg/projet/rapport/").content.decode()
    section = html[html.index("5. Indicateurs de suivi") :]
    for shown in (
        "21\u00a0jours",
        "10\u00a0jours",
        "410\u202f000\u00a0kWh/an",
        "205\u202f000\u00a0kWh/an",
        "5\u00a0%",
        "90\u00a0%",
        "61\u202f000\u00a0m³/an",
    ):
        assert re.search(rf'<td class="num"[^>]*>{shown}</td>', section), shown
    assert ",000" not in section and "(jours)" not in section
    text = _report_pdf_text(client)
    assert "410 000 kWh/an 205 000 kWh/an" in text and "21 jours 10 jours" in text
    assert "410000,000" not in text and "61000,000" not in text


def test_report_funding_tables_name_the_funder_without_catalogue_codes(demo_valbourg, client):
    """« État — Fonds vert (FONDS_VERT_ECLAIRAGE) », « État — DSIL (DSIL) »: an internal code after a name."""
    client.force_login(demo_valbourg)
    html = client.get("/valbourg/projet/rapport/").content.decode()
    assert '<th scope="row">État — Fonds vert</th>' in html and '<th scope="row">État — DSIL</th>' in html
    text = _report_pdf_text(client)
    assert "État — DSIL" in text and "État — DETR" in text
    for code in ("FONDS_VERT_ECLAIRAGE", "(DSIL)", "(DETR)"):
        assert code not in html and code not in text


def _report_pdf_pages(client) -> list[str]:
    pytest.importorskip("weasyprint")
    import shutil
    import subprocess

    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    pdf = client.get("/valbourg/projet/rapport.pdf").content
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return [re.sub(r"[\s\u00a0\u202f]+", " ", page) for page in text.split("\f")]


def test_report_rows_are_never_cut_between_two_pages(demo_valbourg, client):
    """An indicator's figures were printed at the foot of a page and its project and name at the top of the next."""
    client.force_login(demo_valbourg)
    pages = _report_pdf_pages(client)
    for name, figures in (
        ("Consommation annuelle", ("410 000 kWh/an", "205 000 kWh/an")),
        ("Volumes perdus", ("61 000 m³/an", "35 000 m³/an")),
        ("Points lumineux", ("90 %",)),
    ):
        (page,) = [page for page in pages if name in page]
        for figure in figures:
            assert figure in page, (name, figure)


def _table(html: str, caption: str) -> str:
    start = html.rindex("<table", 0, html.index(caption))
    return html[start : html.index("</table>", start)]


def test_report_tables_stack_on_a_phone_with_each_value_named(demo_valbourg, client):
    """On a phone the projects' table hid its Investissement, Fonctionnement and Plan columns and the indicators'
    table its last ones: both now stack, each value with its column's name (table-stack, data-label)."""
    client.force_login(demo_valbourg)
    html = client.get("/valbourg/projet/rapport/").content.decode()
    for caption in (
        "Projets, calendrier et coûts",
        "Indicateurs, valeur de départ et cible de chaque projet",
    ):
        table = _table(html, caption)
        assert table.startswith('<table class="table-stack">'), caption
        cells = re.findall(r"<td[^>]*>", table)
        assert cells and all("data-label=" in c or "stack-empty" in c for c in cells), caption
    projects = _table(html, "Projets, calendrier et coûts")
    for label in ("Investissement", "Fonctionnement / an", "Plan de financement"):
        assert f'data-label="{label}"' in projects
    assert 'data-label="Investissement">378\u202f000,00\u00a0€</td>' in projects  # the total too
    assert 'data-label="Échéance"' in _table(html, "Indicateurs, valeur de départ")
    # the radar's own table (core's chart include) is stacked by the planning stylesheet on a phone
    assert '<div class="maturity-chart">' in html


def test_the_radar_names_its_domains_and_the_report_writes_dates_in_words(demo_valbourg, client):
    """« Diagnostic du 05/12/2026 » and a radar lettered A to H with nothing to say what the letters are."""
    from django.utils import timezone

    from beffroi.core.dates import long_date
    from beffroi.core.models import Commune
    from beffroi.planning import selectors

    client.force_login(demo_valbourg)
    html = client.get("/valbourg/projet/rapport/").content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    legend = main[main.index('class="radar-legend"') : main.index("<figure")]
    assert "<dt>A</dt><dd>Gouvernance &amp; stratégie numérique</dd>" in legend
    assert "<dt>H</dt><dd>Participation citoyenne</dd>" in legend
    assert not re.search(r"\b\d{1,2}/\d{1,2}/\d{4}\b", main)
    chosen = selectors.assessment_for_report(commune=Commune.objects.get(slug="valbourg"))
    assert f"Diagnostic du {long_date(chosen.assessed_on)}" in main
    assert f"Maturité par domaine (0 à 4) au {long_date(chosen.assessed_on)}" in main
    assert f"Document établi le {long_date(timezone.localdate())}" in main
    assessment = client.get(f"/valbourg/projet/diagnostic/{chosen.pk}/").content.decode()
    assert "<dt>A</dt><dd>Gouvernance &amp; stratégie numérique</dd>" in assessment
    assert f"({long_date(chosen.assessed_on)})" in assessment and not re.search(
        r"\d{2}/\d{2}/\d{4}", assessment
    )


def test_the_report_says_whose_diagnostic_it_is(demo_valbourg, client):
    """The commune, who answered, who validated it and when."""
    from beffroi.accounts.models import User
    from beffroi.core.dates import long_date
    from beffroi.planning import report, services

    chosen = Assessment.objects.filter(commune__slug="valbourg", is_draft=False).first()
    valbourg = chosen.commune
    agent = User.objects.get(email="agent@demo.test")
    draft = services.assessment_create(
        commune=valbourg,
        actor=agent,
        grid_version=chosen.grid_version,
        answers=chosen.answers,
        scores=chosen.scores,
        is_draft=True,
    )
    services.assessment_validate(commune=valbourg, actor=demo_valbourg, assessment=draft)
    services.assessment_choose_for_report(commune=valbourg, actor=demo_valbourg, assessment=draft)
    draft.refresh_from_db()
    assert report.build(commune=valbourg, today=draft.assessed_on)["latest"] == draft
    client.force_login(demo_valbourg)
    html = client.get("/valbourg/projet/rapport/").content.decode()
    source = html[html.index('class="report-diagnostic-source"') :]
    source = source[: source.index("</p>")]
    assert f"de la commune de Valbourg, réalisé le {long_date(draft.assessed_on)}" in source
    assert f"Réponses données par {agent.full_name} (agent)." in source
    assert f"Validé par {demo_valbourg.full_name} le {long_date(draft.validated_at)}." in source


def test_the_pdf_footer_says_when_it_was_generated_not_a_council_date(demo_valbourg, client):
    """« rapport au conseil municipal du 6 décembre 2026 » read as the date of a council meeting; it is the day the
    document was generated."""
    from django.utils import timezone

    from beffroi.core.dates import long_date

    client.force_login(demo_valbourg)
    text = _report_pdf_text(client)
    footer = f"Commune de Valbourg — rapport au conseil municipal — document généré le {long_date(timezone.localdate())}"
    assert footer in text
    assert "conseil municipal du " not in text
