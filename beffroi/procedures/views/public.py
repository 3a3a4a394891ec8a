"""Public pages of the démarches: the list, a démarche, the draft (identification, one step per section, the
summary), the accusés, the tracking page with its messages, and the files. Everything works without JavaScript:
a repeatable block gets its rows from « Ajouter » / « Retirer » buttons, conditions are decided on the server."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from beffroi.accounts.guards import require_open_to_public
from beffroi.core import dates
from beffroi.core.abuse import RateLimited, client_ip, submitter_hash
from beffroi.core.confirm import confirmation_page
from beffroi.core.decorators import commune_required
from beffroi.core.guards import parse_pk
from beffroi.core.page_cache import public_page
from beffroi.procedures import receipts, schema, selectors, services
from beffroi.procedures.forms import (
    MessageForm,
    StartForm,
    TrackForm,
    bind_section,
    posted_lists,
    translated_identity,
)
from beffroi.procedures.models import Dossier
from beffroi.procedures.views.responses import file_download, pdf_response
from beffroi.territory.maps import basemap_config


@require_safe
@commune_required  # the module switch is core.modules.ModuleSwitchMiddleware
@public_page
def index(request) -> HttpResponse:
    mine = (
        selectors.dossiers_of_account(commune=request.commune, user=request.user)[:20]
        if request.user.is_authenticated
        else []
    )
    demarches = list(selectors.demarche_titles(commune=request.commune))
    return render(
        request,
        "procedures/index.html",
        {
            "demarches": demarches,
            # Everything the list of cards shows (and where its links start): it is kept rendered under it.
            "cards_key": (get_script_prefix(), [(d.slug, d.title, d.description) for d in demarches]),
            "mine": mine,
            "track_form": TrackForm(),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
@commune_required
def demarche(request, slug: str) -> HttpResponse:
    """A démarche's page; its form opens a draft (one POST, then the identification step)."""
    item = selectors.demarche_get(commune=request.commune, slug=slug)
    if item is None or item.current_version is None:
        raise Http404
    form_schema = item.current_version.schema
    kinds = form_schema.get("applicant_kinds") or ["particulier"]
    form = StartForm(request.POST or None, kinds=kinds)
    status = 200
    if request.method == "POST":
        require_open_to_public(commune=request.commune, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            dossier = services.dossier_start(
                commune=request.commune,
                demarche=item,
                actor=request.user,
                applicant_kind=form.cleaned_data["applicant_kind"],
                submitter=submitter_hash(client_ip(request)),
            )
        except RateLimited as exc:
            form.add_error(None, exc.message)
            status = 429
        except services.DossierError as exc:
            for message in exc.errors.values():
                form.add_error(None, message)
        else:
            return redirect("procedures:draft_identity", token=dossier.access_token)
    sections = [s.get("title", "") for s in form_schema.get("sections", [])]
    draft = None
    if request.user.is_authenticated:  # a draft of this démarche already started: offered before a new one
        draft = (
            selectors.dossiers_of_account(commune=request.commune, user=request.user)
            .filter(demarche=item, state=Dossier.State.DRAFT)
            .first()
        )
    return render(
        request,
        "procedures/demarche.html",
        {
            "demarche": item,
            "form": form,
            "schema": form_schema,
            "sections": sections,
            "draft": draft,
            # a request for a given day (a booking's event): silence may come too late for it
            "asks_day": any(field.get("answer_before") for _s, field in schema.iter_fields(form_schema)),
        },
        status=status,
    )


def _draft(request, token: str) -> Dossier:
    dossier = selectors.dossier_by_token(commune=request.commune, token=token)
    if dossier is None:
        raise Http404
    return dossier


def _steps(dossier: Dossier) -> list[dict[str, Any]]:
    """The draft's steps as the progress list shows them (sections hidden by the answers are skipped)."""
    shown = {s["key"] for s, _items in schema.visible_fields(dossier.version.schema, dossier.answers)}
    steps = [
        {
            "title": _("Identification"),
            "url": reverse("procedures:draft_identity", args=[dossier.access_token]),
        }
    ]
    for number, section in enumerate(dossier.version.schema.get("sections", [])):
        if section["key"] in shown:
            steps.append(
                {
                    "title": section.get("title", ""),
                    "url": reverse("procedures:draft_step", args=[dossier.access_token, number]),
                }
            )
    steps.append(
        {
            "title": _("Vérification et envoi"),
            "url": reverse("procedures:draft_summary", args=[dossier.access_token]),
        }
    )
    return steps


def _version_ok(request, dossier: Dossier) -> bool:
    """The hidden `version` field must name the draft's own version (a tampered or stale form is refused)."""
    return request.POST.get("version") == str(dossier.version_id)


def _tampered() -> HttpResponse:
    return HttpResponseBadRequest(
        _(
            "Ce formulaire ne correspond plus à votre dossier (il a été modifié ou ouvert dans un autre onglet). "
            "Rechargez la page : vos réponses enregistrées sont conservées."
        ).encode()
    )


def _next_step(dossier: Dossier, after: int) -> str:
    """The next section shown for the answers so far, else the summary."""
    shown = {s["key"] for s, _items in schema.visible_fields(dossier.version.schema, dossier.answers)}
    for number, section in enumerate(dossier.version.schema.get("sections", [])):
        if number > after and section["key"] in shown:
            return reverse("procedures:draft_step", args=[dossier.access_token, number])
    return reverse("procedures:draft_summary", args=[dossier.access_token])


def _filed_elsewhere(dossier: Dossier) -> HttpResponse:
    return redirect("procedures:track", token=dossier.access_token)


@require_http_methods(["GET", "HEAD", "POST"])
@commune_required
def draft_identity(request, token: str) -> HttpResponse:
    dossier = _draft(request, token)
    if dossier.state != Dossier.State.DRAFT:
        return _filed_elsewhere(dossier)
    form = translated_identity(dossier.applicant_kind)
    errors: dict[str, str] = {}
    posted = None
    if request.method == "POST":
        if not _version_ok(request, dossier):
            return _tampered()
        posted = posted_lists(request.POST)
        errors = services.dossier_save(dossier=dossier, posted=posted, identity=True, complete=True)
        if not errors:
            return redirect(_next_step(dossier, -1))
    section = form["sections"][0]
    bound = bind_section(
        section, form=form, answers=dossier.identity, posted=posted, errors=errors, places={}
    )
    return render(
        request,
        "procedures/draft_step.html",
        {
            "dossier": dossier,
            "bound": bound,
            "errors": errors,
            "title": section["title"],
            "steps": _steps(dossier),
            "current": 0,
            "identity": True,
        },
        status=422 if errors else 200,
    )


def _map_context(commune, section: dict) -> dict:
    """The map of a step with a postal address (a point to place, with JavaScript): the commune's base map."""
    kinds = {item["type"] for item in section.get("fields", [])} | {
        child["type"]
        for item in section.get("fields", [])
        if item["type"] == "repeat"
        for child in item.get("fields", [])
    }
    if "address" not in kinds:
        return {"address_map": False}
    return {
        "address_map": True,
        "basemap": basemap_config(commune),
        "map_boundary": commune.boundary or None,
        "map_center": (
            [float(commune.latitude), float(commune.longitude)]
            if commune.latitude is not None and commune.longitude is not None
            else None
        ),
    }


@require_http_methods(["GET", "HEAD", "POST"])
@commune_required
def draft_step(request, token: str, number: int) -> HttpResponse:
    """One section of the form. « Continuer » checks it whole; « Ajouter »/« Retirer » a row and « Enregistrer
    le brouillon » keep what is valid and show the page again."""
    dossier = _draft(request, token)
    if dossier.state != Dossier.State.DRAFT:
        return _filed_elsewhere(dossier)
    sections = dossier.version.schema.get("sections", [])
    if number >= len(sections):
        raise Http404
    section = sections[number]
    errors: dict[str, str] = {}
    posted = None
    rows: dict[str, int] = {}
    if request.method == "POST":
        if not _version_ok(request, dossier):
            return _tampered()
        posted = posted_lists(request.POST)
        action = request.POST.get("action", "next")
        remove = request.POST.get("remove_row", "")
        if remove:
            block, _sep, index = remove.rpartition("-")
            if index.isdigit():
                posted = schema.drop_row(posted, block, int(index))
            action = "row"
        add = request.POST.get("add_row", "")
        if add:
            action = "row"
        complete = action == "next"
        errors = services.dossier_save(
            dossier=dossier, posted=posted, files=request.FILES, complete=complete, section=section["key"]
        )
        if add:
            try:
                rows[add] = int((posted.get(f"{add}-rows") or ["1"])[0]) + 1
            except ValueError:
                rows[add] = 1
        elif remove:
            block = remove.rpartition("-")[0]
            rows[block] = int((posted.get(f"{block}-rows") or ["1"])[0])
        if complete and not errors:
            return redirect(_next_step(dossier, number))
        if action == "save" and not errors:
            messages.success(
                request,
                _(
                    "Brouillon enregistré. Vous pouvez le reprendre plus tard avec le lien "
                    "reçu par courriel ou depuis « Mon compte »."
                ),
            )
    form = dossier.version.schema
    context = services.field_context(request.commune)
    bound = bind_section(
        section,
        form=form,
        answers=dossier.answers,
        posted=posted,
        errors=errors,
        places=context.places,
        place_kinds=context.place_kinds,
        rows=rows,
    )
    steps = _steps(dossier)
    current = next((i for i, s in enumerate(steps) if s["url"].endswith(f"/etape/{number}/")), 1)
    return render(
        request,
        "procedures/draft_step.html",
        {
            "dossier": dossier,
            "bound": bound,
            "errors": errors,
            "title": section.get("title", ""),
            "section_help": section.get("help", ""),
            "steps": steps,
            "current": current,
            "identity": False,
            "section_hidden": not schema.condition_met(section.get("condition"), dossier.answers),
            **_map_context(request.commune, section),
        },
        status=422 if errors else 200,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@commune_required
def draft_summary(request, token: str) -> HttpResponse:
    """What will be filed, to check; « Déposer » files it once (a second click finds it filed)."""
    dossier = _draft(request, token)
    if dossier.state != Dossier.State.DRAFT:
        return redirect("procedures:receipt", token=dossier.access_token)
    errors: dict[str, str] = {}
    if request.method == "POST":
        if not _version_ok(request, dossier):
            return _tampered()
        try:
            filed = services.dossier_submit(dossier=dossier, actor=request.user)
        except services.DossierError as exc:
            errors = exc.errors
        else:
            return redirect("procedures:receipt", token=filed.access_token)
    missing = services.dossier_missing(dossier=dossier)
    context = receipts.context(dossier)
    return render(
        request,
        "procedures/draft_summary.html",
        {
            **context,
            "missing": missing or errors,
            "steps": _steps(dossier),
        },
        status=422 if errors else 200,
    )


@require_POST
@commune_required
def draft_delete(request, token: str) -> HttpResponse:
    """Delete the signed-in resident's own draft, once confirmed on a page of its own (core.confirm: no
    JavaScript needed). Someone else's draft, a dossier already filed or nobody signed in: 404, nothing
    touched. `retour` says which page asked (the list of « Mes dossiers », the draft itself, else the
    démarche's page): « Revenir » leads back there, and the deletion to the list or the démarche's page."""
    dossier = selectors.draft_of_account(commune=request.commune, user=request.user, token=token)
    if dossier is None:
        raise Http404
    origin = request.POST.get("retour", "")
    index = reverse("procedures:index")
    start = index  # a closed démarche has no page: its drafts are on the list
    if dossier.demarche.is_open:
        start = reverse("procedures:demarche", args=[dossier.demarche.slug])
    back = {"liste": index, "brouillon": reverse("procedures:draft_identity", args=[token])}.get(
        origin, start
    )
    title = dossier.demarche.title
    asking = confirmation_page(
        request,
        title=_("Supprimer le brouillon « %(title)s » ?") % {"title": title},
        message=_(
            "Ce brouillon (n° %(code)s, commencé le %(day)s) sera supprimé avec vos réponses et les pièces "
            "jointes. Il n'a pas été envoyé à la mairie. Vous ne pourrez pas le récupérer."
        )
        % {"code": dossier.display_code, "day": dates.long_date(dossier.created_at)},
        button=_("Supprimer le brouillon"),
        cancel_url=back,
    )
    if asking is not None:
        return asking
    try:
        services.draft_delete(dossier=dossier, actor=request.user)
    except services.DossierError as exc:  # filed in another tab meanwhile: it stays, and its page says so
        messages.error(request, " ".join(exc.errors.values()))
        return redirect("procedures:track", token=token)
    messages.success(request, _("Votre brouillon « %(title)s » a été supprimé.") % {"title": title})
    return redirect(index if origin == "liste" else start)


@require_safe
@commune_required
def receipt(request, token: str) -> HttpResponse:
    dossier = _draft(request, token)
    if dossier.state == Dossier.State.DRAFT:
        return redirect("procedures:draft_summary", token=token)
    return render(
        request,
        "procedures/receipt.html",
        {**receipts.context(dossier), "sent_to": selectors.applicant_address(dossier=dossier)},
    )


@require_safe
@commune_required
def receipt_pdf(request, token: str) -> HttpResponse:
    dossier = _draft(request, token)
    if dossier.state == Dossier.State.DRAFT:
        raise Http404
    return pdf_response(
        request,
        receipts.receipt_pdf(dossier, base_url=request.build_absolute_uri("/")),
        f"accuse-reception-{dossier.tracking_code}.pdf",
        "procedures:receipt",
        token=token,
    )


@require_safe
@commune_required
def decision_pdf(request, token: str) -> HttpResponse:
    dossier = _draft(request, token)
    if not dossier.is_decided:
        raise Http404
    return pdf_response(
        request,
        receipts.decision_pdf(dossier, base_url=request.build_absolute_uri("/")),
        f"decision-{dossier.tracking_code}.pdf",
        "procedures:track",
        token=token,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@commune_required
def track(request, token: str) -> HttpResponse:
    """The applicant's page: state, implicit-decision date, history, messages (and the answer to a request for
    pieces), the decision. Reached by the private link; no account needed."""
    dossier = _draft(request, token)
    if dossier.state == Dossier.State.DRAFT:
        return redirect("procedures:draft_identity", token=token)
    form = MessageForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.message_from_applicant(
                dossier=dossier,
                body=form.cleaned_data["body"],
                attachment=form.cleaned_data.get("attachment"),
                pieces=request.POST.get("pieces") == "1",
            )
        except services.DossierError as exc:
            for name, message in exc.errors.items():
                form.add_error(name if name in form.fields else None, message)
        else:
            messages.success(request, _("Message envoyé à la mairie."))
            return redirect("procedures:track", token=token)
    return render(
        request,
        "procedures/track.html",
        {
            **receipts.context(dossier),
            "form": form,
            "events": selectors.public_events(dossier=dossier),
            "thread": selectors.messages(dossier=dossier),
            "pieces": selectors.open_pause_pieces(dossier=dossier),
            "silence": receipts.silence_meaning(dossier, today=timezone.localdate()),
        },
        status=422 if form.errors else 200,
    )


@require_safe
@commune_required
def track_code(request) -> HttpResponse:
    """By tracking code alone: the state and dates only (the answers and messages need the private link)."""
    form = TrackForm(request.GET or None)
    dossier = None
    if form.is_bound and form.is_valid():
        dossier = selectors.dossier_by_code(commune=request.commune, code=form.cleaned_data["code"])
        if dossier is None:
            form.add_error(
                "code", _("Aucun dossier déposé ne porte ce code dans la commune. Vérifiez les 8 caractères.")
            )
    # The signed-in resident's own dossier: its whole tracking page is theirs already (« Mes démarches »).
    own = dossier is not None and request.user.is_authenticated and dossier.applicant_id == request.user.pk
    return render(
        request,
        "procedures/track_code.html",
        {
            "form": form,
            "dossier": dossier,
            "own": own,
            "silence": receipts.silence_meaning(dossier, today=timezone.localdate()) if dossier else "",
        },
        status=404 if form.errors else 200,
    )


@require_safe
@commune_required
def dossier_file(request, token: str, pk: str) -> FileResponse:
    dossier = _draft(request, token)
    item = selectors.dossier_file(dossier=dossier, pk=parse_pk(pk) or 0)
    if item is None:
        raise Http404
    return file_download(item.file, item.name)


@require_safe
@commune_required
def message_file(request, token: str, pk: str) -> FileResponse:
    dossier = _draft(request, token)
    message = selectors.message_get(dossier=dossier, pk=parse_pk(pk) or 0)
    if message is None or not message.attachment:
        raise Http404
    return file_download(message.attachment, message.attachment_name)
