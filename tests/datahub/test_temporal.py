"""Temporal API helpers: timerel (CIM 009 §4.11), durations, aggregation (§4.5.19), representations."""

import math
import statistics
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from beffroi.datahub.ngsild.errors import BadRequestData
from beffroi.datahub.ngsild.temporal import (
    Accumulator,
    Duration,
    Instance,
    aggregate,
    aggregate_periods,
    format_datetime,
    parse_aggregation_methods,
    parse_datetime,
    parse_duration,
    parse_temporal_query,
    period_index,
    rollup_compatible,
    select_last_n,
    temporal_attribute,
    temporal_entity,
    temporal_values,
)

T0 = datetime(2018, 8, 1, 12, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


# ------------------------------------------------------------------------------------------- timerel


def test_before_is_exclusive_after_inclusive_between_half_open():
    before = parse_temporal_query("before", "2018-08-01T12:00:00Z")
    assert before.contains(at(-1)) and not before.contains(at(0))
    after = parse_temporal_query("after", "2018-08-01T12:00:00Z")
    assert after.contains(at(0)) and not after.contains(at(-1))
    between = parse_temporal_query("between", "2018-08-01T12:00:00Z", "2018-08-01T13:00:00Z")
    assert between.contains(at(0)) and between.contains(at(59)) and not between.contains(at(60))
    assert between.bounds() == (at(0), at(60))
    assert before.bounds() == (None, at(0))
    assert after.bounds() == (at(0), None)


def test_defaults_and_options():
    query = parse_temporal_query()
    assert query.timerel is None and query.timeproperty == "observedAt" and query.contains(at(0))
    assert query.bounds() == (None, None)
    query = parse_temporal_query("after", "2018-08-01T14:00:00+02:00", timeproperty="modifiedAt", last_n="5")
    assert query.time_at == at(0)
    assert query.timeproperty == "modifiedAt"
    assert query.last_n == 5


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"timerel": "during", "time_at": "2018-08-01T12:00:00Z"}, "timerel must be one of"),
        ({"timerel": "before"}, "needs timeAt"),
        ({"timerel": "between", "time_at": "2018-08-01T12:00:00Z"}, "needs endTimeAt"),
        (
            {"timerel": "between", "time_at": "2018-08-01T12:00:00Z", "end_time_at": "2018-08-01T12:00:00Z"},
            "must be after",
        ),
        ({"timerel": "after", "time_at": "yesterday"}, "timeAt is not a valid DateTime"),
        ({"timerel": "between", "time_at": "2018-08-01T12:00:00Z", "end_time_at": "2018-13-01"}, "endTimeAt"),
        ({"time_at": "2018-08-01T12:00:00Z"}, "need timerel"),
        ({"timeproperty": "validAt"}, "timeproperty"),
        ({"last_n": "0"}, "lastN"),
        ({"last_n": "ten"}, "lastN"),
        ({"require_timerel": True}, "required"),
    ],
)
def test_invalid_temporal_parameters_name_the_parameter(kwargs, fragment):
    with pytest.raises(BadRequestData, match=fragment):
        parse_temporal_query(**kwargs)


def test_datetimes_are_utc_and_written_with_z():
    assert parse_datetime("2024-05-01T12:00:00+02:00") == datetime(2024, 5, 1, 10, tzinfo=UTC)
    assert parse_datetime(datetime(2024, 5, 1, 10)) == datetime(2024, 5, 1, 10, tzinfo=UTC)
    assert format_datetime(datetime(2024, 5, 1, 10, tzinfo=UTC)) == "2024-05-01T10:00:00Z"
    assert format_datetime(datetime(2024, 5, 1, 10, 0, 0, 500, tzinfo=UTC)) == "2024-05-01T10:00:00.000500Z"
    with pytest.raises(BadRequestData):
        parse_datetime(12)


def test_last_n_keeps_the_most_recent():
    series = [(at(m), m) for m in (5, 1, 3, 2, 4)]
    assert select_last_n(series, 2) == [(at(4), 4), (at(5), 5)]
    assert select_last_n(series, 2, descending=True) == [(at(5), 5), (at(4), 4)]
    assert select_last_n(series, None) == sorted(series)
    assert select_last_n(series, 10) == sorted(series)


# ------------------------------------------------------------------------------------------- durations


@pytest.mark.parametrize(
    ("text", "months", "fixed"),
    [
        ("P1D", 0, timedelta(days=1)),
        ("PT1H", 0, timedelta(hours=1)),
        ("PT4M", 0, timedelta(minutes=4)),
        ("PT10M", 0, timedelta(minutes=10)),
        ("P1M", 1, timedelta(0)),
        ("P1Y", 12, timedelta(0)),
        ("P1Y2M3DT4H5M6S", 14, timedelta(days=3, hours=4, minutes=5, seconds=6)),
        ("P2W", 0, timedelta(weeks=2)),
        ("PT0.5S", 0, timedelta(milliseconds=500)),
        ("PT1,5S", 0, timedelta(milliseconds=1500)),
        ("P0D", 0, timedelta(0)),
        ("p1d", 0, timedelta(days=1)),
    ],
)
def test_iso_8601_durations(text, months, fixed):
    assert parse_duration(text) == Duration(months, fixed)


@pytest.mark.parametrize(
    "text", ["", "P", "PT", "1D", "P1DT", "P1H", "PT1D", "P1.5D", "P-1D", "PT1H1H", "daily"]
)
def test_invalid_durations(text):
    with pytest.raises(BadRequestData, match="aggrPeriodDuration"):
        parse_duration(text)


@given(
    st.integers(0, 30),
    st.integers(0, 11),
    st.integers(0, 400),
    st.integers(0, 23),
    st.integers(0, 59),
    st.integers(0, 59),
)
def test_durations_print_back_as_iso_8601(years, months, days, hours, minutes, seconds):
    duration = Duration(
        years * 12 + months, timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    )
    assert parse_duration(str(duration)) == duration


def test_months_follow_the_calendar():
    month = parse_duration("P1M")
    assert month.add_to(datetime(2024, 1, 31, tzinfo=UTC)) == datetime(2024, 2, 29, tzinfo=UTC)
    assert month.add_to(datetime(2023, 12, 15, tzinfo=UTC), 3) == datetime(2024, 3, 15, tzinfo=UTC)
    assert month.add_to(datetime(2024, 3, 15, tzinfo=UTC), -3) == datetime(2023, 12, 15, tzinfo=UTC)
    assert parse_duration("P1Y").add_to(datetime(2024, 2, 29, tzinfo=UTC)) == datetime(
        2025, 2, 28, tzinfo=UTC
    )


@given(
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC)),
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC)),
    st.sampled_from(["PT10M", "PT1H", "P1D", "P1W", "P1M", "P3M", "P1Y", "P1M2D", "PT90M"]),
)
@settings(max_examples=300)
def test_each_moment_falls_in_exactly_one_period(origin, moment, text):
    period = parse_duration(text)
    k = period_index(moment, origin, period)
    assert period.add_to(origin, k) <= moment < period.add_to(origin, k + 1)


def test_rollup_compatibility():
    midnight = datetime(2024, 1, 1, tzinfo=UTC)
    hour, day = timedelta(hours=1), timedelta(days=1)
    assert rollup_compatible(parse_duration("P1D"), hour, midnight)
    assert rollup_compatible(parse_duration("PT6H"), hour, midnight)
    assert rollup_compatible(parse_duration("P1M"), day, midnight)
    assert rollup_compatible(parse_duration("P1Y"), day, midnight)
    assert not rollup_compatible(parse_duration("PT30M"), hour, midnight)
    assert not rollup_compatible(parse_duration("P1D"), hour, midnight + timedelta(minutes=15))
    assert not rollup_compatible(parse_duration("P1D"), day, midnight + timedelta(hours=1))
    assert not rollup_compatible(parse_duration("P0D"), hour, midnight)


# ----------------------------------------------------------------------------------------- aggregation

# Speeds of a vehicle on 1 August 2018, after annex C.5.14 of CIM 009.
SPEEDS = [(at(0), 120), (at(2), 100), (at(3.5), 110), (at(4), 100), (at(6), 80), (at(9), 50)]


def test_periods_start_at_time_at_like_annex_c_5_14():
    result = aggregate(SPEEDS, ["max", "avg"], "PT4M", origin=T0)
    assert result["max"] == [
        [120, "2018-08-01T12:00:00Z", "2018-08-01T12:04:00Z"],
        [100, "2018-08-01T12:04:00Z", "2018-08-01T12:08:00Z"],
        [50, "2018-08-01T12:08:00Z", "2018-08-01T12:12:00Z"],
    ]
    assert [v for v, *_ in result["avg"]] == [110, 90, 50]


def test_counts_sums_and_dispersion():
    result = aggregate(
        SPEEDS, ["totalCount", "distinctCount", "sum", "min", "sumsq", "stddev"], "PT4M", origin=T0
    )
    assert [v for v, *_ in result["totalCount"]] == [3, 2, 1]
    assert [v for v, *_ in result["distinctCount"]] == [3, 2, 1]
    assert [v for v, *_ in result["sum"]] == [330, 180, 50]
    assert [v for v, *_ in result["min"]] == [100, 80, 50]
    assert [v for v, *_ in result["sumsq"]] == [120**2 + 100**2 + 110**2, 100**2 + 80**2, 2500]
    # stddev is the sample standard deviation, undefined for a single value.
    assert [round(v, 6) for v, *_ in result["stddev"]] == [10.0, round(math.sqrt(200), 6)]


def test_one_period_without_a_duration_and_bounds():
    assert aggregate(SPEEDS, ["sum"]) == {"sum": [[560, "2018-08-01T12:00:00Z", "2018-08-01T12:09:00Z"]]}
    assert aggregate(SPEEDS, ["totalCount"], "P0D", origin=T0, end=at(60)) == {
        "totalCount": [[6, "2018-08-01T12:00:00Z", "2018-08-01T13:00:00Z"]]
    }
    clipped = aggregate(SPEEDS, ["totalCount"], "PT4M", origin=at(4), end=at(6))
    assert clipped == {"totalCount": [[1, "2018-08-01T12:04:00Z", "2018-08-01T12:06:00Z"]]}
    assert aggregate([], ["avg"], "PT1H") == {"avg": []}


def test_non_numeric_values_count_but_do_not_average():
    series = [(at(0), "ok"), (at(1), "lidOpen"), (at(2), "ok"), (at(3), True), (at(4), {"a": 1}), (at(5), 3)]
    result = aggregate(series, ["totalCount", "distinctCount", "avg", "max"], "PT1H", origin=T0)
    assert result["totalCount"][0][0] == 6
    assert result["distinctCount"][0][0] == 5
    assert result["avg"][0][0] == 3
    only_text = aggregate(series[:3], ["avg", "totalCount"], "PT1H", origin=T0)
    assert only_text["avg"] == [] and only_text["totalCount"][0][0] == 3


def test_monthly_periods_for_a_year_of_daily_values():
    start = datetime(2023, 1, 1, tzinfo=UTC)
    series = [(start + timedelta(days=d), 1.0) for d in range(365)]
    result = aggregate(series, ["sum"], "P1M", origin=start)
    assert [v for v, *_ in result["sum"]] == [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    assert result["sum"][1][1:] == ["2023-02-01T00:00:00Z", "2023-03-01T00:00:00Z"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("avg,max", ("avg", "max")),
        (" totalCount , sum ,sum", ("totalCount", "sum")),
        (["min", "stddev"], ("min", "stddev")),
    ],
)
def test_aggregation_methods(value, expected):
    assert parse_aggregation_methods(value) == expected


@pytest.mark.parametrize("value", ["", "avg,median", None, ","])
def test_bad_aggregation_methods(value):
    with pytest.raises(BadRequestData, match="aggrMethods|aggregation method"):
        parse_aggregation_methods(value)


SERIES = st.lists(
    st.tuples(st.integers(0, 3 * 24 * 60), st.one_of(st.integers(-1000, 1000), st.floats(-1e6, 1e6))),
    min_size=1,
    max_size=60,
)


@given(SERIES, st.sampled_from(["PT15M", "PT1H", "PT6H", "P1D"]))
@settings(max_examples=200)
def test_aggregation_agrees_with_brute_force_grouping(points, text):
    series = [(T0 + timedelta(minutes=m), v) for m, v in points]
    period = parse_duration(text)
    result = aggregate(series, ["totalCount", "sum", "avg", "min", "max"], text, origin=T0)
    groups: dict[datetime, list[float]] = {}
    for moment, value in series:
        start = T0 + period.fixed * ((moment - T0) // period.fixed)
        groups.setdefault(start, []).append(value)
    starts = sorted(groups)
    assert [parse_datetime(s) for _, s, _ in result["sum"]] == starts
    for row_count, row_sum, row_avg, row_min, row_max, start in zip(
        result["totalCount"], result["sum"], result["avg"], result["min"], result["max"], starts, strict=True
    ):
        values = groups[start]
        assert row_count[0] == len(values)
        assert row_sum[0] == pytest.approx(math.fsum(values), rel=1e-9, abs=1e-6)
        assert row_avg[0] == pytest.approx(statistics.fmean(values), rel=1e-9, abs=1e-6)
        assert row_min[0] == min(values)
        assert row_max[0] == max(values)


@given(st.lists(st.floats(-1e4, 1e4), min_size=2, max_size=80), st.integers(1, 79))
def test_merged_rollups_equal_one_pass(values, cut):
    whole = Accumulator()
    for v in values:
        whole.add(v)
    left, right = Accumulator(), Accumulator()
    for v in values[:cut]:
        left.add(v)
    for v in values[cut:]:
        right.add(v)
    merged = left.merge(right)
    for method in ("totalCount", "distinctCount", "sum", "avg", "min", "max", "sumsq"):
        assert merged.result(method) == pytest.approx(whole.result(method), rel=1e-9, abs=1e-6)
    stddev = merged.result("stddev")
    assert stddev == pytest.approx(statistics.stdev(values), rel=1e-6, abs=1e-6)


def test_rollup_rows_answer_coarser_periods_except_distinct_count():
    hourly = [
        Accumulator.from_rollup(count=6, total=120.0, minimum=15.0, maximum=25.0, total_sq=2450.0),
        Accumulator.from_rollup(count=6, total=60.0, minimum=5.0, maximum=15.0),
    ]
    day = Accumulator()
    for row in hourly:
        day.merge(row)
    assert day.result("totalCount") == 12
    assert day.result("avg") == 15.0
    assert (day.result("min"), day.result("max"), day.result("sum")) == (5, 25, 180)
    assert day.result("distinctCount") is None
    assert day.result("sumsq") is None  # one row lacked it
    assert day.result("stddev") is None
    both = Accumulator.from_rollup(count=2, total=30.0, minimum=10.0, maximum=20.0, total_sq=500.0)
    assert both.merge(Accumulator.from_rollup(count=1, total=30.0, minimum=30, maximum=30, m2=0.0)).result(
        "stddev"
    ) == pytest.approx(10.0)
    with pytest.raises(ValueError):
        day.result("median")


def test_periods_carry_their_accumulators():
    periods = aggregate_periods(SPEEDS, parse_duration("PT5M"), origin=T0)
    assert [(p.start, p.end, p.accumulator.count) for p in periods] == [(at(0), at(5), 4), (at(5), at(10), 2)]


# -------------------------------------------------------------------------------------- representations

FUEL = [
    Instance(
        67.0, datetime(2020, 8, 1, 12, 3, tzinfo=UTC), instance_id="urn:ngsi-ld:Instance:1", unit_code="LTR"
    ),
    Instance(
        53.0, datetime(2020, 8, 1, 13, 5, tzinfo=UTC), instance_id="urn:ngsi-ld:Instance:2", unit_code="LTR"
    ),
]


def test_temporal_values_representation():
    assert temporal_attribute(reversed(FUEL), representation="temporalValues") == {
        "type": "Property",
        "values": [[67.0, "2020-08-01T12:03:00Z"], [53.0, "2020-08-01T13:05:00Z"]],
    }
    parked = [Instance("urn:ngsi-ld:OffStreetParking:Downtown1", datetime(2020, 8, 1, 12, 3, tzinfo=UTC))]
    assert temporal_attribute(parked, representation="temporalValues", attribute_type="Relationship") == {
        "type": "Relationship",
        "objects": [["urn:ngsi-ld:OffStreetParking:Downtown1", "2020-08-01T12:03:00Z"]],
    }
    assert temporal_values([(datetime(2020, 8, 1, tzinfo=UTC), 1)]) == [[1, "2020-08-01T00:00:00Z"]]


def test_normalized_representation():
    assert temporal_attribute(FUEL) == [
        {
            "type": "Property",
            "value": 67.0,
            "observedAt": "2020-08-01T12:03:00Z",
            "unitCode": "LTR",
            "instanceId": "urn:ngsi-ld:Instance:1",
        },
        {
            "type": "Property",
            "value": 53.0,
            "observedAt": "2020-08-01T13:05:00Z",
            "unitCode": "LTR",
            "instanceId": "urn:ngsi-ld:Instance:2",
        },
    ]
    relationship = temporal_attribute(
        [Instance("urn:ngsi-ld:Device:1", T0, dataset_id="urn:ngsi-ld:Dataset:a", extra={"createdAt": "x"})],
        attribute_type="Relationship",
    )
    assert relationship == [
        {
            "type": "Relationship",
            "object": "urn:ngsi-ld:Device:1",
            "observedAt": "2018-08-01T12:00:00Z",
            "datasetId": "urn:ngsi-ld:Dataset:a",
            "createdAt": "x",
        }
    ]


def test_aggregated_values_representation_and_entity():
    speed = temporal_attribute(
        [Instance(v, t) for t, v in SPEEDS],
        representation="aggregatedValues",
        methods=["max", "avg"],
        period="PT4M",
        origin=T0,
    )
    assert speed["type"] == "Property"
    assert speed["max"][0] == [120, "2018-08-01T12:00:00Z", "2018-08-01T12:04:00Z"]
    entity = temporal_entity("urn:ngsi-ld:Vehicle:B9211", "Vehicle", {"speed": speed})
    assert entity == {"id": "urn:ngsi-ld:Vehicle:B9211", "type": "Vehicle", "speed": speed}
    with pytest.raises(BadRequestData):
        temporal_attribute(FUEL, representation="simplified")  # type: ignore[arg-type]
