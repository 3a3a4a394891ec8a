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


def test_the_counter_receipt_carries_the_full_address_a_qr_code_and_prints_as_a_pdf(
    client, setup_reports, valbourg, agent_valbourg, settings
):
    """Issue #11: the receipt had no web address nor QR code, and said « use Ctrl+P » instead of a button."""
    report = file_report(valbourg, setup_reports["light"], description="Lampadaire éteint")
    client.force_login(agent_valbourg)
    page = client.get(f"{G}/{report.pk}/recu/").content.decode()
    link = f"{settings.BEFFROI_SITE_URL}/valbourg/signalements/suivi/{report.tracking_code}/"
    assert link in page and "<svg" in page and "Adresse de suivi du signalement" in page
    assert "Ctrl+P" not in page and "data-print" in page
    assert f"{G}/{report.pk}/recu.pdf" in page  # the way to print without JavaScript
    pytest.importorskip("weasyprint")
    import shutil
    import subprocess

    response = client.get(f"{G}/{report.pk}/recu.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-", "-"], input=response.content, capture_output=True, check=True
        ).stdout.decode()
        assert "Mairie de Valbourg" in text and report.display_code in text and link in text
        assert f"signalement n° {report.pk}" in text  # the number the public pages give it
        assert "Se déconnecter" not in text and "Retour au signalement" not in text


def test_the_receipt_keeps_the_mairie_s_phone_number_on_one_line(
    client, setup_reports, valbourg, agent_valbourg
):
    """A number cut after « 03 80 00 » at the end of a printed line is misread when dialled."""
    from beffroi.core.services import commune_update

    commune_update(commune=valbourg, contact_phone="03 80 00 00 00")
    report = file_report(valbourg, setup_reports["light"], description="Lampadaire éteint")
    client.force_login(agent_valbourg)
    page = client.get(f"{G}/{report.pk}/recu/").content.decode()
    assert "Tél.&nbsp;03\u00a080\u00a000\u00a000\u00a000" in page
    pytest.importorskip("weasyprint")
    import shutil
    import subprocess

    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    pdf = client.get(f"{G}/{report.pk}/recu.pdf").content
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout
    lines = [line.replace("\u00a0", " ") for line in text.decode().splitlines()]
    assert any(
        "en donnant votre code de suivi" in line and "Tél. 03 80 00 00 00" in line for line in lines
    ) or any(line.strip() == "Tél. 03 80 00 00 00" for line in lines), lines
