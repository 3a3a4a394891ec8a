"""The demo's consultations and meetings as a resident reads them: consultations that open at 9 h 00 and close at
23 h 59, evening meetings at 18 h 30, Paris time (not at the minute the demo was loaded), still open, closed or to
come as before."""

import html
import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from beffroi.core.dates import long_date, long_datetime
from beffroi.participation import demo, selectors
from beffroi.participation.models import Meeting
from tests.factories import member

BASE = "/valbourg/participation"
PARIS = ZoneInfo("Europe/Paris")


def _paris(days: int, hour: int, minute: int) -> datetime:
    """`hour`:`minute` in Valbourg, `days` days from today there."""
    return datetime.combine(timezone.localdate() + timedelta(days=days), time(hour, minute), tzinfo=PARIS)


def _text(response) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_the_demo_open_consultation_runs_from_9_h_to_23_h_59(client, valbourg, agent_valbourg):
    demo._open_consultation(valbourg, agent_valbourg)
    consultation = selectors.consultation_get(commune=valbourg, slug="place-eglise")
    assert consultation.state == "ouverte"
    page = _text(client.get(f"{BASE}/consultations/place-eglise/"))
    opens, closes = long_datetime(_paris(-3, 9, 0)), long_datetime(_paris(25, 23, 59))
    assert f"Du {opens} au {closes}." in page
    assert opens.endswith("à 9\xa0h\xa000") and closes.endswith("à 23\xa0h\xa059")
    index = _text(client.get(f"{BASE}/"))
    assert f"du {long_date(_paris(-3, 9, 0))} au {long_date(_paris(25, 23, 59))}" in index


def test_the_demo_closed_consultation_closed_ten_days_ago_at_23_h_59(
    client, valbourg, agent_valbourg, admin_valbourg
):
    elu = member(valbourg, "elu", "elu-demo@valbourg.test")
    demo._closed_consultation(valbourg, agent_valbourg, admin_valbourg, elu, online=6, paper=1)
    consultation = selectors.consultation_get(commune=valbourg, slug="rythmes-scolaires")
    assert consultation.state == "close"
    assert (consultation.opens_at, consultation.closes_at) == (_paris(-45, 9, 0), _paris(-10, 23, 59))
    results = _text(client.get(f"{BASE}/consultations/rythmes-scolaires/resultats/"))
    assert f"consultation close le {long_date(_paris(-10, 23, 59))}." in results


def test_the_demo_meetings_are_in_the_evening_in_valbourg(client, valbourg, agent_valbourg, admin_valbourg):
    """The upcoming meeting was set at 18 h 30 of the server's clock (UTC): the page said 19 h 30 (20 h 30 in
    summer), and the past one began at the minute the demo was loaded."""
    demo._closed_consultation(
        valbourg, agent_valbourg, admin_valbourg, member(valbourg, "elu"), online=2, paper=1
    )
    demo._open_consultation(valbourg, agent_valbourg)
    demo._meetings(valbourg, agent_valbourg)
    past, upcoming = Meeting.objects.filter(commune=valbourg).order_by("starts_at")
    for meeting, days in ((past, -20), (upcoming, 12)):
        page = _text(client.get(f"{BASE}/reunions/{meeting.pk}/"))
        when = f"{long_datetime(_paris(days, 18, 30), 'weekday')} – 20\xa0h\xa030"
        assert when in page and ", 18\xa0h\xa030" in when
    listing = _text(client.get(f"{BASE}/reunions/"))
    assert listing.index(upcoming.title) < listing.index(past.title)  # still one to come, one held


def test_the_demo_hautmesnil_consultation_is_open_until_23_h_59(client, hautmesnil):
    member(hautmesnil, "admin", "mairie@hautmesnil.demo.test")
    demo._hautmesnil()
    consultation = selectors.consultation_get(commune=hautmesnil, slug="horaires-mairie")
    assert consultation.state == "ouverte"
    page = _text(client.get("/hautmesnil/participation/consultations/horaires-mairie/"))
    assert f"Du {long_datetime(_paris(-2, 9, 0))} au {long_datetime(_paris(20, 23, 59))}." in page
