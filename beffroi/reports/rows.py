"""The rows the reports' lists repeat (the public list and map, the agents' queue), read as plain values and
rendered once per content.

A row is read from the reports alone (with its place's name and, in the queue, its assignee's): the names of its
category, state and team come from the commune's few, read once for the page (`selectors.ReportLabels`).

Each row's HTML is kept in the ``fragments`` cache (docs/contributing.md, « A fragment worth caching ») under a
key made of every value the row shows — the report's own columns, its category's code and name, its state's code
and label, its place's name, its team's name, the assignee's name — and the address the row links to. A report,
a category, a state or a place that changes gives its rows a new key: nothing is invalidated by hand and nothing
stale is shown, whatever path wrote the change (``updated_at`` is not relied on). The language is in every key
(``fragments.key_for``). Nothing in a row depends on the viewer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from beffroi.core import fragments
from beffroi.reports.models import location_words
from beffroi.reports.presets import shipped_category_text, shipped_state_label
from beffroi.reports.selectors import ReportLabels

# What a row of the public list shows (selectors.report_public_rows reads these columns).
PUBLIC_COLUMNS = (
    "pk",
    "category_id",
    "state_id",
    "is_open",
    "created_at",
    "address_string",
    "place_id",
    "place__name",
    "place__address",
    "near_address",
    "supports_count",
    "description",
)
# …and a row of the agents' queue.
QUEUE_COLUMNS = (
    "pk",
    "category_id",
    "state_id",
    "is_open",
    "created_at",
    "address_string",
    "place_id",
    "place__name",
    "place__address",
    "near_address",
    "team_id",
    "assignee_id",
    "assignee__full_name",
    "assignee__email",
    "due_date",
)


def _location(row: Mapping[str, Any]) -> str:
    """Report.location_label from the row's values: the place chosen, the address typed, or « près du … »."""
    return str(
        location_words(
            typed=row["address_string"],
            place_name=row["place__name"] if row["place_id"] is not None else None,
            place_address=row["place__address"],
            near=row["near_address"],
        )
    )


@dataclass(frozen=True)
class PublicRow:
    """What the public list's row template reads."""

    pk: int
    url: str
    category_name: str
    state_label: str
    is_open: bool
    created_at: datetime
    location_label: str
    supports_count: int
    description: str


@dataclass(frozen=True)
class QueueRow:
    """What the agents' queue row template reads."""

    pk: int
    url: str
    category_code: str
    category_name: str
    state_label: str
    is_open: bool
    created_at: datetime
    location_label: str
    team_name: str | None
    assignee_name: str
    due_date: date | None
    overdue: bool


def _rendered(kind: str, template: str, rows: Sequence[Mapping[str, Any]], parts, build) -> list[SafeString]:
    def render(row: Mapping[str, Any]) -> str:
        return render_to_string(template, {"r": build(row)}).strip()

    return [mark_safe(html) for html in fragments.rendered_many(kind, rows, parts, render)]  # noqa: S308 - rendered by the template engine


def _link_base(name: str) -> str:
    """The address of the row's page without its number (reversed once, not once a row); the commune's prefix
    is in it, so it is in each key."""
    return reverse(name, args=[0])[: -len("0/")]


def public_rows(rows: Iterable[Mapping[str, Any]], labels: ReportLabels) -> list[SafeString]:
    """The public list's rows (`<li>` each) for `.values(*PUBLIC_COLUMNS)` rows."""
    base = _link_base("reports:detail")

    def parts(row: Mapping[str, Any]) -> tuple[Any, ...]:
        names = (labels.category(row["category_id"]), labels.state(row["state_id"]))
        return (base, names, *(row[column] for column in PUBLIC_COLUMNS))

    def build(row: Mapping[str, Any]) -> PublicRow:
        category, state = labels.category(row["category_id"]), labels.state(row["state_id"])
        return PublicRow(
            pk=row["pk"],
            url=f"{base}{row['pk']}/",
            category_name=shipped_category_text(*category),
            state_label=shipped_state_label(*state),
            is_open=bool(row["is_open"]),
            created_at=row["created_at"],
            location_label=_location(row),
            supports_count=row["supports_count"],
            description=row["description"],
        )

    return _rendered("reports-public-row", "reports/_report_row.html", list(rows), parts, build)


def queue_rows(rows: Iterable[Mapping[str, Any]], labels: ReportLabels, *, today: date) -> list[SafeString]:
    """The agents' queue rows (`<tr>` each) for `.values(*QUEUE_COLUMNS)` rows; `today` decides « En retard »."""
    base = _link_base("reports:agent_detail")

    def overdue(row: Mapping[str, Any]) -> bool:
        return bool(row["is_open"] and row["due_date"] is not None and row["due_date"] < today)

    def parts(row: Mapping[str, Any]) -> tuple[Any, ...]:
        names = (
            labels.category(row["category_id"]),
            labels.state(row["state_id"]),
            labels.team(row["team_id"]),
        )
        return (base, overdue(row), names, *(row[column] for column in QUEUE_COLUMNS))

    def build(row: Mapping[str, Any]) -> QueueRow:
        assignee = ""
        if row["assignee_id"] is not None:  # User.get_full_name
            assignee = row["assignee__full_name"] or row["assignee__email"]
        category, state = labels.category(row["category_id"]), labels.state(row["state_id"])
        return QueueRow(
            pk=row["pk"],
            url=f"{base}{row['pk']}/",
            category_code=category[0],
            category_name=shipped_category_text(*category),
            state_label=shipped_state_label(*state),
            is_open=bool(row["is_open"]),
            created_at=row["created_at"],
            location_label=_location(row),
            team_name=labels.team(row["team_id"]),
            assignee_name=assignee,
            due_date=row["due_date"],
            overdue=overdue(row),
        )

    return _rendered("reports-queue-row", "reports/agent/_queue_row.html", list(rows), parts, build)
