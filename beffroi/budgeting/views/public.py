"""Residents' pages: the budgets, a budget by phase, ideas (with or without an account), the vote (with an account
or with a printed code alone), the results with why each project won or lost, the public draw, the suivi."""

import dataclasses
import hashlib
import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from beffroi.accounts.decorators import capability_required, login_reason
from beffroi.accounts.guards import require_open_to_public
from beffroi.accounts.selectors import user_can
from beffroi.budgeting import forms, results_page, selectors, services
from beffroi.budgeting.models import BallotType, Phase
from beffroi.budgeting.results import (
    BudgetCount,
)
from beffroi.core import fragments
from beffroi.core.abuse import RateLimited, client_ip, submitter_hash
from beffroi.core.decorators import commune_required
from beffroi.core.forms import files_with_held, keep_pictures, release_held
from beffroi.core.page_cache import public_page, shows_on_no_kept_page
from beffroi.core.pictures import picture_response


@require_safe
@commune_required
def index(request):
    budgets = selectors.budget_list(commune=request.commune)
    return render(request, "budgeting/index.html", {"budgets": budgets})


def _card_values(p) -> tuple:
    """Every value a project's or an idea's public card shows (the key of the cards kept in the fragments cache)."""
    return (
        p.pk,
        p.title,
        p.description,
        p.category,
        p.place.name if p.place else "",
        p.location,
        p.estimated_cost,
        p.final_cost,
        p.status,
        p.decision,
        p.merged_into.title if p.merged_into else None,
        bool(p.picture_thumbnail),
        p.picture_alt,
    )


@require_safe
@commune_required
def budget_detail(request, slug):
    """The budget by phase. Its projects' cards are kept in the `fragments` cache under every value they show."""
    staff = user_can(commune=request.commune, user=request.user, capability="handle_requests")
    budget = selectors.budget_get(commune=request.commune, slug=slug, include_drafts=staff)
    phase = budget.phase
    ballot_projects = [
        p for p in selectors.project_cards(commune=request.commune, budget=budget) if p.on_ballot
    ]
    sub_budgets = selectors.sub_budget_list(budget=budget)
    context = {
        "budget": budget,
        "phase": phase,
        "Phase": Phase,
        "ballot_projects": ballot_projects,
        "cards_shown": (budget.slug, [_card_values(p) for p in ballot_projects]),
        "sub_budgets": sub_budgets,
        "general_envelope": selectors.general_envelope_amount(budget=budget, sub_budgets=sub_budgets),
        "winners": phase in (Phase.RESULTS, Phase.FOLLOWUP)
        and selectors.has_winners(commune=request.commune, budget=budget),
        "has_voted": selectors.has_voted(budget=budget, user=request.user),
        "has_codes": phase == Phase.VOTE and selectors.budget_has_codes(budget=budget),
    }
    return render(request, "budgeting/detail.html", context)


@require_safe
@commune_required
def ideas(request, slug):
    """The ideas and the mairie's decisions; their cards are kept in the `fragments` cache under every value
    they show."""
    budget = selectors.budget_get(commune=request.commune, slug=slug)
    projects = selectors.project_cards(commune=request.commune, budget=budget)
    context = {
        "budget": budget,
        "ideas": projects,
        "cards_shown": (budget.slug, [_card_values(p) for p in projects]),
    }
    return render(request, "budgeting/ideas.html", context)


@require_safe
@commune_required
def idea(request, slug, pk):
    """One idea: its whole text, where the mairie's study left it (decision, cost, merge) and, for a winning
    project, its progress notes. The page « Mon espace » links each of a person's ideas to."""
    budget = selectors.budget_get(commune=request.commune, slug=slug)
    project = selectors.idea_get(commune=request.commune, budget=budget, pk=pk)
    return render(request, "budgeting/idea.html", {"budget": budget, "idea": project})


@require_safe
@commune_required
def idea_picture(request, slug, pk, size="photo"):
    """The photo a resident gave with an idea: public as the idea is (the budget published)."""
    budget = selectors.budget_get(commune=request.commune, slug=slug)
    project = selectors.project_list(commune=request.commune, budget=budget).filter(pk=pk).first()
    if project is None:
        raise Http404("Idée introuvable.")
    return picture_response(project, thumbnail=size == "vignette")


@require_http_methods(["GET", "HEAD", "POST"])
@commune_required
def idea_submit(request, slug):
    """Submit an idea, with an account or without one (optional name and e-mail, honeypot, rate limit)."""
    require_open_to_public(commune=request.commune, user=request.user)
    budget = selectors.budget_get(commune=request.commune, slug=slug)
    if budget.phase != Phase.IDEAS:
        messages.error(request, _("Le dépôt des idées n'est pas ouvert pour ce budget."))
        return redirect("budgeting:detail", slug=budget.slug)
    member = user_can(commune=request.commune, user=request.user, capability="participate")
    form = forms.IdeaForm(
        request.POST or None,
        files_with_held(request, "picture") or None,
        commune=request.commune,
        budget=budget,
        anonymous=not member,
    )
    trap = forms.HoneypotForm(request.POST or None)
    limited = False
    if request.method == "POST" and form.is_valid():
        submitter = "" if member else submitter_hash(client_ip(request))
        if not trap.is_valid():  # the honeypot was filled in (core.abuse.HoneypotMixin)
            form.add_error(None, list(trap.non_field_errors()))
        else:
            try:
                services.idea_submit(
                    commune=request.commune,
                    budget=budget,
                    author=request.user if member else None,
                    submitter=submitter,
                    rate_limited=not member,
                    **form.cleaned_data,
                )
            except RateLimited as exc:
                form.add_error(None, exc.message)
                limited = True
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                release_held(request, "picture")
                messages.success(
                    request,
                    _("Merci ! Votre idée est déposée ; la mairie l'étudiera et publiera sa décision."),
                )
                return redirect("budgeting:ideas", slug=budget.slug)
    keep_pictures(form, commune_id=request.commune.pk)
    return render(
        request,
        "budgeting/idea_form.html",
        {"budget": budget, "form": form, "trap": trap, "member": member},
        status=429 if limited else 200,
    )


def _ballot_inputs(budget, rows: list[dict[str, Any]], rank_options: range) -> str:
    """The ballot's inputs (budgeting/_ballot_inputs.html), kept in the `fragments` cache under everything they
    show: the budget's ballot settings, and each project's title, cost, thumbnail and the value chosen for it."""
    parts = (
        budget.pk,
        budget.slug,
        budget.ballot_type,
        budget.basket_limit,
        budget.points_total,
        budget.min_choices,
        budget.max_choices,
        budget.max_points_per_project,
        len(rank_options),
        tuple(
            (
                r["project"].pk,
                r["project"].title,
                r["project"].cost,
                bool(r["project"].picture_thumbnail),
                r["value"],
            )
            for r in rows
        ),
    )
    context = {"budget": budget, "rows": rows, "rank_options": rank_options, "BallotType": BallotType}
    return mark_safe(  # the template's own output, escaped when it was rendered
        fragments.rendered(
            "budget-ballot", parts, lambda: render_to_string("budgeting/_ballot_inputs.html", context)
        )
    )


def _ballot_context(budget, projects, choices: dict[int, int]) -> dict[str, Any]:
    """What both ballot pages (with an account, with a code) show about the ballot being filled in."""
    basket_total = sum(p.cost for p in projects if choices.get(p.pk))
    rows = forms.ballot_rows(projects, choices)
    rank_options = range(1, (budget.max_choices or len(projects)) + 1)
    return {
        "rows": rows,
        "ballot_inputs": _ballot_inputs(budget, rows, rank_options),
        "basket_total": basket_total,
        "basket_left": budget.basket_limit - basket_total,
        "points_used": sum(choices.values()) if budget.ballot_type == BallotType.CUMULATIVE else 0,
        "rank_options": rank_options,
        "BallotType": BallotType,
    }


@login_reason(gettext_lazy("Connectez-vous pour voter."))
@require_http_methods(["GET", "HEAD", "POST"])
@commune_required
@shows_on_no_kept_page  # a ballot is secret: the public pages show the count's results
def vote(request, slug):
    budget = selectors.budget_get(commune=request.commune, slug=slug)
    projects = selectors.ballot_projects(commune=request.commune, budget=budget)
    reason = selectors.voter_can_vote_reason(budget=budget, voter=request.user)
    errors: list[str] = []
    choices = selectors.ballot_of(budget=budget, voter=request.user)
    recomputed = False
    if request.method == "POST" and not reason:
        choices, errors = forms.parse_ballot(budget, projects, request.POST)
        if request.POST.get("action") == "recalculer":
            recomputed = True
            errors += selectors.ballot_errors(budget=budget, choices=choices)
        elif not errors:
            try:
                services.ballot_cast(
                    commune=request.commune,
                    budget=budget,
                    voter=request.user,
                    choices=choices,
                    attested=bool(request.POST.get("attestation")),
                )
            except ValidationError as exc:
                errors = list(exc.messages)
            else:
                return redirect("budgeting:vote_done", slug=budget.slug)
    elif request.method == "POST" and reason:  # a POST refused for `reason`
        errors = [reason]
    context = {
        "budget": budget,
        "reason": reason,
        "errors": errors,
        "code_form": forms.VotingCodeForm(),
        "needs_code": request.user.is_authenticated
        and budget.phase == Phase.VOTE
        and not selectors.is_verified(budget=budget, user=request.user),
        "has_voted": selectors.has_voted(budget=budget, user=request.user),
        "has_codes": selectors.budget_has_codes(budget=budget),
        "recomputed": recomputed,
        **_ballot_context(budget, projects, choices),
    }
    return render(request, "budgeting/vote.html", context, status=400 if errors else 200)


@require_POST
@capability_required("participate")
def vote_code_verify(request, slug):
    """A logged-in resident unlocks voting on their account with a printed code."""
    budget = selectors.budget_get(commune=request.commune, slug=slug)
    form = forms.VotingCodeForm(request.POST)
    if form.is_valid():
        try:
            services.voter_verify_with_code(
                commune=request.commune,
                budget=budget,
                voter=request.user,
                code=form.cleaned_data["code"],
                client=submitter_hash(client_ip(request)),
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Code accepté : vous pouvez voter."))
    else:
        messages.error(request, _("Saisissez le code de vote imprimé."))
    return redirect("budgeting:vote", slug=budget.slug)


@require_http_methods(["GET", "HEAD", "POST"])
@commune_required
@shows_on_no_kept_page  # a ballot is secret: the public pages show the count's results
def vote_with_code(request, slug):
    """Vote with the printed code alone, no account: the address on the slip (and its QR code) carries the code.

    The code is checked only when the ballot is sent (a POST, CSRF-protected); wrong codes count towards the
    client's lock-out. A refused ballot keeps the code and the choices on the page.
    """
    budget = selectors.budget_get(commune=request.commune, slug=slug)
    projects = selectors.ballot_projects(commune=request.commune, budget=budget)
    reason = (
        None if budget.phase == Phase.VOTE else selectors.voter_can_vote_reason(budget=budget, voter=None)
    )
    errors: list[str] = []
    choices: dict[int, int] = {}
    recomputed = False
    if request.method == "POST":
        code_form = forms.VotingCodeForm(request.POST)
        choices, errors = forms.parse_ballot(budget, projects, request.POST)
        if reason:
            errors = [reason]
        elif request.POST.get("action") == "recalculer":
            # Only the total was asked for: nothing is refused, the code is not checked yet.
            recomputed = True
            errors += selectors.ballot_errors(budget=budget, choices=choices)
            code_form = forms.VotingCodeForm(initial={"code": request.POST.get("code", "")[:20]})
        elif not code_form.is_valid():
            errors.insert(0, _("Saisissez le code de vote imprimé sur le papier reçu de la mairie."))
            code_form = forms.VotingCodeForm(initial={"code": request.POST.get("code", "")[:20]})
        elif not errors:
            try:
                services.ballot_cast_with_code(
                    commune=request.commune,
                    budget=budget,
                    code=code_form.cleaned_data["code"],
                    choices=choices,
                    client=submitter_hash(client_ip(request)),
                )
            except ValidationError as exc:
                errors = list(exc.messages)
            else:
                return redirect("budgeting:vote_with_code_done", slug=budget.slug)
    else:
        initial = request.GET.get("code", "")[:20]
        code_form = forms.VotingCodeForm(initial={"code": initial})
    context = {
        "budget": budget,
        "reason": reason,
        "errors": errors,
        # The form before it is sent (empty, or filled in by the slip's address) is the same for everyone: kept
        # rendered in the fragments cache; after a POST it shows what was typed and its errors.
        "code_form": code_form
        if request.method == "POST"
        else fragments.rendered("budget-code-form", (code_form.initial["code"],), code_form.render),
        "recomputed": recomputed,
        **_ballot_context(budget, projects, choices),
    }
    return render(
        request, "budgeting/vote_code.html", context, status=400 if errors and not recomputed else 200
    )


@require_safe
@commune_required
def vote_with_code_done(request, slug):
    budget = selectors.budget_get(commune=request.commune, slug=slug)
    return render(request, "budgeting/vote_code_done.html", {"budget": budget})


@require_safe
@capability_required("participate")
def vote_done(request, slug):
    budget = selectors.budget_get(commune=request.commune, slug=slug)
    if not selectors.has_voted(budget=budget, user=request.user):
        return redirect("budgeting:vote", slug=budget.slug)
    projects = {p.pk: p for p in selectors.ballot_projects(commune=request.commune, budget=budget)}
    mine = selectors.ballot_of(budget=budget, voter=request.user)
    chosen = sorted(
        ((projects[pk], v) for pk, v in mine.items() if pk in projects),
        key=lambda item: (item[1] if budget.ballot_type == BallotType.RANKING else -item[1], item[0].title),
    )
    return render(
        request, "budgeting/vote_done.html", {"budget": budget, "chosen": chosen, "BallotType": BallotType}
    )


@require_safe
@commune_required
@public_page
def results(request, slug):
    """The published results. Their content changes only with the stored count (a new count stores new results)
    and with the budget's title, address, amount and ballot type: it is kept in the `fragments` cache under the
    digest of the stored results and those values (docs/contributing.md, « A fragment worth caching »)."""
    budget, stored = selectors.published_results_get(commune=request.commune, slug=slug)
    commune_slug = request.commune.slug
    body = fragments.rendered(
        "budget-results",
        (
            budget.pk,
            hashlib.blake2b(stored.encode(), digest_size=16).hexdigest(),
            budget.title,
            budget.slug,
            budget.total_amount,
            budget.ballot_type,
            commune_slug,
        ),
        lambda: results_page.results_body(budget, BudgetCount.from_json(json.loads(stored)), commune_slug),
    )
    return render(request, "budgeting/results.html", {"budget": budget, "body": mark_safe(body)})


@require_safe
@commune_required
def results_draw(request, slug):
    """The tie-breaking draw, public: when, from which seed, the order it gave and every tie it decided."""
    budget, data = selectors.results_get(commune=request.commune, slug=slug)
    projects = data.projects
    seed = data.draw_seed
    order = [
        {
            "position": i,
            "id": pid,
            "title": projects[pid].title if pid in projects else pid,
            "fingerprint": selectors.draw_fingerprint(seed, pid) if seed else "",
        }
        for i, pid in enumerate(data.draw, start=1)
    ]
    criteria = {
        "cost": _("le moins cher"),
        "votes": _("le plus de voix"),
        "draw": _("tirage au sort"),
    }
    ties = [
        {
            **dataclasses.asdict(t),
            "tied_titles": [projects[p].title for p in t.tied if p in projects],
            "chosen_title": projects[t.chosen].title if t.chosen in projects else t.chosen,
            "criterion_label": criteria.get(t.criterion, t.criterion),
        }
        for t in data.tie_breaks
    ]
    context = {
        "budget": budget,
        "data": data,
        "seed": seed,
        "order": order,
        "ties": ties,
        "drawn": [t for t in ties if t["criterion"] == "draw"],
        "draw_at": data.draw_at,
        "example_id": order[0]["id"] if order else "",
    }
    return render(request, "budgeting/results_draw.html", context)


@require_safe
@commune_required
def followup(request, slug):
    budget = selectors.budget_get(commune=request.commune, slug=slug)
    winners = selectors.winners_list(commune=request.commune, budget=budget)
    return render(request, "budgeting/followup.html", {"budget": budget, "winners": winners})
