"""Élus' and agents' pages of the Projet de territoire module (read with "view_agent_space", changed with "plan"):
roadmap, projects with their phases, indicators and funding matches, the council report, the self-assessment."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from beffroi.accounts.decorators import capability_required, login_reason
from beffroi.accounts.selectors import member_list, user_can
from beffroi.core import dates
from beffroi.core.forms import add_service_errors
from beffroi.core.pdf import html_to_pdf
from beffroi.funding import selectors as funding_selectors
from beffroi.planning import maturity, report, selectors, services, use_cases
from beffroi.planning.assessment_charts import assessment_radar
from beffroi.planning.forms import (
    AssessmentForm,
    IndicatorForm,
    PhaseForm,
    ProjectForm,
    assessment_initial,
)


def _today() -> date:
    return timezone.localdate()


def _can_plan(request) -> bool:
    return user_can(commune=request.commune, user=request.user, capability="plan")


def _owners(commune):
    return member_list(commune=commune, capability="view_agent_space")


def public_counterpart(url_name: str) -> Callable:
    """A signed-in resident (or a member without the view's capability) who follows a link to this agents' page
    reads its public counterpart (``url_name``, with the same URL arguments) instead of « Accès refusé »: the
    roadmap and the report are the commune's project, which residents may follow. Anonymous visitors still go
    to the login page (an agent whose session ended comes back to the page). Put above ``capability_required``:
    the capability it reads is the view's own."""

    def decorator(view):
        @wraps(view)  # keeps `required_capability`, read by the agents' space and by the check below
        def wrapper(request, *args, **kwargs):
            commune = getattr(request, "commune", None)
            if (
                commune is not None
                and request.user.is_authenticated
                and not user_can(commune=commune, user=request.user, capability=view.required_capability)
            ):
                return redirect(url_name, *args, **kwargs)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


NOT_SIGNED_IN = gettext_lazy(
    "Connectez-vous avec votre compte d'élu ou d'agent pour préparer le projet de la commune. "
    "Les habitants le suivent sans compte, à la page « Le projet de la commune »."
)


# -- roadmap --------------------------------------------------------------------------------------------


@login_reason(NOT_SIGNED_IN)
@public_counterpart("planning:index")
@capability_required("view_agent_space")
def roadmap(request):
    projects = list(selectors.project_list(commune=request.commune))
    plans = {}
    for project in projects:
        if project.financing_plan is not None:  # select_related by project_list: no query
            plan = project.financing_plan
            lines = funding_selectors.plan_lines(plan=plan)
            plans[project.pk] = (
                funding_selectors.plan_check(plan=plan, lines=lines),
                funding_selectors.plan_balance(plan=plan, lines=lines),
            )
    return render(
        request,
        "planning/roadmap.html",
        {
            "projects": [(p, *plans.get(p.pk, (None, None))) for p in projects],
            "quarters": selectors.timeline(projects=projects),
            "deadlines": selectors.upcoming_deadlines(commune=request.commune, today=_today()),
            "can_plan": _can_plan(request),
            "latest_assessment": selectors.assessment_latest(commune=request.commune),
        },
    )


def _project_form_page(request, form, *, project=None, use_case=None, status=200):
    return render(
        request,
        "planning/project_form.html",
        {"form": form, "project": project, "use_case": use_case},
        status=status,
    )


@capability_required("plan")
def project_create(request):
    use_case = use_cases.get(request.GET.get("cas") or request.POST.get("use_case_code") or "")
    initial = {"start_date": _today(), "owner": request.user.pk}
    if use_case:
        initial.update(use_cases.project_initial(use_case, population=request.commune.population))
    form = ProjectForm(request.POST or None, initial=initial, owners=_owners(request.commune))
    if request.method == "POST":
        if form.is_valid():
            try:
                project = services.project_create(
                    commune=request.commune,
                    actor=request.user,
                    use_case_code=use_case.code if use_case else "",
                    **form.cleaned_data,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                if use_case:
                    use_cases.seed_project(project=project, use_case=use_case, actor=request.user)
                messages.success(request, _("Le projet est ajouté à la feuille de route."))
                return redirect("planning:project_detail", pk=project.pk)
        return _project_form_page(request, form, use_case=use_case, status=400)
    return _project_form_page(request, form, use_case=use_case)


@capability_required("plan")
def project_edit(request, pk: int):
    project = selectors.project_get(commune=request.commune, pk=pk)
    form = ProjectForm(request.POST or None, instance=project, owners=_owners(request.commune))
    if request.method == "POST":
        if form.is_valid():
            try:
                services.project_update(
                    commune=request.commune, actor=request.user, project=project, **form.cleaned_data
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Le projet est enregistré."))
                return redirect("planning:project_detail", pk=project.pk)
        return _project_form_page(
            request, form, project=selectors.project_get(commune=request.commune, pk=pk), status=400
        )
    return _project_form_page(request, form, project=project)


@capability_required("plan")
def project_delete(request, pk: int):
    project = selectors.project_get(commune=request.commune, pk=pk)
    if request.method == "POST":
        services.project_delete(commune=request.commune, actor=request.user, project=project)
        messages.success(request, _("Le projet est retiré de la feuille de route."))
        return redirect("planning:roadmap")
    return render(request, "planning/project_delete.html", {"project": project})


@login_reason(NOT_SIGNED_IN)
@public_counterpart("planning:project_public")
@capability_required("view_agent_space")
def project_detail(request, pk: int, phase_form=None, indicator_form=None, status=200):
    project = selectors.project_get(commune=request.commune, pk=pk)
    plan = project.financing_plan
    lines = funding_selectors.plan_lines(plan=plan) if plan else []
    indicators = [
        (indicator, selectors.indicator_live_value(indicator, commune=request.commune))
        for indicator in project.indicators.all()  # prefetched by project_get
    ]
    context = {
        "project": project,
        "use_case": use_cases.get(project.use_case_code),
        "theme_labels": [funding_selectors.vocabulary().themes.get(t, t) for t in project.themes or []],
        "indicators": indicators,
        "plan": plan,
        "check": funding_selectors.plan_check(plan=plan, lines=lines) if plan else None,
        "balance": funding_selectors.plan_balance(plan=plan, lines=lines) if plan else None,
        "totals": funding_selectors.plan_totals(lines=lines) if plan else None,
        "can_plan": _can_plan(request),
        "phase_form": phase_form or PhaseForm(prefix="phase"),
        "indicator_form": indicator_form
        or IndicatorForm(prefix="indicateur", series=selectors.datahub_series(commune=request.commune)),
        "has_errors": status != 200,
    }
    return render(request, "planning/project_detail.html", context, status=status)


def _add_to_project(
    request,
    pk: int,
    *,
    form_class,
    prefix: str,
    form_kwarg: str,
    service,
    success: str,
    anchor: str,
    form_kwargs: dict | None = None,
):
    """Bind a phase or indicator form posted on the project page, save it through ``service``, go back.

    An invalid form re-renders the project page (status 400) with the form and its French errors in place
    of the empty one, so nothing already typed or saved is lost.
    """
    project = selectors.project_get(commune=request.commune, pk=pk)
    form = form_class(request.POST, prefix=prefix, **(form_kwargs or {}))
    if form.is_valid():
        try:
            service(commune=request.commune, actor=request.user, project=project, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, success)
            return redirect(_project_section_url(project, anchor))
    return project_detail(request, pk, status=400, **{form_kwarg: form})


def _project_section_url(project, anchor: str) -> str:
    return reverse("planning:project_detail", args=[project.pk]) + anchor


@require_POST
@capability_required("plan")
def phase_add(request, pk: int):
    return _add_to_project(
        request,
        pk,
        form_class=PhaseForm,
        prefix="phase",
        form_kwarg="phase_form",
        service=services.phase_add,
        success=_("La phase est ajoutée."),
        anchor="#phases",
    )


@require_POST
@capability_required("plan")
def phase_delete(request, pk: int, phase_pk: int):
    project = selectors.project_get(commune=request.commune, pk=pk)
    phase = selectors.phase_get(project=project, pk=phase_pk)
    services.phase_delete(commune=request.commune, actor=request.user, phase=phase)
    messages.success(request, _("La phase est supprimée."))
    return redirect(_project_section_url(project, "#phases"))


@require_POST
@capability_required("plan")
def indicator_add(request, pk: int):
    return _add_to_project(
        request,
        pk,
        form_class=IndicatorForm,
        form_kwargs={"series": selectors.datahub_series(commune=request.commune)},
        prefix="indicateur",
        form_kwarg="indicator_form",
        service=services.indicator_add,
        success=_("L'indicateur est ajouté."),
        anchor="#indicateurs",
    )


@require_POST
@capability_required("plan")
def indicator_delete(request, pk: int, indicator_pk: int):
    project = selectors.project_get(commune=request.commune, pk=pk)
    indicator = selectors.indicator_get(project=project, pk=indicator_pk)
    services.indicator_delete(commune=request.commune, actor=request.user, indicator=indicator)
    messages.success(request, _("L'indicateur est supprimé."))
    return redirect(_project_section_url(project, "#indicateurs"))


@capability_required("view_agent_space")
def project_funding(request, pk: int):
    project = selectors.project_get(commune=request.commune, pk=pk)
    results = selectors.project_matches(commune=request.commune, project=project, today=_today())
    show_all = request.GET.get("tous") == "1"
    matched = [r for r in results if r.matched]
    return render(
        request,
        "planning/project_funding.html",
        {
            "project": project,
            "matched": matched,
            "unmatched": [r for r in results if not r.matched] if show_all else [],
            "unmatched_count": len(results) - len(matched),
            "show_all": show_all,
            "commune_profile": funding_selectors.commune_profile(commune=request.commune),
            "zonages": funding_selectors.commune_zonage_summary(commune=request.commune),
            "can_edit_zonages": _can_plan(request),
        },
    )


# -- council report -------------------------------------------------------------------------------------


def _report_context(request):
    return report.build(commune=request.commune, today=_today())


@login_reason(NOT_SIGNED_IN)
@public_counterpart("planning:index")
@capability_required("view_agent_space")
def council_report(request):
    return render(request, "planning/report.html", {**_report_context(request), "pdf": False})


@login_reason(NOT_SIGNED_IN)
@public_counterpart("planning:index")
@capability_required("view_agent_space")
def council_report_pdf(request):
    html = render(
        request, "planning/report_print.html", {**_report_context(request), "pdf": True}
    ).content.decode()
    pdf = html_to_pdf(html, base_url=request.build_absolute_uri("/"))
    if pdf is None:
        messages.error(
            request, _("La version PDF n'est pas disponible sur ce serveur ; imprimez la page HTML.")
        )
        return redirect("planning:report")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="rapport-conseil-{request.commune.slug}.pdf"'
    return response


# -- self-assessment ------------------------------------------------------------------------------------


def _fact_rows(grid: maturity.Grid, facts: dict) -> list[tuple[str, object]]:
    labels = dict(grid.platform_sources)
    return [(labels.get(key, key), value) for key, value in facts.items()]


@capability_required("view_agent_space")
def assessment_list(request):
    assessments = list(selectors.assessment_list(commune=request.commune))
    grid = maturity.load_grid()
    chronological = list(reversed(assessments))
    return render(
        request,
        "planning/assessment_list.html",
        {
            "assessments": assessments,
            "domains": grid.domains,
            "history": [
                (
                    a,
                    [
                        (d.label, a.scores.get("domains", {}).get(d.code, {}).get("score"))
                        for d in grid.domains
                    ],
                )
                for a in chronological
            ],
            "can_plan": _can_plan(request),
        },
    )


@capability_required("view_agent_space")
def assessment_create(request):
    """Élus and agents may both answer: comparing their views is part of the exercise."""
    grid = maturity.load_grid()
    facts = selectors.platform_facts(commune=request.commune)
    initial = {"assessed_on": timezone.localdate(), **assessment_initial(grid, facts)}
    form = AssessmentForm(request.POST or None, initial=initial, grid=grid)
    if request.method == "POST" and form.is_valid():
        answers = form.answers()
        try:
            result = maturity.score_stored_answers(grid, answers, population=request.commune.population)
        except maturity.AssessmentError as error:
            form.add_error(None, str(error))
        else:
            assessment = services.assessment_create(
                commune=request.commune,
                actor=request.user,
                grid_version=grid.version,
                answers=answers,
                scores=result.to_dict(),
                assessed_on=form.cleaned_data["assessed_on"],
                is_draft=request.POST.get("action") == "brouillon",
            )
            if assessment.is_draft:
                messages.success(
                    request,
                    _(
                        "Votre auto-diagnostic est enregistré comme brouillon : il ne sera pas présenté au conseil."
                    ),
                )
            else:
                messages.success(request, _("Votre auto-diagnostic est enregistré."))
            return redirect("planning:assessment_detail", pk=assessment.pk)
    return render(
        request,
        "planning/assessment_form.html",
        {"form": form, "grid": grid, "facts": _fact_rows(grid, facts)},
        status=400 if form.is_bound else 200,
    )


def _recommendations(scores: dict) -> list[dict]:
    out = []
    for item in scores.get("recommendations", []):
        use_case = use_cases.get(item.get("use_case", ""))
        if use_case:
            out.append({**item, "entry": use_case})
    return out


def _series_name(assessment) -> str:
    return f"{assessment.author_label or assessment.role_label} ({dates.long_date(assessment.assessed_on)})"


@capability_required("view_agent_space")
def assessment_detail(request, pk: int):
    assessment = selectors.assessment_get(commune=request.commune, pk=pk)
    title = _("Maturité par domaine, de 0 à 4, au %(date)s") % {
        "date": dates.long_date(assessment.assessed_on)
    }
    grid = maturity.load_grid()
    return render(
        request,
        "planning/assessment_detail.html",
        {
            "assessment": assessment,
            "domains": grid.domains,
            "chart": assessment_radar(
                grid,
                assessment.scores,
                chart_id=f"radar-{assessment.pk}",
                title=title,
                name=_series_name(assessment),
                table_caption=_("Scores par domaine"),
            ),
            "recommendations": _recommendations(assessment.scores),
            "role_label": assessment.role_label,
            "can_plan": _can_plan(request),
            "in_report": selectors.assessment_for_report(commune=request.commune),
        },
    )


@require_POST
@capability_required("view_agent_space")
def assessment_validate(request, pk: int):
    assessment = selectors.assessment_get(commune=request.commune, pk=pk)
    services.assessment_validate(commune=request.commune, actor=request.user, assessment=assessment)
    messages.success(request, _("Le diagnostic est validé."))
    return redirect("planning:assessment_detail", pk=assessment.pk)


@require_POST
@capability_required("plan")
def assessment_for_report(request, pk: int):
    assessment = selectors.assessment_get(commune=request.commune, pk=pk)
    try:
        services.assessment_choose_for_report(
            commune=request.commune, actor=request.user, assessment=assessment
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Ce diagnostic sera présenté dans le rapport au conseil municipal."))
    return redirect("planning:assessment_detail", pk=assessment.pk)


@capability_required("view_agent_space")
def assessment_compare(request):
    assessments = list(selectors.assessment_list(commune=request.commune))
    by_pk = {str(a.pk): a for a in assessments}
    first = by_pk.get(request.GET.get("a", ""))
    second = by_pk.get(request.GET.get("b", ""))
    grid = maturity.load_grid()
    context: dict[str, Any] = {
        "assessments": assessments,
        "first": first,
        "second": second,
        "domains": grid.domains,
    }
    if first and second:
        title = _("Comparaison des auto-diagnostics : trait plein %(a)s, pointillés %(b)s") % {
            "a": _series_name(first),
            "b": _series_name(second),
        }
        context["chart"] = assessment_radar(
            grid,
            first.scores,
            chart_id="radar-compare",
            title=title,
            name=_series_name(first),
            table_caption=_("Scores des deux diagnostics par domaine"),
            compare=second.scores,
            compare_name=_series_name(second),
            with_gap=True,
        )
    return render(request, "planning/assessment_compare.html", context)
