"""Issue #11, notifications: the agent's confirmation says what the resident was really sent (« publiée et
envoyée » was shown even when the resident had left no contact)."""

import pytest

from beffroi.reports import services
from tests.reports.conftest import file_report

pytestmark = pytest.mark.django_db
G = "/valbourg/signalements/gestion"


@pytest.mark.parametrize(
    ("contact", "told"),
    [
        ({}, "rien ne lui a été envoyé"),
        ({"contact_email": "h@exemple.test"}, "prévenu·e par courriel."),
        ({"contact_phone": "0611223344"}, "prévenu·e par SMS."),
        ({"contact_email": "h@exemple.test", "contact_phone": "0611223344"}, "par courriel et par SMS."),
    ],
)
def test_the_agent_is_told_what_the_resident_was_really_sent(
    client, setup_reports, valbourg, agent_valbourg, contact, told
):
    report = file_report(valbourg, setup_reports["pothole"], **contact)
    assert services.notification_channels(report) == tuple(
        c for c, key in (("email", "contact_email"), ("sms", "contact_phone")) if key in contact
    )
    client.force_login(agent_valbourg)
    page = client.post(
        f"{G}/{report.pk}/repondre/", {"visibility": "public", "body": "Nous passons demain."}, follow=True
    ).content.decode()
    assert "Réponse publiée sur la page de suivi." in page and told in page
    assert "publiée et envoyée" not in page
