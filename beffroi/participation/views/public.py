"""Residents' pages: the participation home, consultations (answer, results, the commune's answer), proposals
(file, support, comment, report), public meetings (register, cancel by the private link), citizen panels
(volunteer, the public draw)."""

import secrets

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from beffroi.accounts.decorators import capability_required, login_reason
from beffroi.accounts.guards import require_open_to_public
from beffroi.accounts.selectors import user_can
from beffroi.core.abuse import RateLimited, client_ip, submitter_hash
from beffroi.core.decorators import commune_required
from beffroi.core.exports import csv_response
from beffroi.core.forms import files_with_held, keep_pictures, release_held
from beffroi.core.page_cache import public_page
from beffroi.core.pictures import picture_response
from beffroi.participation import answers, forms, selectors, services, sortition
from beffroi.participation.models import Audience, Comment, ProposalStatus
from beffroi.participation.views.results import result_blocks

BROWSER_KEY = "participation_browser_key"


def _staff(request) -> bool:
    return user_can(commune=request.commune, user=request.user, capability="run_participation")


@require_safe
@commune_required
@public_page
def index(request):
    """The consultations, proposals, meetings and panels. The page's content is kept in the `fragments` cache
    under every value it shows (`shown`), read from the lists each time: a change to any of them, or a
    consultation opening or closing, is a new key."""
    context = selectors.overview(commune=request.commune)
    context["shown"] = (
        request.commune.pk,  # the links hold the commune's address
        [
            (c.pk, c.slug, c.title, c.state, c.opens_at, c.closes_at, bool(c.decision))
            for c in context["consultations"]
        ],
        [(p.pk, p.title, p.support_count) for p in context["proposals"]],
        context["rules"].support_threshold,
        [(m.pk, m.title, m.starts_at, m.place_name) for m in context["upcoming"]],
        [(p.slug, p.title, p.drawn, p.collecting) for p in context["panels"]],
    )
    return render(request, "participation/index.html", context)


# ----------------------------------------------------------------------------------------------------------------
# Consultations
# ----------------------------------------------------------------------------------------------------------------


def _browser_key(request, *, create: bool) -> str:
    key = request.session.get(BROWSER_KEY, "")
    if not key and create:
        key = secrets.token_hex(32)
        request.session[BROWSER_KEY] = key
    return key


@login_reason(gettext_lazy("Connectez-vous pour répondre à cette consultation."))
@require_http_methods(["GET", "HEAD", "POST"])
@commune_required
def consultation_detail(request, slug):
    """The consultation and, while it is open, its questionnaire (a plain form: works without JavaScript)."""
    consultation = selectors.consultation_get(
        commune=request.commune, slug=slug, include_drafts=_staff(request)
    )
    questions = selectors.question_list(consultation=consultation)
    person = request.user if request.user.is_authenticated else None
    anonymous_audience = consultation.audience == Audience.ANYONE and person is None
    browser_key = _browser_key(request, create=anonymous_audience and request.method == "POST")
    reason = selectors.answer_refusal(
        consultation=consultation,
        person=person,
        browser_key=browser_key or ("-" if anonymous_audience else ""),
    )
    submitted: dict = {}
    errors: dict = {}
    general: list[str] = []
    status = 400 if request.method == "POST" else 200
    if request.method == "POST":
        require_open_to_public(commune=request.commune, user=request.user)
        submitted = answers.parse_post(questions, request.POST)
        if reason:
            general = [reason]
        else:
            try:
                services.consultation_answer(
                    commune=request.commune,
                    consultation=consultation,
                    person=person,
                    answers=submitted,
                    browser_key=browser_key if person is None else "",
                    client=submitter_hash(client_ip(request)) if person is None else "",
                )
            except ValidationError as exc:
                errors, general = answers.split_errors(exc)
            except RateLimited as exc:
                general = [exc.message]
                status = 429
            else:
                return redirect("participation:consultation_done", slug=consultation.slug)
    context = {
        "consultation": consultation,
        "reason": reason,
        "rows": answers.form_rows(questions, submitted, errors),
        "errors": errors,
        "general": general,
        "meetings": consultation.meetings.all(),
        "count": selectors.respondent_count(consultation=consultation)
        if consultation.results_published
        else None,
    }
    return render(request, "participation/consultation.html", context, status=status)


@require_safe
@commune_required
def consultation_done(request, slug):
    consultation = selectors.consultation_get(commune=request.commune, slug=slug)
    return render(request, "participation/consultation_done.html", {"consultation": consultation})


@require_safe
@commune_required
def consultation_results(request, slug):
    """Results once the consultation has closed: per question a chart and its table; the commune's answer."""
    consultation = selectors.published_results_get(commune=request.commune, slug=slug)
    context = {
        "consultation": consultation,
        "blocks": result_blocks(consultation, with_texts=False),
        "count": selectors.respondent_count(consultation=consultation),
        "meetings": consultation.meetings.all(),
    }
    return render(request, "participation/results.html", context)


# ----------------------------------------------------------------------------------------------------------------
# Proposals
# ----------------------------------------------------------------------------------------------------------------


@require_safe
@commune_required
def proposals(request):
    status = request.GET.get("statut", "")
    if status not in ProposalStatus.values:
        status = ""
    query = request.GET.get("q", "")[:100]
    found = selectors.proposal_list(commune=request.commune, status=status, query=query)
    context = {
        "proposals": found[:200],
        "status": status,
        "query": query,
        "statuses": ProposalStatus.choices,
        "rules": selectors.proposal_rules_get(commune=request.commune),
        "can_submit": user_can(commune=request.commune, user=request.user, capability="participate"),
    }
    return render(request, "participation/proposals.html", context)


@login_reason(gettext_lazy("Connectez-vous pour soutenir ou commenter cette proposition."))
@require_safe
@commune_required
def proposal_detail(request, pk):
    proposal = selectors.proposal_get(commune=request.commune, pk=pk)
    context = {
        "proposal": proposal,
        "supported": selectors.has_supported(proposal=proposal, person=request.user),
        "comments": selectors.visible_comments(proposal=proposal),
        "comment_form": forms.CommentForm(),
        "can_take_part": user_can(commune=request.commune, user=request.user, capability="participate"),
        "merged": proposal.merged_proposals.all(),
        "meetings": proposal.meetings.all(),
    }
    return render(request, "participation/proposal.html", context)


@require_safe
@commune_required
def proposal_picture(request, pk, size="photo"):
    """The photo a resident gave with a proposal: public as the proposal is."""
    return picture_response(
        selectors.proposal_get(commune=request.commune, pk=pk), thumbnail=size == "vignette"
    )


@login_reason(gettext_lazy("Connectez-vous pour déposer une proposition."))
@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("participate")
def proposal_submit(request):
    require_open_to_public(commune=request.commune, user=request.user)
    form = forms.ProposalForm(request.POST or None, files_with_held(request, "picture") or None)
    if request.method == "POST" and form.is_valid():
        try:
            proposal = services.proposal_submit(
                commune=request.commune, author=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            release_held(request, "picture")
            messages.success(
                request, _("Votre proposition est publiée : partagez-la pour recueillir des soutiens.")
            )
            return redirect("participation:proposal", pk=proposal.pk)
    keep_pictures(form, commune_id=request.commune.pk)
    rules = selectors.proposal_rules_get(commune=request.commune)
    return render(
        request,
        "participation/proposal_form.html",
        {"form": form, "rules": rules},
        status=400 if form.errors else 200,
    )


@require_POST
@capability_required("participate")
def proposal_support(request, pk):
    proposal = selectors.proposal_get(commune=request.commune, pk=pk)
    try:
        if request.POST.get("action") == "retirer":
            services.support_withdraw(commune=request.commune, proposal=proposal, person=request.user)
            messages.success(request, _("Votre soutien est retiré."))
        else:
            services.support_add(commune=request.commune, proposal=proposal, person=request.user)
            messages.success(request, _("Votre soutien est enregistré."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("participation:proposal", pk=proposal.pk)


@require_POST
@capability_required("participate")
def proposal_comment(request, pk):
    proposal = selectors.proposal_get(commune=request.commune, pk=pk)
    form = forms.CommentForm(request.POST)
    if form.is_valid():
        try:
            services.comment_add(
                commune=request.commune,
                proposal=proposal,
                author=request.user,
                body=form.cleaned_data["body"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Votre commentaire est publié."))
    else:
        messages.error(request, _("Écrivez votre commentaire (2 000 caractères au plus)."))
    return redirect("participation:proposal", pk=proposal.pk)


def _comment(request, pk) -> Comment:
    comment = (
        Comment.objects.filter(pk=pk, proposal__commune=request.commune).select_related("proposal").first()
    )
    if comment is None:
        raise Http404("Commentaire introuvable.")
    return comment


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("participate")
def comment_report(request, pk):
    comment = _comment(request, pk)
    form = forms.ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.comment_report(
                commune=request.commune,
                comment=comment,
                reporter=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Merci : le commentaire est signalé aux modérateurs de la mairie."))
        return redirect("participation:proposal", pk=comment.proposal_id)
    return render(
        request,
        "participation/comment_report.html",
        {"comment": comment, "form": form},
        status=400 if form.errors else 200,
    )


# ----------------------------------------------------------------------------------------------------------------
# Meetings
# ----------------------------------------------------------------------------------------------------------------


@require_safe
@commune_required
def meetings(request):
    found = list(selectors.meeting_list(commune=request.commune))
    return render(
        request,
        "participation/meetings.html",
        {
            "upcoming": sorted((m for m in found if not m.is_past), key=lambda m: m.starts_at),
            "past": [m for m in found if m.is_past],
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
@commune_required
def meeting_detail(request, pk):
    meeting = selectors.meeting_get(commune=request.commune, pk=pk)
    user = request.user if request.user.is_authenticated else None
    initial = {"name": user.get_full_name(), "email": user.email} if user else {}
    form = forms.RegistrationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.registration_create(
                commune=request.commune,
                meeting=meeting,
                name=form.cleaned_data["name"],
                email=form.cleaned_data["email"],
                seats=form.cleaned_data["seats"],
                person=user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _(
                    "Vous êtes inscrit·e. Un courriel de confirmation vous est envoyé, avec le lien pour annuler."
                ),
            )
            return redirect("participation:meeting", pk=meeting.pk)
    taken = selectors.seats_taken(meeting=meeting)
    context = {
        "meeting": meeting,
        "form": form,
        "seats_left": None if meeting.capacity is None else max(0, meeting.capacity - taken),
        "point": (
            {"lat": float(meeting.latitude), "lon": float(meeting.longitude), "title": meeting.place_name}
            if meeting.latitude is not None and meeting.longitude is not None
            else None
        ),
        "tile_url": settings.BEFFROI_TILE_URL,
    }
    return render(request, "participation/meeting.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "HEAD", "POST"])
@commune_required
def registration_cancel(request, token):
    """The private link of the confirmation mail: GET shows the registration, POST cancels it."""
    registration = selectors.registration_by_token(commune=request.commune, token=token)
    if registration is None:
        raise Http404("Ce lien d'annulation n'est pas valable.")
    if request.method == "POST":
        services.registration_cancel(commune=request.commune, token=token)
        messages.success(request, _("Votre inscription est annulée : votre place est libérée."))
        return redirect("participation:registration_cancel", token=token)
    return render(request, "participation/registration_cancel.html", {"registration": registration})


# ----------------------------------------------------------------------------------------------------------------
# Citizen panels
# ----------------------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@commune_required
def panel_detail(request, slug):
    """The panel, its quotas, and while volunteers are collected the form to volunteer (no account needed)."""
    panel = selectors.panel_get(commune=request.commune, slug=slug)
    quotas = services.panels.panel_quotas(panel)
    user = request.user if request.user.is_authenticated else None
    initial = {"name": user.get_full_name(), "email": user.email} if user else {}
    form = forms.VolunteerForm(request.POST or None, quotas=quotas, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.volunteer_add(
                commune=request.commune,
                panel=panel,
                name=form.cleaned_data["name"],
                email=form.cleaned_data["email"],
                phone=form.cleaned_data["phone"],
                features=form.features(),
                person=user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("Merci : vous êtes volontaire. La mairie vous préviendra si vous êtes tiré·e au sort."),
            )
            return redirect("participation:panel", slug=panel.slug)
    context = {
        "panel": panel,
        "form": form,
        "quotas": quotas,
        "volunteer_count": selectors.panel_volunteers(panel=panel).count(),
    }
    return render(request, "participation/panel.html", context, status=400 if form.errors else 200)


@require_safe
@commune_required
def panel_draw_page(request, slug):
    """The public draw: the seed, the ticket it picked and how to recompute it, the panel's quota table, each
    reference's probability, the replacements; the lottery itself is downloadable (CSV)."""
    panel = selectors.panel_get(commune=request.commune, slug=slug)
    if not panel.drawn:
        raise Http404("Ce panel n'est pas encore tiré au sort.")
    members = selectors.panel_members(panel=panel)
    drawn = panel.lottery[panel.ticket - 1] if panel.ticket else []
    context = {
        "panel": panel,
        "m": len(panel.lottery),
        "drawn": drawn,
        "members": members,
        "fingerprint": sortition.ticket_fingerprint(panel.seed, panel.ticket or 0),
        "quota_rows": selectors.panel_quota_table(panel=panel, members=members),
        "probabilities": sorted(panel.probabilities.items()),
        "replacements": panel.replacements.all(),
    }
    return render(request, "participation/panel_draw.html", context)


@require_safe
@commune_required
def panel_lottery_csv(request, slug):
    """The lottery, one ticket a row: its number, the SHA-256 of "<seed>:<ticket>" and the panel's references."""
    panel = selectors.panel_get(commune=request.commune, slug=slug)
    if not panel.drawn:
        raise Http404("Ce panel n'est pas encore tiré au sort.")
    rows = [
        (ticket, sortition.ticket_fingerprint(panel.seed, ticket), " ".join(refs))
        for ticket, refs in enumerate(panel.lottery, start=1)
    ]
    return csv_response(
        filename=f"{panel.slug}-loterie.csv", header=["ticket", "sha256_graine_ticket", "panel"], rows=rows
    )


# ----------------------------------------------------------------------------------------------------------------
# Files: an option's illustration, a meeting's document (served through the app, scoped to the commune)
# ----------------------------------------------------------------------------------------------------------------

IMAGE_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".gif": "image/gif",
}


@require_safe
@commune_required
def option_image(request, pk):
    """An illustrated option's image: public once its consultation is, to the mairie before."""
    option = selectors.option_get(commune=request.commune, pk=pk)
    if (
        option is None
        or not option.image
        or (not option.question.consultation.published and not _staff(request))
    ):
        raise Http404("Image introuvable.")
    suffix = "." + (option.image.name or "").rsplit(".", 1)[-1].lower()
    response = FileResponse(
        option.image.open("rb"), content_type=IMAGE_TYPES.get(suffix, "application/octet-stream")
    )
    response["Cache-Control"] = "public, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_safe
@commune_required
def meeting_document(request, pk):
    """A meeting's document (PDF, checked on upload)."""
    document = selectors.meeting_document_get(commune=request.commune, pk=pk)
    if document is None:
        raise Http404("Document introuvable.")
    response = FileResponse(document.file.open("rb"), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="document-{document.pk}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
