"""Pure helpers for the NGSI-LD temporal API (ETSI GS CIM 009 V1.9.1).

- :func:`parse_temporal_query`: ``timerel`` / ``timeAt`` / ``endTimeAt`` / ``timeproperty`` / ``lastN`` (§4.11):
  ``before`` is exclusive (t < timeAt), ``after`` inclusive (t >= timeAt), ``between`` is [timeAt, endTimeAt).
- :func:`parse_duration`: ISO 8601 durations for ``aggrPeriodDuration`` (``P1D``, ``PT1H``, ``P1M``, ``P1Y``,
  ``P1W``, ``PT0.5S``…), with calendar arithmetic for months and years.
- :class:`Accumulator` and :func:`aggregate`: the aggregation methods of §4.5.19 (``totalCount``,
  ``distinctCount``, ``sum``, ``avg``, ``min``, ``max``, ``stddev``, ``sumsq``) over periods of
  ``aggrPeriodDuration`` starting at ``timeAt`` (as annex C.5.14 shows), or one period when the duration is
  absent or ``P0D``. Accumulators merge, so hourly and daily roll-up rows can answer coarser periods
  (:func:`rollup_compatible` says when).
- :func:`temporal_attribute` and friends: the normalized, ``temporalValues`` and ``aggregatedValues``
  representations of an attribute's history (§4.5.7–§4.5.9 and §5.2.20).

Datetimes are aware and in UTC everywhere; they are written ``2020-08-01T12:03:00Z``.
"""

from __future__ import annotations

import calendar
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from beffroi.datahub.ngsild.errors import BadRequestData
from beffroi.datahub.ngsild.query import parse_datetime_literal
from beffroi.datahub.ngsild.vocabulary import VALUE_MEMBER, VALUES_MEMBER

TIMERELS = ("before", "after", "between")
TIME_PROPERTIES = ("observedAt", "createdAt", "modifiedAt", "deletedAt")
AGGREGATION_METHODS = ("totalCount", "distinctCount", "sum", "avg", "min", "max", "stddev", "sumsq")

Representation = Literal["normalized", "temporalValues", "aggregatedValues"]


# -------------------------------------------------------------------------------------------- datetimes


def parse_datetime(text: Any, *, name: str = "timeAt") -> datetime:
    """An NGSI-LD DateTime parameter as an aware UTC datetime; BadRequestData naming ``name`` otherwise."""
    if isinstance(text, datetime):
        return text.replace(tzinfo=UTC) if text.tzinfo is None else text.astimezone(UTC)
    if not isinstance(text, str):
        raise BadRequestData(f"{name} must be a DateTime such as 2024-05-01T10:00:00Z")
    value = parse_datetime_literal(text)
    if value is None:
        raise BadRequestData(f"{name} is not a valid DateTime: {text!r} (expected e.g. 2024-05-01T10:00:00Z)")
    return value


def format_datetime(value: datetime) -> str:
    """``2020-08-01T12:03:00Z``, with microseconds only when there are some."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(UTC)
    text = value.isoformat(timespec="microseconds" if value.microsecond else "seconds")
    return text.replace("+00:00", "Z")


# ---------------------------------------------------------------------------------------- temporal query


@dataclass(frozen=True, slots=True)
class TemporalQuery:
    """The temporal restriction of a temporal request (§4.11) and its ``lastN``."""

    timerel: Literal["before", "after", "between"] | None = None
    time_at: datetime | None = None
    end_time_at: datetime | None = None
    timeproperty: str = "observedAt"
    last_n: int | None = None

    def contains(self, moment: datetime) -> bool:
        """Does a timestamp satisfy the relation? Always true without a timerel."""
        if self.timerel is None or self.time_at is None:
            return True
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        if self.timerel == "before":
            return moment < self.time_at
        if self.timerel == "after":
            return moment >= self.time_at
        assert self.end_time_at is not None
        return self.time_at <= moment < self.end_time_at

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        """(lower bound included, upper bound excluded) for a SQL ``WHERE t >= lower AND t < upper``."""
        if self.timerel == "before":
            return None, self.time_at
        if self.timerel == "after":
            return self.time_at, None
        if self.timerel == "between":
            return self.time_at, self.end_time_at
        return None, None


def parse_last_n(value: Any) -> int | None:
    """``lastN``: a positive integer, or None when absent."""
    if value in (None, ""):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        raise BadRequestData(f"lastN must be a positive integer, got {value!r}") from None
    if number < 1:
        raise BadRequestData(f"lastN must be a positive integer, got {value!r}")
    return number


def parse_temporal_query(
    timerel: str | None = None,
    time_at: Any = None,
    end_time_at: Any = None,
    timeproperty: str | None = None,
    last_n: Any = None,
    *,
    require_timerel: bool = False,
) -> TemporalQuery:
    """Validate the temporal query parameters (§4.11, §6.18.3.2); BadRequestData naming the parameter."""
    rel = (timerel or "").strip() or None
    prop = (timeproperty or "").strip() or "observedAt"
    if prop not in TIME_PROPERTIES:
        raise BadRequestData(
            f"timeproperty must be one of {', '.join(TIME_PROPERTIES)}, got {timeproperty!r}"
        )
    n = parse_last_n(last_n)
    if rel is None:
        if require_timerel:
            raise BadRequestData("timerel and timeAt are required for a temporal query")
        if time_at not in (None, "") or end_time_at not in (None, ""):
            raise BadRequestData("timeAt and endTimeAt need timerel (before, after or between)")
        return TemporalQuery(timeproperty=prop, last_n=n)
    if rel not in TIMERELS:
        raise BadRequestData(f"timerel must be one of {', '.join(TIMERELS)}, got {timerel!r}")
    if time_at in (None, ""):
        raise BadRequestData(f"timerel={rel} needs timeAt")
    start = parse_datetime(time_at, name="timeAt")
    end = None
    if rel == "between":
        if end_time_at in (None, ""):
            raise BadRequestData("timerel=between needs endTimeAt")
        end = parse_datetime(end_time_at, name="endTimeAt")
        if end <= start:
            raise BadRequestData("endTimeAt must be after timeAt")
    return TemporalQuery(rel, start, end, prop, n)  # type: ignore[arg-type]


def select_last_n(
    instances: Iterable[tuple[datetime, Any]], n: int | None, *, descending: bool = False
) -> list[tuple[datetime, Any]]:
    """The ``n`` most recent (timestamp, value) pairs (§6.18.3.2 lastN), oldest first unless ``descending``."""
    ordered = sorted(instances, key=lambda item: item[0])
    if n is not None:
        ordered = ordered[-n:] if n > 0 else []
    return ordered[::-1] if descending else ordered


# --------------------------------------------------------------------------------------------- durations

_DURATION_RE = re.compile(
    r"P(?!$)(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:[.,]\d+)?)S)?)?"
)


@dataclass(frozen=True, slots=True)
class Duration:
    """An ISO 8601 duration split into calendar months and a fixed part (days are 24 h: all times are UTC)."""

    months: int = 0
    fixed: timedelta = timedelta(0)

    @property
    def is_zero(self) -> bool:
        return self.months == 0 and self.fixed == timedelta(0)

    def __str__(self) -> str:
        if self.is_zero:
            return "P0D"
        years, months = divmod(self.months, 12)
        text = "P"
        if years:
            text += f"{years}Y"
        if months:
            text += f"{months}M"
        if self.fixed.days:
            text += f"{self.fixed.days}D"
        seconds = self.fixed.seconds + self.fixed.microseconds / 1_000_000
        if seconds:
            hours, rest = divmod(self.fixed.seconds, 3600)
            minutes, whole = divmod(rest, 60)
            text += "T"
            if hours:
                text += f"{hours}H"
            if minutes:
                text += f"{minutes}M"
            if whole or self.fixed.microseconds:
                fraction = f"{whole + self.fixed.microseconds / 1_000_000:.6f}".rstrip("0").rstrip(".")
                text += f"{fraction}S"
        return text

    def add_to(self, moment: datetime, times: int = 1) -> datetime:
        """``moment + times × duration``, months by the calendar (31 January + P1M = 28/29 February)."""
        result = moment
        if self.months:
            total = result.year * 12 + (result.month - 1) + self.months * times
            year, month = divmod(total, 12)
            month += 1
            day = min(result.day, calendar.monthrange(year, month)[1])
            result = result.replace(year=year, month=month, day=day)
        if self.fixed:
            result = result + self.fixed * times
        return result


def parse_duration(text: Any, *, name: str = "aggrPeriodDuration") -> Duration:
    """An ISO 8601 duration (``P1D``, ``PT1H``, ``P1M``, ``P1Y2M``, ``P2W``, ``PT0.5S``); BadRequestData if not."""
    if not isinstance(text, str):
        raise BadRequestData(f"{name} must be an ISO 8601 duration such as PT1H or P1D")
    match = _DURATION_RE.fullmatch(text.strip().upper())
    if not match or text.strip().upper().endswith("T"):
        raise BadRequestData(f"{name} is not an ISO 8601 duration: {text!r} (expected e.g. PT1H, P1D, P1M)")
    parts = {k: v for k, v in match.groupdict().items() if v is not None}
    months = int(parts.get("years", 0)) * 12 + int(parts.get("months", 0))
    try:
        fixed = timedelta(
            weeks=int(parts.get("weeks", 0)),
            days=int(parts.get("days", 0)),
            hours=int(parts.get("hours", 0)),
            minutes=int(parts.get("minutes", 0)),
            seconds=float(parts.get("seconds", "0").replace(",", ".")),
        )
    except OverflowError:
        raise BadRequestData(f"{name} is too long: {text!r}") from None
    if months > 12 * 10_000:
        raise BadRequestData(f"{name} is too long: {text!r}")
    return Duration(months, fixed)


def period_index(moment: datetime, origin: datetime, period: Duration) -> int:
    """The index k of the period [origin + k·period, origin + (k+1)·period) holding ``moment``."""
    if period.is_zero:
        raise ValueError("a zero duration has no periods")
    if period.months == 0:
        return math.floor((moment - origin) / period.fixed)
    months = (moment.year - origin.year) * 12 + (moment.month - origin.month)
    k = months // period.months
    while period.add_to(origin, k) > moment:
        k -= 1
    while period.add_to(origin, k + 1) <= moment:
        k += 1
    return k


def rollup_compatible(period: Duration, granularity: timedelta, origin: datetime) -> bool:
    """Can periods of ``period`` from ``origin`` be summed from roll-ups of ``granularity`` aligned on the epoch?

    True when every period boundary falls on a roll-up boundary: the origin is aligned, and the period is a
    whole number of roll-ups (a month or a year counts as whole days, so daily roll-ups serve P1M and P1Y).
    """
    if period.is_zero or granularity <= timedelta(0):
        return False
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    if (origin - epoch) % granularity:
        return False
    if period.fixed % granularity:
        return False
    return not (period.months and timedelta(days=1) % granularity)


# ------------------------------------------------------------------------------------------ aggregation


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _distinct_key(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    return value


@dataclass
class Accumulator:
    """Running aggregates of one attribute over one period; mergeable (roll-ups, parallel partial sums).

    ``totalCount`` counts every non-null value; ``sum``, ``avg``, ``min``, ``max``, ``stddev`` (sample
    standard deviation, as PostgreSQL ``stddev``) and ``sumsq`` use the numeric values (booleans excluded);
    ``distinctCount`` is only known while the individual values are seen (``distinct`` is None once an
    accumulator comes from a roll-up row). The deviation is kept as Welford's M2 (sum of squared deviations
    from the mean) and merged with Chan's formula, which does not cancel out like sumsq − sum²/n does.
    """

    count: int = 0
    numeric_count: int = 0
    total: float = 0.0
    total_sq: float = 0.0
    mean: float = 0.0
    m2: float = 0.0
    minimum: float | None = None
    maximum: float | None = None
    distinct: set[Any] | None = field(default_factory=set)

    @classmethod
    def from_rollup(
        cls,
        *,
        count: int,
        total: float | None,
        minimum: float | None,
        maximum: float | None,
        total_sq: float | None = None,
        m2: float | None = None,
        numeric_count: int | None = None,
    ) -> Accumulator:
        """An accumulator standing for a roll-up row (count, sum, min, max[, sum of squares][, M2]).

        Without ``m2``, it is derived from ``total_sq`` when given (less precise); without either, ``stddev``
        and ``sumsq`` are unknown for the periods this row takes part in.
        """
        n = count if numeric_count is None else numeric_count
        total = total or 0.0
        mean = total / n if n else 0.0
        if m2 is None:
            m2 = max(0.0, total_sq - total * total / n) if total_sq is not None and n else math.nan
        return cls(
            count=count,
            numeric_count=n,
            total=total,
            total_sq=math.nan if total_sq is None else total_sq,
            mean=mean,
            m2=m2,
            minimum=minimum,
            maximum=maximum,
            distinct=None,
        )

    def add(self, value: Any) -> None:
        if value is None:
            return
        self.count += 1
        if self.distinct is not None:
            self.distinct.add(_distinct_key(value))
        if _is_number(value):
            number = float(value)
            self.numeric_count += 1
            self.total += number
            self.total_sq += number * number
            delta = number - self.mean
            self.mean += delta / self.numeric_count
            self.m2 += delta * (number - self.mean)
            self.minimum = number if self.minimum is None else min(self.minimum, number)
            self.maximum = number if self.maximum is None else max(self.maximum, number)

    def merge(self, other: Accumulator) -> Accumulator:
        if other.numeric_count:
            if self.numeric_count:
                n = self.numeric_count + other.numeric_count
                delta = other.mean - self.mean
                self.m2 += other.m2 + delta * delta * self.numeric_count * other.numeric_count / n
                self.mean += delta * other.numeric_count / n
            else:
                self.mean, self.m2 = other.mean, other.m2
        self.count += other.count
        self.numeric_count += other.numeric_count
        self.total += other.total
        self.total_sq += other.total_sq
        if other.minimum is not None:
            self.minimum = other.minimum if self.minimum is None else min(self.minimum, other.minimum)
        if other.maximum is not None:
            self.maximum = other.maximum if self.maximum is None else max(self.maximum, other.maximum)
        if self.distinct is None or other.distinct is None:
            self.distinct = None
        else:
            self.distinct |= other.distinct
        return self

    def result(self, method: str) -> Any:
        """The value of one aggregation method, or None when it is undefined for this period."""
        if method == "totalCount":
            return self.count
        if method == "distinctCount":
            return None if self.distinct is None else len(self.distinct)
        if self.numeric_count == 0:
            return None
        if method == "sum":
            return _tidy(self.total)
        if method == "avg":
            return self.total / self.numeric_count
        if method == "min":
            return _tidy(self.minimum)
        if method == "max":
            return _tidy(self.maximum)
        if method == "sumsq":
            return None if math.isnan(self.total_sq) else _tidy(self.total_sq)
        if method == "stddev":
            if self.numeric_count < 2 or math.isnan(self.m2):
                return None
            return math.sqrt(max(self.m2, 0.0) / (self.numeric_count - 1))
        raise ValueError(f"unknown aggregation method {method!r}")


def _tidy(value: float | None) -> float | int | None:
    """Integral floats back to int (a sum of counters stays 12, not 12.0)."""
    if value is not None and float(value).is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def parse_aggregation_methods(value: Any) -> tuple[str, ...]:
    """``aggrMethods=avg,max`` → ("avg", "max"); BadRequestData for an unknown or missing method."""
    if isinstance(value, str):
        items = [item.strip() for item in value.split(",")]
    elif isinstance(value, Sequence):
        items = [str(item).strip() for item in value]
    else:
        items = []
    items = [item for item in items if item]
    if not items:
        raise BadRequestData(f"aggrMethods is required, one or more of {', '.join(AGGREGATION_METHODS)}")
    unknown = [item for item in items if item not in AGGREGATION_METHODS]
    if unknown:
        raise BadRequestData(
            f"unknown aggregation method(s) {', '.join(unknown)}; expected {', '.join(AGGREGATION_METHODS)}"
        )
    return tuple(dict.fromkeys(items))


@dataclass(frozen=True, slots=True)
class Period:
    start: datetime
    end: datetime
    accumulator: Accumulator


def aggregate_periods(
    series: Iterable[tuple[datetime, Any]],
    period: Duration | None,
    *,
    origin: datetime | None = None,
    end: datetime | None = None,
) -> list[Period]:
    """Group (timestamp, value) pairs into periods of ``period`` from ``origin`` (default: first timestamp).

    Only periods holding data are returned, in time order. With no period (or ``P0D``) everything falls in
    one period from ``origin`` to ``end`` (defaults: first and last timestamps). Timestamps before
    ``origin`` or at/after ``end`` are left out.
    """
    points = sorted(((t if t.tzinfo else t.replace(tzinfo=UTC)), v) for t, v in series)
    if origin is None and points:
        origin = points[0][0]
    if origin is None:
        return []
    points = [(t, v) for t, v in points if t >= origin and (end is None or t < end)]
    if not points:
        return []
    if period is None or period.is_zero:
        whole = Accumulator()
        for _, value in points:
            whole.add(value)
        return [Period(origin, end or points[-1][0], whole)]
    buckets: dict[int, Accumulator] = {}
    for moment, value in points:
        index = period_index(moment, origin, period)
        buckets.setdefault(index, Accumulator()).add(value)
    periods = []
    for index in sorted(buckets):
        stop = period.add_to(origin, index + 1)
        if end is not None and stop > end:
            stop = end
        periods.append(Period(period.add_to(origin, index), stop, buckets[index]))
    return periods


def aggregated_values(periods: Iterable[Period], methods: Iterable[str]) -> dict[str, list[list[Any]]]:
    """``{"avg": [[value, periodStart, periodEnd], …], …}`` (§4.5.19; annex C.5.14) for the given methods.

    A period where a method is undefined (no numeric value, a single value for stddev) is left out of that
    method's list.
    """
    methods = tuple(methods)
    out: dict[str, list[list[Any]]] = {method: [] for method in methods}
    for item in periods:
        start, stop = format_datetime(item.start), format_datetime(item.end)
        for method in methods:
            value = item.accumulator.result(method)
            if value is not None:
                out[method].append([value, start, stop])
    return out


def aggregate(
    series: Iterable[tuple[datetime, Any]],
    methods: Iterable[str],
    period: Duration | str | None = None,
    *,
    origin: datetime | None = None,
    end: datetime | None = None,
) -> dict[str, list[list[Any]]]:
    """Aggregate a series into periods: :func:`aggregate_periods` then :func:`aggregated_values`."""
    if isinstance(period, str):
        period = parse_duration(period)
    return aggregated_values(aggregate_periods(series, period, origin=origin, end=end), methods)


# ----------------------------------------------------------------------------------- representations


@dataclass(frozen=True, slots=True)
class Instance:
    """One stored instance of an attribute: its value, timestamp and optional NGSI-LD members."""

    value: Any
    observed_at: datetime
    instance_id: str | None = None
    unit_code: str | None = None
    dataset_id: str | None = None
    extra: Mapping[str, Any] | None = None  # other members to echo (createdAt, modifiedAt, sub-attributes)


def normalized_instances(
    instances: Iterable[Instance], attribute_type: str = "Property"
) -> list[dict[str, Any]]:
    """The normalized temporal representation: one attribute object per instance, oldest first (§5.2.20)."""
    member = VALUE_MEMBER.get(attribute_type, "value")
    out = []
    for item in sorted(instances, key=lambda i: i.observed_at):
        body: dict[str, Any] = {"type": attribute_type, member: item.value}
        body["observedAt"] = format_datetime(item.observed_at)
        if item.unit_code:
            body["unitCode"] = item.unit_code
        if item.dataset_id:
            body["datasetId"] = item.dataset_id
        if item.instance_id:
            body["instanceId"] = item.instance_id
        if item.extra:
            for key, value in item.extra.items():
                body.setdefault(key, value)
        out.append(body)
    return out


def temporal_values(instances: Iterable[Instance | tuple[datetime, Any]]) -> list[list[Any]]:
    """``[[value, "2020-08-01T12:03:00Z"], …]`` oldest first (the ``temporalValues`` pairs)."""
    pairs = [(i.observed_at, i.value) if isinstance(i, Instance) else (i[0], i[1]) for i in instances]
    pairs.sort(key=lambda pair: pair[0])
    return [[value, format_datetime(moment)] for moment, value in pairs]


def temporal_attribute(
    instances: Iterable[Instance],
    *,
    representation: Representation = "normalized",
    attribute_type: str = "Property",
    methods: Iterable[str] = (),
    period: Duration | str | None = None,
    origin: datetime | None = None,
    end: datetime | None = None,
) -> Any:
    """One attribute of a temporal entity in the requested representation.

    - ``normalized``: a list of attribute instances;
    - ``temporalValues``: ``{"type": …, "values": [[v, t], …]}`` (``objects`` for relationships, §4.5.9);
    - ``aggregatedValues``: ``{"type": …, "avg": [[v, start, end], …], …}`` for ``methods`` over ``period``.
    """
    items = list(instances)
    if representation == "normalized":
        return normalized_instances(items, attribute_type)
    if representation == "temporalValues":
        return {"type": attribute_type, VALUES_MEMBER.get(attribute_type, "values"): temporal_values(items)}
    if representation == "aggregatedValues":
        series = [(i.observed_at, i.value) for i in items]
        return {"type": attribute_type, **aggregate(series, methods, period, origin=origin, end=end)}
    raise BadRequestData(f"unknown temporal representation {representation!r}")


def temporal_entity(
    entity_id: str,
    entity_type: str | list[str],
    attributes: Mapping[str, Any],
) -> dict[str, Any]:
    """A temporal entity body: ``{"id", "type", <attribute>: <representation>…}``."""
    return {"id": entity_id, "type": entity_type, **attributes}


# ------------------------------------------------------------------------------------------ instances

#: Prefix of the instanceId of a stored attribute instance (§4.5.7: a URI naming one instance of the history).
INSTANCE_PREFIX = "urn:ngsi-ld:Instance:"


def instance_iri(row_id: int) -> str:
    """The instanceId of the stored instance with this row id."""
    return f"{INSTANCE_PREFIX}{row_id}"


def instance_row_id(iri: str) -> int | None:
    """The row id an instanceId names, or None if it is not one of ours (then no instance has it)."""
    if not iri.startswith(INSTANCE_PREFIX):
        return None
    rest = iri[len(INSTANCE_PREFIX) :]
    return int(rest) if rest.isascii() and rest.isdigit() and len(rest) < 19 else None


# ------------------------------------------------------------------------ instances of every attribute type

#: How the observation store keeps an instance that is not a plain Property value (§4.5.7: every attribute
#: type has a history): the value of its value member (``object``, ``languageMap``, ``json``…) inside a
#: one-item JSON array — text, never a number, so it stays out of the numeric roll-ups — and its attribute type
#: in the unit column, as a marker no unitCode takes (UN/CEFACT codes are letters and digits). A Property whose
#: value is an object or an array is kept the same way.
STORED_MARKERS = {
    "Property": "@Property",
    "Relationship": "@Relationship",
    "GeoProperty": "@GeoProperty",
    "JsonProperty": "@JsonProperty",
    "VocabProperty": "@VocabProperty",
    "LanguageProperty": "@LanguageProp",
    "ListProperty": "@ListProperty",
    "ListRelationship": "@ListRelation",
}
_KIND_OF_MARKER = {marker: kind for kind, marker in STORED_MARKERS.items()}


def is_plain_value(value: Any) -> bool:
    """Whether a Property value goes to the store as is: a number, a text or a boolean."""
    return value is not None and not isinstance(value, dict | list)


def stored_instance(kind: str, value: Any, unit: str) -> tuple[Any, str]:
    """(value, unit column) the store keeps for one instance of an attribute of type ``kind`` whose value
    member holds ``value``."""
    if kind == "Property" and is_plain_value(value):
        return value, unit
    return [value], STORED_MARKERS[kind]


def read_instance(value: Any, unit: str) -> tuple[str, Any, str]:
    """(attribute type, value of its value member, unitCode) of a stored instance."""
    kind = _KIND_OF_MARKER.get(unit)
    if kind is None:
        return "Property", value, unit
    return kind, value[0] if isinstance(value, list) and len(value) == 1 else value, ""


def is_stored_marker(unit: str) -> bool:
    """Whether a unit column holds an attribute-type marker (not a unit to show)."""
    return unit in _KIND_OF_MARKER
