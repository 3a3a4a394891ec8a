"""Public pages of the Signalements module: report (with or without JavaScript), follow, map and list."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from beffroi.accounts.guards import require_open_to_public
from beffroi.accounts.selectors import user_can
from beffroi.core import fragments
from beffroi.core.abuse import RateLimited, client_ip, submitter_hash
from beffroi.core.decorators import commune_required
from beffroi.core.formatting import NBSP
from beffroi.core.forms import files_with_held, keep_pictures, release_held
from beffroi.core.guards import parse_pk
from beffroi.core.page_cache import public_page
from beffroi.reports import rows as list_rows
from beffroi.reports import selectors, services
from beffroi.reports.forms import ReportForm, StartForm, TrackForm, raw_answers
from beffroi.reports.questions import answers_readable
from beffroi.territory.maps import basemap_config, static_plan
from beffroi.territory.selectors import (
    address_near_label,
    address_search,
    map_layers_version,
    place_get,
    place_list,
)

WORD_JOINER = "\u2060"
MAP_LIMIT = 200  # markers drawn on the map: the most recent ones; the paginated list below gives them all
MAP_PAGE_SIZE = 50
MAP_PLAN_METRES = 2400.0  # the plan drawn for a browser without JavaScript: the town and its nearest fields


def _filters(request):
    category = request.GET.get("categorie", "")
    status = request.GET.get("etat", "")
    return category, status if status in ("open", "closed") else ""


def map_points(reports) -> list[dict]:
    return [
        {
            "id": r.pk,
            "lat": float(r.latitude),
            "lon": float(r.longitude),
            "title": r.category.display_name,
            "state": r.state.display_label,
            "url": reverse("reports:detail", args=[r.pk]),
        }
        for r in reports
        if r.latitude is not None
    ]


def map_points_from_rows(commune, rows, categories) -> list[dict]:
    """Markers from `.values()` rows (pk, latitude, longitude, category_id, state_id): names (of `categories`,
    every category of the commune) and labels are read once for the commune, the detail URL is reversed once."""
    names = {c.pk: c.display_name for c in categories}
    labels = {s.pk: s.display_label for s in selectors.state_list(commune=commune)}
    base = reverse("reports:detail", args=[0])[: -len("0/")]
    return [
        {
            "id": row["pk"],
            "lat": float(row["latitude"]),
            "lon": float(row["longitude"]),
            "title": names.get(row["category_id"], ""),
            "state": labels.get(row["state_id"], ""),
            "url": f"{base}{row['pk']}/",
        }
        for row in rows
    ]


def _page_query(category: str, status: str) -> str:
    return urlencode({k: v for k, v in (("categorie", category), ("etat", status)) if v})


def locate_address(*, commune, text: str) -> list:
    """The commune's addresses a typed address may be: one (placed), several (to choose), or none (kept as a
    landmark in words). An exact label, or the typed number on the one street whose name matches best, is one."""
    matches = address_search(commune=commune, query=text, limit=6)
    exact = [m for m in matches if m.label.lower() == text.strip().lower()]
    if exact:
        return exact[:1]
    numbered = [m for m in matches if not m.street_only]
    if numbered:
        typed_number = text.strip().split(" ", 1)[0]
        same = [m for m in numbered if m.label.split(" ", 1)[0] == typed_number]
        if len(same) > 1 and same[0].score >= 0.99 and same[1].score < same[0].score:
            return same[:1]
        return same if same else numbered
    return matches


def plan(commune, **drawn) -> str:
    """`territory.maps.static_plan`, kept in the fragments cache: the plan is drawn from the commune's layers
    (hundreds of kB of GeoJSON read and projected) and is the same for each visit while they are. The key holds
    everything drawn (the point, the title, the markers, the width) and the layers' stamp, which changes with
    each import of a layer."""
    parts = (commune.pk, map_layers_version(commune=commune), sorted(drawn.items()))
    return fragments.rendered("reports-plan", parts, lambda: static_plan(commune, **drawn))


def map_context(commune) -> dict:
    return {
        "boundary": commune.boundary or None,
        "basemap": basemap_config(commune),
        # A commune created from the official list has no centre until its contour is sent: the JavaScript
        # then shows the whole of France (its default) rather than a point in the Gulf of Guinea.
        "center": (
            [float(commune.latitude), float(commune.longitude)]
            if commune.latitude is not None and commune.longitude is not None
            else None
        ),
    }


@require_safe
@commune_required  # the module switch is core.modules.ModuleSwitchMiddleware
@public_page
def index(request):
    category, status = _filters(request)
    reports = selectors.report_public_list(commune=request.commune, category=category, status=status)
    rows = selectors.report_rows(reports=reports, columns=list_rows.PUBLIC_COLUMNS)
    page = Paginator(rows, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "reports/index.html",
        {
            "page": page,
            "rows": list_rows.public_rows(page.object_list, selectors.report_labels(commune=request.commune)),
            "categories": selectors.category_options(commune=request.commune),
            "category": category,
            "status": status,
            "query": _page_query(category, status),
        },
    )


@require_safe
@commune_required
def map_view(request):
    """The map of the reports; without JavaScript, a plan of the town drawn from its own layers with each
    report marked, above the list that says the same in words."""
    category, status = _filters(request)
    located = selectors.report_public_located(
        commune=request.commune, category=category, status=status or "open"
    )
    rows = selectors.report_marker_rows(reports=located, limit=MAP_LIMIT)
    categories = list(selectors.category_options(commune=request.commune, active_only=False))
    points = map_points_from_rows(request.commune, rows, categories)
    page = Paginator(
        selectors.report_rows(reports=located, columns=list_rows.PUBLIC_COLUMNS), MAP_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    commune = request.commune
    static_map = (
        plan(
            commune,
            latitude=float(commune.latitude),
            longitude=float(commune.longitude),
            title=_("Plan de la commune avec les signalements de la liste (un point rouge chacun)"),
            markers=[(p["lon"], p["lat"]) for p in points],
            metres_across=MAP_PLAN_METRES,
        )
        if commune.latitude is not None and commune.longitude is not None
        else ""
    )
    return render(
        request,
        "reports/map.html",
        {
            "page": page,
            "rows": list_rows.public_rows(page.object_list, selectors.report_labels(commune=commune)),
            "points": points,
            "static_map": static_map,
            **map_context(request.commune),
            "categories": [c for c in categories if c.active],
            "category": category,
            "status": status or "open",
            "limit": MAP_LIMIT,
            "query": _page_query(category, status or "open"),
        },
    )


@require_safe
@commune_required
@public_page
def detail(request, pk: int):
    report = selectors.report_public_get(commune=request.commune, pk=pk)
    if report is None:
        raise Http404
    return _public_report(request, report, "reports/detail.html")


def report_plan(commune, report) -> str:
    """The SVG plan around the report's point, shown where JavaScript does not draw the map."""
    if report.latitude is None:
        return ""
    label = report.location_label
    title = (
        _("Plan autour du signalement : %(place)s") % {"place": label}
        if label
        else _("Plan autour du signalement")
    )
    return plan(commune, latitude=float(report.latitude), longitude=float(report.longitude), title=title)


def _public_report(request, report, template, extra=None):
    context = {
        "static_map": report_plan(request.commune, report),
        "report": report,
        "events": selectors.public_events(report=report),
        "photos": selectors.published_photos(report=report),
        "points": map_points([report]),
        **map_context(request.commune),
        **(extra or {}),
    }
    return render(request, template, context)


@require_POST
@commune_required
def support(request, pk: int):
    report = selectors.report_public_get(commune=request.commune, pk=pk)
    if report is None:
        raise Http404
    supported = request.session.get("reports_supported", [])
    if report.pk in supported:
        messages.info(request, _("Vous soutenez déjà ce signalement."))
    elif not report.is_open:
        messages.warning(request, _("Ce signalement est clos : il ne peut plus être soutenu."))
    else:
        services.report_support(report=report, supporter=request.user)
        request.session["reports_supported"] = [*supported, report.pk][-200:]
        messages.success(request, _("Merci : votre soutien a été ajouté à ce signalement."))
    return redirect("reports:detail", pk=report.pk)


@require_safe
@commune_required
def start(request):
    require_open_to_public(commune=request.commune, user=request.user)
    categories = selectors.category_list(commune=request.commune)
    places = place_list(commune=request.commune)
    form = StartForm(request.GET or None, categories=categories, places=places)
    if request.GET and form.is_valid():
        data = form.cleaned_data
        try:
            services.location_check(
                commune=request.commune, latitude=data["latitude"], longitude=data["longitude"]
            )
        except services.ReportInputError as exc:
            form.add_error(form.location_error_field, exc.message)
        else:
            location = {
                "lat": data["latitude"],
                "lon": data["longitude"],
                "lieu": data["place"].pk if data["place"] else "",
                "adresse": data["address"],
            }
            typed = (data["address"] or "").strip()
            if typed and data["latitude"] is None and not data["place"]:
                # Without a map (no JavaScript, or a person who prefers to type): the address is looked up in
                # the commune's address base; one match places the report, several ask which one.
                found = locate_address(commune=request.commune, text=typed)
                if len(found) == 1:
                    location.update(
                        lat=round(found[0].latitude, 6),
                        lon=round(found[0].longitude, 6),
                        adresse=found[0].label,
                        placee=1,
                    )
                elif len(found) > 1:
                    return render(
                        request,
                        "reports/start.html",
                        {"form": form, "candidates": found, **map_context(request.commune)},
                    )
            params = {k: v for k, v in location.items() if v not in (None, "")}
            url = reverse("reports:create", kwargs={"category": data["category"].code})
            return HttpResponseRedirect(f"{url}?{urlencode(params)}" if params else url)
    return render(request, "reports/start.html", {"form": form, **map_context(request.commune)})


@require_http_methods(["GET", "POST", "HEAD"])
@commune_required
def create(request, category: str):
    commune = request.commune
    require_open_to_public(commune=commune, user=request.user)
    category_obj = selectors.category_get(commune=commune, code=category)
    if category_obj is None:
        raise Http404
    places = place_list(commune=commune)
    initial = {
        "latitude": request.GET.get("lat"),
        "longitude": request.GET.get("lon"),
        "place": request.GET.get("lieu"),
        "address": request.GET.get("adresse", ""),
    }
    if request.method == "POST":
        form = ReportForm(
            request.POST, files_with_held(request, "photos"), category=category_obj, places=places
        )
    else:
        form = ReportForm(initial=initial, category=category_obj, places=places)
    limited = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            answers = services.answers_clean(category=category_obj, raw=raw_answers(category_obj, data))
            report = services.report_create(
                commune=commune,
                category=category_obj,
                description=data["description"],
                latitude=data["latitude"],
                longitude=data["longitude"],
                place=data["place"],
                address_string=data["address"],
                photos=[f.read() for f in data["photos"]],
                answers=answers,
                reporter=request.user if request.user.is_authenticated else None,
                contact_email=data["contact_email"],
                contact_phone=data["contact_phone"],
                submitter=submitter_hash(client_ip(request)),
                rate_limited=not request.user.is_authenticated,
            )
        except services.ReportInputError as exc:
            field = exc.field if exc.field in form.fields else None
            form.add_error(field, exc.message)
        except RateLimited as exc:
            form.add_error(None, exc.message)  # the form comes back as typed, with the sentence on top
            limited = True
        else:
            release_held(request, "photos")
            request.session["reports_last_code"] = report.tracking_code
            return redirect("reports:receipt", code=report.tracking_code)
    keep_pictures(form, "photos", commune_id=commune.pk)
    location = form.data if form.is_bound else initial
    lat, lon = location.get("latitude") or None, location.get("longitude") or None
    place_pk = parse_pk(location.get("place"))
    place = place_get(commune=commune, pk=place_pk) if place_pk is not None else None
    if place and lat is None:
        lat, lon = place.latitude, place.longitude
    near = ""
    if lat is not None and not place:
        try:
            near = address_near_label(commune=commune, latitude=float(lat), longitude=float(lon or ""))
        except (TypeError, ValueError):
            near = ""
    try:
        nearby = selectors.report_nearby(commune=commune, category=category_obj, latitude=lat, longitude=lon)
    except (TypeError, ValueError):
        nearby = []
    return render(
        request,
        "reports/create.html",
        {
            "form": form,
            "category": category_obj,
            "nearby": nearby,
            "place": place,
            "address": location.get("address", ""),
            "has_point": lat is not None,
            "near": near,
            "placed": request.GET.get("placee") == "1" and bool(location.get("address")),
            "change_url": reverse("reports:start") + "?" + urlencode({"category": category_obj.code}),
        },
        status=429 if limited else 400 if form.is_bound and form.errors else 200,
    )


@require_safe
@commune_required
def receipt(request, code: str):
    report = selectors.report_get_by_code(commune=request.commune, code=code)
    if report is None:
        raise Http404
    # Where the acknowledgement went, masked: whoever holds the receipt's address sees that it left, not to whom.
    sent_to = {
        channel: masked_email(address) if channel == "email" else masked_phone(address)
        for channel, address in services.notification_addresses(report)
    }
    return render(request, "reports/receipt.html", {"report": report, "sent_to": sent_to})


def masked_email(address: str) -> str:
    """« c.martin@exemple.fr » → « c…@exemple.fr »: enough for its owner to recognise it, not to write to it."""
    local, _at, domain = address.partition("@")
    return f"{local[:1]}…{WORD_JOINER}@{domain}"  # never cut after the ellipsis


def masked_phone(number: str) -> str:
    """« 06 12 34 56 78 » → « 06 … 78 »: the first two and the last two digits, on one line."""
    digits = "".join(c for c in number if c.isdigit())
    return f"{digits[:2]}{NBSP}…{NBSP}{digits[-2:]}" if len(digits) >= 6 else "…"


@require_safe
@commune_required
def track_form(request):
    form = TrackForm(request.GET or None)
    if request.GET and form.is_valid():
        report = selectors.report_get_by_code(commune=request.commune, code=form.cleaned_data["code"])
        if report is not None:
            return redirect("reports:track", code=report.tracking_code)
        form.add_error(
            "code", _("Aucun signalement ne porte ce code dans la commune. Vérifiez les 8 caractères.")
        )
    return render(request, "reports/track_form.html", {"form": form}, status=404 if form.errors else 200)


@require_safe
@commune_required
@public_page
def track(request, code: str):
    """The page the receipt leads to (no account needed): the public page, plus what the resident sent — their
    answers to the category's questions and their photos, those not yet checked by an agent included (marked so).
    Never their e-mail address or phone number: whoever holds the link sees this page."""
    report = selectors.report_get_by_code(commune=request.commune, code=code)
    if report is None:
        raise Http404
    extra = {
        "answers": answers_readable(report.answers, report.answered_questions, report.category.questions),
        "photos": selectors.report_photos(report=report),
        "track_code": report.tracking_code,
    }
    return _public_report(request, report, "reports/track.html", extra)


@require_safe
@commune_required
def track_photo(request, code: str, pk: int, size: str = "full"):
    """A photo of the report, on its tracking page: shown to the holder of the tracking code (who sent it) before
    an agent has checked it; never cached by a shared cache until it is published."""
    report = selectors.report_get_by_code(commune=request.commune, code=code)
    item = selectors.report_photo_get(report=report, pk=pk) if report is not None else None
    if item is None:
        raise Http404
    return _photo_response(item, size)


@require_safe
@commune_required
def photo(request, pk: int, size: str = "full"):
    """Photos go through this view: a photo not yet checked by an agent is shown to agents only."""
    item = selectors.photo_get(commune=request.commune, pk=pk)
    if item is None:
        raise Http404
    if not item.published and not user_can(
        commune=request.commune, user=request.user, capability="view_agent_space"
    ):
        raise Http404
    return _photo_response(item, size)


def _photo_response(item, size: str) -> FileResponse:
    file = item.thumbnail if size == "vignette" else item.image
    response = FileResponse(file.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "public, max-age=3600" if item.published else "private, no-store"
    return response
