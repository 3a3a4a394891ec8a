"""Élus' and agents' pages of the Financements module: the financing-plan editor (read by the agents' space,
changed with "plan") and the commune's zonages."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from beffroi.accounts.decorators import capability_required
from beffroi.accounts.selectors import user_can
from beffroi.core.forms import add_service_errors
from beffroi.funding import selectors, services
from beffroi.funding.forms import CommuneZonageForm, FinancingLineForm, FinancingPlanForm


def plan_context(request, plan, **extra):
    lines = selectors.plan_lines(plan=plan)
    mechanisms = {m.code: m for m in selectors.mechanisms_by_code(line.mechanism_code for line in lines)}
    return {
        "plan": plan,
        "lines": lines,
        "line_mechanisms": mechanisms,
        "totals": selectors.plan_totals(lines=lines),
        "check": selectors.plan_check(plan=plan, lines=lines),
        "balance": selectors.plan_balance(plan=plan, lines=lines),
        "can_plan": user_can(commune=request.commune, user=request.user, capability="plan"),
        "project": getattr(plan, "project", None),
        **extra,
    }


@capability_required("view_agent_space")
def plan_detail(request, pk: int):
    plan = selectors.plan_get(commune=request.commune, pk=pk)
    return render(
        request,
        "funding/plan_detail.html",
        plan_context(request, plan, regime_form=FinancingPlanForm(instance=plan)),
    )


@require_POST
@capability_required("plan")
def plan_regime(request, pk: int):
    plan = selectors.plan_get(commune=request.commune, pk=pk)
    form = FinancingPlanForm(request.POST, instance=plan)
    if form.is_valid():
        services.plan_update(commune=request.commune, actor=request.user, plan=plan, **form.cleaned_data)
        messages.success(request, _("Le régime du plan de financement est enregistré."))
        _flag_check(request, plan)
        return redirect("funding:plan_detail", pk=plan.pk)
    plan.refresh_from_db()
    return render(
        request,
        "funding/plan_detail.html",
        plan_context(request, plan, regime_form=form, has_errors=True),
        status=400,
    )


def _flag_check(request, plan) -> None:
    check = selectors.plan_check(plan=plan)
    balance = selectors.plan_balance(plan=plan)
    if balance is not None and not balance.ok:
        messages.warning(request, _("Attention : %(message)s") % {"message": balance.message})
    if not check.ok:
        messages.warning(
            request,
            _(
                "Attention : ce plan ne respecte pas la participation minimale du maître d'ouvrage. %(message)s"
            )
            % {"message": check.message},
        )


def _line_form_page(request, plan, form, line=None, status=200):
    return render(
        request,
        "funding/line_form.html",
        {"plan": plan, "form": form, "line": line, "project": getattr(plan, "project", None)},
        status=status,
    )


@capability_required("plan")
def line_add(request, pk: int):
    plan = selectors.plan_get(commune=request.commune, pk=pk)
    form = FinancingLineForm(
        request.POST or None,
        mechanisms=selectors.mechanism_list_for_commune(commune=request.commune, today=timezone.localdate()),
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                services.line_add(commune=request.commune, actor=request.user, plan=plan, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("La ligne de financement est ajoutée."))
                _flag_check(request, plan)
                return redirect("funding:plan_detail", pk=plan.pk)
        return _line_form_page(request, plan, form, status=400)
    return _line_form_page(request, plan, form)


@capability_required("plan")
def line_edit(request, pk: int, line_pk: int):
    plan = selectors.plan_get(commune=request.commune, pk=pk)
    line = selectors.line_get(plan=plan, pk=line_pk)
    form = FinancingLineForm(
        request.POST or None,
        instance=line,
        mechanisms=selectors.mechanism_list_for_commune(
            commune=request.commune, today=timezone.localdate(), keep=line.mechanism_code
        ),
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                services.line_update(
                    commune=request.commune, actor=request.user, line=line, **form.cleaned_data
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("La ligne de financement est modifiée."))
                _flag_check(request, plan)
                return redirect("funding:plan_detail", pk=plan.pk)
        return _line_form_page(
            request, plan, form, line=selectors.line_get(plan=plan, pk=line_pk), status=400
        )
    return _line_form_page(request, plan, form, line=line)


@capability_required("plan")
def line_delete(request, pk: int, line_pk: int):
    plan = selectors.plan_get(commune=request.commune, pk=pk)
    line = selectors.line_get(plan=plan, pk=line_pk)
    if request.method == "POST":
        services.line_delete(commune=request.commune, actor=request.user, line=line)
        messages.success(request, _("La ligne de financement est supprimée."))
        _flag_check(request, plan)
        return redirect("funding:plan_detail", pk=plan.pk)
    return render(request, "funding/line_delete.html", {"plan": plan, "line": line})


@capability_required("plan")
def commune_zonages(request):
    """The commune's zonages (FRR, QPV, PVD…), which the matching of aids reads."""
    vocab = selectors.vocabulary()
    states = selectors.commune_zonages(commune=request.commune)
    form = CommuneZonageForm(request.POST or None, vocabulary=vocab, initial_states=states)
    if request.method == "POST":
        if form.is_valid():
            services.commune_zonages_set(
                commune=request.commune, actor=request.user, states=form.cleaned_data
            )
            messages.success(request, _("Les zonages de la commune sont enregistrés."))
            return redirect("funding:commune_zonages")
        return render(request, "funding/commune_zonages.html", {"form": form, "has_errors": True}, status=400)
    return render(request, "funding/commune_zonages.html", {"form": form})
