import io

import pytest
from django.core import mail
from PIL import Image

from beffroi.core.models import AuditEntry
from beffroi.reports import services
from beffroi.reports.models import Report
from beffroi.territory.models import Place
from tests.reports.conftest import file_report, jpeg_with_gps

pytestmark = pytest.mark.django_db


def post_report(client, **extra):
    data = {
        "latitude": "47.318000",
        "longitude": "4.832000",
        "description": "Trou profond",
        "q_danger": "oui",
        "contact_email": "",
        "contact_phone": "",
        "website": "",
        **extra,
    }
    return client.post("/valbourg/signalements/signaler/nid-de-poule/", data)


def test_js_path_map_click_creates_report_and_receipt(client, setup_reports):
    response = post_report(client)
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.channel == "web" and report.team == setup_reports["team"] and report.state.code == "nouveau"
    page = client.get(response["Location"])
    assert report.display_code in page.content.decode()
    track = client.get(f"/valbourg/signalements/suivi/{report.display_code.lower()}/")
    assert track.status_code == 200 and "Trou profond" in track.content.decode()


def test_no_js_path_start_form_with_place_then_post(client, setup_reports, valbourg):
    place = Place.objects.create(commune=valbourg, name="Mairie", latitude="47.318200", longitude="4.832500")
    step1 = client.get("/valbourg/signalements/signaler/", {"category": "nid-de-poule", "place": place.pk})
    assert step1.status_code == 302 and "lieu=" in step1["Location"]
    step2 = client.get(step1["Location"])
    assert "Déjà signalé" in step2.content.decode()
    response = post_report(client, latitude="", longitude="", place=place.pk)
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.place == place and float(report.latitude) == pytest.approx(47.3182)


def test_address_only_is_enough(client, setup_reports):
    response = post_report(client, latitude="", longitude="", address="12 rue des Écoles")
    assert response.status_code == 302
    assert Report.objects.get().address_string == "12 rue des Écoles"


def test_no_location_at_all_is_refused(client, setup_reports):
    response = post_report(client, latitude="", longitude="")
    assert response.status_code == 400 and "Indiquez où se trouve" in response.content.decode()


def test_outside_commune_refused_in_both_steps(client, setup_reports):
    step1 = client.get(
        "/valbourg/signalements/signaler/",
        {"category": "nid-de-poule", "latitude": "48.85", "longitude": "2.35"},
    )
    assert step1.status_code == 200 and "en dehors de la commune" in step1.content.decode()
    response = post_report(client, latitude="48.850000", longitude="2.350000")
    assert response.status_code == 400 and "en dehors de la commune de Valbourg" in response.content.decode()
    assert not Report.objects.exists()


def test_script_in_description_is_escaped(client, setup_reports):
    post_report(client, description="<script>alert(1)</script><b>gras</b>")
    report = Report.objects.get()
    assert report.description.startswith("<script>")
    page = client.get(f"/valbourg/signalements/{report.pk}/").content.decode()
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page


def test_forged_image_refused_and_nothing_saved(client, setup_reports):
    fake = io.BytesIO(b"this is not an image at all")
    fake.name = "photo.jpg"
    response = post_report(client, photos=fake)
    assert response.status_code == 400 and "pas une photo lisible" in response.content.decode()
    assert not Report.objects.exists()


def test_oversized_upload_refused(client, setup_reports):
    big = io.BytesIO(b"\xff\xd8" + b"0" * (8 * 1024 * 1024 + 10))
    big.name = "big.jpg"
    response = post_report(client, photos=big)
    assert response.status_code == 400 and "8 Mo" in response.content.decode()
    assert not Report.objects.exists()


def test_photo_stripped_of_exif_and_hidden_until_published(client, setup_reports, agent_valbourg):
    photo = io.BytesIO(jpeg_with_gps())
    photo.name = "p.jpg"
    assert post_report(client, photos=photo).status_code == 302
    stored = Report.objects.get().photos.get()
    with stored.image.open("rb") as fh:
        img = Image.open(fh)
        assert not img.getexif()
    assert client.get(f"/valbourg/signalements/photo/{stored.pk}/").status_code == 404
    services.photo_set_published(photo=stored, actor=agent_valbourg, published=True)
    assert client.get(f"/valbourg/signalements/photo/{stored.pk}/").status_code == 200
    assert AuditEntry.objects.filter(action="report.photo.publish").exists()


def test_honeypot(client, setup_reports):
    response = post_report(client, website="http://spam.example")
    assert response.status_code == 400 and "robot" in response.content.decode()
    assert not Report.objects.exists()


def test_rate_limit_per_address(client, setup_reports, settings):
    settings.BEFFROI_REPORTS_RATE_LIMIT = 2
    assert post_report(client).status_code == 302
    assert post_report(client).status_code == 302
    response = post_report(client)
    assert response.status_code == 400 and "Trop de signalements" in response.content.decode()
    assert Report.objects.count() == 2


def test_required_question(client, setup_reports):
    response = post_report(client, q_danger="")
    assert response.status_code == 400 and not Report.objects.exists()


def test_track_form_and_unknown_code(client, setup_reports, valbourg):
    report = file_report(valbourg, setup_reports["pothole"])
    response = client.get("/valbourg/signalements/suivi/", {"code": report.display_code})
    assert response.status_code == 302
    bad = client.get("/valbourg/signalements/suivi/", {"code": "ZZZZ-ZZZZ"})
    assert bad.status_code == 404 and "Aucun signalement" in bad.content.decode()


def test_public_pages_show_no_personal_data(client, setup_reports, valbourg):
    report = file_report(
        valbourg, setup_reports["pothole"], contact_email="secret@exemple.test", contact_phone="0600000000"
    )
    for url in (
        "/valbourg/signalements/",
        "/valbourg/signalements/carte/",
        f"/valbourg/signalements/{report.pk}/",
        f"/valbourg/signalements/suivi/{report.tracking_code}/",
    ):
        body = client.get(url).content.decode()
        assert "secret@exemple.test" not in body and "0600000000" not in body, url


def test_filters_open_closed(client, setup_reports, valbourg, agent_valbourg):
    a = file_report(valbourg, setup_reports["pothole"], description="ouvert-un")
    b = file_report(valbourg, setup_reports["light"], description="clos-deux")
    from beffroi.reports.models import State

    services.report_change_state(
        report=b, actor=agent_valbourg, state=State.objects.get(commune=valbourg, code="resolu")
    )
    body = client.get("/valbourg/signalements/", {"etat": "closed"}).content.decode()
    assert "clos-deux" in body and "ouvert-un" not in body
    body = client.get("/valbourg/signalements/", {"categorie": "nid-de-poule"}).content.decode()
    assert "ouvert-un" in body and "clos-deux" not in body
    assert a.pk


def test_public_reply_notifies_by_email_and_sms(
    client, setup_reports, valbourg, agent_valbourg, settings, django_capture_on_commit_callbacks
):
    from beffroi.reports.sms import LocmemSmsBackend

    settings.BEFFROI_SMS_BACKEND = "beffroi.reports.sms.LocmemSmsBackend"
    LocmemSmsBackend.outbox = []
    report = file_report(
        valbourg, setup_reports["pothole"], contact_email="h@exemple.test", contact_phone="0611"
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.report_reply(report=report, actor=agent_valbourg, body="Nous passons demain.", public=True)
        services.report_reply(report=report, actor=agent_valbourg, body="note secrète", public=False)
    assert len(mail.outbox) == 1 and "Nous passons demain." in mail.outbox[0].body
    assert report.display_code in mail.outbox[0].body
    assert LocmemSmsBackend.outbox and LocmemSmsBackend.outbox[-1].to == "0611"
    page = client.get(f"/valbourg/signalements/suivi/{report.tracking_code}/").content.decode()
    assert "Nous passons demain." in page and "note secrète" not in page


def test_support_once_per_session(client, setup_reports, valbourg):
    report = file_report(valbourg, setup_reports["pothole"])
    client.post(f"/valbourg/signalements/{report.pk}/soutenir/")
    client.post(f"/valbourg/signalements/{report.pk}/soutenir/")
    report.refresh_from_db()
    assert report.supports_count == 1


def test_isolation_between_communes(client, setup_reports, valbourg, hautmesnil):
    report = file_report(valbourg, setup_reports["pothole"], description="propre-a-valbourg")
    assert client.get(f"/hautmesnil/signalements/{report.pk}/").status_code == 404
    assert client.get(f"/hautmesnil/signalements/suivi/{report.tracking_code}/").status_code == 404
    assert "propre-a-valbourg" not in client.get("/hautmesnil/signalements/").content.decode()
    assert client.get("/hautmesnil/signalements/signaler/nid-de-poule/").status_code == 404
