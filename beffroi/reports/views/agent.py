"""Agents' pages: queue, report handling, assisted intake with a printable receipt, CSV export, statistics.
Élus (view_agent_space) read; agents and admins (handle_requests) act."""

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from beffroi.accounts.decorators import capability_required
from beffroi.accounts.selectors import member_get, member_list, user_can
from beffroi.core.charts import Bar, bar_chart
from beffroi.core.exports import csv_response
from beffroi.core.formatting import NBSP
from beffroi.core.forms import files_with_held, keep_pictures, release_held
from beffroi.core.guards import parse_pk
from beffroi.core.links import commune_url
from beffroi.core.pdf import html_to_pdf
from beffroi.core.qr import qr_svg
from beffroi.reports import rows as list_rows
from beffroi.reports import selectors, services
from beffroi.reports.forms import AssistedReportForm, raw_answers
from beffroi.reports.questions import answers_readable
from beffroi.reports.views.public import locate_address, map_context, map_points, report_plan
from beffroi.territory.selectors import place_list, team_get_by_pk, team_list, team_of_user


def _agents(commune):
    """The people a report may be assigned to: the commune's active agents and administrators."""
    return member_list(commune=commune, capability="handle_requests", active_only=True)


def _queue_filters(request):
    """The queue's filters, chosen among the lists the form offers (read once, shown in the form)."""
    commune = request.commune
    g = request.GET
    # The form lists names and slugs only: not the members team_list prefetches.
    teams = list(team_list(commune=commune).prefetch_related(None))
    states = list(selectors.state_list(commune=commune))
    categories = list(selectors.category_options(commune=commune, active_only=False))
    team_slug = g.get("service", "")
    if team_slug == "" and "service" not in g:
        mine = team_of_user(commune=commune, user=request.user)
        team_slug = mine.slug if mine else ""
    team = next((t for t in teams if t.slug == team_slug), None) if team_slug != "tous" else None
    state_pk = parse_pk(g.get("etat"))
    state = next((s for s in states if s.pk == state_pk), None)
    code = g.get("categorie", "")
    category = next((c for c in categories if c.code == code), None)
    status = g.get("statut", "open")
    return {
        "team": team,
        "team_slug": team.slug if team else "tous",
        "state": state,
        "category": category,
        "status": status if status in ("open", "closed", "all") else "open",
        "q": g.get("q", "")[:100],
        "overdue": g.get("retard") == "1",
        "teams": teams,
        "states": states,
        "categories": categories,
    }


def _queue_qs(request, f):
    return selectors.agent_queue(
        commune=request.commune,
        team=f["team"],
        state=f["state"],
        category=f["category"],
        status=f["status"],
        q=f["q"],
        overdue=f["overdue"],
    )


@require_safe
@capability_required("view_agent_space")
def queue(request):
    f = _queue_filters(request)
    rows = selectors.report_rows(reports=_queue_qs(request, f), columns=list_rows.QUEUE_COLUMNS)
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    today = date.today()
    params = {
        "service": f["team_slug"],
        "statut": f["status"],
        "q": f["q"],
        "categorie": f["category"].code if f["category"] else "",
        "etat": f["state"].pk if f["state"] else "",
        "retard": "1" if f["overdue"] else "",
    }
    return render(
        request,
        "reports/agent/queue.html",
        {
            **f,
            "page": page,
            "rows": list_rows.queue_rows(
                page.object_list,
                selectors.ReportLabels.of(categories=f["categories"], states=f["states"], teams=f["teams"]),
                today=today,
            ),
            "query": urlencode({k: v for k, v in params.items() if v}),
            "can_handle": user_can(commune=request.commune, user=request.user, capability="handle_requests"),
        },
    )


def _report_or_404(request, pk):
    report = selectors.report_agent_get(commune=request.commune, pk=pk)
    if report is None:
        raise Http404
    return report


@require_safe
@capability_required("view_agent_space")
def detail(request, pk: int):
    return _detail_page(request, _report_or_404(request, pk))


def _detail_page(request, report, *, merge_typed: str = "", merge_error: str = "", status: int = 200):
    """The agent's page of a report; a refused merge comes back with the number typed and the reason beside it."""
    answers = answers_readable(report.answers, report.answered_questions, report.category.questions)
    return render(
        request,
        "reports/agent/detail.html",
        {
            "merge_typed": merge_typed,
            "merge_error": merge_error,
            "report": report,
            "events": selectors.report_events(report=report),
            "photos": selectors.report_photos(report=report),
            "states": selectors.state_list(commune=request.commune),
            "teams": team_list(commune=request.commune),
            "agents": _agents(request.commune),
            "templates": selectors.template_list(commune=request.commune),
            "answers": answers,
            "today": date.today(),
            "can_handle": user_can(commune=request.commune, user=request.user, capability="handle_requests"),
            "points": map_points([report]),
            "static_map": report_plan(request.commune, report),
            **map_context(request.commune),
        },
        status=status,
    )


def _told(report) -> str:
    """What the resident was really sent, in the agent's confirmation (nothing when no contact was left)."""
    channels = services.notification_channels(report)
    if channels == ("email", "sms"):
        return _("L'habitant·e est prévenu·e par courriel et par SMS.")
    if channels == ("email",):
        return _("L'habitant·e est prévenu·e par courriel.")
    if channels == ("sms",):
        return _("L'habitant·e est prévenu·e par SMS.")
    return _("L'habitant·e n'a laissé ni courriel ni téléphone : rien ne lui a été envoyé.")


@require_POST
@capability_required("handle_requests")
def act(request, pk: int, action: str):
    """Every handling action posts here; each goes through its service (which audits it)."""
    report = _report_or_404(request, pk)
    commune, user, post = request.commune, request.user, request.POST
    try:
        if action == "etat":
            state_pk = parse_pk(post.get("state"))
            state = selectors.state_get(commune=commune, pk=state_pk) if state_pk is not None else None
            if state is None:
                raise services.ReportInputError("state", _("Choisissez un état."))
            services.report_change_state(report=report, actor=user, state=state, note=post.get("note", ""))
            messages.success(request, _("État modifié : %(s)s.") % {"s": state.label} + " " + _told(report))
        elif action == "affecter":
            # An empty choice clears; a choice that is not the commune's is refused, never read as "none".
            team_pk, assignee_pk = parse_pk(post.get("team")), parse_pk(post.get("assignee"))
            team = team_get_by_pk(commune=commune, pk=team_pk) if team_pk is not None else None
            if post.get("team") and team is None:
                raise services.ReportInputError(
                    "team", _("Ce service n'existe pas dans la commune : l'affectation n'a pas changé.")
                )
            assignee = (
                member_get(commune=commune, capability="handle_requests", pk=assignee_pk, active_only=True)
                if assignee_pk is not None
                else None
            )
            if post.get("assignee") and assignee is None:
                raise services.ReportInputError(
                    "assignee",
                    _("Cette personne n'est pas un agent de la commune : l'affectation n'a pas changé."),
                )
            services.report_assign(report=report, actor=user, team=team, assignee=assignee)
            messages.success(request, _("Affectation enregistrée."))
        elif action == "echeance":
            raw = post.get("due_date", "")
            try:
                due = date.fromisoformat(raw) if raw else None
            except ValueError:
                raise services.ReportInputError(
                    "due_date", _("Date d'échéance invalide (AAAA-MM-JJ).")
                ) from None
            services.report_set_due_date(report=report, actor=user, due_date=due)
            messages.success(request, _("Échéance enregistrée.") if due else _("Échéance retirée."))
        elif action == "repondre":
            body = post.get("body", "")
            template_pk = parse_pk(post.get("template"))
            if not body.strip() and template_pk is not None:
                template = selectors.template_get(commune=commune, pk=template_pk)
                body = template.body if template else ""
            public = post.get("visibility") == "public"
            services.report_reply(report=report, actor=user, body=body, public=public)
            if public:
                messages.success(request, _("Réponse publiée sur la page de suivi.") + " " + _told(report))
            else:
                messages.success(request, _("Note interne ajoutée : seuls les agents la voient."))
        elif action == "photo":
            photo_pk = parse_pk(post.get("photo"))
            photo = selectors.report_photo_get(report=report, pk=photo_pk) if photo_pk is not None else None
            if photo is None:
                raise Http404
            services.photo_set_published(photo=photo, actor=user, published=post.get("published") == "1")
            messages.success(request, _("Photo mise à jour."))
        elif action == "fusionner":
            return _merge(request, report)
        else:
            raise Http404
    except services.ReportInputError as exc:
        messages.error(request, exc.message)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return redirect("reports:agent_detail", pk=report.pk)


def _merge(request, report):
    """Merge the report into the one whose number or code was typed; refused, the page comes back (400) with the
    typed text kept and the reason beside the field."""
    typed = request.POST.get("into", "").strip()[:40]
    commune = request.commune
    into_pk = parse_pk(typed.lower().lstrip("n°#. "))  # « 42 », « n° 42 », « #42 »
    target = selectors.report_get_by_code(commune=commune, code=typed) or (
        selectors.report_agent_get(commune=commune, pk=into_pk) if into_pk is not None else None
    )
    try:
        if target is None:
            raise services.ReportInputError(
                "into", _("Aucun signalement de la commune ne porte ce numéro ou ce code.")
            )
        services.report_merge(report=report, actor=request.user, into=target)
    except services.ReportInputError as exc:
        messages.error(request, exc.message)
        return _detail_page(request, report, merge_typed=typed, merge_error=exc.message, status=400)
    messages.success(
        request,
        _("Signalement fusionné avec le signalement n° %(n)s : il est clos comme doublon.") % {"n": target.pk}
        + " "
        + _told(report),
    )
    return redirect("reports:agent_detail", pk=report.pk)


@capability_required("act_for_citizen")
def intake(request):
    """An agent files a report for a resident: a public description and a private note kept apart, the
    category's questions (the category chosen first, ?categorie=, or posted), a map and the address base."""
    commune = request.commune
    categories = selectors.category_list(commune=commune)
    form = AssistedReportForm(
        request.POST or None,
        files_with_held(request, "photos") or None,
        categories=categories,
        places=place_list(commune=commune),
        initial={"category": request.GET.get("categorie")},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        latitude, longitude, address = d["latitude"], d["longitude"], d["address"]
        if latitude is None and not d["place"] and address.strip():
            found = locate_address(commune=commune, text=address)
            if len(found) == 1:
                latitude, longitude, address = found[0].latitude, found[0].longitude, found[0].label
        try:
            answers = (
                services.answers_clean(category=d["category"], raw=raw_answers(d["category"], d))
                if form.chosen_category == d["category"]
                else {}
            )
            report = services.report_create(
                commune=commune,
                category=d["category"],
                description=d["description"],
                private_note=d["private_note"],
                latitude=latitude,
                longitude=longitude,
                place=d["place"],
                address_string=address,
                photos=[f.read() for f in d["photos"]],
                answers=answers,
                channel=d["channel"],
                actor=request.user,
                contact_name=d["contact_name"],
                contact_email=d["contact_email"],
                contact_phone=d["contact_phone"],
            )
        except services.ReportInputError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            release_held(request, "photos")
            messages.success(
                request,
                _(
                    "Signalement enregistré. Remettez ce récépissé à l'habitant·e, ou lisez-lui son code de suivi "
                    "au téléphone."
                ),
            )
            return redirect("reports:agent_receipt", pk=report.pk)
    keep_pictures(form, "photos", commune_id=commune.pk)
    return render(
        request,
        "reports/agent/intake.html",
        {"form": form, "categories": categories, **map_context(commune)},
        status=400 if form.errors else 200,
    )


@require_safe
@capability_required("view_agent_space")
def intake_receipt(request, pk: int):
    """The slip handed or sent to a resident after a counter or phone intake: code, address and QR code."""
    return render(request, "reports/agent/receipt.html", _receipt_context(request, pk))


@require_safe
@capability_required("view_agent_space")
def intake_receipt_pdf(request, pk: int):
    """The same slip as a PDF document (letterhead, no site chrome), to print or attach to a letter."""
    context = _receipt_context(request, pk)
    html = render(request, "reports/agent/receipt_print.html", context).content.decode()
    pdf = html_to_pdf(html, base_url=request.build_absolute_uri("/"))
    if pdf is None:
        messages.error(request, _("La version PDF n'est pas disponible sur ce serveur ; imprimez la page."))
        return redirect("reports:agent_receipt", pk=pk)
    response = HttpResponse(pdf, content_type="application/pdf")
    code = context["report"].display_code
    response["Content-Disposition"] = f'inline; filename="recepisse-{code}.pdf"'
    return response


def _receipt_context(request, pk: int) -> dict:
    report = _report_or_404(request, pk)
    track_url = commune_url(request.commune, "reports:track", kwargs={"code": report.tracking_code})
    qr = qr_svg(
        track_url, title=_("Adresse de suivi du signalement %(code)s") % {"code": report.display_code}
    )
    # The mairie's number on one line: « 03 80 00 00 00 » cut after « 00 » is misread when dialled.
    phone = NBSP.join(request.commune.contact_phone.split())
    return {"report": report, "track_url": track_url, "qr": qr, "commune_phone": phone}


@require_safe
@capability_required("view_agent_space")
def export_csv(request):
    """The queue as filtered, one report a row, under French column names like the other exports. Moments are
    written by core.exports one way (local time, `2026-12-05 14:30:00`), days as `2026-12-17`; every text cell is
    guarded against formulas (the address, the category, a team's name… are all typed by someone); numbers stay
    numbers. « Adresse la plus proche » is the commune's address nearest to the point (its Base Adresse Locale),
    as the pages show it."""
    f = _queue_filters(request)
    still_open, closed = _("ouvert"), _("clos")
    rows = (
        [
            r.pk,
            r.display_code,
            r.created_at,
            r.category.display_name,
            r.state.display_label,
            still_open if r.is_open else closed,
            r.closed_at,
            r.team.name if r.team else "",
            r.assignee.get_full_name() if r.assignee else "",
            r.due_date,
            r.get_channel_display(),
            r.address_string,
            r.near_address,
            r.latitude,
            r.longitude,
            r.supports_count,
            r.description,
        ]
        for r in _queue_qs(request, f).iterator(chunk_size=500)
    )
    return csv_response(
        filename=f"signalements-{request.commune.slug}.csv",
        header=[
            _("N°"),
            _("Code de suivi"),
            _("Reçu le"),
            _("Catégorie"),
            _("État"),
            _("Statut"),
            _("Clos le"),
            _("Service"),
            _("Agent"),
            _("Échéance"),
            _("Canal"),
            _("Adresse ou repère"),
            _("Adresse la plus proche"),
            _("Latitude"),
            _("Longitude"),
            _("Soutiens"),
            _("Description"),
        ],
        rows=rows,
    )


@require_safe
@capability_required("view_agent_space")
def stats(request):
    data = selectors.report_stats(commune=request.commune)
    charts = {}
    for key, title, heading in (
        ("categories", _("Signalements par catégorie"), _("Catégorie")),
        ("teams", _("Signalements par service"), _("Service")),
    ):
        charts[key] = bar_chart(
            [Bar(r["label"], r["total"]) for r in data[key]],
            chart_id=f"graph-{key}",
            title=title,
            label_heading=heading,
            value_heading=_("Signalements"),
            empty_text=_("Aucun signalement."),
        )
    charts["delay"] = bar_chart(
        [Bar(r["label"], r["median_days"]) for r in data["categories"] if r["median_days"] is not None],
        chart_id="graph-delay",
        title=_("Délai médian de résolution par catégorie (jours)"),
        unit=_("jours"),
        places=1,
        label_heading=_("Catégorie"),
        value_heading=_("Délai médian (jours)"),
        empty_text=_("Aucun signalement clos."),
    )
    return render(request, "reports/agent/stats.html", {"data": data, "charts": charts})
