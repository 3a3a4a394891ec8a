"""Reads of the Signalements module, always scoped to one commune (and to what the viewer may see)."""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import CharField, Count, Q, QuerySet, Value

from beffroi.core import geo
from beffroi.core.codes import normalize_code
from beffroi.core.models import Commune
from beffroi.core.prepared import Prepared
from beffroi.core.search import contains_text
from beffroi.reports.models import Category, ReplyTemplate, Report, ReportEvent, ReportPhoto, State

if TYPE_CHECKING:
    from beffroi.accounts.models import User
    from beffroi.territory.models import Team


class StateCount(TypedDict):
    """One row of `state_counts`: a state's label and how many reports of the commune carry it."""

    state__label: str
    n: int


class MarkerRow(TypedDict):
    """One row of `report_marker_rows`: what a map marker needs of a report."""

    pk: int
    latitude: Decimal | None
    longitude: Decimal | None
    category_id: int
    state_id: int


def category_list(*, commune: Commune, active_only: bool = True) -> QuerySet[Category]:
    qs = Category.objects.filter(commune=commune).select_related("team")
    return qs.filter(active=True) if active_only else qs


def category_options(*, commune: Commune, active_only: bool = True) -> QuerySet[Category]:
    """The categories as a filter offers them: code, name and whether active (not their questions nor team)."""
    qs = category_list(commune=commune, active_only=active_only).select_related(None)
    return qs.only("pk", "code", "name", "active")


def category_get(*, commune: Commune, code: str) -> Category | None:
    return Category.objects.filter(commune=commune, code=code, active=True).select_related("team").first()


def category_get_any(*, commune: Commune, code: str | None = None, pk: int | None = None) -> Category | None:
    """A category of the commune by code or by id, active or not (the agents' filters, the configuration)."""
    qs = category_list(commune=commune, active_only=False)
    if code is not None:
        qs = qs.filter(code=code)
    if pk is not None:
        qs = qs.filter(pk=pk)
    return qs.first()


def state_list(*, commune: Commune) -> QuerySet[State]:
    return State.objects.filter(commune=commune)


def state_get(*, commune: Commune, pk: int | str) -> State | None:
    return State.objects.filter(commune=commune, pk=pk).first()


def template_list(*, commune: Commune) -> QuerySet[ReplyTemplate]:
    return ReplyTemplate.objects.filter(commune=commune, active=True)


def template_get(*, commune: Commune, pk: int) -> ReplyTemplate | None:
    return template_list(commune=commune).filter(pk=pk).first()


def config_counts(*, commune: Commune) -> dict[str, int]:
    """How many categories (active or not), states and reply templates the commune has configured."""
    return {
        "n_categories": category_list(commune=commune, active_only=False).count(),
        "n_states": state_list(commune=commune).count(),
        "n_templates": template_list(commune=commune).count(),
    }


def _base(commune: Commune) -> QuerySet[Report]:
    return Report.objects.filter(commune=commune).select_related("category", "state", "place", "team")


def report_public_list(
    *, commune: Commune, category: str = "", status: str = "", since: datetime | None = None
) -> QuerySet[Report]:
    """What anyone may see: every report of the commune, public fields only (the templates show no contact)."""
    qs = _base(commune)
    if category:
        qs = qs.filter(category__code=category)
    if status in ("open", "closed"):
        qs = qs.filter(is_open=status == "open")
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    return qs


def report_rows(*, reports: QuerySet[Report], columns: Sequence[str]) -> QuerySet[Report, dict[str, Any]]:
    """The reports as plain rows of the given columns (`reports.rows`): a list's page reads them rather than model
    instances with their category, state, place and team."""
    rows: QuerySet[Report, dict[str, Any]] = reports.values(*columns)
    return rows


@dataclass(frozen=True)
class ReportLabels:
    """What a list's row shows of its report's category, state and team, by id.

    A commune has a few of each: they are read once for the page rather than joined to every row. PostgreSQL
    spends more time planning a join of the reports with five tables than running it (measured on 200 communes:
    about 3 ms to plan and 2 ms to run the agents' queue, 0.3 ms for the reports with their place and assignee).
    """

    categories: dict[int, tuple[str, str]]  # id → (code, name)
    states: dict[int, tuple[str, str]]  # id → (code, label)
    teams: dict[int, str]  # id → name

    @classmethod
    def of(
        cls, *, categories: Iterable[Category], states: Iterable[State], teams: Iterable[Team]
    ) -> ReportLabels:
        """From lists the page has already read (the queue's filters)."""
        return cls(
            categories={c.pk: (c.code, c.name) for c in categories},
            states={s.pk: (s.code, s.label) for s in states},
            teams={t.pk: t.name for t in teams},
        )

    def category(self, pk: int) -> tuple[str, str]:
        return self.categories.get(pk, ("", ""))

    def state(self, pk: int) -> tuple[str, str]:
        return self.states.get(pk, ("", ""))

    def team(self, pk: int | None) -> str | None:
        return self.teams.get(pk) if pk is not None else None


def _labels_query(commune_id: int) -> QuerySet[Category, tuple[str, int, str, str]]:
    from beffroi.territory.models import Team

    def kind(name: str) -> Value:
        return Value(name, output_field=CharField())

    categories = Category.objects.filter(commune_id=commune_id).annotate(table=kind("c")).order_by()
    states = State.objects.filter(commune_id=commune_id).annotate(table=kind("s")).order_by()
    teams = Team.objects.filter(commune_id=commune_id).annotate(table=kind("t")).order_by()
    return categories.values_list("table", "pk", "code", "name").union(
        states.values_list("table", "pk", "code", "label"),
        teams.values_list("table", "pk", "slug", "name"),
        all=True,
    )


# Every list page of reports reads it: built once per process (core.prepared), as the union of three
# querysets costs Django more to build than the database to answer.
_LABELS = Prepared(Category, _labels_query, commune_id=int)


def report_labels(*, commune: Commune) -> ReportLabels:
    """The commune's categories, states and teams as `ReportLabels`, in one query."""
    found: dict[str, dict[int, Any]] = {"c": {}, "s": {}, "t": {}}
    for which, pk, code, name in _LABELS.rows(commune_id=commune.pk):
        found[which][pk] = name if which == "t" else (code, name)
    return ReportLabels(categories=found["c"], states=found["s"], teams=found["t"])


def report_public_located(*, commune: Commune, category: str = "", status: str = "") -> QuerySet[Report]:
    """The public reports that have a point to show on the map."""
    return report_public_list(commune=commune, category=category, status=status).filter(
        latitude__isnull=False, longitude__isnull=False
    )


def report_marker_rows(*, reports: QuerySet[Report], limit: int) -> list[MarkerRow]:
    """What a map marker needs of the first ``limit`` reports (pk, latitude, longitude, category_id,
    state_id), read as rows rather than objects: a map draws up to hundreds of them."""
    return list(reports.values("pk", "latitude", "longitude", "category_id", "state_id")[:limit])


def report_public_get(*, commune: Commune, pk: int) -> Report | None:
    return _base(commune).filter(pk=pk).first()


def report_get_by_code(*, commune: Commune, code: str) -> Report | None:
    normalized = normalize_code(code)
    if normalized is None:
        return None
    return _base(commune).filter(tracking_code=normalized).first()


def report_nearby(
    *,
    commune: Commune,
    category: Category,
    latitude: Decimal | float | None = None,
    longitude: Decimal | float | None = None,
    radius_m: int = 300,
    limit: int = 5,
) -> list[Report]:
    """Open reports of the same category near the point (or the latest ones when no point is known)."""
    qs = _base(commune).filter(category=category, is_open=True, duplicate_of__isnull=True)
    if latitude is None or longitude is None:
        return list(qs[:limit])
    lat, lon = float(latitude), float(longitude)
    box = radius_m / 111_000
    candidates = qs.filter(
        latitude__gte=lat - box,
        latitude__lte=lat + box,
        longitude__gte=lon - 2 * box,
        longitude__lte=lon + 2 * box,
    )[:200]
    found: list[Report] = []
    for report in candidates:
        if report.latitude is None or report.longitude is None:  # excluded by the box filter above
            continue
        distance = geo.distance_m(lat, lon, float(report.latitude), float(report.longitude))
        if distance <= radius_m:
            report.distance_m = round(distance)
            found.append(report)
    return sorted(found, key=lambda r: r.distance_m)[:limit]


def public_events(*, report: Report) -> QuerySet[ReportEvent]:
    return report.events.filter(public=True)


def published_photos(*, report: Report) -> QuerySet[ReportPhoto]:
    return report.photos.filter(published=True)


def report_events(*, report: Report) -> QuerySet[ReportEvent]:
    """Every event of the report, internal notes included (the agents' page)."""
    return report.events.select_related("author")


def report_photos(*, report: Report) -> QuerySet[ReportPhoto]:
    """Every photo of the report, checked or not (the agents' page, and the tracking page of whoever sent them)."""
    return report.photos.all()


def report_photo_get(*, report: Report, pk: int) -> ReportPhoto | None:
    return report.photos.filter(pk=pk).first()


def photo_get(*, commune: Commune, pk: int) -> ReportPhoto | None:
    return ReportPhoto.objects.filter(report__commune=commune, pk=pk).select_related("report").first()


def agent_queue(
    *,
    commune: Commune,
    team: Team | None = None,
    state: State | None = None,
    category: Category | None = None,
    status: str = "open",
    q: str = "",
    overdue: bool = False,
    assignee: User | None = None,
    today: date | None = None,
) -> QuerySet[Report]:
    qs = _base(commune).select_related("assignee")
    if team is not None:
        qs = qs.filter(team=team)
    if state is not None:
        qs = qs.filter(state=state)
    if category is not None:
        qs = qs.filter(category=category)
    if status in ("open", "closed"):
        qs = qs.filter(is_open=status == "open")
    if assignee is not None:
        qs = qs.filter(assignee=assignee)
    if overdue:
        qs = qs.filter(is_open=True, due_date__lt=today or date.today())
    q = q.strip()
    if q:
        code = normalize_code(q)
        condition = contains_text(_QUEUE_SEARCHED, q)
        phone = _phone_pattern(q)
        if phone:
            condition |= Q(contact_phone__regex=phone)
        if code:
            condition |= Q(tracking_code=code)
        if q.isdigit():
            condition |= Q(pk=int(q))
        qs = qs.filter(condition)
    return qs


# What the agents' queue search reads, case and accents ignored (« ecole » finds « École »): the description, the
# address and the place (« près du 9 avenue de la Gare », as the « Lieu » column says), and for « Code perdu ? »
# the name and e-mail a resident left.
_QUEUE_SEARCHED = (
    "description",
    "address_string",
    "near_address",
    "place__name",
    "contact_name",
    "contact_email",
    "reporter__full_name",
    "reporter__email",
)


def _phone_pattern(text: str) -> str:
    """A regular expression matching a French phone number however it was typed (« 06 12 34 56 78 »,
    « 06.12.34.56.78 », « +33 6 12 34 56 78 ») from the digits the agent types; "" when the text is no phone."""
    if re.search(r"[^\d\s.+()-]", text):
        return ""
    digits = re.sub(r"\D", "", text)
    if digits.startswith("33") and len(digits) == 11:
        digits = digits[2:]
    elif digits.startswith("0"):
        digits = digits[1:]
    if len(digits) < 6:
        return ""
    prefix = r"(?:0|\+\s*33\s*(?:\(0\))?)?" if len(digits) == 9 else ""
    return prefix + r"[^0-9]*".join(digits) + ("$" if len(digits) == 9 else "")


def report_agent_get(*, commune: Commune, pk: int) -> Report | None:
    return _base(commune).select_related("assignee", "created_by", "duplicate_of").filter(pk=pk).first()


def report_stats(*, commune: Commune) -> dict[str, list[dict[str, Any]]]:
    """Volumes per category and team, and the median time to resolve (days, closed reports)."""
    rows = (
        Report.objects.filter(commune=commune)
        .values("category__name", "team__name", "is_open", "created_at", "closed_at")
        .order_by()
    )
    by_category: dict[str, dict[str, Any]] = {}
    by_team: dict[str, dict[str, Any]] = {}
    for row in rows.iterator():
        for key, table in ((row["category__name"], by_category), (row["team__name"] or "—", by_team)):
            entry = table.setdefault(key, {"label": key, "total": 0, "open": 0, "durations": []})
            entry["total"] += 1
            if row["is_open"]:
                entry["open"] += 1
            elif row["closed_at"]:
                entry["durations"].append((row["closed_at"] - row["created_at"]).total_seconds() / 86400)

    def finish(table: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for entry in sorted(table.values(), key=lambda e: (-e["total"], e["label"])):
            durations = entry.pop("durations")
            entry["closed"] = entry["total"] - entry["open"]
            entry["median_days"] = round(statistics.median(durations), 1) if durations else None
            out.append(entry)
        return out

    return {"categories": finish(by_category), "teams": finish(by_team)}


def state_counts(*, commune: Commune) -> list[StateCount]:
    return list(
        Report.objects.filter(commune=commune).values("state__label").annotate(n=Count("pk")).order_by("-n")
    )


def state_usage(*, commune: Commune) -> dict[int, int]:
    """How many reports of the commune each state carries ({state pk: count}), for the configuration page."""
    rows = Report.objects.filter(commune=commune).values("state_id").annotate(n=Count("pk")).order_by()
    return {row["state_id"]: row["n"] for row in rows}
