"""Where a resident's notification settings come from and what they offer.

`accounts` sits below the domain apps: an app that knows a person's phone number (a report's contact phone)
registers a `phone source`, so « Mon espace » offers text messages only to someone the platform can text.
Only the kinds in `SMS_KINDS` are ever sent by SMS (the reports' follow-up); the others are mail only, and the
page does not offer what no sender would honour.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from beffroi.accounts.models import NotificationKind

if TYPE_CHECKING:
    from beffroi.accounts.models import User

SMS_KINDS = frozenset({NotificationKind.REPORTS.value})

_PHONE_SOURCES: dict[str, Callable[[User], bool]] = {}


def register_phone_source(code: str, source: Callable[[User], bool]) -> None:
    """``source(user)`` tells whether the app holds a phone number of this person to send texts to."""
    _PHONE_SOURCES[code] = source


def phone_known(user: User) -> bool:
    return bool(user.phone) or any(source(user) for source in _PHONE_SOURCES.values())
