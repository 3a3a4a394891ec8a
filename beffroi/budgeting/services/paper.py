"""Paper ballots, entered twice: each agent's entry is recorded, and a paper ballot counts once two entries
agree (`selectors.paper_reconciliation`)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from beffroi.accounts.guards import require_capability
from beffroi.budgeting import selectors
from beffroi.budgeting.models import Budget, PaperBallotEntry, PaperBallotKind
from beffroi.core.annotations import Actor, account_of
from beffroi.core.guards import ensure_owned
from beffroi.core.models import Commune
from beffroi.core.services import audit_record


@transaction.atomic
def paper_entry_record(
    *,
    commune: Commune,
    budget: Budget,
    actor: Actor,
    paper_number: int,
    choices: dict[int, int],
    kind: str = PaperBallotKind.VALID,
) -> PaperBallotEntry:
    """One agent's entry of a paper ballot. The same agent entering the same number again corrects the entry.

    `kind`: a valid ballot carries choices that respect the budget's rules; a blank one (no choice) and a void
    one (spoiled, or breaking the rules: too many projects, an over-limit basket) carry none. Blank and void
    ballots are counted in the turnout, never in the result.
    """
    require_capability(commune=commune, actor=actor, capability="handle_requests")
    ensure_owned(budget, commune)
    if budget.counted_at:
        raise ValidationError(
            _("Le dépouillement est fait : les bulletins papier ne peuvent plus être saisis.")
        )
    if kind not in PaperBallotKind.values:
        raise ValidationError(_("Indiquez si le bulletin est valable, blanc ou nul."))
    chosen = {pk: v for pk, v in choices.items() if v}
    if kind != PaperBallotKind.VALID:
        if chosen:
            raise ValidationError(
                _(
                    "Un bulletin blanc ou nul ne compte pour aucun projet : décochez les projets, ou enregistrez "
                    "le bulletin comme valable."
                )
            )
    elif not chosen:
        raise ValidationError(
            _("Aucun projet choisi : si le bulletin papier ne porte aucun choix, enregistrez-le comme blanc.")
        )
    else:
        errors = selectors.ballot_errors(budget=budget, choices=chosen)
        if errors:
            raise ValidationError(
                [*errors, _("Si le bulletin papier est rempli ainsi, enregistrez-le comme nul.")]
            )
    entry, _created = PaperBallotEntry.objects.update_or_create(
        budget=budget,
        paper_number=paper_number,
        entered_by=account_of(actor),
        defaults={"kind": kind, "choices": {str(k): v for k, v in sorted(chosen.items())}},
    )
    audit_record(
        commune=commune,
        actor=actor,
        action="budget.paper.enter",
        obj=budget,
        summary=f"bulletin n° {paper_number} ({PaperBallotKind(kind).label})",
    )
    return entry
