"""Open311 GeoReport v2 server (http://wiki.open311.org/GeoReport_v2), at /open311/v2/.

Plain Django views; the format is the resource suffix (`.xml` required by the spec, `.json`). Lists are XML
elements with repeated children, and JSON arrays (even for one item); the discovery document and the service
definition are objects. Errors: 404 unknown resource / service_code / jurisdiction_id, 403 missing or invalid
api_key, 400 anything else; body `<errors><error><code/><description/></error></errors>` or
`[{"code": …, "description": …}]`.

Choices where the spec leaves room (documented in the discovery `contact`): jurisdiction_id is the commune's
slug, required only when the instance hosts several communes (on POST the API key's commune is used when it is
absent); GET /requests defaults to the last 90 days and at most 1000 requests, a start/end range longer than 90
days is refused with 400; `page`/`page_size` (the common extension) page through results; photos arrive as
multipart `media` (or `photo`) files; `media_url` is stored but not fetched; typed states map to open/closed;
`media_url` in responses points to the first photo an agent has published.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from functools import wraps
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypedDict

from django.db import connections
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt

from beffroi.accounts.guards import require_open_to_public
from beffroi.core import fragments, page_cache, tenancy
from beffroi.core.annotations import JSONObject
from beffroi.core.api_auth import key_from_request
from beffroi.core.guards import NotPublished, parse_pk
from beffroi.core.models import ApiKey, Commune
from beffroi.reports import services
from beffroi.reports.models import Category, Report, ReportEvent, ReportPhoto, location_words
from beffroi.reports.selectors import report_labels
from beffroi.reports.services import ReportInputError

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-01-15T00:00:00+01:00"
DEFAULT_DAYS = 90
MAX_RESULTS = 1000
MAX_PAGE = 1_000_000  # page × page_size stays far inside a database integer
CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}

P = ParamSpec("P")


class PublicParts(TypedDict):
    """What `_with_public_parts` prefetches onto a report."""

    published_photos: list[ReportPhoto]
    public_replies: list[ReportEvent]


class Open311Error(Exception):
    def __init__(self, status: int, description: str, code: int | None = None):
        super().__init__(description)
        self.status = status
        self.code = code or status
        self.description = description


# Rendering -------------------------------------------------------------------------------------------------


def _to_xml(parent: ET.Element, value: object) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, list) and key in _LIST_CHILD:
                holder = ET.SubElement(parent, key)
                for sub in item:
                    child = ET.SubElement(holder, _LIST_CHILD[key])
                    _to_xml(child, sub)
            elif item is None:
                ET.SubElement(parent, key)
            elif isinstance(item, str):  # the common case, inlined: lists of requests are long
                ET.SubElement(parent, key).text = item
            else:
                _to_xml(ET.SubElement(parent, key), item)
    elif isinstance(value, bool):
        parent.text = "true" if value else "false"
    elif value is not None:
        parent.text = str(value)


_LIST_CHILD = {"endpoints": "endpoint", "formats": "format", "attributes": "attribute", "values": "value"}


def _tree_xml(data: JSONObject | list[JSONObject], *, root: str, item: str = "") -> str:
    """Any document (objects, nested lists) through ElementTree."""
    element = ET.Element(root)
    if item:
        for entry in data:
            _to_xml(ET.SubElement(element, item), entry)
    else:
        _to_xml(element, data)
    return ET.tostring(element, encoding="unicode")


def _flat_xml_entry(item: str, entry: JSONObject) -> str | None:
    """One flat item (string, number, boolean or None values) as XML written as text: the same bytes
    ElementTree writes (`<key />` for None or an empty text, text escaped &, <, >) at a fraction of its cost on
    the 1,000 requests of a `GET requests`. None when the item is not flat (ElementTree then renders it)."""
    parts = [f"<{item}>"]
    append = parts.append
    for key, value in entry.items():
        if value is None or value == "":  # ElementTree writes an empty text as a short element too
            append(f"<{key} />")
            continue
        if isinstance(value, str):
            text = value
            if "&" in text:
                text = text.replace("&", "&amp;")
            if "<" in text:
                text = text.replace("<", "&lt;")
            if ">" in text:
                text = text.replace(">", "&gt;")
        elif value is True or value is False:
            text = "true" if value else "false"
        elif isinstance(value, int | float):
            text = str(value)
        else:
            return None
        append(f"<{key}>{text}</{key}>")
    append(f"</{item}>")
    return "".join(parts)


def _xml_list(root: str, texts: list[str]) -> str:
    return f"<{root}>{''.join(texts)}</{root}>" if texts else f"<{root} />"


def _flat_xml(root: str, item: str, entries: list[JSONObject]) -> str | None:
    """The XML of a list of flat items (`_flat_xml_entry`); None when one is not flat."""
    texts = []
    for entry in entries:
        text = _flat_xml_entry(item, entry)
        if text is None:
            return None
        texts.append(text)
    return _xml_list(root, texts)


def _item_text(fmt: str, item: str, entry: JSONObject) -> str:
    """One item of a list as its format writes it inside the list (`render_items` joins them)."""
    if fmt == "json":
        return json.dumps(entry, ensure_ascii=False)
    flat = _flat_xml_entry(item, entry)
    if flat is not None:
        return flat
    element = ET.Element(item)
    _to_xml(element, entry)
    return ET.tostring(element, encoding="unicode")


def render_items(fmt: str, texts: list[str], *, root: str, item: str, status: int = 200) -> HttpResponse:
    """A list from its items already written by `_item_text`: the same bytes `render` writes for the list."""
    if fmt == "json":
        body = "[" + ", ".join(texts) + "]"  # json.dumps' own separator between a list's items
    else:
        body = '<?xml version="1.0" encoding="utf-8"?>\n' + _xml_list(root, texts)
    return HttpResponse(body.encode("utf-8"), status=status, content_type=CONTENT_TYPES[fmt])


def render(
    fmt: str, data: JSONObject | list[JSONObject], *, root: str = "", item: str = "", status: int = 200
) -> HttpResponse:
    """`root`+`item` for lists (XML <root><item/>…</root>, JSON array); `root` alone for an object."""
    if fmt == "json":
        body = json.dumps(data, ensure_ascii=False)
    elif item and isinstance(data, list) and (flat := _flat_xml(root, item, data)) is not None:
        body = '<?xml version="1.0" encoding="utf-8"?>\n' + flat
    else:
        body = '<?xml version="1.0" encoding="utf-8"?>\n' + _tree_xml(data, root=root, item=item)
    return HttpResponse(body.encode("utf-8"), status=status, content_type=CONTENT_TYPES[fmt])


def render_error(fmt: str, error: Open311Error) -> HttpResponse:
    return render(
        fmt if fmt in CONTENT_TYPES else "xml",
        [{"code": error.code, "description": error.description}],
        root="errors",
        item="error",
        status=error.status,
    )


def w3c(dt: datetime | None, tz: tzinfo | None = None) -> str | None:
    """W3C date-time in the site's time zone; pass `tz` when formatting many dates."""
    return dt.astimezone(tz or timezone.get_current_timezone()).isoformat(timespec="seconds") if dt else None


def endpoint(
    view: Callable[Concatenate[HttpRequest, str, P], HttpResponse],
) -> Callable[Concatenate[HttpRequest, str, P], HttpResponse]:
    def wrapper(request: HttpRequest, fmt: str, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        try:
            if fmt not in CONTENT_TYPES:
                raise Open311Error(404, "Format inconnu : utilisez .xml ou .json.")
            return view(request, fmt, *args, **kwargs)
        except Open311Error as error:
            return render_error(fmt, error)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return csrf_exempt(wrapper)


def methods(
    *allowed: str,
) -> Callable[
    [Callable[Concatenate[HttpRequest, str, P], HttpResponse]],
    Callable[Concatenate[HttpRequest, str, P], HttpResponse],
]:
    """Another method than these is a 405 in Open311's error form, with the Allow header (RFC 9110 §15.5.6)."""

    def decorator(
        view: Callable[Concatenate[HttpRequest, str, P], HttpResponse],
    ) -> Callable[Concatenate[HttpRequest, str, P], HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, fmt: str, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
            if request.method in allowed:
                return view(request, fmt, *args, **kwargs)
            response = render_error(fmt, Open311Error(405, f"Méthode {request.method} non acceptée ici."))
            response["Allow"] = ", ".join(allowed)
            return response

        return wrapper

    return decorator


def error_form(request: HttpRequest, status: int, description: str) -> HttpResponse:
    """An error raised outside these views (core's error views: a NUL character, a body too large, a server
    error) in Open311's form: JSON for a `.json` path, else XML."""
    fmt = "json" if request.path_info.endswith(".json") else "xml"
    return render_error(fmt, Open311Error(status, description))


@csrf_exempt
def unknown_resource(request: HttpRequest, path: str) -> HttpResponse:
    """Any other address under /open311/v2/: a 404 in Open311's error form (JSON for a `.json` path, else
    XML, the specification's default), never the site's HTML page."""
    fmt = "json" if path.endswith(".json") else "xml"
    return render_error(fmt, Open311Error(404, "Ressource Open311 inconnue : voir discovery.xml."))


# Tenancy ---------------------------------------------------------------------------------------------------


def _param(request: HttpRequest, name: str) -> str:
    """GeoReport v2: an empty parameter behaves exactly like an absent one."""
    value = (
        request.POST.get(name) if request.method == "POST" and name in request.POST else request.GET.get(name)
    )
    return (value or "").strip()


def jurisdiction(request: HttpRequest, *, key: ApiKey | None = None) -> Commune:
    """The commune a request is for (core.tenancy.api_tenant: jurisdiction_id, else the key's commune, else
    the only one served), if its reports module is on."""
    slug = _param(request, "jurisdiction_id")
    if key is not None and slug == key.commune.slug and key.commune.is_active:
        commune: Commune | None = key.commune  # what api_tenant would read again by its slug
    else:
        commune = tenancy.api_tenant(name=slug, key=key)
    if commune is None:
        if slug:
            shown = f" : {slug}" if tenancy.is_slug(slug) else ""
            raise Open311Error(404, f"jurisdiction_id inconnu{shown}")
        raise Open311Error(400, "jurisdiction_id est obligatoire : ce serveur sert plusieurs communes.")
    if not commune.has_module("reports"):
        if slug or key is not None:
            raise Open311Error(404, f"jurisdiction_id inconnu : {commune.slug}")
        # the one commune served has switched the module off
        raise Open311Error(404, "Aucun service de signalement n'est ouvert sur ce serveur.")
    return commune


# Resources -------------------------------------------------------------------------------------------------


@methods("GET", "HEAD")
@endpoint
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    base = (
        request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": "xml"})).rsplit("/", 1)[0]
        + "/"
    )
    data: JSONObject = {
        "changeset": CHANGESET,
        "contact": (
            "Mairie : voir la page de la commune. jurisdiction_id = identifiant de la commune "
            "(ex. valbourg), obligatoire si l'instance sert plusieurs communes."
        ),
        "key_service": (
            "Clé d'API délivrée par l'administrateur de la commune (Espace agents › Administration › Clés d'API), "
            "de portée « lecture et écriture » pour déposer des demandes."
        ),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return render(fmt, data, root="discovery")


def _service(category: Category) -> JSONObject:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description,
        "metadata": bool(category.questions),
        "type": category.service_type,
        "keywords": category.keywords,
        "group": category.group,
    }


@methods("GET", "HEAD")
@endpoint
def services_list(request: HttpRequest, fmt: str) -> HttpResponse:
    commune = jurisdiction(request)
    categories = Category.objects.filter(commune=commune, active=True)
    return render(fmt, [_service(c) for c in categories], root="services", item="service")


@methods("GET", "HEAD")
@endpoint
def service_definition(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    commune = jurisdiction(request)
    category = Category.objects.filter(commune=commune, active=True, code=code).first()
    if category is None:
        raise Open311Error(404, f"service_code inconnu : {code}")
    attributes = [
        {
            "variable": True,
            "code": q["code"],
            "datatype": q.get("type", "string"),
            "required": bool(q.get("required")),
            "datatype_description": q.get("help", ""),
            "order": order,
            "description": q["label"],
            "values": [{"key": c["key"], "name": c.get("name", c["key"])} for c in q.get("choices", [])],
        }
        for order, q in enumerate(category.questions, start=1)
    ]
    return render(fmt, {"service_code": category.code, "attributes": attributes}, root="service_definition")


def _request_dict(report: WithAnnotations[Report, PublicParts], request: HttpRequest) -> JSONObject:
    """One request, for `requests/{id}` (a model instance with its public parts prefetched)."""
    photo = next(iter(report.published_photos), None)
    status_notes = next((e.body for e in reversed(report.public_replies)), None)
    return _request_item(
        pk=report.pk,
        is_open=report.is_open,
        status_notes=status_notes,
        service_code=report.category.code,
        service_name=report.category.name,
        description=report.description,
        team_name=report.team.name if report.team else None,
        state_label=report.state.label,
        created_at=report.created_at,
        updated_at=report.closed_at or report.updated_at,
        due_date=report.due_date,
        location=report.location_label,
        commune_name=report.commune.name,
        place_id=report.place_id,
        latitude=report.latitude,
        longitude=report.longitude,
        media_url=_photo_url(request, report.commune, photo.pk) if photo else None,
    )


def _photo_url(request: HttpRequest, commune: Commune, photo_pk: int) -> str:
    path = reverse("reports:photo", args=[photo_pk]).replace(
        "/signalements/", f"/{commune.slug}/signalements/", 1
    )
    return request.build_absolute_uri(path)


def _request_item(
    *,
    pk: int,
    is_open: bool,
    status_notes: str | None,
    service_code: str,
    service_name: str,
    description: str,
    team_name: str | None,
    state_label: str,
    created_at: datetime,
    updated_at: datetime,
    due_date: date | None,
    location: str,
    commune_name: str,
    place_id: int | None,
    latitude: Decimal | float | None,
    longitude: Decimal | float | None,
    media_url: str | None,
    tz: tzinfo | None = None,
) -> JSONObject:
    expected = timezone.make_aware(datetime.combine(due_date, time(18, 0))) if due_date else None
    return {
        "service_request_id": str(pk),
        "status": "open" if is_open else "closed",
        "status_notes": status_notes,
        "service_name": service_name,
        "service_code": service_code,
        "description": description,
        "agency_responsible": team_name,
        "service_notice": state_label,
        "requested_datetime": w3c(created_at, tz),
        "updated_datetime": w3c(updated_at, tz),
        "expected_datetime": w3c(expected, tz),
        "address": f"{location}, {commune_name}" if location else commune_name,
        "address_id": str(place_id) if place_id else None,
        "zipcode": None,
        "lat": float(latitude) if latitude is not None else None,
        "long": float(longitude) if longitude is not None else None,
        "media_url": media_url,
    }


_LIST_COLUMNS = (  # the category's, team's and state's names come from selectors.report_labels
    "pk",
    "is_open",
    "category_id",
    "description",
    "team_id",
    "state_id",
    "created_at",
    "updated_at",
    "closed_at",
    "due_date",
    "address_string",
    "place_id",
    "place__name",
    "place__address",
    "latitude",
    "longitude",
    "near_address",
)


def _aware(value: datetime | str) -> datetime:
    """A (non-null) datetime column read with a plain cursor, as Django would convert it (aware): SQLite gives
    naive UTC (parsed by the driver's registered converter, or text), PostgreSQL aware datetimes. Skipping
    Django's per-value converters (a regex parse then make_aware for each) took a third off the list's time."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _day(value: date | str | None) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _request_texts(request: HttpRequest, commune: Commune, qs: QuerySet[Report], fmt: str) -> list[str]:
    """The items of `GET requests` as their format writes them, from plain cursor rows (no model instances, no
    Django converters): one query for the exact columns (with the place's name), one for the names of the
    commune's categories, states and teams (`selectors.report_labels`: joined to every row, they cost PostgreSQL
    more to plan than to read), then one query each for the published photos and the last public replies of the
    reports in the page's date range.

    Each item is kept written in the fragments cache (docs/contributing.md, « A fragment worth caching ») under
    a key made of everything it shows: the row's columns, its reply and photo, the commune's name, the photos'
    address and the time zone. A report, category, state, team or place that changes has a new key."""
    sql, params = qs.values_list(*_LIST_COLUMNS).query.sql_with_params()
    with connections[qs.db].cursor() as cursor:  # the replica when the router sends the reads there
        cursor.execute(sql, params)
        found = cursor.fetchall()
    if not found:
        return []
    labels = report_labels(commune=commune)
    rows = [  # the columns the items were written from: (pk, is_open, code, name, description, team, state, …)
        (
            pk,
            is_open,
            *labels.category(category_id),
            description,
            labels.team(team_id),
            labels.state(state_id)[1],
            *rest,
        )
        for pk, is_open, category_id, description, team_id, state_id, *rest in found
    ]
    created = [_aware(row[7]) for row in rows]
    # The side tables are read by the reports' commune and creation range (not `IN (1,000 ids)`, whose
    # parameters cost more to prepare than the join); rows of reports outside the page are skipped below.
    in_range = {
        "report__commune": commune,
        "report__created_at__gte": min(created),
        "report__created_at__lte": max(created),
    }
    photos: dict[int, int] = {}
    for report_id, photo_pk in (
        ReportPhoto.objects.filter(published=True, **in_range).order_by("-pk").values_list("report_id", "pk")
    ):
        photos[report_id] = photo_pk  # ordered by descending pk: the first published photo wins
    notes: dict[int, str] = {}
    for report_id, body in (
        ReportEvent.objects.filter(public=True, kind=ReportEvent.Kind.REPLY, **in_range)
        .order_by("created_at", "pk")
        .values_list("report_id", "body")
    ):
        notes[report_id] = body  # the latest public reply wins
    photo_base = _photo_url(request, commune, 0)[: -len("0/")]
    name, tz = commune.name, timezone.get_current_timezone()
    shared = (name, photo_base, str(tz))

    def parts(row: tuple[Any, ...]) -> tuple[Any, ...]:
        return (row, notes.get(row[0]), photos.get(row[0]), shared)

    def write(row: tuple[Any, ...]) -> str:
        pk, is_open, code, service_name, description, team_name, state_label, created_at = row[:8]
        updated_at, closed_at, due_date, address, place_id, place_name, place_address = row[8:15]
        latitude, longitude, near = row[15:]
        photo = photos.get(pk)
        item = _request_item(
            pk=pk,
            is_open=bool(is_open),
            status_notes=notes.get(pk),
            service_code=code,
            service_name=service_name,
            description=description,
            team_name=team_name,
            state_label=state_label,
            created_at=_aware(created_at),
            updated_at=_aware(closed_at) if closed_at is not None else _aware(updated_at),
            due_date=_day(due_date),
            location=location_words(
                typed=address, place_name=place_name, place_address=place_address, near=near
            ),
            commune_name=name,
            place_id=place_id,
            latitude=latitude,
            longitude=longitude,
            media_url=f"{photo_base}{photo}/" if photo is not None else None,
            tz=tz,
        )
        return _item_text(fmt, "request", item)

    return fragments.rendered_many(f"open311-request-{fmt}", rows, parts, write)


def _with_public_parts(qs: QuerySet[Report]) -> QuerySet[WithAnnotations[Report, PublicParts]]:
    return qs.select_related("category", "state", "team", "place", "commune").prefetch_related(
        Prefetch("photos", queryset=ReportPhoto.objects.filter(published=True), to_attr="published_photos"),
        Prefetch(
            "events", queryset=ReportEvent.objects.filter(public=True, kind="reply"), to_attr="public_replies"
        ),
    )


def _date(request: HttpRequest, name: str) -> datetime | None:
    raw = _param(request, name)
    if not raw:
        return None
    try:  # a well-formed but impossible date (2026-13-45) raises instead of returning None
        parsed = parse_datetime(raw.replace(" ", "+"))
        if parsed is not None and not timezone.is_aware(parsed):
            parsed = timezone.make_aware(parsed)
    except (ValueError, OverflowError):
        parsed = None
    if parsed is None:
        raise Open311Error(400, f"{name} doit être une date W3C, ex. 2026-01-01T00:00:00Z")
    try:  # the database compares in UTC: 1 January of year 1 in Paris is still in year 0 there
        parsed.astimezone(UTC)
    except OverflowError:
        raise Open311Error(400, f"{name} doit être une date entre l'an 1 et l'an 9999.") from None
    return parsed


@methods("GET", "HEAD", "POST")
@csrf_exempt
def requests_collection(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return post_request(request, fmt)
    return list_requests(request, fmt)


@endpoint
def list_requests(request: HttpRequest, fmt: str) -> HttpResponse:
    """The public list, kept a few seconds for clients without a key like a public page (core.page_cache)."""
    commune = jurisdiction(request)
    return page_cache.answer(request, commune, lambda: _list_answer(request, fmt, commune))


def _list_answer(request: HttpRequest, fmt: str, commune: Commune) -> HttpResponse:
    qs = Report.objects.filter(commune=commune)
    ids = _param(request, "service_request_id")
    if ids:  # overrides every other filter
        wanted = [pk for x in ids.split(",") if (pk := parse_pk(x)) is not None]
        if not wanted:
            return render(fmt, [], root="service_requests", item="request")
        qs = qs.filter(pk__in=wanted)
    else:
        codes = [c.strip() for c in _param(request, "service_code").split(",") if c.strip()]
        if codes:
            qs = qs.filter(category__code__in=codes)
        statuses = {s.strip() for s in _param(request, "status").split(",") if s.strip()}
        if statuses - {"open", "closed"}:
            raise Open311Error(400, "status accepte open, closed ou open,closed.")
        if len(statuses) == 1:
            qs = qs.filter(is_open="open" in statuses)
        start, end = _date(request, "start_date"), _date(request, "end_date")
        if start and end and end - start > timedelta(days=DEFAULT_DAYS):
            raise Open311Error(400, "L'intervalle start_date–end_date est limité à 90 jours.")
        try:  # 90 days before year 1 or after year 9999 do not exist
            if start is None:
                start = (end if end is not None else timezone.now()) - timedelta(days=DEFAULT_DAYS)
            elif end is None:
                end = start + timedelta(days=DEFAULT_DAYS)
        except OverflowError:
            raise Open311Error(
                400, "start_date et end_date doivent être des dates entre l'an 1 et l'an 9999."
            ) from None
        qs = qs.filter(created_at__gte=start)
        if end is not None:
            qs = qs.filter(created_at__lte=end)
    page, size = parse_pk(_param(request, "page") or 1), parse_pk(_param(request, "page_size") or MAX_RESULTS)
    if page is None or size is None or page > MAX_PAGE:
        raise Open311Error(400, f"page et page_size sont des entiers positifs (page au plus {MAX_PAGE}).")
    page, size = max(1, page), min(MAX_RESULTS, max(1, size))
    qs = qs.order_by("-created_at", "-pk")[(page - 1) * size : page * size]
    texts = _request_texts(request, commune, qs, fmt)
    return render_items(fmt, texts, root="service_requests", item="request")


@methods("GET", "HEAD")
@endpoint
def request_detail(request: HttpRequest, fmt: str, request_id: str) -> HttpResponse:
    commune = jurisdiction(request)
    pk = parse_pk(request_id)
    report = (
        _with_public_parts(Report.objects.filter(commune=commune, pk=pk)).first() if pk is not None else None
    )
    if report is None:
        shown = f" : {request_id}" if pk is not None else ""  # (the path's text is echoed only when a number)
        raise Open311Error(404, f"service_request_id inconnu{shown}")
    return render(fmt, [_request_dict(report, request)], root="service_requests", item="request")


@methods("GET", "HEAD")
@endpoint
def token_detail(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    commune = jurisdiction(request)
    report = Report.objects.filter(commune=commune, token=token).exclude(token="").first()
    if report is None:
        raise Open311Error(404, f"jeton inconnu : {token[:64]}")
    return render(
        fmt, [{"service_request_id": str(report.pk), "token": token}], root="service_requests", item="request"
    )


def _attributes(request: HttpRequest) -> dict[str, list[str]]:
    """attribute[code]=v and, for multivaluelist, attribute[code][]=v1&attribute[code][]=v2."""
    raw: dict[str, list[str]] = {}
    for key in request.POST:
        if key.startswith("attribute[") and "]" in key:
            code = key[len("attribute[") : key.index("]")]
            raw.setdefault(code, []).extend(request.POST.getlist(key))
    return raw


@endpoint
def post_request(request: HttpRequest, fmt: str) -> HttpResponse:
    key = key_from_request(request, allow_query_param=True)
    if key is None:
        raise Open311Error(403, "api_key absente ou invalide.")
    if not key.can_write:
        raise Open311Error(403, "Cette api_key ne permet pas d'écrire.")
    commune = jurisdiction(request, key=key)
    if key.commune_id != commune.pk:
        raise Open311Error(403, "Cette api_key n'est pas valable pour ce jurisdiction_id.")
    page_cache.wrote_for(request, commune)  # a report accepted shows at once on the commune's pages
    try:
        require_open_to_public(commune=commune, user=None)
    except NotPublished as error:
        raise Open311Error(403, error.message) from None
    errors: list[Open311Error] = []
    code = _param(request, "service_code")
    if not code:
        errors.append(Open311Error(400, "service_code est obligatoire."))
    lat, lon = _param(request, "lat"), _param(request, "long")
    address, address_id = _param(request, "address_string"), _param(request, "address_id")
    if not (lat and lon) and not address and not address_id:
        errors.append(Open311Error(400, "Indiquez un lieu : lat et long, address_string ou address_id."))
    if errors:
        return render(
            fmt,
            [{"code": e.code, "description": e.description} for e in errors],
            root="errors",
            item="error",
            status=400,
        )
    category = Category.objects.filter(commune=commune, active=True, code=code).first()
    if category is None:
        raise Open311Error(404, f"service_code inconnu : {code}")
    try:
        latitude = float(lat) if lat and lon else None
        longitude = float(lon) if lat and lon else None
    except ValueError:
        raise Open311Error(400, "lat et long doivent être des nombres (WGS84).") from None
    place = None
    if address_id:
        from beffroi.territory.models import Place

        place_pk = parse_pk(address_id)
        place = Place.objects.filter(commune=commune, pk=place_pk).first() if place_pk is not None else None
        if place is None and latitude is None and not address:
            raise Open311Error(400, f"address_id inconnu : {address_id}")
    files = request.FILES.getlist("media") + request.FILES.getlist("photo") + request.FILES.getlist("media[]")
    name = " ".join(x for x in [_param(request, "first_name"), _param(request, "last_name")] if x)
    media_url = _param(request, "media_url")
    try:
        answers = services.answers_clean(category=category, raw=_attributes(request))
        report = services.report_create(
            commune=commune,
            category=category,
            description=_param(request, "description") or category.name,
            latitude=latitude,
            longitude=longitude,
            address_string=address,
            place=place,
            photos=[f.read() for f in files],
            answers=answers,
            channel=Report.Channel.OPEN311,
            contact_name=name,
            contact_email=_param(request, "email")[:254],
            contact_phone=_param(request, "phone"),
            media_url=media_url if media_url.startswith(("http://", "https://")) else "",
        )
    except ReportInputError as exc:
        code_ = 400
        raise Open311Error(code_, exc.message) from None
    item = {"service_notice": report.state.label, "account_id": None}
    if category.service_type == Category.ServiceType.BATCH:
        item = {"token": report.token, **item}
    else:
        item = {"service_request_id": str(report.pk), **item}
    return render(fmt, [item], root="service_requests", item="request", status=201)
