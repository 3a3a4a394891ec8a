"""CGCT art. L1111-10 through the pages, as an élu builds the plan: exactly on each threshold, then one cent past.

The aid line that breaks the rule is kept (nothing saved is lost); the plan page flags it and cites the article.
"""

from datetime import date
from decimal import Decimal

import pytest

from beffroi.funding.models import FinancingLine
from beffroi.planning import services
from tests.factories import member


@pytest.fixture
def elu(valbourg):
    valbourg.enabled_modules = ["planning"]
    valbourg.save()
    return member(valbourg, "elu", "elu@valbourg.test")


@pytest.fixture
def plan(valbourg, elu):
    project = services.project_create(
        commune=valbourg,
        actor=elu,
        title="Rénovation énergétique de l'école",
        start_date=date(2026, 1, 1),
        end_date=date(2026, 12, 31),
        investment_budget=Decimal("100000"),
        themes=["batiments-publics"],
    )
    return project.financing_plan


def line(kind, amount, funder):
    return {"funder": funder, "kind": kind, "cost_nature": "investment", "amount": amount, "status": "prevu"}


@pytest.mark.parametrize(
    "regime,flags,own,aid_on_threshold,aid_one_cent_past",
    [
        ("standard", {}, "20 000", "80 000", "80 000,01"),
        ("chef_de_file", {}, "30 000", "70 000", "70 000,01"),
        ("chef_de_file", {"ctec_derogation": "on"}, "20 000", "80 000", "80 000,01"),
        ("school_energy_renovation", {"prefect_decision": "on"}, "10 000", "90 000", "90 000,01"),
        ("school_energy_renovation", {}, "20 000", "80 000", "80 000,01"),
    ],
)
def test_threshold_exactly_met_then_one_cent_past(
    client, elu, plan, regime, flags, own, aid_on_threshold, aid_one_cent_past
):
    client.force_login(elu)
    base = f"/valbourg/financements/plans/{plan.pk}/"
    assert client.post(f"{base}regime/", {"regime": regime, **flags}).status_code == 302
    assert client.post(f"{base}lignes/ajouter/", line("autofinancement", own, "Commune")).status_code == 302
    assert (
        client.post(f"{base}lignes/ajouter/", line("subvention", aid_on_threshold, "État")).status_code == 302
    )
    page = client.get(base).content.decode()
    assert "Règle respectée" in page and "Règle non respectée" not in page
    assert "CGCT art. L1111-10" in page

    aid = plan.lines.get(kind="subvention")
    response = client.post(f"{base}lignes/{aid.pk}/modifier/", line("subvention", aid_one_cent_past, "État"))
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Règle non respectée" in page
    assert "il manque 0,01" in page or "0,01\u00a0€ de trop" in page
    assert "CGCT art. L1111-10" in page
    # the over-the-limit amount is saved as typed and the commune's line is untouched
    assert plan.lines.get(kind="subvention").amount == Decimal(
        aid_one_cent_past.replace(" ", "").replace(",", ".")
    )
    assert plan.lines.get(kind="autofinancement").amount == Decimal(own.replace(" ", ""))


@pytest.mark.parametrize(
    "amount,message",
    [
        ("-5", "ne peut pas être négatif"),
        ("cinq mille", "n&#x27;est pas un nombre"),
        ("12,345", "centime"),
        ("1e30", "sans puissance de dix"),
        ("1.5e3", "sans puissance de dix"),
        ("1e9", "sans puissance de dix"),
        ("1.000.000", "est ambigu"),
        ("1_000", "n&#x27;est pas un nombre"),
        ("€100", "sans le symbole €"),
        ("１００", "chiffres 0 à 9"),
        ("١٠٠", "chiffres 0 à 9"),
        ("9" * 30, "trop élevé"),
    ],
)
def test_bad_amount_on_edit_keeps_the_saved_line(client, elu, plan, amount, message):
    client.force_login(elu)
    base = f"/valbourg/financements/plans/{plan.pk}/"
    client.post(f"{base}lignes/ajouter/", line("subvention", "40 000", "Région"))
    saved = plan.lines.get()
    response = client.post(f"{base}lignes/{saved.pk}/modifier/", line("subvention", amount, "Région"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "<title>Erreur" in html and message in html
    assert f'value="{amount}"' in html  # what was typed comes back to be corrected
    assert FinancingLine.objects.get(pk=saved.pk).amount == Decimal("40000")


def test_decision_before_request_is_refused_and_nothing_lost(client, elu, plan):
    client.force_login(elu)
    base = f"/valbourg/financements/plans/{plan.pk}/"
    client.post(f"{base}lignes/ajouter/", line("subvention", "40 000", "Région"))
    saved = plan.lines.get()
    bad = {**line("subvention", "40 000", "Région"), "requested_on": "2026-05-01", "decided_on": "2026-04-01"}
    response = client.post(f"{base}lignes/{saved.pk}/modifier/", bad)
    assert response.status_code == 400
    assert "La date de la décision précède la date de la demande." in response.content.decode()
    assert FinancingLine.objects.get(pk=saved.pk).requested_on is None


def test_resources_must_balance_the_projects_cost(client, elu, plan):
    """106 250 € of resources for a 100 000 € project is not « Règle respectée »: the gap is said in euros."""
    client.force_login(elu)
    base = f"/valbourg/financements/plans/{plan.pk}/"
    client.post(f"{base}lignes/ajouter/", line("autofinancement", "26 250", "Commune"))
    response = client.post(f"{base}lignes/ajouter/", line("subvention", "80 000", "État"), follow=True)
    page = response.content.decode()
    assert "Pas en équilibre" in page and "6\u202f250,00\u00a0€ de plus que le coût" in page
    roadmap = client.get("/valbourg/projet/feuille-de-route/").content.decode()
    assert "surfinancé de 6\u202f250\u00a0€" in roadmap and ">Règle respectée<" not in roadmap

    own = plan.lines.get(kind="autofinancement")
    client.post(f"{base}lignes/{own.pk}/modifier/", line("autofinancement", "15 000", "Commune"))
    page = client.get(base).content.decode()
    assert "il manque 5\u202f000,00\u00a0€" in page
    assert "il manque 5\u202f000\u00a0€" in client.get("/valbourg/projet/feuille-de-route/").content.decode()

    client.post(f"{base}lignes/{own.pk}/modifier/", line("autofinancement", "20 000,00 €", "Commune"))
    page = client.get(base).content.decode()
    # No operating line: the badge says the investment is what balances.
    assert "Investissement en équilibre" in page and "Pas en équilibre" not in page
    assert ">Règle respectée<" in client.get("/valbourg/projet/feuille-de-route/").content.decode()


def test_plan_page_says_the_minimum_share_and_the_aid_cap_of_the_projects_cost(client, elu, plan):
    """100 000 € of investment, 85 000 € of aids: the élu reads 20 000 € at least and 80 000 € of aids at most
    (not « 21 250 € », which would fund 106 250 € for a 100 000 € project)."""
    client.force_login(elu)
    base = f"/valbourg/financements/plans/{plan.pk}/"
    client.post(f"{base}lignes/ajouter/", line("autofinancement", "15 000", "Commune"))
    client.post(f"{base}lignes/ajouter/", line("subvention", "85 000", "État"))
    page = client.get(base).content.decode()
    assert "Règle non respectée" in page
    assert (
        "Pour 100\u202f000,00\u00a0€ de financements publics, sa part doit atteindre au moins "
        "20\u202f000,00\u00a0€ et les aides publiques ne peuvent pas dépasser 80\u202f000,00\u00a0€."
    ) in page
    assert "il manque 5\u202f000,00\u00a0€ de part communale" in page
    assert "21\u202f250" not in page
    assert "compétence à chef de file" in page  # the exceptions, with the regime to choose below


def test_running_costs_no_line_funds_are_said_to_fall_on_the_communes_budget(client, elu, valbourg, plan):
    """« Budget du projet : … 4 000,00 € de fonctionnement par an », « Total fonctionnement 0,00 € » and the
    badge « En équilibre »: the plan read as if it covered the running costs."""
    project = plan.project
    services.project_update(commune=valbourg, actor=elu, project=project, operating_budget=Decimal("4000"))
    client.force_login(elu)
    base = f"/valbourg/financements/plans/{plan.pk}/"
    client.post(f"{base}lignes/ajouter/", line("autofinancement", "100 000", "Commune"))
    sentence = (
        "Fonctionnement non financé par ce plan : 4\u202f000\u00a0€ par an, à la charge du budget communal."
    )
    page = client.get(base).content.decode()
    assert sentence in page
    assert "Investissement en équilibre" in page and ">En équilibre<" not in page
    assert sentence in client.get("/valbourg/projet/rapport/").content.decode()

    client.post(
        f"{base}lignes/ajouter/",
        {**line("autofinancement", "4 000", "Commune"), "cost_nature": "operating"},
    )
    page = client.get(base).content.decode()
    assert "Fonctionnement non financé" not in page
    assert ">En équilibre<" in page


def test_plan_totals_keep_a_space_between_label_and_amount(client, elu, plan):
    """On a phone the stacked footer puts heading and amount on one line: « Total investissement100 000,00 € »."""
    client.force_login(elu)
    base = f"/valbourg/financements/plans/{plan.pk}/"
    client.post(f"{base}lignes/ajouter/", line("autofinancement", "100 000", "Commune"))
    page = client.get(base).content.decode()
    footer = page[page.index("<tfoot>") : page.index("</tfoot>")]
    assert footer.count('</th> <td class="num">') == 6 and "</th><td" not in footer
