"""Downloads of the published results, for anyone to check the count: the anonymous ballots and the result in
pabulib format (`.pb`), and the result per project as CSV."""

from django.http import HttpResponse
from django.views.decorators.http import require_safe

from beffroi.budgeting import selectors
from beffroi.core.decorators import commune_required
from beffroi.core.exports import csv_response


@require_safe
@commune_required
def results_pb(request, slug):
    budget, results = selectors.results_get(commune=request.commune, slug=slug)
    text = selectors.results_pabulib(commune=request.commune, budget=budget, results=results)
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{request.commune.slug}_{budget.slug}.pb"'
    return response


@require_safe
@commune_required
def results_csv(request, slug):
    budget, results = selectors.results_get(commune=request.commune, slug=slug)
    header = [
        "projet",
        "titre",
        "cout",
        "voix",
        "score",
        "retenu",
        "rang",
        "raison",
        "voix_effectives",
        "prix_par_soutien",
        "budget_restant_glouton",
        "retenu_par_glouton",
        "enveloppe",
        "retenu_avec_reliquat",
    ]
    rows = [
        [
            pid,
            r.title,
            r.cost,
            r.votes,
            r.score,
            r.selected,
            r.position,
            r.reason_label,
            r.effective_votes,
            r.price,
            r.budget_left,
            r.greedy_selected,
            r.group,
            r.leftover,
        ]
        for pid, r in results.projects.items()
    ]
    return csv_response(
        filename=f"{request.commune.slug}_{budget.slug}_resultats.csv", header=header, rows=rows
    )
