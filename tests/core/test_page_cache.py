"""A commune's busiest public pages, kept a few seconds for visitors without an account (core.page_cache).

What is asserted is what a visitor would notice: a page served again is the page (its forms work with the
visitor's own CSRF token), a write through the site or a new report shows at once to everyone, whoever signed in
or just wrote sees fresh pages, a new name or a module switched off shows at once, and nothing of one commune is
served for another.
"""

import re
from decimal import Decimal

import pytest
from django.core.cache import caches
from django.test import Client

from beffroi.core.services import apikey_create
from beffroi.reports import services as reports
from beffroi.reports.models import Report
from tests.factories import member

LIST = "/valbourg/signalements/"


@pytest.fixture(autouse=True)
def _pages_kept(settings):
    settings.BEFFROI_PAGE_CACHE_SECONDS = 30
    caches["pages"].clear()


@pytest.fixture
def pothole(valbourg):
    return reports.category_create(commune=valbourg, code="voirie", name="Voirie", actor=None)


def _file(commune, category, description):
    return reports.report_create(
        commune=commune,
        category=category,
        description=description,
        latitude=Decimal("47.318"),
        longitude=Decimal("4.832"),
    )


def _token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def _behind_the_back(report, **values):
    """A change made without a request to the site (a task of the worker, a date passing)."""
    Report.objects.filter(pk=report.pk).update(**values)


def test_a_visitor_without_an_account_is_served_the_page_kept_and_its_forms_work(valbourg, pothole):
    report = _file(valbourg, pothole, "Nid-de-poule rue Haute")
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    page = first.get(LIST).content.decode()
    assert "Nid-de-poule rue Haute" in page

    _behind_the_back(report, description="Lampadaire éteint")
    again = second.get(LIST)
    html = again.content.decode()
    assert again.status_code == 200 and "Nid-de-poule rue Haute" in html
    assert "Lampadaire éteint" not in html  # the same page, kept: rendered once for both visitors
    assert again["Content-Type"].startswith("text/html") and again["Content-Language"] == "fr"
    assert "Content-Security-Policy" in again  # the middleware around the view still dresses the answer

    # each visitor's copy carries their own CSRF token, and the language switch of the kept page works
    assert _token(html) != _token(page)
    switched = second.post(
        "/i18n/setlang/", {"language": "en", "next": LIST, "csrfmiddlewaretoken": _token(html)}
    )
    assert switched.status_code == 302
    assert "Lampadaire éteint" in second.get(LIST).content.decode()  # English: another page, rendered now


def test_whoever_is_signed_in_sees_the_page_as_it_is_now(client, valbourg, pothole):
    report = _file(valbourg, pothole, "Trou")
    client.get(LIST)
    _behind_the_back(report, description="Banc cassé")
    client.force_login(member(valbourg, "habitant", "lea@valbourg.test"))
    assert "Banc cassé" in client.get(LIST).content.decode()


def test_a_write_through_the_site_shows_at_once_to_everyone(valbourg, pothole):
    report = _file(valbourg, pothole, "Trou devant l'école")
    detail = f"/valbourg/signalements/{report.pk}/"
    supports = re.compile(r"Soutiens</dt><dd>(\d+)</dd>")
    visitor, neighbour = Client(enforce_csrf_checks=True), Client()
    html = visitor.get(detail).content.decode()
    assert supports.search(html).group(1) == "0"
    assert supports.search(neighbour.get(detail).content.decode()).group(1) == "0"

    answer = visitor.post(f"{detail}soutenir/", {"csrfmiddlewaretoken": _token(html)})
    assert answer.status_code == 302
    assert answer.cookies["beffroi_frais"]["max-age"] == 30
    assert supports.search(visitor.get(detail).content.decode()).group(1) == "1"
    # the write renewed the commune's kept pages: the neighbour never sees the old count again
    assert supports.search(neighbour.get(detail).content.decode()).group(1) == "1"

    # a change made without a request to the site waits for the kept copy to expire, except for whoever just
    # wrote (the cookie) and anyone signed in
    _behind_the_back(report, supports_count=7)
    assert supports.search(neighbour.get(detail).content.decode()).group(1) == "1"
    fresh = Client()
    fresh.cookies["beffroi_frais"] = "1"
    assert supports.search(fresh.get(detail).content.decode()).group(1) == "7"


def test_a_new_name_or_a_module_switched_off_shows_at_once(client, valbourg, pothole):
    assert "Valbourg" in client.get(LIST).content.decode()
    valbourg.name = "Valbourg-sur-Ouche"
    valbourg.save()
    assert "Valbourg-sur-Ouche" in client.get(LIST).content.decode()

    valbourg.enabled_modules = [m for m in valbourg.enabled_modules if m != "reports"]
    valbourg.save()
    assert client.get(LIST).status_code == 404


def test_nothing_of_one_commune_is_served_for_another(client, valbourg, hautmesnil, pothole):
    _file(valbourg, pothole, "Trou à Valbourg")
    assert "Trou à Valbourg" in client.get(LIST).content.decode()
    other = client.get("/hautmesnil/signalements/").content.decode()
    assert "Trou à Valbourg" not in other and "Hautmesnil" in other


def test_a_page_is_not_kept_when_it_is_turned_off(client, settings, valbourg, pothole):
    settings.BEFFROI_PAGE_CACHE_SECONDS = 0
    client.get(LIST)
    _file(valbourg, pothole, "Poubelle renversée")
    assert "Poubelle renversée" in client.get(LIST).content.decode()
    answer = client.post("/i18n/setlang/", {"language": "en", "next": LIST})
    assert "beffroi_frais" not in answer.cookies


def test_the_open311_list_is_kept_renewed_by_a_new_report_and_follows_the_module_switch(
    client, valbourg, hautmesnil, pothole
):
    # (two communes: an API request names its own, the instance's pages do not resolve it for it)
    url = "/open311/v2/requests.json?jurisdiction_id=valbourg"
    first = _file(valbourg, pothole, "Trou rue Basse")
    assert [r["description"] for r in client.get(url).json()] == ["Trou rue Basse"]
    _behind_the_back(first, description="Trou rue Haute")
    assert [r["description"] for r in client.get(url).json()] == ["Trou rue Basse"]  # kept

    # a report sent through Open311 renews the commune's kept pages, as a write on its site does
    _key, secret = apikey_create(commune=valbourg, scope="write", name="application")
    form = {"jurisdiction_id": "valbourg", "api_key": secret, "service_code": "voirie"}
    sent = Client().post(
        "/open311/v2/requests.json",
        {**form, "lat": "47.318", "long": "4.832", "description": "Trou rue Neuve"},
    )
    assert sent.status_code == 201
    assert sorted(r["description"] for r in client.get(url).json()) == ["Trou rue Haute", "Trou rue Neuve"]

    valbourg.enabled_modules = [m for m in valbourg.enabled_modules if m != "reports"]
    valbourg.save()
    gone = client.get(url)
    assert gone.status_code == 404 and gone.json()[0]["code"] == 404


def test_a_photo_withdrawn_leaves_the_kept_pages_at_once(client, valbourg, pothole):
    import io

    from PIL import Image

    from beffroi.reports.models import ReportPhoto

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, "JPEG")
    report = reports.report_create(
        commune=valbourg,
        category=pothole,
        description="Plaque d'égout",
        latitude=Decimal("47.318"),
        longitude=Decimal("4.832"),
        photos=[buffer.getvalue()],
    )
    photo = ReportPhoto.objects.get(report=report)
    agent = member(valbourg, "agent", "agent-photos@valbourg.test")
    reports.photo_set_published(photo=photo, actor=agent, published=True)
    detail = f"/valbourg/signalements/{report.pk}/"
    shown = f"/valbourg/signalements/photo/{photo.pk}/"
    assert shown in client.get(detail).content.decode()

    agent_client = Client()
    agent_client.force_login(agent)
    withdrawn = agent_client.post(  # a face in the picture: the agent withdraws it from its page
        f"/valbourg/signalements/gestion/{report.pk}/photo/", {"photo": photo.pk, "published": "0"}
    )
    assert withdrawn.status_code == 302
    assert shown not in client.get(detail).content.decode()
