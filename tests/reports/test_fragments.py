"""The lists' rows are kept rendered (reports.rows, the fragments cache) under a key made of every value they show:
a change to any of them — through a service or a bare update that leaves `updated_at` alone — is on the next page
at once."""

import pytest

from beffroi.reports import services
from beffroi.reports.models import Category, Report, State
from tests.factories import member
from tests.reports.conftest import file_report

pytestmark = pytest.mark.django_db

LIST = "/valbourg/signalements/"


@pytest.fixture
def admin(valbourg):
    return member(valbourg, "admin", "admin-fragments@valbourg.test")


@pytest.fixture
def report(valbourg, setup_reports):
    return file_report(valbourg, setup_reports["light"], description="Lampadaire éteint rue Haute")


def _page(client, path):
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def test_list_shows_a_renamed_category_at_once(client, valbourg, setup_reports, report, admin):
    assert "Éclairage public — n°" in _page(client, LIST)
    light = setup_reports["light"]
    services.category_save(
        commune=valbourg,
        actor=admin,
        category=light,
        code=light.code,
        name="Lumière des rues",
        team=light.team,
    )
    page = _page(client, LIST)
    assert "Lumière des rues — n°" in page
    assert "Éclairage public" not in page.split('class="reports-list"')[1]


def test_list_shows_a_state_change_and_a_relabelled_state_at_once(
    client, valbourg, setup_reports, report, admin
):
    page = _page(client, LIST)
    assert "badge-warn" in page.split('class="reports-list"')[1]
    done = State.objects.get(commune=valbourg, code="resolu")
    services.report_change_state(report=report, actor=admin, state=done)
    rows = _page(client, LIST).split('class="reports-list"')[1]
    assert done.display_label in rows
    assert "badge-ok" in rows and "badge-warn" not in rows
    # A label changed without touching the report (a bare update, as a migration would) is seen too.
    State.objects.filter(pk=done.pk).update(label="Réparé")
    assert "Réparé" in _page(client, LIST).split('class="reports-list"')[1]


def test_list_shows_supports_and_a_new_description_at_once(client, report):
    assert "soutien" not in _page(client, LIST).split('class="reports-list"')[1]
    services.report_support(report=report)  # a bare update of the counter: updated_at is left as it was
    assert "1 soutien" in _page(client, LIST)
    Report.objects.filter(pk=report.pk).update(description="Lampadaire clignotant place du Marché")
    page = _page(client, LIST)
    assert "Lampadaire clignotant place du Marché" in page
    assert "Lampadaire éteint" not in page


def test_map_list_shows_a_renamed_category_at_once(client, setup_reports, report):
    assert "Éclairage public — n°" in _page(client, "/valbourg/signalements/carte/")
    Category.objects.filter(pk=setup_reports["light"].pk).update(name="Lumière des rues")
    assert "Lumière des rues — n°" in _page(client, "/valbourg/signalements/carte/")


def test_the_same_row_in_english_is_kept_apart(client, report):
    assert "signalé le" in _page(client, LIST)
    client.cookies["django_language"] = "en"
    page = _page(client, LIST)
    assert "signalé le" not in page
    assert "reported on" in page


QUEUE = "/valbourg/signalements/gestion/?service=tous&statut=all"


def _queue_rows(client):
    return _page(client, QUEUE).split("<tbody>")[1]


def test_queue_shows_an_assignment_a_due_date_and_a_renamed_team_at_once(
    client, valbourg, setup_reports, report
):
    from datetime import date, timedelta

    from beffroi.territory.models import Team

    agent = member(valbourg, "agent", "agent-fragments@valbourg.test")
    agent.full_name = "Camille Martin"
    agent.save()
    client.force_login(agent)
    rows = _queue_rows(client)
    assert "Voirie" in rows and "Camille Martin" not in rows and "reports-overdue" not in rows
    services.report_assign(report=report, actor=agent, team=setup_reports["team"], assignee=agent)
    assert "Voirie / Camille Martin" in _queue_rows(client)
    services.report_set_due_date(report=report, actor=agent, due_date=date.today() - timedelta(days=2))
    assert "reports-overdue" in _queue_rows(client)
    Team.objects.filter(pk=setup_reports["team"].pk).update(name="Espaces publics")
    assert "Espaces publics / Camille Martin" in _queue_rows(client)


def test_queue_shows_a_state_change_at_once(client, valbourg, report):
    agent = member(valbourg, "agent", "agent-fragments@valbourg.test")
    client.force_login(agent)
    assert "badge-warn" in _queue_rows(client)
    done = State.objects.get(commune=valbourg, code="resolu")
    services.report_change_state(report=report, actor=agent, state=done)
    rows = _queue_rows(client)
    assert done.display_label in rows and "badge-ok" in rows and "badge-warn" not in rows


def _import_street(commune, name):
    from beffroi.territory.services import map_layer_import

    line = [[4.8300, 47.3181], [4.8345, 47.3181]]
    feature = {
        "type": "Feature",
        "properties": {"name": name},
        "geometry": {"type": "LineString", "coordinates": line},
    }
    map_layer_import(
        commune=commune, kind="voies", collection={"type": "FeatureCollection", "features": [feature]}
    )


def _plan(html):
    return html[html.index("<noscript><svg") : html.index("</svg></noscript>")]


def test_the_plan_without_javascript_follows_a_new_layer_and_a_new_place_at_once(client, valbourg, report):
    _import_street(valbourg, "Rue des Écoles")
    track = f"/valbourg/signalements/suivi/{report.tracking_code}/"
    assert ">Rue des Écoles</text>" in _plan(_page(client, track))
    _import_street(valbourg, "Rue du Moulin")  # the layer imported again
    plan = _plan(_page(client, track))
    assert ">Rue du Moulin</text>" in plan and "Rue des Écoles" not in plan
    Report.objects.filter(pk=report.pk).update(address_string="devant la poste")
    assert 'aria-label="Plan autour du signalement : devant la poste"' in _plan(_page(client, track))


def test_the_town_plan_marks_each_new_report_at_once(client, valbourg, setup_reports, report):
    _import_street(valbourg, "Rue des Écoles")
    assert _plan(_page(client, "/valbourg/signalements/carte/")).count('class="static-map-marker"') == 1
    file_report(valbourg, setup_reports["pothole"], latitude="47.318500", longitude="4.832010")
    assert _plan(_page(client, "/valbourg/signalements/carte/")).count('class="static-map-marker"') == 2


OPEN311 = "/open311/v2/requests.{fmt}?jurisdiction_id=valbourg"


def _open311_item(client, report, fmt="json"):
    import json
    import xml.etree.ElementTree as ET

    response = client.get(OPEN311.format(fmt=fmt))
    assert response.status_code == 200
    if fmt == "json":
        return next(i for i in json.loads(response.content) if i["service_request_id"] == str(report.pk))
    root = ET.fromstring(response.content)
    item = next(r for r in root if r.findtext("service_request_id") == str(report.pk))
    return {child.tag: child.text for child in item}


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_list_shows_a_renamed_category_and_a_state_change_at_once(
    client, valbourg, setup_reports, report, fmt
):
    agent = member(valbourg, "agent", "agent-fragments@valbourg.test")
    item = _open311_item(client, report, fmt)
    assert item["service_name"] == "Éclairage public" and item["status"] == "open"
    Category.objects.filter(pk=setup_reports["light"].pk).update(name="Lumière des rues")
    assert _open311_item(client, report, fmt)["service_name"] == "Lumière des rues"
    done = State.objects.get(commune=valbourg, code="resolu")
    services.report_change_state(report=report, actor=agent, state=done)
    item = _open311_item(client, report, fmt)
    assert item["status"] == "closed" and item["service_notice"] == done.label


def test_open311_list_shows_a_public_reply_and_a_published_photo_at_once(client, valbourg, setup_reports):
    from tests.reports.conftest import jpeg_with_gps

    agent = member(valbourg, "agent", "agent-fragments@valbourg.test")
    report = file_report(valbourg, setup_reports["light"], photos=[jpeg_with_gps()])
    item = _open311_item(client, report)
    assert item["status_notes"] is None and item["media_url"] is None
    services.report_reply(report=report, actor=agent, body="Intervention demain matin.", public=True)
    assert _open311_item(client, report)["status_notes"] == "Intervention demain matin."
    photo = report.photos.get()
    services.photo_set_published(photo=photo, actor=agent, published=True)
    assert _open311_item(client, report)["media_url"].endswith(f"/valbourg/signalements/photo/{photo.pk}/")
