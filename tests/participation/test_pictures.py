"""A resident's photo on a proposal: shown on the cards, alt="" when the resident did not say what it shows."""

import pytest

from beffroi.participation import services as participation_services
from beffroi.participation.models import Proposal
from tests.budgeting.test_pictures import photo_with_gps

pytestmark = pytest.mark.django_db


def test_a_proposal_photo_without_description_is_decorative(
    client, valbourg, admin_valbourg, habitant_valbourg
):
    participation_services.proposal_rules_set(
        commune=valbourg, actor=admin_valbourg, support_threshold=3, support_days=30, answer_days=10
    )
    client.force_login(habitant_valbourg)
    response = client.post(
        "/valbourg/participation/propositions/deposer/",
        {"title": "Un abri vélo", "body": "À l'école.", "picture": photo_with_gps()},
    )
    proposal = Proposal.objects.get()
    assert response["Location"] == f"/valbourg/participation/propositions/{proposal.pk}/"
    listing = client.get("/valbourg/participation/propositions/").content.decode()
    thumb = f"/valbourg/participation/propositions/{proposal.pk}/vignette/"
    assert f'<img class="card-picture" src="{thumb}" alt=""' in listing
    assert client.get(thumb).status_code == 200
    detail = client.get(f"/valbourg/participation/propositions/{proposal.pk}/").content.decode()
    assert "Photo jointe à la proposition (agrandir)" in detail
