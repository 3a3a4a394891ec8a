"""What needs a person's attention when they sign in: each domain app says what it has for a role.

The landing page after login (« Mon espace », `accounts:landing`) lists, for the person's role in the commune,
the sections every enabled module gives: an agent's overdue and assigned reports and open sensor alerts, an
élu's funding deadlines and report figures, an administrator's set-up. `core` and `accounts` sit below the
domain apps: an app writes its provider in its own `attention.py` (found by `autodiscover_modules`), so a
module that is not installed (participation's proposals awaiting an answer, for instance) simply adds nothing.

A module switched off is off everywhere: the provider of a module (registered under the module's code, or
naming it with `module=`) is not asked at all in a commune that has not enabled it.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy

from beffroi.core import modules

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from beffroi.core.models import Commune


@dataclass(frozen=True)
class Item:
    label: str
    url: str = ""
    state: StrOrPromise = ""
    on: datetime.datetime | datetime.date | None = None
    urgent: bool = False  # drawn as a warning (overdue, deadline within a week)


@dataclass(frozen=True)
class Section:
    title: StrOrPromise
    summary: StrOrPromise = ""  # one sentence with the figures (« 3 signalements en retard »)
    items: list[Item] = field(default_factory=list)
    link_url: str = ""  # the page where the work is done
    link_label: StrOrPromise = ""
    empty: StrOrPromise = ""


# (*, commune, user, role) -> the app's section for that person, or None (module off, nothing for the role)
Provider = Callable[..., Section | None]


@dataclass(frozen=True)
class _Registered:
    code: str
    order: int
    provider: Provider
    # the module whose switch governs the section; None: the module of the same code, if any
    module: str | None


_PROVIDERS: dict[str, _Registered] = {}
_discovered = False


def register(code: str, provider: Provider, *, order: int = 100, module: str | None = None) -> None:
    """Register `provider` under `code`; its section is shown only where `module` (by default the module of
    the same code, if one is installed) is enabled."""
    _PROVIDERS[code] = _Registered(code, order, provider, module)


def sections_for(*, commune: Commune, user: Any, role: str) -> list[Section]:
    """The sections of every registered provider that has something for this role, in their order."""
    global _discovered
    if not _discovered:
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("attention")
        _discovered = True
    sections = []
    for registered in sorted(_PROVIDERS.values(), key=lambda entry: entry.order):
        module = registered.module
        if module is None:
            module = registered.code if modules.get(registered.code) is not None else ""
        if module and not commune.has_module(module):
            continue
        section = registered.provider(commune=commune, user=user, role=role)
        if section is not None:
            sections.append(section)
    return sections


def due_item(
    *,
    label: str,
    url: str,
    due: datetime.date | datetime.datetime | None,
    now: datetime.date | datetime.datetime,
    late_state: StrOrPromise | None = None,
    due_state: StrOrPromise = "",
) -> Item:
    """One piece of work with the date it is due by: « en retard » and drawn as a warning once that date is past
    (`now` of the same kind as `due`: today for a date, the current time for a moment)."""
    late = due is not None and due < now
    if late_state is None:
        late_state = gettext_lazy("en retard")
    return Item(label=label, url=url, state=late_state if late else due_state, on=due, urgent=late)


def work_queue(
    *,
    title: StrOrPromise,
    summary: StrOrPromise,
    items: list[Item],
    overdue: int,
    queue_url: str,
    overdue_url: str,
    queue_label: StrOrPromise,
    overdue_label: StrOrPromise,
    empty: StrOrPromise,
) -> Section:
    """A work queue's section: its figures, the person's own items, and a link to the late ones when there are
    any (that is where to start), else to the whole queue."""
    return Section(
        title=title,
        summary=summary,
        items=items,
        link_url=overdue_url if overdue else queue_url,
        link_label=overdue_label if overdue else queue_label,
        empty=empty,
    )
