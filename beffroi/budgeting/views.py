"""Pages of the participatory budget: residents (list, budget by phase, ideas, vote, results, suivi) and agents
(set-up, instruction, codes, counter verification, paper ballots, who voted, count). Thin: services do the work."""

import types
from decimal import Decimal
from urllib.parse import urlencode

import segno
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from beffroi.accounts.decorators import capability_required
from beffroi.accounts.selectors import user_can
from beffroi.core.abuse import RateLimited, client_ip, submitter_hash
from beffroi.core.decorators import commune_required
from beffroi.core.exports import csv_response
from beffroi.core.formatting import format_eur_short

from . import forms, selectors, services
from .models import BallotType, Phase, SubBudget
from .pabulib import election_to_pabulib, write_pabulib
from .personal_data import voted_with_erased_account


def _errors(exc: ValidationError) -> list[str]:
    return list(exc.messages)


def _is_agent(request) -> bool:
    return user_can(commune=request.commune, user=request.user, capability="handle_requests")


# --------------------------------------------------------------------------------------------------------------
# Residents
# --------------------------------------------------------------------------------------------------------------


@require_safe
@commune_required
def index(request):
    budgets = selectors.budget_list(commune=request.commune)
    return render(request, "budgeting/index.html", {"budgets": budgets})


@require_safe
@commune_required
def budget_detail(request, slug):
    budget = selectors.budget_get(commune=request.commune, slug=slug, include_drafts=_is_agent(request))
    projects = selectors.project_list(commune=request.commune, budget=budget)
    context = {
        "budget": budget,
        "phase": budget.phase,
        "Phase": Phase,
        "ballot_projects": [p for p in projects if p.on_ballot],
        "ideas": projects,
        "winners": selectors.winners_list(commune=request.commune, budget=budget),
        "has_voted": selectors.has_voted(budget=budget, user=request.user),
        "has_codes": budget.phase == Phase.VOTE and selectors.budget_has_codes(budget=budget),
    }
    return render(request, "budgeting/detail.html", context)


@require_safe
@commune_required
def ideas(request, slug):
    budget = selectors.budget_get(commune=request.commune, slug=slug)
    projects = selectors.project_list(commune=request.commune, budget=budget)
    return render(request, "budgeting/ideas.html", {"budget": budget, "ideas": projects})


@require_http_methods(["GET", "HEAD", "POST"])
@commune_required
def idea_submit(request, slug):
    """Submit an idea, with an account or without one (optional name and e-mail, honeypot, rate limit)."""
    budget = selectors.budget_get(commune=request.commune, slug=slug)
    if budget.phase != Phase.IDEAS:
        messages.error(request, _("Le dépôt des idées n'est pas ouvert pour ce budget."))
        return redirect("budgeting:detail", slug=budget.slug)
    member = user_can(commune=request.commune, user=request.user, capability="participate")
    form = forms.IdeaForm(request.POST or None, commune=request.commune, budget=budget, anonymous=not member)
    trap = forms.HoneypotForm(request.POST or None)
    limited = False
    if request.method == "POST" and form.is_valid():
        submitter = "" if member else submitter_hash(client_ip(request))
        if not trap.is_valid():  # the honeypot was filled in (core.abuse.HoneypotMixin)
            form.add_error(None, list(trap.non_field_errors()))
        else:
            try:
                services.idea_submit(
                    commune=request.commune, budget=budget, author=request.user if member else None,
                    submitter=submitter, rate_limited=not member, **form.cleaned_data,
                )  # fmt: skip
            except RateLimited as exc:
                form.add_error(None, exc.message)
                limited = True
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request,
                    _("Merci ! Votre idée est déposée ; la mairie l'étudiera et publiera sa décision."),
                )
                return redirect("budgeting:ideas", slug=budget.slug)
    return render(
        request, "budgeting/idea_form.html", {"budget": budget, "form": form, "trap": trap, "member": member},
        status=429 if limited else 200,
    )  # fmt: skip


def _ballot_rows(budget, projects, choices):
    rows = []
    for p in projects:
        rows.append({"project": p, "value": choices.get(p.pk, 0)})
    return rows


@require_http_methods(["GET", "HEAD", "POST"])
@commune_required
def vote(request, slug):
    budget = selectors.budget_get(commune=request.commune, slug=slug)
    projects = selectors.ballot_projects(commune=request.commune, budget=budget)
    reason = services.voter_can_vote_reason(budget, request.user)
    code_form = forms.VotingCodeForm()
    errors: list[str] = []
    choices = services.ballot_of(budget, request.user)
    recomputed = False
    if request.method == "POST" and not reason:
        choices, errors = forms.parse_ballot(budget, projects, request.POST)
        if request.POST.get("action") == "recalculer":
            recomputed = True
            errors += services.ballot_errors(budget, choices)
        elif not errors:
            try:
                services.ballot_cast(
                    commune=request.commune, budget=budget, voter=request.user, choices=choices,
                    attested=bool(request.POST.get("attestation")),
                )  # fmt: skip
            except ValidationError as exc:
                errors = _errors(exc)
            else:
                return redirect("budgeting:vote_done", slug=budget.slug)
    elif request.method == "POST" and reason:  # a POST refused for `reason`
        errors = [reason]
    basket_total = sum(p.cost for p in projects if choices.get(p.pk))
    context = {
        "budget": budget,
        "rows": _ballot_rows(budget, projects, choices),
        "reason": reason,
        "errors": errors,
        "code_form": code_form,
        "needs_code": request.user.is_authenticated
        and budget.phase == Phase.VOTE
        and not selectors.is_verified(budget=budget, user=request.user),
        "has_voted": selectors.has_voted(budget=budget, user=request.user),
        "has_codes": selectors.budget_has_codes(budget=budget),
        "basket_total": basket_total,
        "basket_left": budget.basket_limit - basket_total,
        "points_used": sum(choices.values()) if budget.ballot_type == BallotType.CUMULATIVE else 0,
        "rank_options": range(1, (budget.max_choices or len(projects)) + 1),
        "recomputed": recomputed,
        "BallotType": BallotType,
    }
    status = 400 if errors else 200
    return render(request, "budgeting/vote.html", context, status=status)


@require_POST
@capability_required("participate")
def vote_code_verify(request, slug):
    """A logged-in resident unlocks voting on their account with a printed code."""
    budget = selectors.budget_get(commune=request.commune, slug=slug)
    form = forms.VotingCodeForm(request.POST)
    if form.is_valid():
        try:
            services.voter_verify_with_code(
                commune=request.commune, budget=budget, voter=request.user, code=form.cleaned_data["code"],
                client=submitter_hash(client_ip(request)),
            )  # fmt: skip
        except ValidationError as exc:
            messages.error(request, " ".join(_errors(exc)))
        else:
            messages.success(request, _("Code accepté : vous pouvez voter."))
    else:
        messages.error(request, _("Saisissez le code de vote imprimé."))
    return redirect("budgeting:vote", slug=budget.slug)


@require_http_methods(["GET", "HEAD", "POST"])
@commune_required
def vote_with_code(request, slug):
    """Vote with the printed code alone, no account: the address on the slip (and its QR code) carries the code.

    The code is checked only when the ballot is sent (a POST, CSRF-protected); wrong codes count towards the
    client's lock-out. A refused ballot keeps the code and the choices on the page.
    """
    budget = selectors.budget_get(commune=request.commune, slug=slug)
    projects = selectors.ballot_projects(commune=request.commune, budget=budget)
    reason = None if budget.phase == Phase.VOTE else services.voter_can_vote_reason(budget, None)
    errors: list[str] = []
    choices: dict[int, int] = {}
    recomputed = False
    if request.method == "POST":
        code_form = forms.VotingCodeForm(request.POST)
        choices, errors = forms.parse_ballot(budget, projects, request.POST)
        if reason:
            errors = [reason]
        elif request.POST.get("action") == "recalculer":
            recomputed = True
            errors += services.ballot_errors(budget, choices)
        elif not code_form.is_valid():
            errors.insert(0, _("Saisissez le code de vote imprimé sur le papier reçu de la mairie."))
        elif not errors:
            try:
                services.ballot_cast_with_code(
                    commune=request.commune, budget=budget, code=code_form.cleaned_data["code"], choices=choices,
                    client=submitter_hash(client_ip(request)),
                )  # fmt: skip
            except ValidationError as exc:
                errors = _errors(exc)
            else:
                return redirect("budgeting:vote_with_code_done", slug=budget.slug)
    else:
        code_form = forms.VotingCodeForm(initial={"code": request.GET.get("code", "")[:20]})
    basket_total = sum(p.cost for p in projects if choices.get(p.pk))
    context = {
        "budget": budget,
        "rows": _ballot_rows(budget, projects, choices),
        "reason": reason,
        "errors": errors,
        "code_form": code_form,
        "basket_total": basket_total,
        "basket_left": budget.basket_limit - basket_total,
        "points_used": sum(choices.values()) if budget.ballot_type == BallotType.CUMULATIVE else 0,
        "rank_options": range(1, (budget.max_choices or len(projects)) + 1),
        "recomputed": recomputed,
        "BallotType": BallotType,
    }
    return render(request, "budgeting/vote_code.html", context, status=400 if errors else 200)


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
    mine = services.ballot_of(budget, request.user)
    chosen = sorted(
        ((projects[pk], v) for pk, v in mine.items() if pk in projects),
        key=lambda item: (item[1] if budget.ballot_type == BallotType.RANKING else -item[1], item[0].title),
    )
    return render(
        request, "budgeting/vote_done.html", {"budget": budget, "chosen": chosen, "BallotType": BallotType}
    )


def _results_or_404(request, slug):
    budget = selectors.budget_get(commune=request.commune, slug=slug)
    if not budget.results_published:
        raise Http404("Les résultats ne sont pas encore publiés.")
    return budget


def _chart(rows, key, width=340, bar_height=16, step=40):
    """Geometry of a horizontal bar chart (one bar per row, its title above it), drawn as SVG by the template.

    Narrow on purpose: drawn at a phone's width, the text stays at its size instead of being scaled down.
    """
    top = max((r[key] or 0 for r in rows), default=0) or 1
    bars = []
    for i, r in enumerate(rows):
        value = r[key] or 0
        length = max(1, round(value / top * (width - 110)))
        y = i * step
        bars.append(
            {"row": r, "title_y": y + 13, "y": y + 18, "text_y": y + 18 + bar_height - 3, "width": length,
             "value_x": length + 6, "value": value}
        )  # fmt: skip
    return {"bars": bars, "height": len(rows) * step, "width": width, "bar_height": bar_height}


# Why each project won or lost, read in the visitor's language (the stored results keep the reason's code;
# their `reason_label` is the French sentence of the count, kept for the pabulib and CSV exports).
REASON_TEXTS = {
    "selected": gettext_lazy("il tenait dans le budget restant"),
    "selected_mes": gettext_lazy("retenu par la méthode des parts égales"),
    "selected_completion": gettext_lazy("ajouté par le complément au plus grand nombre de voix"),
    "over_budget": gettext_lazy("son coût dépassait le budget restant"),
    "after_stop": gettext_lazy("le dépouillement s'arrête au premier projet qui ne tient pas"),
    "below_threshold": gettext_lazy("moins de voix que le seuil requis"),
    "ineligible": gettext_lazy("trop peu de soutiens au regard de son coût (filtre d'éligibilité)"),
    "no_support": gettext_lazy("aucune voix"),
    "not_affordable": gettext_lazy("l'argent restant de ses soutiens ne couvrait pas son coût"),
}
LEFTOVER_TEXT = gettext_lazy("financé avec le reliquat des enveloppes : il tenait dans l'argent restant")


def _reason_text(row):
    if row.get("leftover") and row.get("selected"):
        return LEFTOVER_TEXT
    return REASON_TEXTS.get(row.get("reason", ""), row.get("reason_label", ""))


def _eur(value) -> str:
    return "" if value is None else format_eur_short(Decimal(str(round(value))))


def _money_left(row, data):
    """The money there was for the project when it was decided (results counted before it was stored: what its
    envelope, or the whole budget, had left at the end)."""
    if row.get("money_left") is not None:
        return row["money_left"]
    if data["rule"] == "greedy" and row.get("budget_left") is not None:
        return row["budget_left"]
    leftover = data.get("leftover")
    if leftover:
        return leftover["amount"] - (leftover["total_cost"] or 0)
    group = next((g for g in data.get("groups") or [] if g.get("name", "") == row.get("group", "")), None)
    return group["amount"] - (group["total_cost"] or 0) if group else None


def _outcome_sentence(row, data) -> str:
    """Why the project won or lost, in one sentence with the figures that decided it (visitor's language)."""
    cost, votes = _eur(row["cost"]), row["votes"]
    left = _money_left(row, data)
    figures = {"cost": cost, "left": _eur(left), "votes": votes, "money": _eur(row.get("supporters_money"))}
    reason = row.get("reason", "")
    if row.get("selected"):
        if row.get("leftover"):
            return (
                _("Retenu avec le reliquat des enveloppes : il restait %(left)s, assez pour ses %(cost)s.")
                % figures
            )
        if reason == "selected_mes":
            return (
                ngettext(
                    "Retenu : la personne qui l'a choisi pouvait payer ses %(cost)s avec sa part du budget.",
                    "Retenu : les %(votes)s personnes qui l'ont choisi pouvaient payer ensemble ses %(cost)s avec "
                    "leurs parts du budget.",
                    votes,
                )
                % figures
            )
        if reason == "selected_completion":
            return (
                _(
                    "Retenu en complément : une fois les parts dépensées, il restait %(left)s, assez pour ses %(cost)s."
                )
                % figures
            )
        return (
            ngettext(
                "Retenu : avec %(votes)s voix, il tenait dans les %(left)s qui restaient (coût : %(cost)s).",
                "Retenu : avec %(votes)s voix, il tenait dans les %(left)s qui restaient (coût : %(cost)s).",
                votes,
            )
            % figures
        )
    if reason == "no_support" or not votes:
        return _("Non retenu : personne ne l'a choisi.")
    if reason in ("over_budget", "not_affordable") and left is not None and left < row["cost"]:
        return _("Non retenu : il ne restait que %(left)s pour un projet à %(cost)s.") % figures
    if reason == "not_affordable" and row.get("supporters_money") is not None:
        return (
            ngettext(
                "Non retenu : la personne qui l'a choisi n'avait plus que %(money)s de sa part pour un projet à "
                "%(cost)s ; la part des autres votants ne paie que les projets qu'ils ont choisis.",
                "Non retenu : ses %(votes)s soutiens n'avaient plus que %(money)s de leurs parts, à eux tous, pour un "
                "projet à %(cost)s ; la part des autres votants ne paie que les projets qu'ils ont choisis.",
                votes,
            )
            % figures
        )
    return _("Non retenu : %(reason)s.") % {"reason": REASON_TEXTS.get(reason, row.get("reason_label", ""))}


@require_safe
@commune_required
def results(request, slug):
    budget = _results_or_404(request, slug)
    data = budget.results
    rows = sorted(
        (
            {**r, "reason_text": _reason_text(r), "sentence": _outcome_sentence(r, data)}
            for r in data["projects"].values()
        ),
        key=lambda r: (-(r["score"] or 0), r["title"]),
    )
    winners = [data["projects"][w] for w in data["winners"] if w in data["projects"]]
    greedy = [data["projects"][w] for w in data["greedy_winners"] if w in data["projects"]]
    blank, void = data.get("num_paper_blank", 0), data.get("num_paper_void", 0)
    context = {
        "budget": budget,
        "data": data,
        "rows": rows,
        "winners": winners,
        "greedy": greedy,
        "same_as_greedy": set(data["winners"]) == set(data["greedy_winners"]),
        "chart": _chart(rows, "score"),
        "share_pct": round(data["share_with_funded"] * 100),
        "greedy_share_pct": round(data["greedy_share_with_funded"] * 100),
        "is_mes": data["rule"] != "greedy",
        "is_points": budget.ballot_type in (BallotType.CUMULATIVE, BallotType.RANKING),
        "envelopes": _envelopes(data),
        "leftover": _leftover(data),
        "num_blank": blank,
        "num_void": void,
        "turnout": data["num_voters"] + blank + void,
        "set_aside": data.get("paper_set_aside"),
    }
    return render(request, "budgeting/results.html", context)


def _envelopes(data):
    """Per sub-budget: name, amount and winners (None when the budget was counted in one piece)."""
    groups = data.get("groups") or []
    if len(groups) < 2 and not any(g.get("name") for g in groups):
        return None
    projects = data["projects"]
    return [
        {**g, "winner_rows": [projects[w] for w in g.get("winners", []) if w in projects]} for g in groups
    ]


def _leftover(data):
    leftover = data.get("leftover")
    if not leftover:
        return None
    return {
        **leftover,
        "winner_rows": [data["projects"][w] for w in leftover["winners"] if w in data["projects"]],
    }


@require_safe
@commune_required
def results_draw(request, slug):
    """The tie-breaking draw, public: when, from which seed, the order it gave and every tie it decided."""
    budget = _results_or_404(request, slug)
    data = budget.results
    projects = data["projects"]
    seed = data.get("draw_seed")
    order = [
        {"position": i, "id": pid, "title": projects[pid]["title"] if pid in projects else pid,
         "fingerprint": services.draw_fingerprint(seed, pid) if seed else ""}
        for i, pid in enumerate(data.get("draw") or [], start=1)
    ]  # fmt: skip
    criteria = {
        "cost": _("le moins cher"),
        "votes": _("le plus de voix"),
        "draw": _("tirage au sort"),
    }
    ties = [
        {**t, "tied_titles": [projects[p]["title"] for p in t["tied"] if p in projects],
         "chosen_title": projects.get(t["chosen"], {}).get("title", t["chosen"]),
         "criterion_label": criteria.get(t["criterion"], t["criterion"])}
        for t in data.get("tie_breaks") or []
    ]  # fmt: skip
    drawn = [t for t in ties if t["criterion"] == "draw"]
    context = {
        "budget": budget,
        "data": data,
        "seed": seed,
        "order": order,
        "ties": ties,
        "drawn": drawn,
        "draw_at": data.get("draw_at"),
        "example_id": order[0]["id"] if order else "",
    }
    return render(request, "budgeting/results_draw.html", context)


def _export_election(budget):
    ballots, _online, _paper = services.collected_ballots(budget)
    return services.election_for(budget, ballots, with_categories=True)


@require_safe
@commune_required
def results_pb(request, slug):
    budget = _results_or_404(request, slug)
    election = _export_election(budget)
    meta = {
        "description": budget.title,
        "country": "France",
        "unit": request.commune.name,
        "instance": str(timezone.localtime(budget.vote_close_at).year) if budget.vote_close_at else "",
        "rule": "greedy" if budget.rule == "greedy" else "equalshares/add1",
        "date_begin": timezone.localtime(budget.vote_open_at).strftime("%d.%m.%Y")
        if budget.vote_open_at
        else "",
        "date_end": timezone.localtime(budget.vote_close_at).strftime("%d.%m.%Y")
        if budget.vote_close_at
        else "",
        "language": "fr",
        "currency": "EUR",
    }
    if budget.ballot_type in (BallotType.APPROVAL, BallotType.RANKING) and budget.max_choices:
        meta["max_length"] = min(budget.max_choices, len(election.projects))
    if budget.ballot_type == BallotType.BASKET:
        meta["max_sum_cost"] = budget.basket_limit
    if budget.ballot_type == BallotType.CUMULATIVE:
        meta["max_sum_points"] = budget.points_total
    subs = list(budget.sub_budgets.all())
    if subs:  # pabulib's per-category budgets (as Amsterdam's files): `beffroi pb count` splits the count the same way
        meta["categories"] = ",".join(sub.name.replace(",", " ") for sub in subs)
        meta["budget_per_category"] = ",".join(str(sub.amount) for sub in subs)
        if budget.fund_leftover:
            meta["leftover_budget"] = (
                "Fund additional projects that fit within leftover budget ordered by score"
            )
    outcome = types.SimpleNamespace(winners=tuple(budget.results["winners"]))
    text = write_pabulib(election_to_pabulib(election, meta, outcome=outcome))
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{request.commune.slug}_{budget.slug}.pb"'
    return response


@require_safe
@commune_required
def results_csv(request, slug):
    budget = _results_or_404(request, slug)
    data = budget.results
    header = [
        "projet", "titre", "cout", "voix", "score", "retenu", "rang", "raison", "voix_effectives", "prix_par_soutien",
        "budget_restant_glouton", "retenu_par_glouton", "enveloppe", "retenu_avec_reliquat",
    ]  # fmt: skip
    rows = [
        [pid, r["title"], r["cost"], r["votes"], r["score"], bool(r["selected"]), r["position"], r["reason_label"],
         r["effective_votes"], r["price"], r["budget_left"], bool(r["greedy_selected"]), r.get("group", ""),
         bool(r.get("leftover"))]
        for pid, r in data["projects"].items()
    ]  # fmt: skip
    return csv_response(
        filename=f"{request.commune.slug}_{budget.slug}_resultats.csv", header=header, rows=rows
    )


@require_safe
@commune_required
def followup(request, slug):
    budget = selectors.budget_get(commune=request.commune, slug=slug)
    winners = selectors.winners_list(commune=request.commune, budget=budget)
    return render(request, "budgeting/followup.html", {"budget": budget, "winners": winners})


# --------------------------------------------------------------------------------------------------------------
# Agents
# --------------------------------------------------------------------------------------------------------------


def _agent_budget(request, slug):
    return selectors.budget_get(commune=request.commune, slug=slug, include_drafts=True)


@require_safe
@capability_required("view_agent_space")
def agent_index(request):
    """The budgets of the commune for the staff: agents manage them, élus follow the vote (read-only)."""
    budgets = selectors.budget_list(commune=request.commune, include_drafts=True)
    return render(
        request, "budgeting/agent/index.html", {"budgets": budgets, "can_manage": _is_agent(request)}
    )


def _can_run_votes(request) -> bool:
    return user_can(commune=request.commune, user=request.user, capability="run_votes")


@require_safe
@capability_required("view_agent_space")
def agent_follow(request, slug):
    """Following a vote, read-only (élus, and every staff member): phase, dates, turnout online, by code, paper."""
    budget = _agent_budget(request, slug)
    turnout = selectors.vote_turnout(commune=request.commune, budget=budget)
    paper = services.paper_tally(budget)
    context = {
        "budget": budget,
        "turnout": turnout,
        "paper": paper,
        "paper_counted": paper["valid"] + paper["blank"] + paper["void"],
        "pending": len(paper["single"]) + len(paper["mismatch"]),
        "total": turnout["online"] + paper["valid"] + paper["blank"] + paper["void"],
        "Phase": Phase,
        "can_manage": _is_agent(request),
        "can_run_votes": _can_run_votes(request),
    }
    return render(request, "budgeting/agent/follow.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("handle_requests")
def agent_budget_form(request, slug=None):
    budget = _agent_budget(request, slug) if slug else None
    # The form fills its own copy of the budget: the page keeps the stored title when the form has errors, and
    # the service compares the new values with the stored row.
    edited = _agent_budget(request, slug) if slug else None
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
                        _("Budget enregistré : %(fields)s modifié(s).") % {"fields": ", ".join(labels)},
                    )
                else:
                    messages.info(request, _("Aucune modification."))
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            return redirect("budgeting:agent_budget", slug=budget.slug)
    status = 400 if form.errors else 200
    return render(
        request, "budgeting/agent/budget_form.html", {"budget": budget, "form": form}, status=status
    )


@require_safe
@capability_required("handle_requests")
def agent_budget(request, slug):
    budget = _agent_budget(request, slug)
    projects = selectors.project_list(commune=request.commune, budget=budget)
    context = {
        "budget": budget,
        "projects": projects,
        "stats": selectors.budget_stats(commune=request.commune, budget=budget),
        "Phase": Phase,
        "codes_form": forms.CodesForm(budget=budget),
        "counter_form": forms.CounterForm(budget=budget),
        "sub_budgets": list(budget.sub_budgets.all()),
        "can_run_votes": _can_run_votes(request),
    }
    return render(request, "budgeting/agent/budget.html", context)


def _sub_budgets_context(budget, form, sub=None):
    subs = list(budget.sub_budgets.annotate(n_projects=Count("projects")))
    allotted = sum(x.amount for x in subs)
    return {
        "budget": budget, "form": form, "sub": sub, "sub_budgets": subs, "allotted": allotted,
        "general": budget.total_amount - allotted, "locked": services._sub_budgets_locked(budget),
    }  # fmt: skip


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("handle_requests")
def agent_sub_budgets(request, slug, pk=None):
    """The budget's envelopes (per district or category): list, add, or edit the one `pk`."""
    budget = _agent_budget(request, slug)
    sub = get_object_or_404(SubBudget, budget=budget, pk=pk) if pk else None
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
            _add_errors(form, exc)
        else:
            messages.success(request, _("Enveloppe enregistrée."))
            return redirect("budgeting:agent_sub_budgets", slug=budget.slug)
    status = 400 if form.errors else 200
    return render(
        request, "budgeting/agent/sub_budgets.html", _sub_budgets_context(budget, form, sub), status=status
    )


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("handle_requests")
def agent_sub_budget_delete(request, slug, pk):
    budget = _agent_budget(request, slug)
    sub = get_object_or_404(SubBudget, budget=budget, pk=pk)
    if request.method == "POST":
        try:
            services.sub_budget_delete(commune=request.commune, sub_budget=sub, actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(_errors(exc)))
        else:
            messages.success(
                request, _("Enveloppe « %(name)s » supprimée : ses projets reviennent au budget général.")
                % {"name": sub.name},
            )  # fmt: skip
        return redirect("budgeting:agent_sub_budgets", slug=budget.slug)
    return render(
        request, "budgeting/agent/sub_budget_delete.html",
        {"budget": budget, "sub": sub, "n_projects": sub.projects.count()},
    )  # fmt: skip


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("handle_requests")
def agent_idea(request, slug, pk):
    budget = _agent_budget(request, slug)
    project = selectors.project_get(commune=request.commune, budget=budget, pk=pk)
    initial = {
        "final_cost": project.final_cost,
        "decision": project.decision,
        "sub_budget": project.sub_budget_id,
    }
    form = forms.AssessForm(request.POST or None, project=project, initial=initial)
    progress_form = forms.ProgressForm()
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["outcome"] == "merge":
                services.idea_merge(
                    commune=request.commune, project=project, into=data["merge_into"], actor=request.user,
                    decision=data["decision"],
                )  # fmt: skip
            else:
                extra = {"sub_budget": data["sub_budget"]} if "sub_budget" in form.fields else {}
                services.idea_assess(
                    commune=request.commune, project=project, actor=request.user,
                    feasible=data["outcome"] == "feasible", decision=data["decision"], final_cost=data["final_cost"],
                    **extra,
                )  # fmt: skip
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Décision publiée."))
            return redirect("budgeting:agent_budget", slug=budget.slug)
    return render(
        request,
        "budgeting/agent/idea.html",
        {"budget": budget, "project": project, "form": form, "progress_form": progress_form},
    )


@require_POST
@capability_required("handle_requests")
def agent_progress(request, slug, pk):
    budget = _agent_budget(request, slug)
    project = selectors.project_get(commune=request.commune, budget=budget, pk=pk)
    form = forms.ProgressForm(request.POST)
    if form.is_valid():
        try:
            services.project_update_add(
                commune=request.commune, project=project, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            messages.error(request, " ".join(_errors(exc)))
        else:
            messages.success(request, _("Point d'avancement publié."))
    else:
        messages.error(request, _("Décrivez l'avancement et indiquez un pourcentage entre 0 et 100."))
    return redirect("budgeting:agent_idea", slug=budget.slug, pk=project.pk)


@require_POST
@capability_required("handle_requests")
def agent_codes(request, slug):
    budget = _agent_budget(request, slug)
    form = forms.CodesForm(request.POST, budget=budget)
    if not form.is_valid():
        if "eligible_only" in form.errors:
            messages.error(
                request,
                _("Confirmez que ces codes seront remis uniquement aux habitants de %(age)d ans et plus.")
                % {"age": budget.min_age},
            )
        else:
            messages.error(request, _("Indiquez un nombre de codes entre 1 et 2000."))
        return redirect("budgeting:agent_budget", slug=budget.slug)
    codes = services.voting_codes_generate(
        commune=request.commune, budget=budget, actor=request.user, **form.cleaned_data
    )
    # Shown once, on a printable page; only their hashes are kept. Each slip carries the full address of the
    # vote page with its code, written out and as a QR code, so a phone opens the ballot with the code filled in.
    base = request.build_absolute_uri(reverse("budgeting:vote_with_code", kwargs={"slug": budget.slug}))
    slips = [{"code": code, "url": f"{base}?{urlencode({'code': code})}"} for code in codes]
    title = _("Adresse du vote avec ce code")
    for slip in slips:
        slip["qr"] = mark_safe(  # noqa: S308 - segno writes the SVG markup; the address is ours, escaped by segno
            segno.make(slip["url"], error="m", micro=False).svg_inline(
                scale=1, omitsize=True, svgclass="pb-qr", lineclass=None, title=title
            )
        )
    return render(request, "budgeting/agent/codes.html", {"budget": budget, "slips": slips, "vote_url": base})


@require_POST
@capability_required("handle_requests")
def agent_counter(request, slug):
    budget = _agent_budget(request, slug)
    form = forms.CounterForm(request.POST, budget=budget)
    form.is_valid()
    if "email" not in form.errors:
        from beffroi.accounts.models import Membership

        user = (
            get_user_model()
            .objects.filter(
                email__iexact=form.cleaned_data["email"],
                pk__in=Membership.objects.filter(commune=request.commune).values("user"),
            )
            .first()
        )
        erased_ballot = voted_with_erased_account(budget=budget, email=form.cleaned_data["email"])
        if user is None and erased_ballot is not None:
            messages.error(
                request,
                _(
                    "Cette adresse a voté en ligne le %(date)s, avec un compte supprimé depuis : la personne ne peut "
                    "pas voter une seconde fois, ni en ligne ni sur papier."
                )
                % {
                    "date": date_format(timezone.localtime(erased_ballot.created_at), "SHORT_DATETIME_FORMAT")
                },
            )
        elif user is None:
            messages.error(
                request, _("Aucun compte de la commune n'a cette adresse : aidez la personne à s'inscrire.")
            )
        else:
            checks = [name for name in ("identite", "domicile", "age") if request.POST.get(name)]
            try:
                services.voter_verify_at_counter(
                    commune=request.commune, budget=budget, actor=request.user, voter=user, checks=checks
                )
            except ValidationError as exc:
                messages.error(request, " ".join(_errors(exc)))
            else:
                messages.success(
                    request,
                    _("%(name)s est vérifié·e : la personne peut voter en ligne.")
                    % {"name": user.get_full_name()},
                )
    else:
        messages.error(request, _("Saisissez une adresse électronique valide."))
    return redirect("budgeting:agent_budget", slug=budget.slug)


@require_safe
@capability_required("handle_requests")
def agent_voters(request, slug):
    budget = _agent_budget(request, slug)
    voters = selectors.voter_list(commune=request.commune, budget=budget)
    return render(request, "budgeting/agent/voters.html", {"budget": budget, "voters": voters})


def _paper_entry_message(request, budget, number: int) -> None:
    """After an entry: counted (two entries agree), divergent (say so, with the other agent), or awaiting."""
    state, entries = services.paper_entry_state(budget, number)
    if state == "matching":
        messages.success(
            request, _("Bulletin n° %(n)d : les deux saisies concordent, il sera compté.") % {"n": number}
        )
    elif state == "mismatch":
        others = ", ".join(
            sorted({e.entered_by.get_full_name() for e in entries if e.entered_by_id != request.user.pk})
        )
        messages.warning(
            request,
            _(
                "Bulletin n° %(n)d : votre saisie diffère de celle de %(others)s. Il ne sera pas compté : reprenez "
                "le bulletin papier, puis que l'agent qui s'est trompé ressaisisse ce numéro."
            )
            % {"n": number, "others": others},
        )
    else:
        messages.success(
            request,
            _("Bulletin n° %(n)d saisi. Il comptera quand un autre agent l'aura saisi à l'identique.")
            % {"n": number},
        )


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("handle_requests")
def agent_paper(request, slug):
    budget = _agent_budget(request, slug)
    projects = selectors.ballot_projects(commune=request.commune, budget=budget)
    number_form = forms.PaperNumberForm(request.POST or None)
    kind_form = forms.PaperKindForm(request.POST or None)
    errors: list[str] = []
    choices: dict[int, int] = {}
    if request.method == "POST":
        choices, errors = forms.parse_ballot(budget, projects, request.POST)
        if number_form.is_valid() and kind_form.is_valid() and not errors:
            number = number_form.cleaned_data["paper_number"]
            try:
                services.paper_entry_record(
                    commune=request.commune, budget=budget, actor=request.user, paper_number=number,
                    choices=choices, kind=kind_form.cleaned_data["kind"],
                )  # fmt: skip
            except ValidationError as exc:
                errors = _errors(exc)
            else:
                _paper_entry_message(request, budget, number)
                return redirect("budgeting:agent_paper", slug=budget.slug)
    reconciliation = services.paper_reconciliation(budget)
    titles = {str(p.pk): p.title for p in projects}

    def describe(entry):
        return [(titles.get(k, k), v) for k, v in entry.choices.items()]

    mismatches = [
        {
            "number": n,
            "entries": [
                {
                    "agent": e.entered_by.get_full_name(),
                    "kind": e.kind,
                    "kind_label": e.get_kind_display(),
                    "choices": describe(e),
                }  # fmt: skip
                for e in entries
            ],
        }
        for n, entries in reconciliation["mismatch"]
    ]
    tally = services.paper_tally(budget)
    context = {
        "budget": budget,
        "number_form": number_form,
        "kind_form": kind_form,
        "rows": _ballot_rows(budget, projects, choices),
        "errors": errors,
        "matching": len(reconciliation["matching"]),
        "tally": tally,
        "mismatches": mismatches,
        "singles": tally["single"],
        "rank_options": range(1, (budget.max_choices or len(projects)) + 1),
        "BallotType": BallotType,
    }
    has_errors = bool(errors or number_form.errors or kind_form.errors)
    return render(request, "budgeting/agent/paper.html", context, status=400 if has_errors else 200)


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("run_votes")
def agent_count(request, slug):
    """Close the vote and count it, after a page that states the consequences (administrator and élus).

    Paper ballots entered once or entered differently are listed; the count is refused while there are any,
    unless they are set aside on purpose with a reason, published with the results.
    """
    budget = _agent_budget(request, slug)
    tally = services.paper_tally(budget)
    pending = len(tally["single"]) + len(tally["mismatch"])
    form = forms.CloseForm(request.POST if request.method == "POST" else None, pending=pending)
    if request.method == "POST" and form.is_valid():
        reason = form.cleaned_data.get("reason", "") if pending else ""
        try:
            services.budget_close_and_count(
                commune=request.commune, budget=budget, actor=request.user, set_aside_reason=reason
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Vote clos et dépouillé : les résultats sont publiés."))
            return redirect(reverse("budgeting:results", kwargs={"slug": budget.slug}))
    now = timezone.now()
    context = {
        "budget": budget,
        "form": form,
        "tally": tally,
        "pending": pending,
        "turnout": selectors.vote_turnout(commune=request.commune, budget=budget),
        "closes_early": budget.vote_close_at is not None and budget.vote_close_at > now,
        "can_count": budget.phase in (Phase.VOTE, Phase.RESULTS),
        "can_manage": _is_agent(request),
    }
    return render(request, "budgeting/agent/count.html", context, status=400 if form.errors else 200)
