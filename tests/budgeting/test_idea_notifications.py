"""The author of an idea hears of its assessment by mail, unless they turned participation news off."""

import pytest
from django.core import mail

from beffroi.accounts import services as account_services
from beffroi.budgeting import services
from tests.budgeting.conftest import make_budget

pytestmark = pytest.mark.django_db


def submit_and_assess(budget, author, agent, capture, **kw):
    idea = services.idea_submit(
        commune=budget.commune,
        budget=budget,
        author=author,
        title="Un banc au lavoir",
        description="Pour s'asseoir.",
        category="cadre-de-vie",
        estimated_cost=900,
        **kw,
    )
    mail.outbox.clear()
    with capture(execute=True):
        services.idea_assess(
            commune=budget.commune, project=idea, actor=agent, feasible=True, decision="Faisable : 900 €."
        )
    return idea


def test_the_author_is_told_unless_participation_mail_is_off(
    valbourg, agent_valbourg, habitant_valbourg, settings, django_capture_on_commit_callbacks
):
    budget = make_budget(valbourg, agent_valbourg, phase="ideas")
    submit_and_assess(budget, habitant_valbourg, agent_valbourg, django_capture_on_commit_callbacks)
    (message,) = mail.outbox
    assert message.to == [habitant_valbourg.email] and "Faisable : 900 €." in message.body
    assert f"{settings.BEFFROI_SITE_URL}/valbourg/budget-participatif/{budget.slug}/idees/" in message.body

    account_services.notification_settings_set(
        user=habitant_valbourg, choices={"participation": {"email": False, "sms": False}}
    )
    submit_and_assess(budget, habitant_valbourg, agent_valbourg, django_capture_on_commit_callbacks)
    assert mail.outbox == []


def test_an_idea_sent_without_account_is_answered_at_the_address_left(
    valbourg, agent_valbourg, django_capture_on_commit_callbacks
):
    from django.contrib.auth.models import AnonymousUser

    budget = make_budget(valbourg, agent_valbourg, phase="ideas")
    submit_and_assess(
        budget,
        AnonymousUser(),
        agent_valbourg,
        django_capture_on_commit_callbacks,
        contact_email="j@exemple.fr",
    )
    assert [m.to for m in mail.outbox] == [["j@exemple.fr"]]


def test_voters_are_told_once_when_the_results_are_published_unless_participation_mail_is_off(
    valbourg, agent_valbourg, admin_valbourg, settings, django_capture_on_commit_callbacks
):
    from tests.budgeting.conftest import add_projects, verified
    from tests.factories import member

    budget = make_budget(valbourg, agent_valbourg, max_choices=None)
    first, *_others = add_projects(budget, agent_valbourg)
    voters = [
        verified(budget, agent_valbourg, member(valbourg, "habitant", f"v{i}@valbourg.test"))
        for i in range(3)
    ]
    for voter in voters:
        services.ballot_cast(commune=valbourg, budget=budget, voter=voter, choices={first.pk: 1})
    account_services.notification_settings_set(
        user=voters[2], choices={"participation": {"email": False, "sms": False}}
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.budget_close_and_count(commune=valbourg, budget=budget, actor=admin_valbourg)
    assert sorted(m.to[0] for m in mail.outbox) == ["v0@valbourg.test", "v1@valbourg.test"]
    link = f"{settings.BEFFROI_SITE_URL}/valbourg/budget-participatif/{budget.slug}/resultats/"
    assert all(link in m.body and len(m.to) == 1 for m in mail.outbox)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):  # a recount is not news
        services.budget_close_and_count(commune=valbourg, budget=budget, actor=admin_valbourg)
    assert mail.outbox == []
