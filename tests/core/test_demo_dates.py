"""The demo's dates as an agent would set them (core.demo): phases open at 9 h 00 and close at 23 h 59, evening
meetings at 18 h 30, Paris time, on the same side of the load whatever its hour (budgets, consultations)."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from beffroi.core import demo

PARIS = ZoneInfo("Europe/Paris")


@given(
    now=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(ZoneInfo("UTC"))
    ),
    days=st.integers(min_value=-400, max_value=400).filter(bool),
)
def test_demo_phases_open_at_nine_and_close_at_23_59_in_paris_on_the_same_side_of_the_load(now, days):
    """Whatever the hour of the load (late evening, just after midnight, a change of summer time), a phase the
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
