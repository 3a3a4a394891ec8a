"""What a person sees of a report's place, of the counter's coordinates, of a merge and of the first step's errors.

The defects they guard: the counter's latitude and longitude were hidden inputs under visible labels; a place
chosen from the list was shown by its own address instead of its name; a merge wrote two history lines, told the
duplicate's resident only « Doublon » and never told them of the kept report's outcome; the first step's summary
put the location error first, unlinked, and said « Ce champ est obligatoire. » for the type of problem."""

import html
import re

import pytest
from django.core import mail

from beffroi.reports import services
from beffroi.reports.models import Report, ReportEvent, State
from beffroi.territory.models import Place
from tests.reports.conftest import file_report

pytestmark = pytest.mark.django_db
G = "/valbourg/signalements/gestion"


def text(response) -> str:
    return html.unescape(response.content.decode())


# --- 1. The counter's coordinates -------------------------------------------------------------------------------


def test_the_agent_can_type_the_coordinates_a_resident_gives(client, setup_reports, agent_valbourg):
    client.force_login(agent_valbourg)
    page = client.get(f"{G}/nouveau/", {"categorie": setup_reports["light"].pk}).content.decode()
    for name in ("latitude", "longitude"):
        tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
        assert tag and 'type="hidden"' not in tag.group(0), tag
        assert f'<label for="id_{name}">' in page
    response = client.post(
        f"{G}/nouveau/",
        {
            "channel": "guichet",
            "category": setup_reports["light"].pk,
            "description": "Lampadaire éteint",
            "latitude": "47,3181",  # as typed on a French keyboard
            "longitude": " 4.8321 ",
        },
    )
    assert response.status_code == 302
    report = Report.objects.get()
    assert (str(report.latitude), str(report.longitude)) == ("47.318100", "4.832100")


def test_a_wrong_coordinate_at_the_counter_is_said_beside_its_open_field(
    client, setup_reports, agent_valbourg
):
    client.force_login(agent_valbourg)
    response = client.post(
        f"{G}/nouveau/",
        {
            "channel": "guichet",
            "category": setup_reports["light"].pk,
            "description": "Lampadaire éteint",
            "latitude": "nord",
            "longitude": "4.832",
        },
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert '<a href="#id_latitude">' in page and "<details open>" in page


def test_the_resident_s_form_keeps_the_coordinates_for_its_map(client, setup_reports):
    page = client.get("/valbourg/signalements/signaler/").content.decode()
    assert re.search(r'<input type="hidden" name="latitude"[^>]*id="id_latitude"', page)
    assert 'for="id_latitude"' not in page


# --- 2. The place chosen -----------------------------------------------------------------------------------------


@pytest.fixture
def hall(valbourg):
    return Place.objects.create(
        commune=valbourg,
        name="Salle des fêtes",
        kind="batiment",
        address="8 avenue de la Gare",
        latitude="47.318200",
        longitude="4.832500",
    )


def test_the_place_chosen_without_javascript_names_the_report_everywhere(
    client, setup_reports, valbourg, agent_valbourg, hall
):
    step1 = client.get("/valbourg/signalements/signaler/", {"category": "nid-de-poule", "place": hall.pk})
    assert step1.status_code == 302
    step2 = client.get(step1["Location"])
    assert "Salle des fêtes" in text(step2)
    response = client.post(
        step1["Location"].split("?")[0],
        {"place": hall.pk, "address": "", "description": "Trou", "q_danger": "oui", "website": ""},
    )
    assert response.status_code == 302
    report = Report.objects.get()
    shown = "<dt>Lieu</dt><dd>Salle des fêtes</dd>"
    assert shown in text(client.get(response["Location"]))  # the receipt
    track = text(client.get(f"/valbourg/signalements/suivi/{report.tracking_code}/"))
    assert shown in track and "8 avenue de la Gare" not in track
    assert "Salle des fêtes" in text(client.get("/valbourg/signalements/"))
    client.force_login(agent_valbourg)
    assert "<dt>Lieu</dt><dd>Salle des fêtes" in text(client.get(f"{G}/{report.pk}/"))
    assert "Salle des fêtes" in text(client.get(f"{G}/?service=tous"))
    item = client.get(f"/open311/v2/requests/{report.pk}.json", {"jurisdiction_id": "valbourg"}).json()[0]
    assert item["address"] == "Salle des fêtes, Valbourg" and item["address_id"] == str(hall.pk)
    listed = client.get("/open311/v2/requests.json", {"jurisdiction_id": "valbourg"}).json()[0]
    assert listed["address"] == "Salle des fêtes, Valbourg"


def test_a_report_filed_with_the_place_s_address_shows_the_place_s_name(
    client, setup_reports, valbourg, hall
):
    """Reports filed before the fix kept the place's address as if typed: the place's name is shown all the same;
    a landmark the person typed beside the place is kept beside its name."""
    old = file_report(valbourg, setup_reports["pothole"], place=hall, latitude=None, longitude=None)
    Report.objects.filter(pk=old.pk).update(address_string="8 avenue de la Gare")
    typed = file_report(
        valbourg,
        setup_reports["pothole"],
        place=hall,
        latitude=None,
        longitude=None,
        address_string="côté parking",
    )
    assert "<dt>Lieu</dt><dd>Salle des fêtes</dd>" in text(client.get(f"/valbourg/signalements/{old.pk}/"))
    assert "<dt>Lieu</dt><dd>Salle des fêtes — côté parking</dd>" in text(
        client.get(f"/valbourg/signalements/{typed.pk}/")
    )
    listed = text(client.get("/valbourg/signalements/"))
    assert (
        "· Salle des fêtes ·" in listed or "· Salle des fêtes\n" in listed or "· Salle des fêtes<" in listed
    )
    assert "8 avenue de la Gare" not in listed and "Salle des fêtes — côté parking" in listed


# --- 3. A merge ---------------------------------------------------------------------------------------------------


def test_a_merge_is_one_line_of_history_worded_for_a_person(client, setup_reports, valbourg, agent_valbourg):
    kept = file_report(valbourg, setup_reports["pothole"])
    duplicate = file_report(valbourg, setup_reports["pothole"])
    client.force_login(agent_valbourg)
    client.post(f"{G}/{duplicate.pk}/fusionner/", {"into": str(kept.pk)})
    duplicate.refresh_from_db()
    assert duplicate.state.code == "doublon" and not duplicate.is_open and duplicate.closed_at
    kinds = list(duplicate.events.values_list("kind", flat=True))
    assert kinds == [ReportEvent.Kind.CREATED, ReportEvent.Kind.MERGE]
    public = text(client.get(f"/valbourg/signalements/{duplicate.pk}/"))
    assert "Changement d'état" not in public and "Nouveau → Doublon" not in public
    assert (
        f'Fusionné avec le <a href="/valbourg/signalements/{kept.pk}/">signalement n° {kept.pk}</a>.'
        in public
    )
    kept_page = client.get(f"{G}/{kept.pk}/").content.decode()
    assert (
        f'— <a href="{G}/{duplicate.pk}/">Signalement n° {duplicate.pk}</a> fusionné avec celui-ci '
        "(1 soutien reporté)" in html.unescape(kept_page)
    )
    assert re.search(r"— doublon\b", html.unescape(kept_page)) is None


def test_the_duplicate_s_resident_is_told_which_report_it_joined_and_then_of_its_outcome(
    client, setup_reports, valbourg, agent_valbourg, django_capture_on_commit_callbacks
):
    kept = file_report(valbourg, setup_reports["pothole"], contact_email="premier@exemple.test")
    duplicate = file_report(valbourg, setup_reports["pothole"], contact_email="second@exemple.test")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.report_merge(report=duplicate, actor=agent_valbourg, into=kept)
    assert [m.to for m in mail.outbox] == [["second@exemple.test"]]
    body = mail.outbox[0].body
    assert (
        f"a été rattaché au signalement n° {kept.pk}" in body and "Vous serez prévenu·e de la suite" in body
    )
    assert "est maintenant : Doublon" not in body
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.report_reply(report=kept, actor=agent_valbourg, body="Nous passons demain.", public=True)
        services.report_change_state(
            report=kept, actor=agent_valbourg, state=State.objects.get(commune=valbourg, code="resolu")
        )
    told = {
        (m.to[0], m.body.count("Nous passons demain."), "est maintenant : Résolu" in m.body)
        for m in mail.outbox
    }
    assert told == {
        ("premier@exemple.test", 1, False),
        ("premier@exemple.test", 0, True),
        ("second@exemple.test", 1, False),
        ("second@exemple.test", 0, True),
    }
    second = [m.body for m in mail.outbox if m.to == ["second@exemple.test"]]
    assert all(duplicate.display_code in b and f"suivi/{duplicate.tracking_code}/" in b for b in second)


def test_a_resident_who_reported_twice_is_told_once(
    setup_reports, valbourg, agent_valbourg, django_capture_on_commit_callbacks
):
    kept = file_report(valbourg, setup_reports["pothole"], contact_email="meme@exemple.test")
    duplicate = file_report(valbourg, setup_reports["pothole"], contact_email="meme@exemple.test")
    services.report_merge(report=duplicate, actor=agent_valbourg, into=kept)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.report_change_state(
            report=kept, actor=agent_valbourg, state=State.objects.get(commune=valbourg, code="resolu")
        )
    assert len(mail.outbox) == 1


# --- 4. The first step's error summary -------------------------------------------------------------------------


def test_the_first_step_s_errors_follow_the_page_and_link_to_their_fields(client, setup_reports):
    response = client.get("/valbourg/signalements/signaler/", {"address": ""})
    page = html.unescape(response.content.decode())
    summary = page.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    items = re.findall(r"<li>(.*?)</li>", summary, re.S)
    assert items == [
        '<a href="#id_category_0">Type de problème : Choisissez le type de problème.</a>',
        '<a href="#id_address">Adresse ou repère : Indiquez où se trouve le problème : touchez la carte, '
        "choisissez un lieu ou écrivez une adresse.</a>",
    ]
    assert "Ce champ est obligatoire" not in page


def test_a_point_outside_the_commune_is_linked_too(client, setup_reports):
    page = client.get(
        "/valbourg/signalements/signaler/",
        {"category": "nid-de-poule", "latitude": "48.85", "longitude": "2.35"},
    ).content.decode()
    summary = html.unescape(page).split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    assert '<a href="#id_address">' in summary and "en dehors de la commune" in summary
