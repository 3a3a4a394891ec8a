"""The commune's own configuration of Signalements, for its administrators (capability "manage_commune"):
categories (routed team, extra questions), the state table, reply templates. Agents and élus get a 403."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from beffroi.accounts.decorators import capability_required
from beffroi.reports import selectors, services
from beffroi.reports.forms_config import (
    CategoryConfigForm,
    QuestionFormSet,
    ReplyTemplateConfigForm,
    StateConfigForm,
    question_rows,
)
from beffroi.territory.selectors import team_list

manage = capability_required("manage_commune")


def _apply_error(form, exc: services.ReportInputError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _render_form(request, template: str, context: dict):
    form = context["form"]
    return render(request, template, context, status=400 if form.errors else 200)


@require_safe
@manage
def index(request):
    return render(request, "reports/config_index.html", selectors.config_counts(commune=request.commune))


# --- categories -------------------------------------------------------------------------------------------


@require_safe
@manage
def categories(request):
    return render(
        request,
        "reports/config_categories.html",
        {
            "categories": selectors.category_list(commune=request.commune, active_only=False),
        },
    )


@manage
def category_edit(request, pk: int | None = None):
    commune = request.commune
    category = None
    if pk is not None:
        category = selectors.category_get_any(commune=commune, pk=pk)
        if category is None:
            raise Http404
    teams = team_list(commune=commune)
    stored = category.questions if category else []
    if request.method != "POST":
        if category is not None:
            initial = CategoryConfigForm.initial_for(category)
        else:
            # A commune with one team routes every category to it: offered already chosen.
            only = list(teams.prefetch_related(None)[:2])
            initial = {"active": True, "team": only[0].pk if len(only) == 1 else None}
        form = CategoryConfigForm(initial=initial, teams=teams)
        questions = QuestionFormSet(initial=question_rows(stored), stored=stored)
        return _render_category(request, form, questions, category)
    form = CategoryConfigForm(request.POST, teams=teams)
    questions = QuestionFormSet(request.POST, stored=stored)
    action = request.POST.get("questions_action")
    if action:
        # « Ajouter une question », « Monter », « Descendre »: the page again as typed, nothing checked or saved
        typed = {name: form[name].value() for name in form.fields}
        form = CategoryConfigForm(initial=typed, teams=teams)
        return _render_category(request, form, questions.rearranged(action), category)
    if all([form.is_valid(), questions.is_valid()]):  # both checked, so that every error shows at once
        d = form.cleaned_data
        try:
            saved = services.category_save(
                commune=commune,
                actor=request.user,
                category=category,
                code=d["code"],
                name=d["name"],
                description=d["description"],
                team=d["team"],
                active=d["active"],
                order=d["order"] or 0,
                questions=questions.questions(),
            )
        except services.ReportInputError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, _("Catégorie « %(name)s » enregistrée.") % {"name": saved.name})
            return redirect("reports:config_categories")
    return _render_category(request, form, questions, category)


def _render_category(request, form, questions, category):
    invalid = bool(form.errors) or (questions.is_bound and questions.total_error_count() > 0)
    return render(
        request,
        "reports/config_category_form.html",
        {"form": form, "questions": questions, "category": category, "invalid": invalid},
        status=400 if invalid else 200,
    )


# --- states -----------------------------------------------------------------------------------------------


@require_safe
@manage
def states(request):
    commune = request.commune
    usage = selectors.state_usage(commune=commune)
    rows = [(s, usage.get(s.pk, 0)) for s in selectors.state_list(commune=commune)]
    return render(request, "reports/config_states.html", {"rows": rows})


def _state_or_404(request, pk):
    state = selectors.state_get(commune=request.commune, pk=pk)
    if state is None:
        raise Http404
    return state


@manage
def state_edit(request, pk: int | None = None):
    state = _state_or_404(request, pk) if pk is not None else None
    initial = (
        {"label": state.label, "kind": state.kind, "order": state.order, "is_initial": state.is_initial}
        if state
        else None
    )
    form = StateConfigForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            saved = services.state_save(
                commune=request.commune,
                actor=request.user,
                state=state,
                label=d["label"],
                kind=d["kind"],
                order=d["order"],
                is_initial=d["is_initial"],
            )
        except services.ReportInputError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, _("État « %(label)s » enregistré.") % {"label": saved.label})
            return redirect("reports:config_states")
    return _render_form(request, "reports/config_state_form.html", {"form": form, "state": state})


@manage
def state_delete(request, pk: int):
    state = _state_or_404(request, pk)
    if request.method == "POST":
        try:
            services.state_delete(commune=request.commune, actor=request.user, state=state)
        except services.ReportInputError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("État « %(label)s » supprimé.") % {"label": state.label})
        return redirect("reports:config_states")
    return render(
        request,
        "reports/config_delete.html",
        {
            "title": _("Supprimer l'état « %(label)s »") % {"label": state.label},
            "warning": _("Un état utilisé par des signalements ne peut pas être supprimé."),
            "back": "reports:config_states",
        },
    )


# --- reply templates --------------------------------------------------------------------------------------


@require_safe
@manage
def templates(request):
    return render(
        request,
        "reports/config_templates.html",
        {
            "templates": selectors.template_list(commune=request.commune),
        },
    )


def _template_or_404(request, pk):
    template = selectors.template_get(commune=request.commune, pk=pk)
    if template is None:
        raise Http404
    return template


@manage
def template_edit(request, pk: int | None = None):
    template = _template_or_404(request, pk) if pk is not None else None
    initial = {"title": template.title, "body": template.body} if template else None
    form = ReplyTemplateConfigForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            saved = services.reply_template_save(
                commune=request.commune,
                actor=request.user,
                template=template,
                title=d["title"],
                body=d["body"],
            )
        except services.ReportInputError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, _("Modèle « %(title)s » enregistré.") % {"title": saved.title})
            return redirect("reports:config_templates")
    return _render_form(request, "reports/config_template_form.html", {"form": form, "template": template})


@manage
def template_delete(request, pk: int):
    template = _template_or_404(request, pk)
    if request.method == "POST":
        services.reply_template_delete(commune=request.commune, actor=request.user, template=template)
        messages.success(request, _("Modèle « %(title)s » supprimé.") % {"title": template.title})
        return redirect("reports:config_templates")
    return render(
        request,
        "reports/config_delete.html",
        {
            "title": _("Supprimer le modèle « %(title)s »") % {"title": template.title},
            "warning": _("Les réponses déjà envoyées avec ce modèle ne changent pas."),
            "back": "reports:config_templates",
        },
    )
