"""Setting up a budget (agents with `handle_requests`): the budget's settings and its envelopes."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from beffroi.accounts.decorators import capability_required
from beffroi.budgeting import forms, selectors, services


def _budget(request, slug):
    return selectors.budget_get(commune=request.commune, slug=slug, include_drafts=True)


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("handle_requests")
def budget_form(request, slug=None):
    """Create a budget, or change its settings; the page says which fields changed."""
    budget = _budget(request, slug) if slug else None
    # The form fills its own copy of the budget: the page keeps the stored title when the form has errors, and
    # the service compares the new values with the stored row.
    edited = _budget(request, slug) if slug else None
    form = forms.BudgetForm(request.POST or None, instance=edited, commune=request.commune)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            if budget is None:
                budget = services.budget_create(commune=request.commune, actor=request.user, **fields)
                messages.success(request, _("Budget créé."))
            else:
                budget, changed = services.budget_update(
                    commune=request.commune, budget=budget, actor=request.user, **fields
                )
                if changed:
                    labels = [str(forms.BudgetForm.base_fields[name].label) for name in changed]
                    messages.success(
                        request,
                        _("Budget enregistré. Modifié : %(fields)s.") % {"fields": ", ".join(labels)},
                    )
                else:
                    messages.info(request, _("Aucune modification."))
        except ValidationError as exc:
            forms.add_service_errors(form, exc)
        else:
            return redirect("budgeting:agent_budget", slug=budget.slug)
    status = 400 if form.errors else 200
    return render(
        request, "budgeting/agent/budget_form.html", {"budget": budget, "form": form}, status=status
    )


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("handle_requests")
def sub_budgets(request, slug, pk=None):
    """The budget's envelopes (per district or category): list, add, or edit the one `pk`."""
    budget = _budget(request, slug)
    sub = selectors.sub_budget_get(budget=budget, pk=pk) if pk else None
    initial = {"name": sub.name, "amount": sub.amount} if sub else None
    form = forms.SubBudgetForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if sub is None:
                services.sub_budget_create(
                    commune=request.commune, budget=budget, actor=request.user, **form.cleaned_data
                )
            else:
                services.sub_budget_update(
                    commune=request.commune, sub_budget=sub, actor=request.user, **form.cleaned_data
                )
        except ValidationError as exc:
            forms.add_service_errors(form, exc)
        else:
            messages.success(request, _("Enveloppe enregistrée."))
            return redirect("budgeting:agent_sub_budgets", slug=budget.slug)
    subs = selectors.sub_budget_list(budget=budget, with_project_counts=True)
    allotted = sum(x.amount for x in subs)
    context = {
        "budget": budget,
        "form": form,
        "sub": sub,
        "sub_budgets": subs,
        "allotted": allotted,
        "general": budget.total_amount - allotted,
        "locked": selectors.sub_budgets_locked(budget=budget),
    }
    return render(request, "budgeting/agent/sub_budgets.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("handle_requests")
def sub_budget_delete(request, slug, pk):
    """Delete an envelope, after a page that says where its projects go."""
    budget = _budget(request, slug)
    sub = selectors.sub_budget_get(budget=budget, pk=pk)
    if request.method == "POST":
        try:
            services.sub_budget_delete(commune=request.commune, sub_budget=sub, actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("Enveloppe « %(name)s » supprimée : ses projets reviennent au budget général.")
                % {"name": sub.name},
            )
        return redirect("budgeting:agent_sub_budgets", slug=budget.slug)
    return render(
        request,
        "budgeting/agent/sub_budget_delete.html",
        {"budget": budget, "sub": sub, "n_projects": sub.projects.count()},
    )
