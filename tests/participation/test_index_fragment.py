"""The participation page keeps its content in the `fragments` cache: every change it shows appears at once
(docs/contributing.md, « A fragment worth caching »)."""

from datetime import timedelta

from django.utils import timezone

from beffroi.participation import services
from beffroi.participation.models import Consultation, Proposal
from tests.factories import member
from tests.participation.conftest import make_consultation

URL = "/valbourg/participation/"


def test_the_page_shows_a_renamed_consultation_its_state_and_new_dates(client, valbourg, agent_valbourg):
    consultation, _q = make_consultation(valbourg, agent_valbourg)
    page = client.get(URL).content.decode()
    assert "Les horaires de l&#x27;école" in page and ">ouverte<" in page
    services.consultation_update(
        commune=valbourg,
        actor=agent_valbourg,
        consultation=consultation,
        data={"title": "La semaine de 4 jours"},
    )
    assert "La semaine de 4 jours" in client.get(URL).content.decode()
    # Closed by its date: the state and the link to the results change.
    Consultation.objects.filter(pk=consultation.pk).update(
        opens_at=timezone.now() - timedelta(days=10), closes_at=timezone.now() - timedelta(days=1)
    )
    page = client.get(URL).content.decode()
    assert ">close<" in page and f"/consultations/{consultation.slug}/resultats/" in page


def test_the_page_shows_new_supports_the_threshold_and_a_new_proposal(client, valbourg, admin_valbourg):
    author = member(valbourg, "habitant", "auteur@valbourg.test")
    proposal = services.proposal_submit(
        commune=valbourg, author=author, title="Un marché bio", body="Le samedi."
    )
    page = client.get(URL).content.decode()
    assert "Un marché bio</a> — 0 soutien" in page
    services.support_add(
        commune=valbourg, proposal=proposal, person=member(valbourg, "habitant", "a@valbourg.test")
    )
    assert "Un marché bio</a> — 1 soutien" in client.get(URL).content.decode()
    services.proposal_rules_set(commune=valbourg, actor=admin_valbourg, support_threshold=12)
    assert "recueille 12 soutiens" in client.get(URL).content.decode()
    Proposal.objects.filter(pk=proposal.pk).update(title="Un marché de producteurs")
    assert "Un marché de producteurs</a>" in client.get(URL).content.decode()


def test_the_pages_title_is_its_name_alone(client, valbourg, agent_valbourg):
    services.panel_create(
        commune=valbourg,
        actor=agent_valbourg,
        title="Panel sur les mobilités",
        slug="panel-mobilites",
        size=2,
        quotas_text="category,feature,min,max\ngenre,femme,1,1\ngenre,homme,1,1\n",
    )
    page = client.get(URL).content.decode()
    assert "<title>Participation citoyenne — Valbourg</title>" in page
    assert page.count("Panel sur les mobilités") == 1


def test_two_communes_with_nothing_yet_each_get_their_own_links(client, valbourg, hautmesnil):
    assert 'href="/valbourg/participation/propositions/"' in client.get(URL).content.decode()
    page = client.get("/hautmesnil/participation/").content.decode()
    assert 'href="/hautmesnil/participation/propositions/"' in page and "/valbourg/participation/" not in page
