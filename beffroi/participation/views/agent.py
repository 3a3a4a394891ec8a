"""Agents' and élus' pages: build and run consultations (questionnaire, paper double entry, counter check,
results with the free texts, the commune's answer), follow proposals (answers owed, overdue ones, moderation,
merging, counter filing) and public meetings (registrations, minutes, documents)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from beffroi.accounts.decorators import capability_required
from beffroi.accounts.models import User
from beffroi.accounts.selectors import user_can
from beffroi.core.confirm import confirmation_page
from beffroi.core.exports import csv_response
from beffroi.core.guards import parse_pk
from beffroi.participation import answers, forms, selectors, services, tasks
from beffroi.participation.models import Comment, Question, QuestionKind
from beffroi.participation.views.results import result_blocks


def _can(request, capability: str) -> bool:
    return user_can(commune=request.commune, user=request.user, capability=capability)


def _consultation(request, slug):
    return selectors.consultation_get(commune=request.commune, slug=slug, include_drafts=True)


def _form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


@require_safe
@capability_required("run_participation")
def agent_index(request):
    commune = request.commune
    context = {
        "consultations": selectors.consultation_list(commune=commune, include_drafts=True),
        "overdue": selectors.overdue_proposals(commune=commune),
        "awaiting": selectors.awaiting_answer(commune=commune),
        "reported": selectors.reported_comments(commune=commune)[:20],
        "meetings": selectors.meeting_list(commune=commune)[:10],
        "panels": selectors.panel_list(commune=commune),
        "can_answer": _can(request, "answer_participation"),
    }
    return render(request, "participation/agent/index.html", context)


# ----------------------------------------------------------------------------------------------------------------
# Consultations
# ----------------------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("run_participation")
def consultation_form(request, slug=None):
    consultation = _consultation(request, slug) if slug else None
    form = forms.ConsultationForm(request.POST or None, instance=consultation, commune=request.commune)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in services.consultations.CONSULTATION_FIELDS}
        try:
            if consultation is None:
                consultation = services.consultation_create(
                    commune=request.commune, actor=request.user, **data
                )
                messages.success(request, _("Consultation créée : ajoutez ses questions, puis publiez-la."))
            else:
                consultation, changed = services.consultation_update(
                    commune=request.commune, actor=request.user, consultation=consultation, data=data
                )
                messages.success(
                    request, _("Consultation modifiée.") if changed else _("Aucune modification.")
                )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            return redirect("participation:agent_consultation", slug=consultation.slug)
    return render(
        request,
        "participation/agent/consultation_form.html",
        {"form": form, "consultation": consultation},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("run_participation")
def agent_consultation(request, slug):
    """The questionnaire being built: add a question, an (illustrated) option, delete a question, publish."""
    consultation = _consultation(request, slug)
    question_form = forms.QuestionForm(request.POST if request.POST.get("action") == "question" else None)
    action = request.POST.get("action")
    option_form = forms.OptionForm(
        request.POST if action == "option" else None,
        request.FILES if action == "option" else None,
        auto_id=f"id_q{request.POST.get('question', '')}_%s",
    )
    if request.method == "POST":
        try:
            if action == "question" and question_form.is_valid():
                services.question_add(
                    commune=request.commune,
                    actor=request.user,
                    consultation=consultation,
                    **question_form.cleaned_data,
                )
                messages.success(request, _("Question ajoutée."))
                return redirect("participation:agent_consultation", slug=slug)
            if action == "option" and option_form.is_valid():
                question = _question(consultation, request.POST.get("question"))
                services.option_add(
                    commune=request.commune, actor=request.user, question=question, **option_form.cleaned_data
                )
                messages.success(request, _("Réponse ajoutée."))
                return redirect("participation:agent_consultation", slug=slug)
            if action == "supprimer":
                question = _question(consultation, request.POST.get("question"))
                asking = confirmation_page(
                    request,
                    title=_("Supprimer la question « %(label)s » ?") % {"label": question.label},
                    message=_("La question et ses réponses proposées sont supprimées définitivement."),
                    button=_("Supprimer la question"),
                    cancel_url=reverse("participation:agent_consultation", kwargs={"slug": slug}),
                )
                if asking is not None:
                    return asking
                services.question_delete(commune=request.commune, actor=request.user, question=question)
                messages.success(request, _("Question supprimée."))
                return redirect("participation:agent_consultation", slug=slug)
            if action == "publier":
                services.consultation_publish(
                    commune=request.commune, actor=request.user, consultation=consultation
                )
                messages.success(request, _("Consultation publiée : elle ouvre à sa date."))
                return redirect("participation:agent_consultation", slug=slug)
        except ValidationError as exc:
            target = question_form if action == "question" else option_form
            if action in ("question", "option"):
                _form_errors(target, exc)
            else:
                messages.error(request, " ".join(exc.messages))
    questions = selectors.question_list(consultation=consultation)
    for (
        q
    ) in questions:  # one add-an-option form per choice question, its own ids; the one sent keeps its errors
        sent = action == "option" and request.POST.get("question") == str(q.pk)
        setattr(q, "option_form", option_form if sent else forms.OptionForm(auto_id=f"id_q{q.pk}_%s"))  # noqa: B010 - read by the template
    context = {
        "consultation": consultation,
        "questions": questions,
        "question_form": question_form,
        "option_form": option_form,
        "count": selectors.respondent_count(consultation=consultation),
        "choice_kinds": ("choix_unique", "choix_multiple", "classement", "illustre"),
        "can_answer": _can(request, "answer_participation"),
    }
    has_errors = bool(question_form.errors or option_form.errors)
    return render(
        request, "participation/agent/consultation.html", context, status=400 if has_errors else 200
    )


def _question(consultation, raw) -> Question:
    question = consultation.questions.filter(pk=parse_pk(raw)).first()
    if question is None:
        raise Http404("Question introuvable.")
    return question


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("run_participation")
def agent_paper(request, slug):
    """Paper questionnaires entered twice: each agent enters them; the page lists those that disagree."""
    consultation = _consultation(request, slug)
    questions = selectors.question_list(consultation=consultation)
    number_form = forms.PaperNumberForm(request.POST if request.POST.get("action") == "saisir" else None)
    submitted: dict = {}
    errors: dict = {}
    general: list[str] = []
    if request.method == "POST" and request.POST.get("action") == "retenir":
        try:
            entry = services.paper_entry_adopt(
                commune=request.commune,
                actor=request.user,
                consultation=consultation,
                entry_id=parse_pk(request.POST.get("entry")) or 0,
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("Questionnaire n° %(n)d rapproché : votre saisie reprend celle que vous avez retenue.")
                % {"n": entry.paper_number},
            )
        return redirect("participation:agent_paper", slug=slug)
    if request.method == "POST" and request.POST.get("action") == "saisir":
        submitted = answers.parse_post(questions, request.POST)
        if number_form.is_valid():
            number = number_form.cleaned_data["paper_number"]
            try:
                services.paper_entry_record(
                    commune=request.commune,
                    actor=request.user,
                    consultation=consultation,
                    paper_number=number,
                    answers=submitted,
                )
            except ValidationError as exc:
                errors, general = answers.split_errors(exc)
            else:
                state, _entries = _paper_state(consultation, number)
                messages.success(request, _paper_message(number, state))
                return redirect("participation:agent_paper", slug=slug)
    reconciliation = selectors.paper_reconciliation(consultation=consultation)
    by_id = {q.pk: q for q in questions}
    mismatches = []
    for number, entries in reconciliation["mismatch"]:
        differing = [q for q in questions if len({repr(e.answers.get(str(q.pk))) for e in entries}) > 1]
        mismatches.append(
            {
                "number": number,
                "entries": [
                    {
                        "id": e.pk,
                        "agent": e.entered_by_name,
                        "mine": e.entered_by_id == request.user.pk,
                        "answers": [
                            (q.label, answers.answer_label(by_id[q.pk], e.answers.get(str(q.pk))))
                            for q in differing
                        ],
                    }
                    for e in entries
                ],
            }
        )
    context = {
        "consultation": consultation,
        "number_form": number_form,
        "rows": answers.form_rows(questions, submitted, errors),
        "general": general,
        "matching": len(reconciliation["matching"]),
        "singles": [n for n, _e in reconciliation["single"]],
        "mismatches": mismatches,
    }
    has_errors = bool(errors or general or number_form.errors)
    return render(request, "participation/agent/paper.html", context, status=400 if has_errors else 200)


def _paper_state(consultation, number):
    for state, items in selectors.paper_reconciliation(consultation=consultation).items():
        for n, entries in items:
            if n == number:
                return state, entries
    return "single", []


def _paper_message(number: int, state: str) -> str:
    if state == "matching":
        return _("Questionnaire n° %(n)d : les deux saisies concordent, il est compté.") % {"n": number}
    if state == "mismatch":
        return _(
            "Questionnaire n° %(n)d : votre saisie diffère de la précédente. Reprenez le papier : voyez le "
            "rapprochement plus bas."
        ) % {"n": number}
    return _("Questionnaire n° %(n)d enregistré : il attend la seconde saisie, par un autre agent.") % {
        "n": number
    }


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("run_participation")
def agent_counter(request, slug):
    """Verify a resident at the counter for a consultation reserved to verified residents."""
    consultation = _consultation(request, slug)
    form = forms.CounterVerifyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        person = User.objects.filter(
            email__iexact=form.cleaned_data["email"], memberships__commune=request.commune
        ).first()
        if person is None:
            form.add_error(
                "email", _("Aucun compte de la commune n'a cette adresse : aidez la personne à en créer un.")
            )
        else:
            try:
                services.respondent_verify_at_counter(
                    commune=request.commune,
                    actor=request.user,
                    consultation=consultation,
                    person=person,
                    checks=form.cleaned_data["checks"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Personne vérifiée : elle peut répondre en ligne."))
                return redirect("participation:agent_counter", slug=slug)
    return render(
        request,
        "participation/agent/counter.html",
        {"consultation": consultation, "form": form},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("run_participation")
def agent_results(request, slug):
    """Results as they stand (also before the close), the free-text answers, and the commune's answer."""
    consultation = _consultation(request, slug)
    form = forms.DecisionForm(request.POST or None, initial={"decision": consultation.decision})
    if request.method == "POST":
        if not _can(request, "answer_participation"):
            raise Http404("Réservé aux élus.")
        if form.is_valid():
            try:
                services.consultation_decide(
                    commune=request.commune,
                    actor=request.user,
                    consultation=consultation,
                    decision=form.cleaned_data["decision"],
                )
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("La réponse de la commune est publiée avec les résultats."))
                return redirect("participation:agent_results", slug=slug)
    context = {
        "consultation": consultation,
        "blocks": result_blocks(consultation, with_texts=True),
        "count": selectors.respondent_count(consultation=consultation),
        "form": form,
        "can_answer": _can(request, "answer_participation"),
    }
    return render(request, "participation/agent/results.html", context, status=400 if form.errors else 200)


@require_safe
@capability_required("run_participation")
def free_text_csv(request, slug):
    """The free-text answers of every text question, one row each (no author: the sheets have none)."""
    consultation = _consultation(request, slug)
    rows = []
    for question, result in selectors.consultation_results(consultation=consultation):
        if question.kind in (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT):
            rows += [(question.position, question.label, text) for text in result.texts]
    return csv_response(
        filename=f"{consultation.slug}-reponses-libres.csv",
        header=[_("Question n°"), _("Question"), _("Réponse")],
        rows=rows,
    )


# ----------------------------------------------------------------------------------------------------------------
# Proposals
# ----------------------------------------------------------------------------------------------------------------


@require_safe
@capability_required("view_agent_space")
def overdue(request):
    """The élus' list: proposals past their threshold whose public answer is late, then those awaiting one."""
    context = {
        "overdue": selectors.overdue_proposals(commune=request.commune),
        "awaiting": selectors.awaiting_answer(commune=request.commune),
        "can_answer": _can(request, "answer_participation"),
    }
    return render(request, "participation/agent/overdue.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("run_participation")
def agent_proposal(request, pk):
    """One proposal for the mairie: the public answer (élus), merging into another, its comments to moderate."""
    proposal = selectors.proposal_get(commune=request.commune, pk=pk)
    action = request.POST.get("action")
    answer_form = forms.ProposalAnswerForm(request.POST if action == "repondre" else None)
    merge_form = forms.MergeForm(request.POST if action == "fusionner" else None)
    if request.method == "POST":
        try:
            if action == "repondre" and answer_form.is_valid():
                if not _can(request, "answer_participation"):
                    raise ValidationError(_("La réponse de la commune est donnée par les élus."))
                services.proposal_answer(
                    commune=request.commune,
                    actor=request.user,
                    proposal=proposal,
                    accepted=answer_form.cleaned_data["decision"] == "acceptee",
                    answer=answer_form.cleaned_data["answer"],
                    followup=answer_form.cleaned_data["followup"],
                )
                messages.success(request, _("La réponse est publiée sur la page de la proposition."))
                return redirect("participation:agent_proposal", pk=pk)
            if action == "fusionner" and merge_form.is_valid():
                into = selectors.proposal_get(commune=request.commune, pk=merge_form.cleaned_data["into"])
                services.proposal_merge(
                    commune=request.commune, actor=request.user, proposal=proposal, into=into
                )
                messages.success(request, _("Propositions fusionnées : les soutiens sont repris."))
                return redirect("participation:agent_proposal", pk=into.pk)
        except ValidationError as exc:
            _form_errors(answer_form if action == "repondre" else merge_form, exc)
        except Http404:
            merge_form.add_error("into", _("Aucune proposition de la commune ne porte ce numéro."))
    context = {
        "proposal": proposal,
        "answer_form": answer_form,
        "merge_form": merge_form,
        "comments": selectors.visible_comments(proposal=proposal),
        "can_answer": _can(request, "answer_participation"),
    }
    has_errors = bool(answer_form.errors or merge_form.errors)
    return render(request, "participation/agent/proposal.html", context, status=400 if has_errors else 200)


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("run_participation")
def counter_proposal(request):
    """File a proposal for a person at the counter (their account if they have one, else their name)."""
    form = forms.CounterProposalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        author = None
        if data["author_email"]:
            author = User.objects.filter(
                email__iexact=data["author_email"], memberships__commune=request.commune
            ).first()
            if author is None:
                form.add_error("author_email", _("Aucun compte de la commune n'a cette adresse."))
        if not form.errors:
            try:
                proposal = services.proposal_submit(
                    commune=request.commune,
                    actor=request.user,
                    author=author,
                    author_name=data["author_name"],
                    title=data["title"],
                    body=data["body"],
                )
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("Proposition déposée au guichet et publiée."))
                return redirect("participation:agent_proposal", pk=proposal.pk)
    return render(
        request,
        "participation/agent/counter_proposal.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("answer_participation")
def proposal_rules(request):
    rules = selectors.proposal_rules_get(commune=request.commune)
    form = forms.RulesForm(
        request.POST or None,
        initial={
            "support_threshold": rules.support_threshold,
            "support_days": rules.support_days,
            "answer_days": rules.answer_days,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.proposal_rules_set(commune=request.commune, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(
                request, _("Règles enregistrées : elles valent pour les propositions déposées désormais.")
            )
            return redirect("participation:agent_index")
    return render(
        request, "participation/agent/rules.html", {"form": form}, status=400 if form.errors else 200
    )


@require_POST
@capability_required("run_participation")
def comment_hide(request, pk):
    comment = (
        Comment.objects.filter(pk=pk, proposal__commune=request.commune).select_related("proposal").first()
    )
    if comment is None:
        raise Http404("Commentaire introuvable.")
    form = forms.ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.comment_hide(
                commune=request.commune,
                actor=request.user,
                comment=comment,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Commentaire masqué ; le motif est affiché à sa place."))
    else:
        messages.error(request, _("Donnez le motif du masquage : il est affiché à la place du commentaire."))
    return redirect("participation:agent_proposal", pk=comment.proposal_id)


# ----------------------------------------------------------------------------------------------------------------
# Meetings
# ----------------------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("run_participation")
def meeting_form(request, pk=None):
    meeting = selectors.meeting_get(commune=request.commune, pk=pk) if pk else None
    form = forms.MeetingForm(request.POST or None, instance=meeting, commune=request.commune)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in services.meetings.MEETING_FIELDS}
        try:
            if meeting is None:
                meeting = services.meeting_create(commune=request.commune, actor=request.user, **data)
            else:
                meeting = services.meeting_update(
                    commune=request.commune, actor=request.user, meeting=meeting, data=data
                )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Réunion enregistrée."))
            return redirect("participation:agent_meeting", pk=meeting.pk)
    return render(
        request,
        "participation/agent/meeting_form.html",
        {"form": form, "meeting": meeting},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("run_participation")
def agent_meeting(request, pk):
    """Who registered, then the minutes and documents once the meeting has taken place."""
    meeting = selectors.meeting_get(commune=request.commune, pk=pk)
    action = request.POST.get("action")
    minutes_form = forms.MinutesForm(
        request.POST if action == "compte-rendu" else None, initial={"minutes": meeting.minutes}
    )
    document_form = forms.DocumentForm(
        request.POST if action == "document" else None, request.FILES if action == "document" else None
    )
    if request.method == "POST":
        try:
            if action == "compte-rendu" and minutes_form.is_valid():
                services.meeting_minutes_publish(
                    commune=request.commune,
                    actor=request.user,
                    meeting=meeting,
                    minutes=minutes_form.cleaned_data["minutes"],
                )
                messages.success(request, _("Compte rendu publié."))
                return redirect("participation:agent_meeting", pk=pk)
            if action == "document" and document_form.is_valid():
                services.meeting_document_add(
                    commune=request.commune, actor=request.user, meeting=meeting, **document_form.cleaned_data
                )
                messages.success(request, _("Document publié."))
                return redirect("participation:agent_meeting", pk=pk)
        except ValidationError as exc:
            _form_errors(minutes_form if action == "compte-rendu" else document_form, exc)
    context = {
        "meeting": meeting,
        "registrations": selectors.registrations(meeting=meeting),
        "seats_taken": selectors.seats_taken(meeting=meeting),
        "minutes_form": minutes_form,
        "document_form": document_form,
    }
    has_errors = bool(minutes_form.errors or document_form.errors)
    return render(request, "participation/agent/meeting.html", context, status=400 if has_errors else 200)


# ----------------------------------------------------------------------------------------------------------------
# Citizen panels
# ----------------------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("run_participation")
def panel_form(request):
    form = forms.PanelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            panel = services.panel_create(commune=request.commune, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Panel créé : recueillez les volontaires, puis tirez-le au sort."))
            return redirect("participation:agent_panel", slug=panel.slug)
    return render(
        request, "participation/agent/panel_form.html", {"form": form}, status=400 if form.errors else 200
    )


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("run_participation")
def agent_panel(request, slug):
    """Volunteers (counter entry, file), the draw, each volunteer's probability beside the greedy method's
    minimum, the quota table, and replacements."""
    panel = selectors.panel_get(commune=request.commune, slug=slug)
    quotas = services.panels.panel_quotas(panel)
    action = request.POST.get("action")
    volunteer_form = forms.VolunteerForm(request.POST if action == "volontaire" else None, quotas=quotas)
    file_form = forms.VolunteersFileForm(
        request.POST if action == "fichier" else None, request.FILES if action == "fichier" else None
    )
    errors: list[str] = []
    if request.method == "POST":
        try:
            if action == "volontaire" and volunteer_form.is_valid():
                volunteer = services.volunteer_add(
                    commune=request.commune,
                    panel=panel,
                    actor=request.user,
                    name=volunteer_form.cleaned_data["name"],
                    email=volunteer_form.cleaned_data["email"],
                    phone=volunteer_form.cleaned_data["phone"],
                    features=volunteer_form.features(),
                )
                messages.success(request, _("Volontaire %(ref)s enregistré·e.") % {"ref": volunteer.ref})
                return redirect("participation:agent_panel", slug=slug)
            if action == "fichier" and file_form.is_valid():
                count = services.volunteers_import(
                    commune=request.commune,
                    actor=request.user,
                    panel=panel,
                    text=file_form.cleaned_data["file"],
                )
                messages.success(request, _("%(n)d volontaires ajoutés depuis le fichier.") % {"n": count})
                return redirect("participation:agent_panel", slug=slug)
            if action == "tirer":
                services.panel_draw(commune=request.commune, actor=request.user, panel=panel)
                tasks.panel_greedy_compute.enqueue(panel_id=panel.pk, runs=services.panels.GREEDY_RUNS)
                messages.success(
                    request, _("Le panel est tiré au sort ; la page publique du tirage est en ligne.")
                )
                return redirect("participation:agent_panel", slug=slug)
            if action == "remplacer":
                leaving = (
                    selectors.panel_volunteers(panel=panel)
                    .filter(pk=parse_pk(request.POST.get("volontaire")) or 0)
                    .first()
                )
                if leaving is None:
                    raise Http404("Volontaire introuvable.")
                replacement = services.panelist_replace(
                    commune=request.commune, actor=request.user, panel=panel, volunteer=leaving
                )
                messages.success(
                    request,
                    _("%(out)s s'est retiré·e ; %(new)s est tiré·e au sort pour le remplacer.")
                    % {"out": replacement.withdrawn, "new": replacement.chosen},
                )
                return redirect("participation:agent_panel", slug=slug)
        except ValidationError as exc:
            if action == "volontaire":
                _form_errors(volunteer_form, exc)
            elif action == "fichier":
                _form_errors(file_form, exc)
            else:
                errors = list(exc.messages)
    volunteers = list(selectors.panel_volunteers(panel=panel))
    for v in volunteers:
        v.probability = panel.probabilities.get(v.ref)  # type: ignore[attr-defined]
        v.greedy = panel.greedy_probabilities.get(v.ref)  # type: ignore[attr-defined]
    members = selectors.panel_members(panel=panel)
    context = {
        "panel": panel,
        "quotas": quotas,
        "volunteers": volunteers,
        "members": members,
        "quota_rows": selectors.panel_quota_table(panel=panel, members=members) if panel.drawn else [],
        "volunteer_form": volunteer_form,
        "file_form": file_form,
        "errors": errors,
    }
    has_errors = bool(errors or volunteer_form.errors or file_form.errors)
    return render(request, "participation/agent/panel.html", context, status=400 if has_errors else 200)
