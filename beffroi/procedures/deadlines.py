"""When a request is deemed decided if the administration stays silent (CRPA), computed without Django.

- CRPA L231-1: silence kept for two months on a request is an acceptance (*silence vaut acceptation*, SVA);
  L231-4 and the decrees list the exceptions where it is a rejection (*silence vaut rejet*, SVR); some requests
  give rise to no implicit decision at all. The duration may differ by décret: it is a number of months here.
- The period runs from the day the request is received (L112-11, R112-11-1: the date the accusé de réception
  states) and is counted from date to date: received on 15 January, deemed decided on 15 March. When that
  month has no such day (received on 31 December, on 29 February) the period ends on the month's last day, as
  French courts count months (Code de procédure civile art. 641). No extension for a weekend or a public
  holiday: art. 642 CPC extends a period given to a party to act, whereas here the implicit decision is born
  on the day the period ends (a choice stated in docs/procedures.md; an agent decides before that day).
- CRPA L114-5: when the request is incomplete, the administration asks for the missing pieces and the period
  does not run while they are awaited; it runs again from the day they are received. `Policy.RESTART` (the
  law's reading: a new full period from the reception of the pieces) is the default; `Policy.SUSPEND` adds the
  days spent waiting to the end date instead (what some special procedures provide).
- A request for a given day (a room for a party, parking places for a move, a road closed for works) is not
  shortened by the law: the period stays what L231-1 says, even when it ends after that day. The implicit
  decision then serves the applicant nothing (`comes_too_late`), and the pages say so instead of promising a
  date that will not help: only an express answer given before the day does.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

DEFAULT_MONTHS = 2  # CRPA L231-1
# Days an applicant needs between knowing the answer and the day the request is for (the keys and the deposit
# of a room, the signs of a parking ban put up beforehand): an implicit decision born later comes too late.
NOTICE_DAYS = 7


class Regime(StrEnum):
    ACCEPTANCE = "sva"  # silence vaut acceptation
    REJECTION = "svr"  # silence vaut rejet
    NONE = "none"  # no implicit decision


class Policy(StrEnum):
    RESTART = "restart"  # L114-5: the period runs anew from the reception of the pieces
    SUSPEND = "suspend"  # the days spent waiting are added to the end date


@dataclass(frozen=True)
class Pause:
    """A request for pieces: asked on `start`; `end` the day the pieces arrived (None: still awaited)."""

    start: date
    end: date | None = None


def add_months(start: date, months: int) -> date:
    """`start` plus `months`, from date to date; the month's last day when it has no such day (31/12 + 2 → 28/02)."""
    total = start.month - 1 + months
    year, month = start.year + total // 12, total % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def implicit_decision_date(
    *,
    received_on: date,
    regime: Regime | str,
    months: int | None = DEFAULT_MONTHS,
    pauses: list[Pause] | tuple[Pause, ...] = (),
    policy: Policy | str = Policy.RESTART,
) -> date | None:
    """The day the request is deemed accepted (SVA) or rejected (SVR) if nothing is decided; None if it never
    is (no implicit decision) or not yet known (pieces still awaited: the period is suspended).

    Pauses are taken in order; one that starts after the period has already ended changes nothing (an implicit
    decision, once born, is not undone by a late request for pieces).
    """
    regime = Regime(regime)
    policy = Policy(policy)
    if regime is Regime.NONE:
        return None
    months = months or DEFAULT_MONTHS
    end = add_months(received_on, months)
    for pause in sorted(pauses, key=lambda p: p.start):
        if pause.start > end:
            continue
        if pause.end is None:
            return None
        resumed = max(pause.end, pause.start)
        if policy is Policy.RESTART:
            end = add_months(resumed, months)
        else:
            end = end + timedelta(days=(resumed - pause.start).days)
    return end


def days_left(deadline: date | None, today: date) -> int | None:
    """Days until the deadline (0 on the day itself, negative once passed); None without a deadline."""
    return None if deadline is None else (deadline - today).days


def is_near(deadline: date | None, today: date, *, within_days: int = 7) -> bool:
    """Whether an agent should be reminded: the implicit decision is due in `within_days` days or fewer."""
    left = days_left(deadline, today)
    return left is not None and 0 <= left <= within_days


def comes_too_late(deadline: date | None, needed_on: date | None, *, notice_days: int = NOTICE_DAYS) -> bool:
    """Whether the implicit decision (`deadline`) would be born on or after the day the request is for
    (`needed_on`: the party, the move), or fewer than `notice_days` days before it: silence then gives the
    applicant nothing to rely on in time, whatever the regime. False when either date is unknown."""
    if deadline is None or needed_on is None:
        return False
    return deadline > needed_on - timedelta(days=notice_days)
