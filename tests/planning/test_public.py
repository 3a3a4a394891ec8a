"""The commune's project as its residents read it: the roadmap's projects with their description, phases, dates,
indicators, cost and financing, read-only, from the commune's own roadmap only; the agents keep their pages."""

import re
from datetime import date
from decimal import Decimal

import pytest

from beffroi.funding import services as funding_services
from beffroi.planning import selectors, services
from beffroi.planning.models import Project
from tests.factories import member

NNBSP, NBSP = "\u202f", "\u00a0"


@pytest.fixture
def elu(valbourg, hautmesnil):
    for commune in (valbourg, hautmesnil):
        commune.enabled_modules = ["planning"]
        commune.save()
    return member(valbourg, "elu", "elu@valbourg.test")


def _line(project, actor, funder, kind, amount, status, nature="investment", deadline=None):
    funding_services.line_add(
        commune=project.commune,
        actor=actor,
        plan=project.financing_plan,
        funder=funder,
        kind=kind,
        cost_nature=nature,
        amount=Decimal(amount),
        status=status,
        application_deadline=deadline,
    )


@pytest.fixture
def project(valbourg, elu):
    """A planned project with a phase, an indicator and a financing plan with an aid obtained, one requested
    (deadline set: an agents' detail), the commune's share and a refused aid."""
    project = services.project_create(
        commune=valbourg,
        actor=elu,
        title="Détection de fuites sur le réseau",
        description="Sectoriser le réseau pour trouver les fuites avant qu'elles ne coûtent.",
        status=Project.Status.PLANNED,
        owner=elu,
        start_date=date(2027, 3, 1),
        end_date=date(2027, 12, 31),
        investment_budget=Decimal("100000"),
        operating_budget=Decimal("4000"),
    )
    services.phase_add(
        commune=valbourg,
        actor=elu,
        project=project,
        title="Pose des débitmètres",
        start_date=date(2027, 3, 1),
        end_date=date(2027, 7, 31),
    )
    services.indicator_add(
        commune=valbourg,
        actor=elu,
        project=project,
        name="Volumes perdus par fuites",
        unit="m³/an",
        baseline=Decimal("61000"),
        target=Decimal("35000"),
        target_date=date(2027, 12, 31),
    )
    _line(project, elu, "Commune de Valbourg", "autofinancement", "20000", "prevu")
    _line(project, elu, "Agence de l'eau", "subvention", "40000", "obtenu")
    _line(project, elu, "État — DETR", "subvention", "30000", "demande", deadline=date(2027, 1, 15))
    _line(project, elu, "Région", "subvention", "25000", "refuse")
    return project


@pytest.fixture
def elsewhere(hautmesnil):
    maire = member(hautmesnil, "elu", "maire@hautmesnil.test")
    return services.project_create(
        commune=hautmesnil, actor=maire, title="Vidéoprotection de Hautmesnil", start_date=date(2027, 1, 1)
    )


@pytest.fixture
def abandoned(valbourg, elu):
    return services.project_create(
        commune=valbourg,
        actor=elu,
        title="Parking connecté abandonné",
        status=Project.Status.ABANDONED,
        start_date=date(2026, 1, 1),
    )


def _main(response) -> str:
    html = response.content.decode()
    return html[html.index("<main") : html.index("</main>")]


def test_anonymous_reads_the_commune_s_roadmap_first_then_the_catalogue(
    client, project, elsewhere, abandoned
):
    response = client.get("/valbourg/projet/")
    assert response.status_code == 200
    page = _main(response)
    assert "<h1>Le projet de la commune</h1>" in page
    assert "Détection de fuites sur le réseau" in page
    assert f'href="/valbourg/projet/projets/{project.pk}/"' in page
    assert "mars 2027 – décembre 2027" in page and f"100{NNBSP}000{NBSP}€" in page
    assert "Vidéoprotection de Hautmesnil" not in page  # another commune's
    assert "Parking connecté abandonné" not in page  # not on the roadmap any more
    # the commune's project leads, the catalogue follows on the same page
    assert page.index("Détection de fuites sur le réseau") < page.index('id="cas-d-usage"')
    assert "Éclairage public intelligent" in page[page.index('id="cas-d-usage"') :]


def test_anonymous_reads_a_project_read_only_with_its_phases_indicators_cost_and_funders(
    client, project, elu
):
    response = client.get(f"/valbourg/projet/projets/{project.pk}/")
    assert response.status_code == 200
    page = _main(response)
    assert "Sectoriser le réseau pour trouver les fuites" in page
    assert "Programmé" in page and "1er mars 2027" in page and "31 décembre 2027" in page
    assert "Pose des débitmètres" in page and "31 juillet 2027" in page
    assert "Volumes perdus par fuites" in page
    assert f"61{NNBSP}000{NBSP}m³/an" in page and f"35{NNBSP}000{NBSP}m³/an" in page
    summary = page[page.index("cout-projet-caption") :]
    assert f"100{NNBSP}000{NBSP}€" in summary  # the cost
    assert f"70{NNBSP}000{NBSP}€" in summary  # the public aid, the refused one left out
    assert f"40{NNBSP}000{NBSP}€" in summary  # of which obtained
    assert f"10{NNBSP}000{NBSP}€" in summary  # still to be found
    assert "Agence de l&#x27;eau" in page and "État — DETR" in page
    # nothing of the agents' working data, and no way to change anything
    assert "Région" not in page  # a refused request
    assert elu.full_name not in page  # the person in charge
    assert "15 janvier 2027" not in page  # an application deadline
    assert "L1111-10" not in page and "Participation minimale" not in page
    assert "<form" not in page
    assert not re.search(r'href="[^"]*(/feuille-de-route/|modifier|supprimer|financements/plans)', page)


def test_a_resident_reads_the_same_pages_without_any_edit_link(client, valbourg, project, elu):
    client.force_login(member(valbourg, "habitant", "habitant@valbourg.test"))
    for url in ("/valbourg/projet/", f"/valbourg/projet/projets/{project.pk}/"):
        page = _main(client.get(url))
        assert "Détection de fuites sur le réseau" in page
        assert "/projet/feuille-de-route/" not in page and "Préparer la feuille de route" not in page
        assert "<form" not in page[: page.find('id="cas-d-usage"')]  # the catalogue's filter only


def test_no_project_of_another_commune_nor_an_abandoned_one_is_shown(client, project, elsewhere, abandoned):
    assert client.get(f"/valbourg/projet/projets/{elsewhere.pk}/").status_code == 404
    assert client.get(f"/valbourg/projet/projets/{abandoned.pk}/").status_code == 404
    assert client.get(f"/hautmesnil/projet/projets/{project.pk}/").status_code == 404
    hautmesnil = _main(client.get("/hautmesnil/projet/"))
    assert "Vidéoprotection de Hautmesnil" in hautmesnil and "Détection de fuites" not in hautmesnil


def test_a_commune_without_a_roadmap_says_so_and_keeps_the_catalogue(client, elu):
    page = _main(client.get("/valbourg/projet/"))
    assert "La commune n'a pas encore inscrit de projet à sa feuille de route." in page
    assert "Cas d'usage du territoire intelligent" in page


def test_agents_and_elus_keep_their_editing_pages(client, valbourg, project, elu):
    client.force_login(elu)
    roadmap = client.get("/valbourg/projet/feuille-de-route/")
    assert roadmap.status_code == 200 and "Créer un projet" in roadmap.content.decode()
    detail = client.get(f"/valbourg/projet/feuille-de-route/projets/{project.pk}/").content.decode()
    assert "Modifier le projet" in detail and "Ajouter une phase" in detail
    public = _main(client.get(f"/valbourg/projet/projets/{project.pk}/"))
    assert f'href="/valbourg/projet/feuille-de-route/projets/{project.pk}/"' in public
    landing = _main(client.get("/valbourg/projet/"))
    assert "Préparer la feuille de route" in landing
    agent = member(valbourg, "agent", "agent@valbourg.test")
    client.force_login(agent)
    assert client.get("/valbourg/projet/feuille-de-route/").status_code == 200
    assert client.get("/valbourg/projet/rapport/").status_code == 200


def test_the_home_page_card_promises_what_the_page_gives(client, elu):
    home = client.get("/valbourg/").content.decode()
    assert "Suivre le projet de la commune" in home and 'href="/valbourg/projet/"' in home


def test_public_financing_counts_what_the_plan_brings(project):
    """A refused aid brings nothing; aid obtained or paid is « secured »; the investment no line covers is still
    to be found, while the yearly operating cost no line covers falls on the commune's budget."""
    financing = selectors.public_financing(
        selectors.public_project_get(commune=project.commune, pk=project.pk)
    )
    investment, operating = financing.investment, financing.operating
    assert investment.cost == Decimal("100000")
    assert investment.public_aid == Decimal("70000") and investment.secured_aid == Decimal("40000")
    assert investment.own_share == Decimal("20000") and investment.private == 0
    assert investment.unfunded == Decimal("10000")
    assert operating.cost == Decimal("4000") and operating.own_share == Decimal("4000")
    assert operating.unfunded == 0
    assert {line.funder for line in financing.lines} == {
        "Commune de Valbourg",
        "Agence de l'eau",
        "État — DETR",
    }
    total = selectors.public_financing_total([project, project])
    assert total.investment.cost == Decimal("200000") and total.lines == ()


def test_the_landing_page_reads_the_plans_once_whatever_the_number_of_projects(
    client, valbourg, project, elu
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/valbourg/projet/").status_code == 200
        return len(captured)

    one = queries()
    for n in range(4):
        other = services.project_create(
            commune=valbourg, actor=elu, title=f"Projet {n}", start_date=date(2027, 1, 1)
        )
        _line(other, elu, "Commune de Valbourg", "autofinancement", "1000", "prevu")
    assert queries() == one
