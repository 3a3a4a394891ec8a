"""Evaluation of the data hub's alert rules on one entity attribute (pure: no Django).

A rule watches one attribute of every entity of one type. Given the recent readings of that attribute
(instant, numeric value), `evaluate` answers one of three verdicts:

- TRIGGERED: the abnormal condition holds (an alert should be open);
- NORMAL: the attribute is back within the rule (an open alert may be closed automatically);
- PENDING: not enough evidence either way (a value above the threshold for less than the duration, too few
  readings for a rate, no reading at all for a threshold rule): nothing is opened or closed.

The kinds of rule and what each one means:

- ``above`` / ``below``: the value is strictly above (below) the threshold, and has been for the whole
  duration. "For the whole duration" is judged on the readings themselves: the trailing run of abnormal
  readings must span at least ``duration`` from its first to its latest reading (a value seen abnormal once
  is not enough for a non-zero duration, and a silent sensor does not stretch the run). Duration 0: the
  latest reading alone decides.
- ``no_data``: no reading for ``duration`` minutes or more before ``now`` (an attribute never seen counts as
  no data: the rule says this type of entity is expected to report it).
- ``rate``: the absolute rate of change between the first and the latest reading of the last ``duration``
  minutes (60 if zero), in units per hour, is strictly above the threshold. Needs two readings at distinct
  instants in that window.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

ABOVE = "above"
BELOW = "below"
NO_DATA = "no_data"
RATE = "rate"
KINDS = (ABOVE, BELOW, NO_DATA, RATE)
DEFAULT_RATE_WINDOW_MINUTES = 60


class Verdict(enum.Enum):
    TRIGGERED = "triggered"
    NORMAL = "normal"
    PENDING = "pending"


@dataclass(frozen=True, slots=True)
class Condition:
    """What a rule asks: its kind, threshold (units, or units per hour for a rate) and duration in minutes."""

    kind: str
    threshold: float | None = None
    duration_minutes: int = 0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown rule kind {self.kind!r}")
        if self.kind != NO_DATA and self.threshold is None:
            raise ValueError("this kind of rule needs a threshold")
        if self.duration_minutes < 0:
            raise ValueError("a duration cannot be negative")
        if self.kind == NO_DATA and self.duration_minutes == 0:
            raise ValueError("a no-data rule needs a duration")


@dataclass(frozen=True, slots=True)
class Outcome:
    """A verdict, the value that decided it (if any) and the instant of the latest reading (if any)."""

    verdict: Verdict
    value: float | None = None
    latest_at: datetime | None = None


def window(condition: Condition) -> timedelta:
    """How far back (from now) the readings must reach for `evaluate` to decide: twice the duration, one hour
    at least (the trailing run of a threshold rule can begin before ``now - duration``)."""
    minutes = condition.duration_minutes or DEFAULT_RATE_WINDOW_MINUTES
    return timedelta(minutes=max(2 * minutes, 60))


def _abnormal(condition: Condition, value: float) -> bool:
    assert condition.threshold is not None
    return value > condition.threshold if condition.kind == ABOVE else value < condition.threshold


def evaluate(
    condition: Condition,
    readings: Sequence[tuple[datetime, float]],
    *,
    now: datetime,
    latest_at: datetime | None = None,
) -> Outcome:
    """The verdict of `condition` on `readings` (instant, value), in any order, at instant `now`.

    `latest_at` is the instant of the attribute's latest reading when known from elsewhere (a no-data rule
    needs nothing more); otherwise it is taken from `readings`.
    """
    series = sorted(readings)
    moments = [moment for moment in (latest_at, series[-1][0] if series else None) if moment is not None]
    last_at = max(moments) if moments else None
    if condition.kind == NO_DATA:
        silent = last_at is None or now - last_at >= timedelta(minutes=condition.duration_minutes)
        return Outcome(Verdict.TRIGGERED if silent else Verdict.NORMAL, None, last_at)
    if not series:
        return Outcome(Verdict.PENDING, None, last_at)
    latest_moment, latest_value = series[-1]
    if condition.kind == RATE:
        return _rate(condition, series, latest_moment)
    if not _abnormal(condition, latest_value):
        return Outcome(Verdict.NORMAL, latest_value, latest_moment)
    run_start = latest_moment
    for moment, value in reversed(series):
        if not _abnormal(condition, value):
            break
        run_start = moment
    held = latest_moment - run_start >= timedelta(minutes=condition.duration_minutes)
    return Outcome(Verdict.TRIGGERED if held else Verdict.PENDING, latest_value, latest_moment)


def rate_per_hour(first: tuple[datetime, float], last: tuple[datetime, float]) -> float:
    """Absolute change per hour between two readings at distinct instants."""
    hours = (last[0] - first[0]).total_seconds() / 3600
    return abs(last[1] - first[1]) / hours


def _rate(condition: Condition, series: list[tuple[datetime, float]], latest_moment: datetime) -> Outcome:
    assert condition.threshold is not None
    span = timedelta(minutes=condition.duration_minutes or DEFAULT_RATE_WINDOW_MINUTES)
    recent = [r for r in series if r[0] >= latest_moment - span]
    if len(recent) < 2 or recent[0][0] == recent[-1][0]:
        return Outcome(Verdict.PENDING, None, latest_moment)
    rate = rate_per_hour(recent[0], recent[-1])
    verdict = Verdict.TRIGGERED if rate > condition.threshold else Verdict.NORMAL
    return Outcome(verdict, rate, latest_moment)
