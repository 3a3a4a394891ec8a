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
    from beffroi.core.models import Commune

SMS_KINDS = frozenset({NotificationKind.REPORTS.value})

# The modules whose news each kind carries: « Mon espace » offers a kind only in a commune that has one of them
# enabled (a module switched off is off everywhere, its notifications included).
KIND_MODULES: dict[str, tuple[str, ...]] = {
    NotificationKind.REPORTS.value: ("reports",),
    NotificationKind.DOSSIERS.value: ("procedures",),
    NotificationKind.PARTICIPATION.value: ("participation", "budgeting"),
}

_PHONE_SOURCES: dict[str, Callable[[User], bool]] = {}


def register_phone_source(code: str, source: Callable[[User], bool]) -> None:
    """``source(user)`` tells whether the app holds a phone number of this person to send texts to."""
    _PHONE_SOURCES[code] = source


def kinds_offered(commune: Commune) -> list[str]:
    """The kinds of news the commune's enabled modules can send, in their order."""
    return [
        kind
        for kind in NotificationKind.values
        if any(commune.has_module(code) for code in KIND_MODULES[kind])
    ]


def phone_known(user: User) -> bool:
    return bool(user.phone) or any(source(user) for source in _PHONE_SOURCES.values())
