"""The count: close the vote, count it with the budget's rule (and with greedy, for comparison), check the Method
of Equal Shares' fast engine against the exact reference implementation, and publish the results."""

from __future__ import annotations

import dataclasses
import secrets
from fractions import Fraction
from typing import cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from beffroi.accounts.guards import require_capability
from beffroi.accounts.models import NotificationKind, User
from beffroi.accounts.selectors import notification_addresses
from beffroi.budgeting import rules, selectors
from beffroi.budgeting.models import Ballot, BallotType, Budget, Phase, ProjectStatus
from beffroi.budgeting.results import (
    BudgetCount,
    Endowment,
    GroupCount,
    LeftoverCount,
    PaperSetAside,
    ProjectCount,
    TieBreakRecord,
)
from beffroi.budgeting.rules.model import Ballot as RulesBallot
from beffroi.budgeting.rules.model import IdsBallot, PointsBallot
from beffroi.core.annotations import Actor
from beffroi.core.guards import ensure_owned
from beffroi.core.links import commune_url
from beffroi.core.mail import send_commune_mail
from beffroi.core.models import Commune
from beffroi.core.services import audit_record

LEFTOVER_GROUP = "reliquat"  # the group named in a tie decided by the leftover completion


def _num(value: Fraction | float | None) -> float | None:
    return None if value is None else round(float(value), 2)


def _share_with_funded(ballots: list[RulesBallot], winners: set[str], cumulative: bool) -> float:
    if not ballots:
        return 0.0
    hit = 0
    for b in ballots:
        ids = {p for p, _w in cast(PointsBallot, b)} if cumulative else set(cast(IdsBallot, b))
        if ids & winners:
            hit += 1
    return round(hit / len(ballots), 4)


def _reason_label(result: rules.ProjectResult | None, leftover: bool) -> str:
    if result is None:
        return rules.REASON_LABELS[rules.Reason.NO_SUPPORT]
    if leftover and result.selected:
        return _("retenu avec le reliquat des enveloppes : il tenait dans l'argent restant")
    return rules.REASON_LABELS[result.reason]


def _part_of(split: rules.SplitOutcome, pid: str) -> rules.SubBudgetOutcome | None:
    """The count that decided the project: the leftover completion if it funded it, else its envelope."""
    if split.leftover is not None and pid in split.leftover.outcome.winners:
        return split.leftover
    return next((part for part in split.parts if pid in part.outcome.projects), None)


def _money_left(main: rules.SplitOutcome, part: rules.SubBudgetOutcome | None, pid: str) -> Fraction | None:
    """The money there was for the project when it was decided: the budget left when a greedy step looked at it
    (the leftover completion's last, for a project it did not fund), else what its part had left."""
    steps = [main.leftover, part] if main.leftover is not None and part is not main.leftover else [part]
    for step in steps:
        result = step.outcome.projects.get(pid) if step is not None else None
        if result is not None and result.budget_left is not None:
            return result.budget_left
    return part.amount - part.outcome.total_cost if part is not None else None


def _tie_breaks(main: rules.SplitOutcome, greedy: rules.SplitOutcome) -> tuple[TieBreakRecord, ...]:
    ties: list[TieBreakRecord] = []
    seen: set[tuple[tuple[str, ...], str, str, str]] = set()
    for label, split in (("main", main), ("greedy", greedy)):
        for part in split.all_parts:
            for event in part.outcome.tie_breaks:
                key = (tuple(event.tied), event.chosen, event.criterion, part.name)
                if key in seen:
                    continue  # the same tie met again by another Add1 run, or by the greedy comparison
                seen.add(key)
                ties.append(
                    TieBreakRecord(
                        count=label,
                        group=part.name if part is not split.leftover else LEFTOVER_GROUP,
                        stage=event.stage,
                        tied=tuple(event.tied),
                        chosen=event.chosen,
                        criterion=event.criterion,
                    )
                )
    return tuple(ties)


def count_budget(budget: Budget, *, seed: str | None = None, verify: bool = False) -> BudgetCount:
    """Count the budget with its rule and with greedy (for comparison); a pure read, returns the results.

    Each sub-budget (district/category envelope) is counted on its own projects with its own amount, projects
    outside every envelope share what is left (`rules.count_by_sub_budget`); with `fund_leftover`, money left
    over then funds the remaining projects by decreasing votes. Ties reaching the lot use a draw made from a
    random public seed (`selectors.draw_order`), recorded in the results with every tie it decided.
    `verify=True` recounts the rule's result with the exact reference implementation (Method of Equal Shares)
    and raises `rules.VerificationError` if the fast engine's result differs.
    """
    ballots, online, paper = selectors.collected_ballots(budget=budget)
    tally = selectors.paper_tally(budget=budget)
    all_projects = [p for p in budget.projects.select_related("sub_budget").all() if p.on_ballot]
    subs = selectors.sub_budget_list(budget=budget)
    names: dict[int | None, str] = {sub.pk: sub.name for sub in subs}
    seed = seed or secrets.token_hex(16)
    draw = selectors.draw_order(seed, [str(p.pk) for p in all_projects])
    tie_breaking = rules.TieBreaking(draw=tuple(draw))
    cumulative = budget.ballot_type == BallotType.CUMULATIVE
    rule = budget.rule
    election = selectors.election_for(budget=budget, ballots=ballots, projects=all_projects)
    sub_budgets = [
        rules.SubBudget(
            sub.name,
            Fraction(sub.amount),
            tuple(str(p.pk) for p in all_projects if p.sub_budget_id == sub.pk),
        )
        for sub in subs
    ]
    leftover = budget.fund_leftover
    main = rules.count_by_sub_budget(
        election, rule, sub_budgets, leftover=leftover, tie_breaking=tie_breaking, verify=verify
    )
    greedy = (
        main
        if rule == "greedy"
        else rules.count_by_sub_budget(
            election, "greedy", sub_budgets, leftover=leftover, tie_breaking=tie_breaking
        )
    )
    winners = list(main.winners)
    projects: dict[str, ProjectCount] = {}
    for p in all_projects:
        pid = str(p.pk)
        part = _part_of(main, pid)
        gpart = _part_of(greedy, pid)
        r = part.outcome.projects.get(pid) if part else None
        g = gpart.outcome.projects.get(pid) if gpart else None
        index = election.profile.index[pid]
        projects[pid] = ProjectCount(
            id=pid,
            title=p.title,
            cost=p.cost,
            group=names.get(p.sub_budget_id, ""),
            leftover=part is not None and part is main.leftover,
            votes=election.profile.votes[index],
            score=_num(election.profile.score[index]),
            selected=pid in main.winners,
            position=winners.index(pid) + 1 if pid in winners else None,
            reason=str(r.reason) if r else "no_support",
            reason_label=_reason_label(r, part is not None and part is main.leftover),
            effective_votes=_num(r.effective_votes) if r else None,
            price=_num(r.price) if r else None,
            supporters_money=_num(r.supporters_money) if r else None,
            budget_left=_num(g.budget_left) if g else None,
            money_left=_num(_money_left(main, part, pid)),
            greedy_selected=pid in greedy.winners,
            greedy_reason_label=_reason_label(g, gpart is not None and gpart is greedy.leftover) if g else "",
        )
    cost = {str(p.pk): p.cost for p in all_projects}
    return BudgetCount(
        rule=rule,
        num_voters=len(ballots),
        num_online=online,
        num_paper=paper,
        num_paper_blank=tally["blank"],
        num_paper_void=tally["void"],
        winners=tuple(winners),
        total_cost=sum(cost[w] for w in winners),
        greedy_winners=tuple(greedy.winners),
        greedy_total_cost=sum(cost[w] for w in greedy.winners),
        share_with_funded=_share_with_funded(ballots, set(winners), cumulative),
        greedy_share_with_funded=_share_with_funded(ballots, set(greedy.winners), cumulative),
        projects=projects,
        groups=tuple(
            GroupCount(
                name=part.name,
                amount=int(part.amount),
                winners=tuple(part.outcome.winners),
                total_cost=_num(part.outcome.total_cost),
                endowment=_num(part.outcome.endowment),
            )
            for part in main.parts
        ),
        endowments=tuple(
            Endowment(group=part.name, endowment=_num(part.outcome.endowment))
            for part in main.parts
            if part.outcome.endowment is not None
        ),
        leftover=LeftoverCount(
            amount=_num(main.leftover.amount),
            winners=tuple(main.leftover.outcome.winners),
            total_cost=_num(main.leftover.outcome.total_cost),
        )
        if main.leftover is not None
        else None,
        draw=tuple(draw),
        draw_seed=seed,
        draw_method=selectors.DRAW_METHOD,
        draw_at=timezone.now().isoformat(),
        tie_breaks=_tie_breaks(main, greedy),
    )


def budget_close_and_count(
    *, commune: Commune, budget: Budget, actor: Actor, set_aside_reason: str = ""
) -> Budget:
    """Close the vote, count it and publish the results; winners go to suivi, others are marked not selected.

    Reserved to those who run the vote (`run_votes`: the administrator and the élus). Paper ballots still
    awaiting their second entry, or whose two entries disagree, are never counted silently: the count is refused
    while there are any, unless `set_aside_reason` says why they are set aside; the reason and the ballots'
    numbers are then published with the results and kept in the audit log.

    The official count runs the exact check: a rule with a fast engine (the Method of Equal Shares) is recounted
    with the exact reference implementation; if the two disagree nothing is published or changed, the refusal is
    written to the audit log and a French `ValidationError` says so.
    """
    require_capability(commune=commune, actor=actor, capability="run_votes")
    ensure_owned(budget, commune)
    try:
        with transaction.atomic():
            return _close_and_count(
                commune=commune, budget=budget, actor=actor, set_aside_reason=set_aside_reason
            )
    except rules.VerificationError as exc:
        audit_record(
            commune=commune,
            actor=actor,
            action="budget.count.refused",
            obj=budget,
            summary="dépouillement refusé : la vérification en arithmétique exacte ne confirme pas le résultat",
            data={"rule": budget.rule, "detail": str(exc)},
        )
        raise ValidationError(
            _(
                "Le dépouillement n'est pas publié : le recomptage de contrôle, en arithmétique exacte, ne donne pas "
                "le même résultat que le calcul rapide. Rien n'a été modifié et le vote reste en l'état ; l'incident "
                "est inscrit au journal. Signalez-le à l'équipe qui maintient Beffroi avant de recommencer."
            ),
            code="verification_failed",
        ) from None


def _close_and_count(*, commune: Commune, budget: Budget, actor: Actor, set_aside_reason: str) -> Budget:
    budget = Budget.objects.select_for_update().get(pk=budget.pk)
    if budget.phase not in (Phase.VOTE, Phase.RESULTS):
        raise ValidationError(_("Le dépouillement n'est possible qu'une fois le vote ouvert."))
    tally = selectors.paper_tally(budget=budget)
    pending = len(tally["single"]) + len(tally["mismatch"])
    reason = set_aside_reason.strip()
    if pending and not reason:
        raise ValidationError(
            ngettext(
                "%(n)d bulletin papier n'est pas encore compté (saisi une seule fois ou saisies divergentes) : "
                "terminez sa double saisie, ou écartez-le en indiquant pourquoi.",
                "%(n)d bulletins papier ne sont pas encore comptés (saisis une seule fois ou saisies "
                "divergentes) : terminez leur double saisie, ou écartez-les en indiquant pourquoi.",
                pending,
            )
            % {"n": pending},
            code="paper_pending",
        )
    now = timezone.now()
    if budget.vote_close_at is None or budget.vote_close_at > now:
        budget.vote_close_at = now
    if budget.phase_override in (Phase.VOTE, Phase.DRAFT, Phase.IDEAS, Phase.INSTRUCTION):
        budget.phase_override = ""
    verify = rules.RULES[budget.rule].verifiable if budget.rule in rules.RULES else False
    try:
        results = count_budget(budget, verify=verify)
    except rules.VerificationError:
        raise
    except rules.ElectionError as exc:
        raise ValidationError(str(exc)) from None
    if pending:
        results = dataclasses.replace(
            results,
            paper_set_aside=PaperSetAside(
                count=pending, single=tuple(tally["single"]), mismatch=tuple(tally["mismatch"]), reason=reason
            ),
        )
    first_count = budget.counted_at is None
    budget.results = results.to_json()
    budget.counted_at = now
    budget.save()
    winners = set(results.winners)
    for project in budget.projects.all():
        if not project.on_ballot or project.status == ProjectStatus.DELIVERED:
            continue
        status = ProjectStatus.SELECTED if str(project.pk) in winners else ProjectStatus.NOT_SELECTED
        if project.status != status:
            project.status = status
            project.save(update_fields=["status"])
    set_aside = results.paper_set_aside
    audit_record(
        commune=commune,
        actor=actor,
        action="budget.count",
        obj=budget,
        summary=f"{len(winners)} lauréats, {results.num_voters} bulletins"
        + (f", {pending} bulletins papier écartés" if pending else ""),
        data={"paper_set_aside": set_aside.to_json()} if set_aside is not None else None,
    )
    if first_count:
        _tell_voters(budget)
    return budget


def _tell_voters(budget: Budget) -> None:
    """Mail the results' link to each person who voted from an account, once, when the results are first
    published; not to those who turned participation news off in « Mon espace ». The mail never says what
    they voted for (the platform does not know it)."""
    fields = {
        "budget": budget.title,
        "link": commune_url(budget.commune, "budgeting:results", kwargs={"slug": budget.slug}),
        "commune": budget.commune.name,
    }
    subject = _("Résultats du budget participatif « %(budget)s »") % fields
    body = (
        _(
            "Bonjour,\n\nVous avez voté pour le budget participatif « %(budget)s » : le vote est dépouillé et les "
            "projets retenus sont publiés.\n\nLes résultats : %(link)s\n\nMairie de %(commune)s\n"
        )
        % fields
    )
    voters = User.objects.filter(
        pk__in=Ballot.objects.filter(budget=budget, voter__isnull=False).values("voter_id")
    )
    for address in notification_addresses(users=voters, kind=NotificationKind.PARTICIPATION):
        # one mail each: no voter sees the others' addresses
        send_commune_mail(commune=budget.commune, to=[address], subject=subject, body=body)
