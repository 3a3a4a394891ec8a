"""A resident's notification settings in « Mon espace »: what they receive and how, per kind, honoured by the
reports' mail and SMS; a report made without an account keeps the choice made on its form."""

import pytest
from django.core import mail

from beffroi.accounts import selectors as account_selectors
from beffroi.reports import services
from beffroi.reports.sms import LocmemSmsBackend
from tests.reports.conftest import file_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def sms_outbox(settings):
    settings.BEFFROI_SMS_BACKEND = "beffroi.reports.sms.LocmemSmsBackend"
    LocmemSmsBackend.outbox = []
    return LocmemSmsBackend.outbox


def reply(report, agent, capture):
    mail.outbox.clear()
    with capture(execute=True):
        services.report_reply(report=report, actor=agent, body="Nous passons demain.", public=True)


def test_the_landing_page_stores_the_residents_choices_without_javascript(
    client, setup_reports, valbourg, habitant_valbourg
):
    # each kind of news is offered where its module is on (tests/accounts/test_landing.py: switched off)
    valbourg.enabled_modules = sorted({*valbourg.enabled_modules, "procedures", "participation"})
    valbourg.save()
    client.force_login(habitant_valbourg)
    page = client.get("/valbourg/mon-espace/").content.decode()
    assert "La suite de mes signalements" in page and "Mes démarches en ligne" in page
    assert 'name="signalements_email"' in page and 'name="participation_email"' in page
    assert 'name="signalements_sms"' not in page  # no phone known: texts are not offered
    file_report(valbourg, setup_reports["pothole"], reporter=habitant_valbourg, contact_phone="0611")
    page = client.get("/valbourg/mon-espace/").content.decode()
    assert 'name="signalements_sms"' in page and 'name="demarches_sms"' not in page  # texts only where sent
    response = client.post("/valbourg/mon-espace/", {"signalements_sms": "on", "participation_email": "on"})
    assert response.status_code == 302 and response["Location"].endswith("#titre-notifications")
    assert account_selectors.notification_settings(user=habitant_valbourg) == {
        "signalements": {"email": False, "sms": True},
        "demarches": {"email": False, "sms": True},
        "participation": {"email": True, "sms": True},
    }
    page = client.get("/valbourg/mon-espace/").content.decode()
    assert "Vos choix de notifications sont enregistrés." in page
    assert 'name="participation_email" id="id_participation_email" checked' in page
    assert 'name="signalements_email" id="id_signalements_email">' in page


def test_a_muted_kind_sends_nothing_and_an_enabled_channel_still_sends(
    client,
    setup_reports,
    valbourg,
    habitant_valbourg,
    agent_valbourg,
    sms_outbox,
    django_capture_on_commit_callbacks,
):
    report = file_report(
        valbourg,
        setup_reports["pothole"],
        reporter=habitant_valbourg,
        contact_email=habitant_valbourg.email,
        contact_phone="0611",
    )
    reply(report, agent_valbourg, django_capture_on_commit_callbacks)
    assert [m.to for m in mail.outbox] == [[habitant_valbourg.email]] and len(sms_outbox) == 1

    client.force_login(habitant_valbourg)
    client.post("/valbourg/mon-espace/", {"signalements_sms": "on", "participation_email": "on"})
    sms_outbox.clear()
    reply(report, agent_valbourg, django_capture_on_commit_callbacks)
    assert mail.outbox == []  # mail about reports muted
    assert [s.to for s in sms_outbox] == ["0611"]  # texts still wanted
    assert services.notification_channels(report) == ("sms",)  # what the agent is told was sent

    client.post("/valbourg/mon-espace/", {"participation_email": "on"})
    sms_outbox.clear()
    reply(report, agent_valbourg, django_capture_on_commit_callbacks)
    assert mail.outbox == [] and sms_outbox == []
    assert services.notification_channels(report) == ()


def test_an_anonymous_report_keeps_the_choice_made_on_its_form(
    setup_reports, valbourg, habitant_valbourg, agent_valbourg, sms_outbox, django_capture_on_commit_callbacks
):
    from beffroi.accounts import services as account_services

    # the same person turned everything off on their account, then reported without signing in
    account_services.notification_settings_set(
        user=habitant_valbourg, choices={"signalements": {"email": False, "sms": False}}
    )
    report = file_report(
        valbourg, setup_reports["pothole"], contact_email="voisin@exemple.test", contact_phone="0622"
    )
    reply(report, agent_valbourg, django_capture_on_commit_callbacks)
    assert [m.to for m in mail.outbox] == [["voisin@exemple.test"]]
    assert [s.to for s in sms_outbox] == ["0622"]
