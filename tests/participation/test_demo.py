"""The demo's consultations and meetings as a resident reads them: consultations that open at 9 h 00 and close at
23 h 59, evening meetings at 18 h 30, Paris time (not at the minute the demo was loaded), still open, closed or to
come as before."""

import html
import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

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


@given(
    now=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(ZoneInfo("UTC"))
    ),
    days=st.integers(min_value=-400, max_value=400).filter(bool),
)
def test_demo_periods_open_at_nine_and_close_at_23_59_in_paris_on_the_same_side_of_the_load(now, days):
    """Whatever the hour of the load (late evening, just after midnight, a change of summer time), a period the
    demo places before the load is over before it, and one placed after is still to come."""
    opens, closes = demo.opening(now, days), demo.deadline(now, days)
    day = now.astimezone(PARIS).date() + timedelta(days=days)
    assert opens.astimezone(PARIS).replace(tzinfo=None) == datetime.combine(day, time(9, 0))
    assert closes.astimezone(PARIS).replace(tzinfo=None) == datetime.combine(day, time(23, 59))
    evening = demo.local_day_at(now, days, time(18, 30)).astimezone(PARIS)
    assert (evening.date(), evening.time()) == (day, time(18, 30))
    if days < 0:
        assert opens < closes < now
    else:
        assert now < opens < closes


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
