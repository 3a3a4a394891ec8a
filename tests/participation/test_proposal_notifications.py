"""The author of a proposal hears of the commune's answer by mail, unless they turned participation news off."""

import pytest
from django.core import mail

from beffroi.accounts import services as account_services
from beffroi.participation import services
from tests.factories import member

pytestmark = pytest.mark.django_db


def answer(valbourg, author, elu, capture):
    proposal = services.proposal_submit(commune=valbourg, author=author, title="Piscine", body="…")
    mail.outbox.clear()
    with capture(execute=True):
        services.proposal_answer(
            commune=valbourg,
            actor=elu,
            proposal=proposal,
            accepted=False,
            answer="Le budget ne le permet pas.",
        )
    return proposal


def test_the_answer_is_mailed_unless_participation_mail_is_off(
    valbourg, admin_valbourg, habitant_valbourg, settings, django_capture_on_commit_callbacks
):
    services.proposal_rules_set(
        commune=valbourg, actor=admin_valbourg, support_threshold=3, support_days=30, answer_days=10
    )
    elu = member(valbourg, "elu", "elu@valbourg.test")
    proposal = answer(valbourg, habitant_valbourg, elu, django_capture_on_commit_callbacks)
    (message,) = mail.outbox
    assert message.to == [habitant_valbourg.email] and "elle est refusée" in message.body
    assert f"{settings.BEFFROI_SITE_URL}/valbourg/participation/propositions/{proposal.pk}/" in message.body

    account_services.notification_settings_set(
        user=habitant_valbourg, choices={"participation": {"email": False, "sms": False}}
    )
    answer(valbourg, habitant_valbourg, elu, django_capture_on_commit_callbacks)
    assert mail.outbox == []
