import io
import re
from pathlib import Path

import pytest
from django.core import mail
from PIL import Image

from beffroi.core.models import AuditEntry
from beffroi.reports import services
from beffroi.reports.models import Report
from beffroi.territory.models import Place
from tests.reports.conftest import file_report, jpeg_with_gps, post_report

pytestmark = pytest.mark.django_db


def test_js_path_map_click_creates_report_and_receipt(client, setup_reports):
    response = post_report(client)
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.channel == "web" and report.team == setup_reports["team"] and report.state.code == "nouveau"
    page = client.get(response["Location"])
    assert report.display_code in page.content.decode()
    assert f'signalements/{report.pk}/">signalement n° {report.pk}</a>' in page.content.decode()
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


def _kept_photo_tokens(page: str) -> list[str]:
    return re.findall(r'name="photos-gardees" value="([^"]+)"', page)


def test_photos_sent_with_a_refused_form_are_kept_for_the_next_sending(client, setup_reports, hautmesnil):
    """A browser cannot be handed its files back: the photos of a form sent back with errors are held, shown
    as a ticked « Garder la photo déjà jointe », and the next sending files them without choosing them again."""
    photo = io.BytesIO(jpeg_with_gps())
    photo.name = "trottoir.jpg"
    response = post_report(client, photos=photo, description="")
    page = response.content.decode().replace("&#x27;", "'")
    assert response.status_code == 400 and not Report.objects.exists()
    assert "Garder la photo déjà jointe « trottoir.jpg »" in page and "choisissez-la de nouveau" not in page
    tokens = _kept_photo_tokens(page)
    assert len(tokens) == 1
    # a token altered, or one held for another commune, brings nothing back
    forged = post_report(client, description="", **{"photos-gardees": tokens[0][:-2] + "xx"})
    assert "Garder la photo" not in forged.content.decode()
    assert post_report(client, **{"photos-gardees": tokens[0]}).status_code == 302
    report = Report.objects.get()
    assert report.photos.count() == 1
    with report.photos.get().image.open("rb") as fh:
        assert not Image.open(fh).getexif()  # the held photo went through the same checks
    assert "gardée" not in post_report(client, description="").content.decode()  # no photo, nothing said


def test_photos_held_stay_offered_when_one_too_many_is_added(client, setup_reports):
    """Two photos held, two more chosen: « Trois photos au plus. », and the two held ones are still there."""
    first, second = io.BytesIO(jpeg_with_gps()), io.BytesIO(jpeg_with_gps())
    first.name, second.name = "a.jpg", "b.jpg"
    tokens = _kept_photo_tokens(post_report(client, photos=[first, second], description="").content.decode())
    assert len(tokens) == 2
    third, fourth = io.BytesIO(jpeg_with_gps()), io.BytesIO(jpeg_with_gps())
    third.name, fourth.name = "c.jpg", "d.jpg"
    page = post_report(client, photos=[third, fourth], **{"photos-gardees": tokens}).content.decode()
    assert "Trois photos au plus." in page and _kept_photo_tokens(page) == tokens
    assert not Report.objects.exists()


def test_a_photo_unticked_is_not_filed_and_a_held_one_is_deleted_once_sent(client, setup_reports, settings):
    photo = io.BytesIO(jpeg_with_gps())
    photo.name = "trottoir.jpg"
    token = _kept_photo_tokens(post_report(client, photos=photo, description="").content.decode())[0]
    held_dir = Path(settings.MEDIA_ROOT) / "formulaires-en-cours"
    assert len(list(held_dir.iterdir())) == 1
    again = post_report(client, description="", **{"photos-gardees": token}).content.decode()
    # refused twice: the same token, one copy
    assert _kept_photo_tokens(again) == [token] and len(list(held_dir.iterdir())) == 1
    assert post_report(client).status_code == 302  # the box unticked: the report goes without it
    assert Report.objects.get().photos.count() == 0
    assert post_report(client, **{"photos-gardees": token}).status_code == 302
    assert Report.objects.latest("pk").photos.count() == 1
    assert list(held_dir.iterdir()) == []


def test_honeypot(client, setup_reports):
    response = post_report(client, website="http://spam.example")
    assert response.status_code == 400 and "robot" in response.content.decode()
    assert not Report.objects.exists()


def test_rate_limit_per_address(client, setup_reports, settings):
    settings.BEFFROI_REPORTS_RATE_LIMIT = 2
    assert post_report(client).status_code == 302
    assert post_report(client).status_code == 302
    response = post_report(client, description="Trou sur le trottoir")
    assert response.status_code == 429 and "Trop de signalements" in response.content.decode()
    assert "Trou sur le trottoir" in response.content.decode()  # the form comes back as typed
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
    # the follow link is absolute, so it can be clicked in a mail client, and it opens the report's page
    link = f"{settings.BEFFROI_SITE_URL}/valbourg/signalements/suivi/{report.tracking_code}/"
    assert link in mail.outbox[0].body and link in LocmemSmsBackend.outbox[-1].body
    assert LocmemSmsBackend.outbox and LocmemSmsBackend.outbox[-1].to == "0611"
    page = client.get(f"/valbourg/signalements/suivi/{report.tracking_code}/").content.decode()
    assert "Nous passons demain." in page and "note secrète" not in page


def test_a_long_public_reply_keeps_the_tracking_link_whole_in_the_sms(
    setup_reports, valbourg, agent_valbourg, settings, django_capture_on_commit_callbacks
):
    from beffroi.reports.sms import LocmemSmsBackend

    settings.BEFFROI_SMS_BACKEND = "beffroi.reports.sms.LocmemSmsBackend"
    LocmemSmsBackend.outbox = []
    report = file_report(valbourg, setup_reports["pothole"], contact_phone="0611")
    reply = "Les services techniques interviendront dans la rue des Écoles la semaine prochaine. " * 6
    with django_capture_on_commit_callbacks(execute=True):
        services.report_reply(report=report, actor=agent_valbourg, body=reply, public=True)
    sms = LocmemSmsBackend.outbox[-1].body
    link = f"{settings.BEFFROI_SITE_URL}/valbourg/signalements/suivi/{report.tracking_code}/"
    assert len(sms) <= 320 and sms.endswith(f"… {link}")
    assert (
        sms.startswith("Valbourg : La mairie a répondu à votre signalement")
        and "Les services techniques" in sms
    )


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


def _code(i: int) -> str:
    from beffroi.core.codes import ALPHABET

    digits = ""
    for _ in range(7):
        i, r = divmod(i, len(ALPHABET))
        digits += ALPHABET[r]
    return "Z" + digits


def _bulk_reports(commune, category, n, *, closed=0):
    """n located open reports (and `closed` closed ones) created in one query, newest last."""
    from decimal import Decimal

    from beffroi.reports.models import State

    open_state = State.objects.get(commune=commune, is_initial=True)
    closed_state = State.objects.filter(commune=commune, kind="closed").first()
    rows = [
        Report(
            commune=commune,
            category=category,
            description=f"rapport-{i:04d}",
            state=state,
            is_open=state.is_open,
            latitude=Decimal("47.318"),
            longitude=Decimal("4.832"),
            tracking_code=_code(i),
        )
        for i, state in enumerate([closed_state] * closed + [open_state] * n)
    ]
    Report.objects.bulk_create(rows)


def test_map_draws_the_200_most_recent_open_reports_and_pages_the_list(client, setup_reports, valbourg):
    import json
    import re

    _bulk_reports(valbourg, setup_reports["pothole"], 260, closed=5)
    response = client.get("/valbourg/signalements/carte/")
    body = response.content.decode()
    points = json.loads(re.search(r'id="reports-points"[^>]*>(.*?)</script>', body, re.S).group(1))
    newest = Report.objects.filter(commune=valbourg, is_open=True).order_by("-created_at", "-pk")
    assert [p["id"] for p in points] == [r.pk for r in newest[:200]]
    assert (
        points[0]["url"] == f"/valbourg/signalements/{points[0]['id']}/"
        and points[0]["title"] == "Nid-de-poule"
    )
    assert "260 signalements localisés" in body and "La carte montre les 200 plus récents" in body
    assert body.count('<li><h3><a href="/valbourg/signalements/') == 50
    assert 'aria-label="Pages de la liste"' in body and "Page 1 sur 6" in body
    assert 'href="?etat=open&amp;page=2#liste"' in body
    last = client.get("/valbourg/signalements/carte/", {"etat": "open", "page": 6}).content.decode()
    assert last.count('<li><h3><a href="/valbourg/signalements/') == 10 and "Page précédente" in last
    assert "rapport-0004" not in last  # closed ones are not on the default (open) map
    closed = client.get("/valbourg/signalements/carte/", {"etat": "closed"}).content.decode()
    assert "5 signalements localisés" in closed and "Pages de la liste" not in closed


def test_platform_api_pages_in_the_database(client, setup_reports, valbourg):
    import json

    from beffroi.core.services import apikey_create
    from beffroi.reports.models import State

    _bulk_reports(valbourg, setup_reports["light"], 120, closed=3)
    place = Place.objects.create(commune=valbourg, name="Lavoir", latitude=47.318, longitude=4.832)
    file_report(valbourg, setup_reports["pothole"], place=place, address_string="")
    _k, key = apikey_create(commune=valbourg, scope="read")
    headers = {"Authorization": f"Bearer {key}"}
    first = client.get("/api/reports/reports", headers=headers).json()
    assert first["count"] == 124 and len(first["items"]) == 50
    top = first["items"][0]
    assert top["category"] == "nid-de-poule" and top["category_name"] == "Nid-de-poule"
    initial = State.objects.get(commune=valbourg, is_initial=True).label
    assert top["address"] == "Lavoir" and top["status"] == "open" and top["state"] == initial
    assert top["latitude"] == 47.318 and top["supports"] == 0
    tail = client.get("/api/reports/reports", {"offset": 120, "limit": 50}, headers=headers).json()
    assert [item["status"] for item in tail["items"]] == ["open", "closed", "closed", "closed"]
    closed = client.get("/api/reports/reports", {"status": "closed"}, headers=headers).json()
    assert closed["count"] == 3 and {item["status"] for item in closed["items"]} == {"closed"}
    assert "contact" not in json.dumps(first)


def test_the_location_group_says_it_is_needed_and_never_sends_to_a_map_without_javascript(
    client, setup_reports
):
    """One of an address, a place or a point is needed (report_create refuses none): the group says
    « obligatoire » and each of its fields not « facultatif ». Without JavaScript the map is not drawn, so the
    address field's hint does not mention it (the map's own hint is written by its script)."""
    import re

    page = client.get("/valbourg/signalements/signaler/").content.decode()
    fieldset = page[page.index("Où se trouve le problème ?") :]
    fieldset = fieldset[: fieldset.index("</fieldset>")]
    assert fieldset.startswith(
        'Où se trouve le problème ? <span class="required">(obligatoire)</span></legend>'
    )
    assert "l'un des trois suffit" in fieldset
    assert "facultatif" not in fieldset
    help_text = re.search(r'<p class="help" id="id_address_helptext">([^<]*)</p>', fieldset)
    assert help_text and "carte" not in help_text.group(1)
    assert 'data-hint="Touchez la carte' in fieldset  # shown by map.js, once the map is there


def test_the_tracking_page_shows_what_the_resident_sent_and_nothing_private(client, setup_reports, valbourg):
    """As FixMyStreet: the page the receipt leads to shows the answers and the photo sent, the photo marked while
    an agent has not checked it; the public page shows neither; the contact left stays private."""
    report = file_report(
        valbourg,
        setup_reports["pothole"],
        answers={"danger": "oui", "nature": ["a", "b"]},
        photos=[jpeg_with_gps()],
        contact_email="claire.martin@exemple.fr",
        contact_phone="0612345678",
    )
    other = file_report(valbourg, setup_reports["pothole"], photos=[jpeg_with_gps()])
    photo, other_photo = report.photos.get(), other.photos.get()
    track = f"/valbourg/signalements/suivi/{report.tracking_code}/"
    page = client.get(track).content.decode()
    assert "Vos réponses aux questions" in page
    assert "<dt>Dangereux ?</dt><dd>Oui</dd>" in page and "<dt>Nature</dt><dd>A, B</dd>" in page
    assert f'src="{track}photo/{photo.pk}/vignette/"' in page and "Pas encore publiée" in page
    assert "claire.martin" not in page and "0612345678" not in page
    response = client.get(f"{track}photo/{photo.pk}/vignette/")
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    assert client.get(f"{track}photo/{other_photo.pk}/").status_code == 404  # only this report's photos
    assert client.get(f"/valbourg/signalements/photo/{photo.pk}/").status_code == 404  # not public yet
    public = client.get(f"/valbourg/signalements/{report.pk}/").content.decode()
    assert "Dangereux ?" not in public and f"photo/{photo.pk}/" not in public
