"""The platform API (read key): consultations, published results as JSON and CSV, proposals, meetings — only
the key's commune, never who answered; and what a person downloads and what erasure leaves."""

from beffroi.accounts.services import user_delete
from beffroi.core import personal_data
from beffroi.core.services import apikey_create
from beffroi.participation import services
from beffroi.participation.models import PanelVolunteer, Proposal, Registration, Respondent
from tests.participation.conftest import good_answers, make_consultation
from tests.participation.test_meetings import make_meeting
from tests.participation.test_panels import QUOTAS


def _get(client, url, secret):
    return client.get(url, HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_the_api_gives_consultations_results_proposals_and_meetings_of_the_keys_commune(
    client, valbourg, hautmesnil, agent_valbourg, habitant_valbourg
):
    _, secret = apikey_create(commune=valbourg, scope="read")
    _, other = apikey_create(commune=hautmesnil, scope="read")
    open_one, _q = make_consultation(valbourg, agent_valbourg, slug="ouverte")
    closed, q = make_consultation(valbourg, agent_valbourg, slug="close", state="open")
    for i in range(2):
        services.consultation_answer(
            commune=valbourg, consultation=closed, person=None, answers=good_answers(q), browser_key=f"b{i}"
        )
    assert _get(client, "/api/participation/consultations/close/results", secret).status_code == 404
    closed.closes_at = closed.opens_at + (closed.closes_at - closed.opens_at) / 100
    closed.save()

    listed = _get(client, "/api/participation/consultations", secret).json()
    assert {c["slug"] for c in listed} == {"ouverte", "close"}
    assert _get(client, "/api/participation/consultations", other).json() == []
    assert _get(client, "/api/participation/consultations/close", other).status_code == 404

    results = _get(client, "/api/participation/consultations/close/results", secret).json()
    assert results["respondents"] == 2
    single = next(r for r in results["questions"] if r["kind"] == "choix_unique")
    assert [o["count"] for o in single["options"]] == [2, 0]
    scale = next(r for r in results["questions"] if r["kind"] == "echelle")
    assert scale["scale_counts"]["4"] == 2 and scale["scale_mean"] == 4.0
    text = next(r for r in results["questions"] if r["kind"] == "texte_long")
    assert text["text_answers"] == 2 and "Plus de sport" not in str(results)

    csv = _get(client, "/api/participation/consultations/close/results.csv", secret)
    body = csv.content.decode("utf-8-sig")
    assert csv["Content-Type"].startswith("text/csv") and "4 jours et demi;0" in body

    services.proposal_submit(commune=valbourg, author=habitant_valbourg, title="Des arbres", body="…")
    proposals = _get(client, "/api/participation/proposals", secret).json()
    assert (
        proposals[0]["title"] == "Des arbres"
        and proposals[0]["supports"] == 0
        and "author" not in proposals[0]
    )
    meeting = make_meeting(valbourg, agent_valbourg)
    services.registration_create(commune=valbourg, meeting=meeting, name="Zoé", email="zoe@example.test")
    meetings = _get(client, "/api/participation/meetings", secret).json()
    assert (
        meetings[0]["seats_taken"] == 1 and "zoe" not in str(meetings) and meetings[0]["latitude"] == 47.3164
    )
    problem = _get(client, "/api/participation/proposals/999999", secret)
    assert problem.status_code == 404 and problem["Content-Type"].startswith("application/problem+json")


def test_download_says_that_the_person_answered_never_what_and_erasure_keeps_the_counts(
    valbourg, agent_valbourg, habitant_valbourg
):
    consultation, q = make_consultation(valbourg, agent_valbourg, audience="compte")
    services.consultation_answer(
        commune=valbourg, consultation=consultation, person=habitant_valbourg, answers=good_answers(q)
    )
    proposal = services.proposal_submit(commune=valbourg, author=habitant_valbourg, title="Un banc", body="…")
    services.support_add(commune=valbourg, proposal=proposal, person=habitant_valbourg)
    meeting = make_meeting(valbourg, agent_valbourg)
    services.registration_create(
        commune=valbourg,
        meeting=meeting,
        name="Henri",
        email=habitant_valbourg.email,
        person=habitant_valbourg,
    )
    panel = services.panel_create(
        commune=valbourg, actor=agent_valbourg, title="Panel", slug="panel", size=6, quotas_text=QUOTAS
    )
    services.volunteer_add(
        commune=valbourg,
        panel=panel,
        name="Henri",
        email=habitant_valbourg.email,
        features={"sexe": "homme", "age": "40+"},
        person=habitant_valbourg,
    )
    data = personal_data.export_for(habitant_valbourg)["participation_citoyenne"]
    assert data["consultations_repondues"][0]["consultation"] == consultation.title
    assert "Plus de sport" not in str(data)  # the answers are secret, even to their author
    assert data["propositions"][0]["titre"] == "Un banc" and data["soutiens"][0]["proposition"] == "Un banc"
    assert data["inscriptions_aux_reunions"][0]["courriel"] == habitant_valbourg.email
    assert data["volontariats_panels_citoyens"][0]["caracteristiques"] == {"sexe": "homme", "age": "40+"}

    email = habitant_valbourg.email
    user_delete(user=habitant_valbourg)
    assert Respondent.objects.get().person is None  # still counted
    assert Proposal.objects.get().author is None
    assert not Registration.objects.filter(email=email).exists()
    volunteer = PanelVolunteer.objects.get()
    assert (
        volunteer.email == ""
        and volunteer.name == ""
        and volunteer.features == {"sexe": "homme", "age": "40+"}
    )
