"""A commune « en préparation » (its site not yet published) takes no submission from the public: residents see
the same « en préparation » page as its home, an Open311 client a French error; its staff can still try it out."""

from decimal import Decimal

import pytest

from beffroi.core.services import apikey_create, commune_update
from beffroi.reports import services as reports
from beffroi.reports.models import Report

pytestmark = pytest.mark.django_db

FORM = "/valbourg/signalements/signaler/eclairage/"


@pytest.fixture
def in_preparation(valbourg):
    commune_update(
        commune=valbourg,
        enabled_modules=["reports"],
        home_published=False,
        latitude=Decimal("47.318"),
        longitude=Decimal("4.832"),
    )
    reports.states_ensure(commune=valbourg)
    reports.category_create(commune=valbourg, code="eclairage", name="Éclairage public", actor=None)
    return valbourg


def filing(client):
    return client.post(FORM, {"description": "Lampadaire éteint", "latitude": "47.318", "longitude": "4.832"})


def test_a_resident_cannot_file_a_report_into_a_commune_in_preparation(
    client, in_preparation, habitant_valbourg
):
    for page in ("/valbourg/signalements/signaler/", FORM):
        response = client.get(page)
        assert response.status_code == 403
        assert "Les services en ligne de Valbourg sont en préparation" in response.content.decode()
        assert "Accès refusé" not in response.content.decode()
    assert filing(client).status_code == 403
    client.force_login(habitant_valbourg)
    assert filing(client).status_code == 403
    assert not Report.objects.filter(commune=in_preparation).exists()


def test_its_staff_prepares_it_and_publishing_opens_it(client, in_preparation, agent_valbourg):
    client.force_login(agent_valbourg)
    assert client.get(FORM).status_code == 200
    client.logout()
    commune_update(commune=in_preparation, home_published=True)
    assert client.get(FORM).status_code == 200


def test_open311_refuses_a_request_into_a_commune_in_preparation(client, in_preparation):
    _key, secret = apikey_create(commune=in_preparation, scope="write")
    payload = {
        "api_key": secret,
        "jurisdiction_id": "valbourg",
        "service_code": "eclairage",
        "lat": "47.318",
        "long": "4.832",
        "description": "Lampadaire éteint",
    }
    response = client.post("/open311/v2/requests.json", payload)
    assert response.status_code == 403
    assert "sont en préparation" in response.json()[0]["description"]
    assert not Report.objects.filter(commune=in_preparation).exists()
    commune_update(commune=in_preparation, home_published=True)
    assert client.post("/open311/v2/requests.json", payload).status_code == 201


def test_no_dossier_proposal_or_answer_is_taken_either_until_the_site_is_published(
    client, valbourg, habitant_valbourg, admin_valbourg
):
    """The same rule for every channel a resident files through: démarches, proposals, consultations."""
    from beffroi.participation import services as participation
    from beffroi.participation.models import Proposal
    from beffroi.procedures import services as procedures
    from beffroi.procedures.models import Dossier

    commune_update(commune=valbourg, enabled_modules=["procedures", "participation"], home_published=False)
    demarche = procedures.template_install(commune=valbourg, actor=None, code="cantine-periscolaire")
    participation.proposal_rules_set(
        commune=valbourg, actor=admin_valbourg, support_threshold=3, support_days=30, answer_days=10
    )
    client.force_login(habitant_valbourg)
    response = client.post(f"/valbourg/demarches/{demarche.slug}/", {"applicant_kind": "particulier"})
    assert response.status_code == 403 and "en préparation" in response.content.decode()
    response = client.post(
        "/valbourg/participation/propositions/deposer/", {"title": "Un banc", "body": "Ici."}
    )
    assert response.status_code == 403
    assert not Dossier.objects.filter(commune=valbourg).exists() and not Proposal.objects.exists()
    commune_update(commune=valbourg, home_published=True)
    response = client.post(f"/valbourg/demarches/{demarche.slug}/", {"applicant_kind": "particulier"})
    assert response.status_code == 302 and Dossier.objects.filter(commune=valbourg).exists()
