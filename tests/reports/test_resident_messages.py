"""What a resident receives after reporting: the receipt page says where the acknowledgement went (masked), and
every mail (receipt, change of state, reply) greets, closes as the commune's other mails do, and writes its dates
in words."""

import re

import pytest
from django.core import mail

from beffroi.core import dates
from beffroi.reports import services
from beffroi.reports.models import Report, State
from tests.reports.conftest import file_report, post_report

pytestmark = pytest.mark.django_db
NUMERIC_DATE = re.compile(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b")


@pytest.mark.parametrize(
    ("contact", "said", "hidden"),
    [
        (
            {"contact_email": "claire.martin@exemple.fr"},
            "Un accusé de réception a été envoyé à c…\u2060@exemple.fr.",
            ["claire.martin"],
        ),
        (
            {"contact_phone": "06 12 34 56 78"},
            "Un accusé de réception a été envoyé par SMS au 06\u00a0…\u00a078.",
            ["12 34 56", "0612345678"],
        ),
        (
            {"contact_email": "claire.martin@exemple.fr", "contact_phone": "0612345678"},
            "Un accusé de réception a été envoyé à c…\u2060@exemple.fr et par SMS au 06\u00a0…\u00a078.",
            ["claire.martin", "0612345678"],
        ),
    ],
)
def test_the_receipt_says_where_the_acknowledgement_went_masked(client, setup_reports, contact, said, hidden):
    response = post_report(client, **contact)
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert said in page
    for secret in hidden:
        assert secret not in page


def test_the_receipt_says_nothing_was_sent_when_no_contact_was_left(client, setup_reports):
    page = client.get(post_report(client)["Location"]).content.decode()
    assert "accusé de réception" not in page and "prévenu·e à chaque étape" not in page


def test_every_mail_greets_closes_like_the_other_apps_and_writes_dates_in_words(
    setup_reports, valbourg, agent_valbourg, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report = file_report(valbourg, setup_reports["pothole"], contact_email="h@exemple.test")
    report = Report.objects.get(pk=report.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_change_state(
            report=report,
            actor=agent_valbourg,
            state=State.objects.get(commune=valbourg, code="resolu"),
        )
        services.report_reply(report=report, actor=agent_valbourg, body="Nous sommes passés.", public=True)
    receipt, state, reply = (m.body for m in mail.outbox)
    for body in (receipt, state, reply):
        assert body.startswith("Bonjour,\n\n"), body
        assert body.rstrip().endswith("Mairie de Valbourg"), body
        assert not NUMERIC_DATE.search(body), body
    assert f"le {dates.long_datetime(report.created_at)}." in receipt
    assert "a bien reçu votre signalement" in receipt and "Nid-de-poule" in receipt
    day = dates.long_date(report.created_at)
    assert f"du {day} est maintenant : Résolu." in state
    assert f"du {day} :" in reply and "Nous sommes passés." in reply
