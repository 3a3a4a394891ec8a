"""Pages of the Financements module: the mechanism catalogue (public) and the financing-plan editor."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from beffroi.accounts.decorators import capability_required
from beffroi.accounts.selectors import user_can
from beffroi.core.decorators import commune_required
from beffroi.funding import selectors, services
from beffroi.funding.catalogue import load_mechanisms
from beffroi.funding.forms import CommuneZonageForm, FinancingLineForm, FinancingPlanForm


def _can_plan(request) -> bool:
    return user_can(commune=request.commune, user=request.user, capability="plan")


@commune_required
def mechanism_list(request):
    vocab = selectors.vocabulary()
    theme = request.GET.get("theme", "")
    stage = request.GET.get("etape", "")
    funder_kind = request.GET.get("financeur", "")
    query = request.GET.get("q", "")
    mechanisms = selectors.mechanism_list(
        theme=theme if theme in vocab.themes else "",
        stage=stage if stage in vocab.stages else "",
        funder_kind=funder_kind if funder_kind in vocab.funder_kinds else "",
        query=query,
    )
    return render(
        request,
        "funding/mechanism_list.html",
        {
            "mechanisms": mechanisms,
            "total": len(load_mechanisms()),
            "vocab": vocab,
            "themes": sorted(vocab.themes.items(), key=lambda kv: kv[1]),
            "stages": list(vocab.stages.items()),
            "funder_kinds": sorted(vocab.funder_kinds.items(), key=lambda kv: kv[1]),
            "selected": {"theme": theme, "etape": stage, "financeur": funder_kind, "q": query},
            "can_plan": _can_plan(request),
            "verified_count": sum(1 for m in load_mechanisms() if m.verified_on),
        },
    )


@commune_required
def mechanism_detail(request, code: str):
    mechanism = selectors.mechanism_get(code=code)
    vocab = selectors.vocabulary()
    return render(
        request,
        "funding/mechanism_detail.html",
        {
            "mechanism": mechanism,
            "vocab": vocab,
            "themes": [vocab.themes.get(t, t) for t in mechanism.themes],
            "stages": [vocab.stages.get(s, s) for s in mechanism.stages],
            "aid_types": [vocab.aid_types.get(a, a) for a in mechanism.aid_types],
            "beneficiaries": [
                vocab.beneficiaries[b].plural if b in vocab.beneficiaries else b
                for b in mechanism.beneficiaries
            ],
            "funder_kind": vocab.funder_kinds.get(mechanism.funder_kind, mechanism.funder_kind),
            "regions": [vocab.region_name(r) for r in mechanism.regions],
            "departements": [vocab.departement_name(d) for d in mechanism.departements],
            "zonages": [vocab.zonages.get(z, (z, ""))[0] for z in mechanism.zonages],
            "conditions": [vocab.conditions.get(c, c) for c in mechanism.conditions],
        },
    )


def plan_context(request, plan, **extra):
    lines = selectors.plan_lines(plan=plan)
    mechanisms = {m.code: m for m in selectors.mechanisms_by_code(line.mechanism_code for line in lines)}
    return {
        "plan": plan,
        "lines": lines,
        "line_mechanisms": mechanisms,
        "totals": selectors.plan_totals(lines=lines),
        "check": selectors.plan_check(plan=plan, lines=lines),
        "can_plan": _can_plan(request),
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
    form = FinancingLineForm(request.POST or None, mechanisms=load_mechanisms())
    if request.method == "POST":
        if form.is_valid():
            try:
                services.line_add(commune=request.commune, actor=request.user, plan=plan, **form.cleaned_data)
            except ValidationError as error:
                _attach(form, error)
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
    form = FinancingLineForm(request.POST or None, instance=line, mechanisms=load_mechanisms())
    if request.method == "POST":
        if form.is_valid():
            try:
                services.line_update(
                    commune=request.commune, actor=request.user, line=line, **form.cleaned_data
                )
            except ValidationError as error:
                _attach(form, error)
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


def _attach(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


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
