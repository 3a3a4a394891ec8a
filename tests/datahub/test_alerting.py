"""Alert rule evaluation (pure module): thresholds held for a duration, no data, rate of change."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from beffroi.datahub.alerting import (
    ABOVE,
    BELOW,
    NO_DATA,
    RATE,
    Condition,
    Verdict,
    evaluate,
    window,
)

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def every(minutes, values, start=T0):
    return [(start + timedelta(minutes=minutes * i), v) for i, v in enumerate(values)]


def test_above_for_the_whole_duration_triggers():
    readings = every(30, [0.5, 0.85, 0.9, 0.95])  # above from 08:30 to 09:30: 60 min
    outcome = evaluate(Condition(ABOVE, 0.8, 60), readings, now=T0 + timedelta(minutes=95))
    assert outcome.verdict is Verdict.TRIGGERED
    assert outcome.value == 0.95


def test_above_for_less_than_the_duration_is_pending():
    readings = every(30, [0.5, 0.7, 0.85, 0.9])  # above for 30 min only
    assert (
        evaluate(Condition(ABOVE, 0.8, 60), readings, now=T0 + timedelta(hours=2)).verdict is Verdict.PENDING
    )


def test_a_dip_restarts_the_duration():
    readings = every(30, [0.9, 0.9, 0.7, 0.9, 0.9])
    assert (
        evaluate(Condition(ABOVE, 0.8, 60), readings, now=T0 + timedelta(hours=2)).verdict is Verdict.PENDING
    )


def test_back_under_the_threshold_is_normal():
    readings = every(30, [0.9, 0.9, 0.9, 0.4])
    assert (
        evaluate(Condition(ABOVE, 0.8, 60), readings, now=T0 + timedelta(hours=2)).verdict is Verdict.NORMAL
    )


def test_threshold_is_strict_and_order_does_not_matter():
    readings = every(10, [1000, 1000, 1000, 1000])
    assert (
        evaluate(Condition(ABOVE, 1000, 30), readings, now=T0 + timedelta(hours=1)).verdict is Verdict.NORMAL
    )
    shuffled = list(reversed(every(10, [1001, 1200, 1100, 1050])))
    assert (
        evaluate(Condition(ABOVE, 1000, 30), shuffled, now=T0 + timedelta(hours=1)).verdict
        is Verdict.TRIGGERED
    )


def test_below_mirrors_above():
    readings = every(15, [12, 4, 3, 2, 1])
    outcome = evaluate(Condition(BELOW, 5, 45), readings, now=T0 + timedelta(hours=1))
    assert outcome.verdict is Verdict.TRIGGERED and outcome.value == 1


def test_zero_duration_decides_on_the_latest_reading():
    assert evaluate(Condition(ABOVE, 10, 0), every(5, [11]), now=T0).verdict is Verdict.TRIGGERED


def test_no_readings_is_pending_for_a_threshold():
    assert evaluate(Condition(ABOVE, 10, 30), [], now=T0).verdict is Verdict.PENDING


def test_no_data_after_n_minutes():
    rule = Condition(NO_DATA, None, 120)
    last = T0
    assert evaluate(rule, [], now=T0 + timedelta(minutes=119), latest_at=last).verdict is Verdict.NORMAL
    assert evaluate(rule, [], now=T0 + timedelta(minutes=120), latest_at=last).verdict is Verdict.TRIGGERED
    assert evaluate(rule, [], now=T0).verdict is Verdict.TRIGGERED  # never reported
    assert evaluate(rule, every(10, [1]), now=T0 + timedelta(minutes=5)).verdict is Verdict.NORMAL


def test_rate_of_change_per_hour():
    rule = Condition(RATE, 2.0, 60)
    fast = every(30, [10, 11.5, 13])  # 3 units per hour
    slow = every(30, [10, 10.5, 11])  # 1 unit per hour
    assert evaluate(rule, fast, now=T0 + timedelta(hours=1)).verdict is Verdict.TRIGGERED
    assert evaluate(rule, fast, now=T0 + timedelta(hours=1)).value == pytest.approx(3.0)
    assert evaluate(rule, slow, now=T0 + timedelta(hours=1)).verdict is Verdict.NORMAL
    falling = every(30, [13, 11.5, 10])
    assert evaluate(rule, falling, now=T0 + timedelta(hours=1)).verdict is Verdict.TRIGGERED
    assert evaluate(rule, every(30, [10]), now=T0).verdict is Verdict.PENDING


def test_conditions_reject_incomplete_rules():
    with pytest.raises(ValueError):
        Condition(ABOVE, None, 10)
    with pytest.raises(ValueError):
        Condition(NO_DATA, None, 0)
    with pytest.raises(ValueError):
        Condition("sideways", 1, 1)
    with pytest.raises(ValueError):
        Condition(BELOW, 1, -5)


def test_window_reaches_back_past_the_duration():
    assert window(Condition(ABOVE, 1, 90)) >= timedelta(minutes=90)
    assert window(Condition(RATE, 1, 0)) >= timedelta(minutes=60)


values = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


@given(
    st.lists(values, min_size=1, max_size=40),
    values,
    st.integers(min_value=0, max_value=600),
    st.integers(min_value=1, max_value=60),
)
def test_triggered_means_every_reading_of_the_duration_is_above(series, threshold, duration, step):
    readings = every(step, series)
    outcome = evaluate(Condition(ABOVE, threshold, duration), readings, now=readings[-1][0])
    latest = readings[-1][0]
    covered = [v for t, v in readings if t >= latest - timedelta(minutes=duration)]
    if outcome.verdict is Verdict.TRIGGERED:
        assert all(v > threshold for v in covered)
        assert readings[0][0] <= latest - timedelta(minutes=duration)
    if outcome.verdict is Verdict.NORMAL:
        assert series[-1] <= threshold
    # Above and below are mirror images.
    mirrored = evaluate(Condition(BELOW, -threshold, duration), [(t, -v) for t, v in readings], now=latest)
    assert mirrored.verdict is outcome.verdict


@given(st.lists(values, min_size=2, max_size=20), st.floats(min_value=0, max_value=1e6))
def test_rate_verdict_agrees_with_a_larger_threshold(series, threshold):
    readings = every(10, series)
    now = readings[-1][0]
    low = evaluate(Condition(RATE, threshold, 60), readings, now=now)
    high = evaluate(Condition(RATE, threshold + 1, 60), readings, now=now)
    if high.verdict is Verdict.TRIGGERED:
        assert low.verdict is Verdict.TRIGGERED
