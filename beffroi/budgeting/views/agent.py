"""Agents' and élus' pages: the budgets for the staff, following a vote (élus, read-only), a budget's page,
instruction of ideas and the suivi, voting codes, the counter check, who voted, paper ballots, and the count
(administrator and élus)."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from beffroi.accounts.decorators import capability_required
from beffroi.accounts.selectors import user_can
from beffroi.budgeting import forms, selectors, services
from beffroi.budgeting.models import BallotType, Phase
from beffroi.budgeting.personal_data import voted_with_erased_account
from beffroi.core.qr import qr_svg


def _budget(request, slug):
    return selectors.budget_get(commune=request.commune, slug=slug, include_drafts=True)


def _can(request, capability: str) -> bool:
    return user_can(commune=request.commune, user=request.user, capability=capability)


@require_safe
@capability_required("view_agent_space")
def agent_index(request):
    """The budgets of the commune for the staff: agents manage them, élus follow the vote (read-only)."""
    budgets = selectors.budget_list(commune=request.commune, include_drafts=True)
    return render(
        request,
        "budgeting/agent/index.html",
        {"budgets": budgets, "can_manage": _can(request, "handle_requests")},
    )


@require_safe
@capability_required("view_agent_space")
def agent_follow(request, slug):
    """Following a vote, read-only (élus, and every staff member): phase, dates, turnout online, by code, paper."""
    budget = _budget(request, slug)
    turnout = selectors.vote_turnout(commune=request.commune, budget=budget)
    paper = selectors.paper_tally(budget=budget)
    context = {
        "budget": budget,
        "turnout": turnout,
        "paper": paper,
        "paper_counted": paper["valid"] + paper["blank"] + paper["void"],
        "pending": len(paper["single"]) + len(paper["mismatch"]),
        "total": turnout["online"] + paper["valid"] + paper["blank"] + paper["void"],
        "Phase": Phase,
        "can_manage": _can(request, "handle_requests"),
        "can_run_votes": _can(request, "run_votes"),
    }
    return render(request, "budgeting/agent/follow.html", context)


@require_safe
@capability_required("handle_requests")
def agent_budget(request, slug):
    budget = _budget(request, slug)
    context = {
        "budget": budget,
        "projects": selectors.project_list(commune=request.commune, budget=budget),
        "stats": selectors.budget_stats(commune=request.commune, budget=budget),
        "Phase": Phase,
        "codes_form": forms.CodesForm(budget=budget),
        "counter_form": forms.CounterForm(budget=budget),
        "sub_budgets": selectors.sub_budget_list(budget=budget),
        "can_run_votes": _can(request, "run_votes"),
    }
    return render(request, "budgeting/agent/budget.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("handle_requests")
def agent_idea(request, slug, pk):
    """Instruction of an idea: feasible (with its cost and envelope), not feasible, or merged into another."""
    budget = _budget(request, slug)
    project = selectors.project_get(commune=request.commune, budget=budget, pk=pk)
    initial = {
        "final_cost": project.final_cost,
        "decision": project.decision,
        "sub_budget": project.sub_budget_id,
    }
    form = forms.AssessForm(request.POST or None, project=project, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["outcome"] == "merge":
                services.idea_merge(
                    commune=request.commune,
                    project=project,
                    into=data["merge_into"],
                    actor=request.user,
                    decision=data["decision"],
                )
            else:
                extra = {"sub_budget": data["sub_budget"]} if "sub_budget" in form.fields else {}
                services.idea_assess(
                    commune=request.commune,
                    project=project,
                    actor=request.user,
                    feasible=data["outcome"] == "feasible",
                    decision=data["decision"],
                    final_cost=data["final_cost"],
                    **extra,
                )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Décision publiée."))
            return redirect("budgeting:agent_budget", slug=budget.slug)
    return render(
        request,
        "budgeting/agent/idea.html",
        {"budget": budget, "project": project, "form": form, "progress_form": forms.ProgressForm()},
    )


@require_POST
@capability_required("handle_requests")
def agent_progress(request, slug, pk):
    budget = _budget(request, slug)
    project = selectors.project_get(commune=request.commune, budget=budget, pk=pk)
    form = forms.ProgressForm(request.POST)
    if form.is_valid():
        try:
            services.project_update_add(
                commune=request.commune, project=project, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Point d'avancement publié."))
    else:
        messages.error(request, _("Décrivez l'avancement et indiquez un pourcentage entre 0 et 100."))
    return redirect("budgeting:agent_idea", slug=budget.slug, pk=project.pk)


@require_POST
@capability_required("handle_requests")
def agent_codes(request, slug):
    budget = _budget(request, slug)
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
        slip["qr"] = qr_svg(slip["url"], title=title, css_class="pb-qr")
    return render(request, "budgeting/agent/codes.html", {"budget": budget, "slips": slips, "vote_url": base})


@require_POST
@capability_required("handle_requests")
def agent_counter(request, slug):
    """The counter check: the agent saw the person's papers; their account may then vote online."""
    budget = _budget(request, slug)
    form = forms.CounterForm(request.POST, budget=budget)
    form.is_valid()
    if "email" in form.errors:
        messages.error(request, _("Saisissez une adresse électronique valide."))
        return redirect("budgeting:agent_budget", slug=budget.slug)
    email = form.cleaned_data["email"]
    user = selectors.member_by_email(commune=request.commune, email=email)
    erased_ballot = voted_with_erased_account(budget=budget, email=email)
    if user is None and erased_ballot is not None:
        messages.error(
            request,
            _(
                "Cette adresse a voté en ligne le %(date)s, avec un compte supprimé depuis : la personne ne peut "
                "pas voter une seconde fois, ni en ligne ni sur papier."
            )
            % {"date": date_format(timezone.localtime(erased_ballot.created_at), "SHORT_DATETIME_FORMAT")},
        )
    elif user is None:
        messages.error(
            request, _("Aucun compte de la commune n'a cette adresse : aidez la personne à s'inscrire.")
        )
    else:
        checks = [name for name in selectors.COUNTER_CHECKS if request.POST.get(name)]
        try:
            services.voter_verify_at_counter(
                commune=request.commune, budget=budget, actor=request.user, voter=user, checks=checks
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("%(name)s est vérifié·e : la personne peut voter en ligne.")
                % {"name": user.get_full_name()},
            )
    return redirect("budgeting:agent_budget", slug=budget.slug)


@require_safe
@capability_required("handle_requests")
def agent_voters(request, slug):
    budget = _budget(request, slug)
    voters = selectors.voter_list(commune=request.commune, budget=budget)
    return render(request, "budgeting/agent/voters.html", {"budget": budget, "voters": voters})


def _paper_entry_message(request, budget, number: int) -> None:
    """After an entry: counted (two entries agree), divergent (say so, with the other agent), or awaiting."""
    state, entries = selectors.paper_entry_state(budget=budget, paper_number=number)
    if state == "matching":
        messages.success(
            request, _("Bulletin n° %(n)d : les deux saisies concordent, il sera compté.") % {"n": number}
        )
    elif state == "mismatch":
        others = ", ".join(sorted({e.entered_by_name for e in entries if e.entered_by_id != request.user.pk}))
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
    """Double entry of paper ballots: each agent enters the ballots; the page lists those that disagree."""
    budget = _budget(request, slug)
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
                    commune=request.commune,
                    budget=budget,
                    actor=request.user,
                    paper_number=number,
                    choices=choices,
                    kind=kind_form.cleaned_data["kind"],
                )
            except ValidationError as exc:
                errors = list(exc.messages)
            else:
                _paper_entry_message(request, budget, number)
                return redirect("budgeting:agent_paper", slug=budget.slug)
    reconciliation = selectors.paper_reconciliation(budget=budget)
    titles = {str(p.pk): p.title for p in projects}
    mismatches = [
        {
            "number": n,
            "entries": [
                {
                    "agent": e.entered_by_name,
                    "kind": e.kind,
                    "kind_label": e.get_kind_display(),
                    "choices": [(titles.get(k, k), v) for k, v in e.choices.items()],
                }
                for e in entries
            ],
        }
        for n, entries in reconciliation["mismatch"]
    ]
    tally = selectors.paper_tally(budget=budget)
    context = {
        "budget": budget,
        "number_form": number_form,
        "kind_form": kind_form,
        "rows": forms.ballot_rows(projects, choices),
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
    budget = _budget(request, slug)
    tally = selectors.paper_tally(budget=budget)
    pending = len(tally["single"]) + len(tally["mismatch"])
    form = forms.CloseForm(request.POST if request.method == "POST" else None, pending=pending)
    if request.method == "POST" and form.is_valid():
        reason = form.cleaned_data.get("reason", "") if pending else ""
        try:
            services.budget_close_and_count(
                commune=request.commune, budget=budget, actor=request.user, set_aside_reason=reason
            )
        except ValidationError as exc:
            forms.add_service_errors(form, exc)
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
        "can_manage": _can(request, "handle_requests"),
    }
    return render(request, "budgeting/agent/count.html", context, status=400 if form.errors else 200)
