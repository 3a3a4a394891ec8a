"""The commune's zonages (FRR, QPV, PVD…): recorded by its élus, read by the matching of aids."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from beffroi.core.models import AuditEntry
from beffroi.funding import selectors, services
from beffroi.funding.matching import Criterion, ProjectProfile, Status
from beffroi.funding.models import CommuneZonage
from tests.factories import member

URL = "/valbourg/financements/zonages/"
ALL_UNKNOWN = {code: "inconnu" for code in ("FRR", "QPV", "PVD", "ACV", "MONTAGNE", "LITTORAL", "GAL_LEADER")}


@pytest.fixture
def elu(valbourg):
    return member(valbourg, "elu", "elu@valbourg.test")


def revitalisation_study():
    return ProjectProfile(themes={"revitalisation"}, stage="etude", investment_cost=Decimal("30000"))


def bdt_pvd_zonage_reason(commune):
    results = selectors.mechanism_match(
        commune=commune, project=revitalisation_study(), today=date(2026, 11, 26)
    )
    result = next(r for r in results if r.code == "BDT_PVD")
    return result.matched, next(r for r in result.reasons if r.criterion is Criterion.ZONAGE)


@pytest.mark.django_db
class TestMatchingReadsTheProfile:
    def test_unknown_zonage_reads_to_be_checked(self, valbourg):
        matched, reason = bdt_pvd_zonage_reason(valbourg)
        assert matched and reason.status is Status.TO_CHECK

    def test_labelled_commune_matches_with_the_reason(self, valbourg, elu):
        services.commune_zonages_set(commune=valbourg, actor=elu, states={"PVD": "oui"})
        matched, reason = bdt_pvd_zonage_reason(valbourg)
        assert matched and reason.status is Status.OK
        assert "Petites villes de demain (PVD)" in reason.message

    def test_commune_outside_the_programme_does_not_match(self, valbourg, elu):
        services.commune_zonages_set(commune=valbourg, actor=elu, states={"PVD": "non"})
        matched, reason = bdt_pvd_zonage_reason(valbourg)
        assert not matched and reason.status is Status.KO

    def test_back_to_unknown(self, valbourg, elu):
        services.commune_zonages_set(commune=valbourg, actor=elu, states={"PVD": "non"})
        services.commune_zonages_set(commune=valbourg, actor=elu, states={"PVD": "inconnu"})
        assert bdt_pvd_zonage_reason(valbourg)[1].status is Status.TO_CHECK


@pytest.mark.django_db
class TestService:
    def test_unknown_code_or_answer_is_refused_in_french(self, valbourg, elu):
        with pytest.raises(ValidationError, match="Zonage inconnu : ZRR"):
            services.commune_zonages_set(commune=valbourg, actor=elu, states={"ZRR": "oui"})
        with pytest.raises(ValidationError, match="Réponse attendue"):
            services.commune_zonages_set(commune=valbourg, actor=elu, states={"FRR": "peut-être"})
        assert not CommuneZonage.objects.exists()

    def test_audited_once_and_idempotent(self, valbourg, elu):
        services.commune_zonages_set(commune=valbourg, actor=elu, states={"FRR": "oui", "QPV": "non"})
        services.commune_zonages_set(commune=valbourg, actor=elu, states={"FRR": "oui", "QPV": "non"})
        entries = AuditEntry.objects.filter(commune=valbourg, action="funding.zonages.update")
        assert entries.count() == 1
        assert "France Ruralités Revitalisation (FRR) = oui" in entries.get().summary

    def test_isolation_between_communes(self, valbourg, hautmesnil, elu):
        services.commune_zonages_set(commune=valbourg, actor=elu, states={"PVD": "oui"})
        assert selectors.commune_zonages(commune=hautmesnil)["PVD"] == "inconnu"
        assert selectors.commune_profile(commune=hautmesnil).zonages == frozenset()


@pytest.mark.django_db
class TestPage:
    def test_elu_records_the_zonages_with_french_labels_and_help(self, client, valbourg, elu):
        client.force_login(elu)
        html = client.get(URL).content.decode()
        assert "<legend>France Ruralités Revitalisation (FRR)</legend>" in html
        assert "remplacé les zones de revitalisation rurale (ZRR) le 1er juillet 2024" in html
        assert "Je ne sais pas" in html
        response = client.post(URL, {**ALL_UNKNOWN, "FRR": "oui", "LITTORAL": "non"})
        assert response.status_code == 302
        assert selectors.commune_zonages(commune=valbourg)["FRR"] == "oui"
        page = client.get(response["Location"]).content.decode()
        assert "Les zonages de la commune sont enregistrés." in page
        assert '<input type="radio" name="FRR" value="oui" id="id_FRR_0" required checked>' in page

    def test_missing_answer_is_an_error_and_nothing_saved_is_lost(self, client, valbourg, elu):
        services.commune_zonages_set(commune=valbourg, actor=elu, states={"QPV": "non"})
        client.force_login(elu)
        incomplete = {k: v for k, v in ALL_UNKNOWN.items() if k != "FRR"}
        response = client.post(URL, {**incomplete, "QPV": "oui"})
        assert response.status_code == 400
        html = response.content.decode()
        assert "<title>Erreur — " in html
        assert "Choisissez « Oui », « Non » ou « Je ne sais pas »." in html
        assert selectors.commune_zonages(commune=valbourg)["QPV"] == "non"

    def test_agents_and_anonymous_cannot_edit(self, client, valbourg, agent_valbourg):
        assert client.get(URL).status_code in (302, 403)
        client.force_login(agent_valbourg)
        assert client.post(URL, {**ALL_UNKNOWN, "PVD": "oui"}).status_code == 403
        assert selectors.commune_zonages(commune=valbourg)["PVD"] == "inconnu"

    def test_elu_of_another_commune_cannot_edit(self, client, valbourg, hautmesnil):
        other = member(hautmesnil, "elu", "elu@hautmesnil.test")
        client.force_login(other)
        assert client.post(URL, {**ALL_UNKNOWN, "PVD": "oui"}).status_code in (302, 403, 404)
        assert selectors.commune_zonages(commune=valbourg)["PVD"] == "inconnu"
