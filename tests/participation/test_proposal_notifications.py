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


def test_respondents_are_told_once_of_the_communes_answer_to_a_consultation(
    valbourg, agent_valbourg, elu_valbourg, settings, django_capture_on_commit_callbacks
):
    from tests.participation.conftest import good_answers, make_consultation

    consultation, q = make_consultation(valbourg, agent_valbourg)
    people = [member(valbourg, "habitant", f"r{i}@valbourg.test") for i in range(3)]
    for i, person in enumerate(people):
        services.consultation_answer(
            commune=valbourg,
            consultation=consultation,
            person=person,
            answers=good_answers(q),
            browser_key=f"b{i}",
        )
    account_services.notification_settings_set(
        user=people[2], choices={"participation": {"email": False, "sms": False}}
    )
    consultation.closes_at = consultation.opens_at + (consultation.closes_at - consultation.opens_at) / 100
    consultation.save()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.consultation_decide(
            commune=valbourg, actor=elu_valbourg, consultation=consultation, decision="Quatre jours et demi."
        )
    assert sorted(m.to[0] for m in mail.outbox) == ["r0@valbourg.test", "r1@valbourg.test"]
    link = f"{settings.BEFFROI_SITE_URL}/valbourg/participation/consultations/{consultation.slug}/resultats/"
    assert all(link in m.body and "Quatre jours et demi." in m.body for m in mail.outbox)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):  # a corrected answer is not mailed again
        services.consultation_decide(
            commune=valbourg,
            actor=elu_valbourg,
            consultation=consultation,
            decision="Quatre jours et demi, dès mars.",
        )
    assert mail.outbox == []
