"""Agents' pages of the démarches: the queue (filters, overdue first, paginated), a dossier with its instruction
actions, counter and phone filing with a printable receipt, the decision letter as PDF and the CSV export.
Élus (view_agent_space) read; agents (instruct_dossiers) act."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from beffroi.accounts.decorators import capability_required
from beffroi.accounts.selectors import member_get, member_list, user_can
from beffroi.core.exports import csv_response
from beffroi.core.guards import parse_pk
from beffroi.procedures import receipts, schema, selectors, services
from beffroi.procedures.fields import display_value, parse_date
from beffroi.procedures.forms import (
    AssignForm,
    CounterForm,
    DecisionForm,
    MessageForm,
    NoteForm,
    PiecesForm,
    agent_errors,
    agent_form,
    bind_section,
    posted_lists,
    translated_identity,
)
from beffroi.procedures.messages import france_communes
from beffroi.procedures.models import Dossier, Regime
from beffroi.procedures.views import agent_nav
from beffroi.procedures.views.responses import file_download, pdf_response
from beffroi.territory.selectors import team_get_by_pk, team_list

PAGE_SIZE = 50


def _agents(commune: Any) -> Any:
    return member_list(commune=commune, capability="instruct_dossiers", active_only=True)


@require_safe
@capability_required("view_agent_space")
def queue(request) -> HttpResponse:
    commune, g = request.commune, request.GET
    today = timezone.localdate()
    demarche = None
    if parse_pk(g.get("demarche")):
        demarche = selectors.demarche_get(
            commune=commune, pk=parse_pk(g.get("demarche")), published_only=False
        )
    state = g.get("etat", "ouverts")
    if state not in selectors.QUEUE_STATES and state != "tous":
        state = "ouverts"
    mine = g.get("moi") == "1"
    overdue = g.get("retard") == "1"
    search = g.get("q", "").strip()[:100]
    dossiers = selectors.queue_page(
        commune=commune,
        today=today,
        demarche=demarche,
        state=state,
        assignee=request.user if mine else None,
        overdue_only=overdue,
        search=search,
    )
    page = Paginator(dossiers, PAGE_SIZE).get_page(g.get("page"))
    prefix = get_script_prefix()  # the links' start: /<commune>/ or / on the commune's own host
    for dossier in page:
        left = (dossier.deadline - today).days if dossier.deadline else None
        dossier.days_left = left  # type: ignore[attr-defined]
        dossier.late_days = -left if left is not None and left < 0 else 0  # type: ignore[attr-defined]
        # Every value the row shows (labels follow the codes and the language): its rendering is kept under it.
        assignee = dossier.assignee
        dossier.row_key = (  # type: ignore[attr-defined]
            prefix,
            dossier.pk,
            dossier.tracking_code,
            dossier.channel,
            dossier.state,
            dossier.deadline,
            left,
            dossier.demarche.title,
            dossier.applicant_name,
            (assignee.full_name, assignee.email) if assignee is not None else None,
        )
    query = urlencode(
        {
            k: v
            for k, v in (
                ("demarche", demarche.pk if demarche else ""),
                ("etat", state),
                ("moi", "1" if mine else ""),
                ("retard", "1" if overdue else ""),
                ("q", search),
            )
            if v
        }
    )
    return render(
        request,
        "procedures/agent/queue.html",
        {
            "page": page,
            "query": query,
            "demarches": selectors.demarche_titles(commune=commune, published_only=False),
            "demarche": demarche,
            "state": state,
            "states": Dossier.State.choices[1:],
            "mine": mine,
            "overdue": overdue,
            "search": search,
            "counts": selectors.queue_counts(commune=commune, today=today),
            "can_act": user_can(commune=commune, user=request.user, capability="instruct_dossiers"),
            "can_build": user_can(commune=commune, user=request.user, capability="build_procedures"),
            "nav": agent_nav(request),
        },
    )


def _dossier(request, pk: int) -> Dossier:
    dossier = selectors.dossier_get(commune=request.commune, pk=pk)
    if dossier is None:
        raise Http404
    return dossier


def _template_choices(dossier: Dossier) -> list[tuple[str, str]]:
    """The letter templates offered for this dossier: those its form can fill (a room booking's own first)."""
    return [(str(t.pk), t.title) for t in selectors.decision_templates_for(dossier=dossier)]


def _letters(commune: Any, dossier: Dossier) -> dict[str, dict[str, str]]:
    """Each decision template's letter filled with this dossier (and its signatory), by the template's id: what
    the decision form's script puts in the letter when a template is chosen."""
    if dossier.is_decided:
        return {}
    signatory = selectors.last_signatory(commune=commune)
    out = {}
    for template in selectors.decision_templates_for(dossier=dossier):
        text, signed = services.letter_prefill(dossier=dossier, template=template, signatory=signatory)
        out[str(template.pk)] = {"text": text, "signatory": signed, "outcome": template.outcome}
    return out


def _applicant_told(dossier: Dossier, *, required: bool = True) -> str:
    """The address the applicant's mail about this action goes to, '' when none goes (as services sends it)."""
    return selectors.applicant_address(dossier=dossier, required=required)


def _forms(request, dossier: Dossier, bound: dict[str, Any] | None = None) -> dict[str, Any]:
    commune = request.commune
    teams = [(str(t.pk), t.name) for t in team_list(commune=commune)]
    agents = [(str(u.pk), u.get_full_name() or u.email) for u in _agents(commune)]
    forms = {
        "pieces_form": PiecesForm(),
        "note_form": NoteForm(),
        "message_form": MessageForm(),
        "assign_form": AssignForm(
            initial={"team": dossier.team_id or "", "assignee": dossier.assignee_id or ""},
            teams=teams,
            agents=agents,
        ),
        "decision_form": DecisionForm(
            templates=_template_choices(dossier),
            initial={"signatory": selectors.last_signatory(commune=commune)},
        ),
    }
    forms.update(bound or {})
    return forms


@require_safe
@capability_required("view_agent_space")
def dossier(request, pk: int) -> HttpResponse:
    return _dossier_page(request, _dossier(request, pk))


def _dossier_page(
    request, item: Dossier, bound: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    today = timezone.localdate()
    can_act = user_can(commune=request.commune, user=request.user, capability="instruct_dossiers")
    return render(
        request,
        "procedures/agent/dossier.html",
        {
            **receipts.context(item, for_agents=True),
            "events": selectors.all_events(dossier=item),
            "thread": selectors.messages(dossier=item),
            "pauses": list(item.pauses.all()),
            "days_left": (item.deadline - today).days if item.deadline else None,
            # what silence means, in words (« silence vaut acceptation »), never « SVA »
            "regime_label": dict(Regime.choices).get(item.version.regime, ""),
            "pieces_closed": services.implicit_decision_born(item, today=today),
            # the day the request is for (a booking's event): decide before it
            "day_notice": receipts.day_notice(item, today=today),
            "can_act": can_act,
            "letters": _letters(request.commune, item) if can_act else {},
            **_forms(request, item, bound),
        },
        status=status,
    )


@require_POST
@capability_required("instruct_dossiers")
def act(request, pk: int, action: str) -> HttpResponse:
    """One instruction action posted from the dossier page; a refusal shows the page again with the message."""
    item = _dossier(request, pk)
    actor, post = request.user, request.POST
    bound: dict[str, Any] = {}
    form: Any
    try:
        if action == "prendre":
            services.dossier_take(dossier=item, actor=actor)
            done = _("Dossier pris en instruction.")
        elif action == "pieces":
            form = PiecesForm(post)
            bound["pieces_form"] = form
            if not form.is_valid():
                raise services.DossierError({})
            services.dossier_request_pieces(dossier=item, actor=actor, pieces=form.cleaned_data["pieces"])
            email = _applicant_told(item)
            done = (
                _(
                    "Pièces demandées : le délai repartira de zéro à leur réception ; un courriel les indique au "
                    "demandeur à %(email)s."
                )
                % {"email": email}
                if email
                else _(
                    "Pièces demandées : le délai repartira de zéro à leur réception. Aucun courriel : prévenez le "
                    "demandeur par téléphone ou par courrier."
                )
            )
        elif action == "annoter":
            form = NoteForm(post)
            bound["note_form"] = form
            if not form.is_valid():
                raise services.DossierError({})
            services.dossier_annotate(dossier=item, actor=actor, body=form.cleaned_data["note"])
            done = _("Annotation ajoutée.")
        elif action == "message":
            form = MessageForm(post, request.FILES)
            bound["message_form"] = form
            if not form.is_valid():
                raise services.DossierError({})
            services.message_send(
                dossier=item,
                actor=actor,
                body=form.cleaned_data["body"],
                attachment=form.cleaned_data.get("attachment"),
            )
            email = _applicant_told(item, required=False)
            done = (
                _("Message envoyé au demandeur : un courriel le lui signale à %(email)s.") % {"email": email}
                if email
                else _(
                    "Message enregistré sur la page de suivi du dossier. Aucun courriel n'est envoyé au "
                    "demandeur : prévenez-le par téléphone ou par courrier s'il le faut."
                )
            )
        elif action == "affecter":
            team_pk, agent_pk = parse_pk(post.get("team")), parse_pk(post.get("assignee"))
            team = team_get_by_pk(commune=request.commune, pk=team_pk) if team_pk else None
            agent = (
                member_get(commune=request.commune, capability="instruct_dossiers", pk=agent_pk)
                if agent_pk
                else None
            )
            if (team_pk and team is None) or (agent_pk and agent is None):
                raise services.DossierError(
                    {"team": _("Ce service ou cet agent n'existe pas dans la commune.")}
                )
            services.dossier_assign(dossier=item, actor=actor, team=team, assignee=agent)
            done = _("Affectation enregistrée.")
        elif action == "decider":
            templates = _template_choices(item)
            template_pk = parse_pk(post.get("template"))
            template = (
                selectors.decision_template_get(commune=request.commune, pk=template_pk)
                if template_pk
                else None
            )
            if template is not None and ("prefill" in post or not post.get("text", "").strip()):
                # The template's letter filled with the dossier, shown for the agent to read and complete:
                # « Préremplir avec ce modèle », or a template chosen with the letter left empty.
                text, signatory = services.letter_prefill(
                    dossier=item, template=template, signatory=post.get("signatory", "")
                )
                filled = {
                    "outcome": post.get("outcome") or template.outcome,
                    "template": str(template.pk),
                    "text": text,
                    "signatory": signatory,
                }
                if "prefill" in post:
                    bound["decision_form"] = DecisionForm(templates=templates, initial=filled)
                    return _dossier_page(request, item, bound)
                form = DecisionForm(filled, templates=templates)
                bound["decision_form"] = form
                form.is_valid()
                errors = services.letter_errors(text=text, signatory=signatory)
                errors.setdefault(
                    "text", _("Relisez la lettre préremplie avec le modèle, puis enregistrez la décision.")
                )
                raise services.DossierError(
                    {name: message for name, message in errors.items() if name not in form.errors}
                )
            form = DecisionForm(post, templates=templates)
            bound["decision_form"] = form
            if not form.is_valid():
                raise services.DossierError({})
            services.dossier_decide(
                dossier=item,
                actor=actor,
                outcome=form.cleaned_data["outcome"],
                text=form.cleaned_data["text"],
                template=template,
                signatory=form.cleaned_data["signatory"],
            )
            email = _applicant_told(item)
            if email:
                done = _(
                    "Décision enregistrée ; le demandeur est prévenu : un courriel lui est envoyé à %(email)s."
                ) % {"email": email}
            else:
                done = format_html(
                    '{} <a href="{}">{}</a>',
                    _(
                        "Décision enregistrée. Aucun courriel : imprimez la lettre de décision et remettez-la ou "
                        "envoyez-la au demandeur."
                    ),
                    reverse("procedures:agent_decision_pdf", kwargs={"pk": item.pk}),
                    _("Lettre de décision (PDF)"),
                )
        else:
            raise Http404
    except services.DossierError as exc:
        if isinstance(exc, services.LetterError):
            # The letter comes back as far as it is written (a template's, filled): the agent completes it.
            data = post.copy()
            data["text"] = exc.letter
            bound["decision_form"] = DecisionForm(data, templates=_template_choices(item))
            bound["decision_form"].is_valid()
        for form in bound.values():
            for name, message in exc.errors.items():
                form.add_error(name if name in form.fields else None, message)
        if exc.errors and not bound:
            for message in exc.errors.values():
                messages.error(request, message)
        return _dossier_page(request, _dossier(request, pk), bound, status=422)
    messages.success(request, done)
    return redirect("procedures:agent_dossier", pk=item.pk)


@require_safe
@capability_required("view_agent_space")
def receipt_pdf(request, pk: int) -> HttpResponse:
    item = _dossier(request, pk)
    pdf = receipts.receipt_pdf(item, base_url=request.build_absolute_uri("/"))
    return pdf_response(
        request, pdf, f"accuse-reception-{item.tracking_code}.pdf", "procedures:agent_dossier", pk=pk
    )


@require_safe
@capability_required("view_agent_space")
def decision_pdf(request, pk: int) -> HttpResponse:
    item = _dossier(request, pk)
    if not item.is_decided:
        raise Http404
    pdf = receipts.decision_pdf(item, base_url=request.build_absolute_uri("/"))
    return pdf_response(request, pdf, f"decision-{item.tracking_code}.pdf", "procedures:agent_dossier", pk=pk)


@require_safe
@capability_required("view_agent_space")
def dossier_file(request, pk: int, file_pk: str) -> FileResponse:
    item = selectors.dossier_file(dossier=_dossier(request, pk), pk=parse_pk(file_pk) or 0)
    if item is None:
        raise Http404
    return file_download(item.file, item.name)


@require_safe
@capability_required("view_agent_space")
def message_file(request, pk: int, message_pk: str) -> FileResponse:
    message = selectors.message_get(dossier=_dossier(request, pk), pk=parse_pk(message_pk) or 0)
    if message is None or not message.attachment:
        raise Http404
    return file_download(message.attachment, message.attachment_name)


@require_safe
@capability_required("act_for_citizen")
def counter_start(request) -> HttpResponse:
    return render(
        request,
        "procedures/agent/counter_start.html",
        {"demarches": selectors.demarche_titles(commune=request.commune), "nav": agent_nav(request)},
    )


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("act_for_citizen")
def counter_file(request, slug: str) -> HttpResponse:
    """Filing for a resident at the counter, on the phone or from a letter: the whole form on one page."""
    item = selectors.demarche_get(commune=request.commune, slug=slug)
    if item is None or item.current_version is None:
        raise Http404
    form_schema = item.current_version.schema
    kinds = form_schema.get("applicant_kinds") or ["particulier"]
    kind = request.POST.get("applicant_kind") or request.GET.get("demandeur") or kinds[0]
    if kind not in kinds:
        kind = kinds[0]
    channel_form = CounterForm(request.POST or None)
    errors: dict[str, str] = {}
    posted = None
    rows: dict[str, int] = {}
    if request.method == "POST":
        posted = posted_lists(request.POST)
        add, remove = request.POST.get("add_row", ""), request.POST.get("remove_row", "")
        if add:
            rows[add] = (parse_pk((posted.get(f"{add}-rows") or ["1"])[0]) or 1) + 1
        elif remove:
            block, _sep, index = remove.rpartition("-")
            if index.isdigit():
                posted = schema.drop_row(posted, block, int(index))
                rows[block] = parse_pk((posted.get(f"{block}-rows") or ["1"])[0]) or 1
        if not rows:
            # Every refusal at once, the mandate's with the answers': the service checks the mandate too
            # (CounterForm only shows it again, with the same messages under its fields).
            channel_form.is_valid()
            identity_posted = {k[len("id-") :]: v for k, v in posted.items() if k.startswith("id-")}
            try:
                filed = services.dossier_file_for(
                    commune=request.commune,
                    demarche=item,
                    actor=request.user,
                    channel=request.POST.get("channel", ""),
                    applicant_kind=kind,
                    identity=identity_posted,
                    posted=posted,
                    files=request.FILES,
                    consent=bool(channel_form.cleaned_data.get("consent")),
                    requester=request.POST.get("requester", ""),
                )
            except services.DossierError as exc:
                errors = exc.errors
                for name in ("channel", "consent", "requester"):
                    if name in errors and not channel_form.has_error(name):
                        channel_form.add_error(name, errors[name])
            else:
                messages.success(
                    request,
                    _("Dossier %(code)s enregistré. Imprimez l'accusé de réception pour le demandeur.")
                    % {"code": filed.display_code},
                )
                return redirect("procedures:agent_dossier", pk=filed.pk)
    identity_form = translated_identity(kind, email_required=False)
    identity_posted_back = (
        {k[len("id-") :]: v for k, v in (posted or {}).items() if k.startswith("id-")} if posted else None
    )
    identity_errors = {k[len("id-") :]: v for k, v in errors.items() if k.startswith("id-")}
    identity_bound = bind_section(
        identity_form["sections"][0],
        form=identity_form,
        answers={},
        posted=identity_posted_back,
        errors=identity_errors,
        places={},
    )
    for field in identity_bound:
        field["name"], field["id"] = f"id-{field['name']}", f"champ-id-{field['name']}"
    # The démarche's questions as the agent reads them: « Message du demandeur », not « Votre message ».
    worded, renamed = agent_form(form_schema)
    errors = agent_errors(errors, renamed)
    context = services.field_context(request.commune)
    sections = [
        {
            "title": s.get("title", ""),
            "bound": bind_section(
                s,
                form=worded,
                answers={},
                posted=posted,
                errors=errors,
                places=context.places,
                place_kinds=context.place_kinds,
                rows=rows,
                paper=True,
            ),
        }
        for s in worded.get("sections", [])
    ]
    return render(
        request,
        "procedures/agent/counter_file.html",
        {
            "demarche": item,
            "kinds": [(k, label) for k, label in Dossier.Kind.choices if k in kinds],
            "kind": kind,
            "channel_form": channel_form,
            "identity_bound": identity_bound,
            "sections": sections,
            "errors": errors,
            "version": item.current_version_id,
        },
        status=422 if errors else 200,
    )


@require_safe
@capability_required("view_agent_space")
def export_csv(request, pk: int) -> HttpResponse:
    """The démarche's dossiers as CSV (core.exports): one row each, its answers in the columns of the
    current version (answers of older versions under the same keys)."""
    item = selectors.demarche_get(commune=request.commune, pk=pk, published_only=False)
    if item is None:
        raise Http404
    form_schema = item.current_version.schema if item.current_version else item.draft_schema
    fields = [f for _s, f in schema.iter_fields(form_schema) if f["type"] not in ("explanation",)]
    header = [
        _("Code de suivi"),
        _("État"),
        _("Canal"),
        _("Reçu le"),
        _("Décision implicite le"),
        _("Demandeur"),
        _("Type de demandeur"),
        _("Courriel"),
        _("Version"),
        *[str(f.get("label", f["key"])) for f in fields],
    ]

    # Answers read as on the dossier's page: a choice by its label, a place and a commune by their names.
    places = selectors.place_names(commune=request.commune)
    communes = france_communes() or {}

    def read(field: Any, value: Any) -> str:
        if field["type"] == "date":  # a day written one way in the file: 2027-01-13, as « Reçu le »
            day = parse_date(str(value)) if value else None
            if day is not None:
                return day.isoformat()
        return display_value(field, value, places=places, communes=communes)

    def rows() -> Any:
        for d in selectors.export_rows(commune=request.commune, demarche=item):
            cells = [
                d.display_code,
                capfirst(d.get_state_display()),
                d.get_channel_display(),
                d.received_on,
                d.deadline,
                d.applicant_name,
                d.get_applicant_kind_display(),
                d.applicant_email,
                d.version.number,
            ]
            for f in fields:
                value = d.answers.get(f["key"])
                if f["type"] == "repeat":
                    cells.append(
                        " | ".join(
                            ", ".join(
                                read(c, row.get(c["key"]))
                                for c in f.get("fields", [])
                                if row.get(c["key"]) is not None
                            )
                            for row in value or []
                        )
                    )
                else:
                    cells.append(read(f, value))
            yield cells

    return csv_response(filename=f"dossiers-{item.slug}.csv", header=header, rows=rows())
