"""The vote: printed voting codes, voters verified by a code or at the counter, and ballots (with an account or
with a code alone).

Secrecy: a `Ballot` row says who (or which code) voted, never what; the choices are stored under an opaque token
(`selectors.ballot_token`). Ballots are therefore never written to the audit log; what agents do is.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from beffroi.accounts.guards import require_capability
from beffroi.budgeting import selectors
from beffroi.budgeting.models import (
    Ballot,
    BallotChoice,
    Budget,
    Phase,
    VoterVerification,
    VotingCode,
    VotingCodeFailure,
)
from beffroi.core import codes
from beffroi.core.annotations import Actor, account_of
from beffroi.core.guards import ensure_owned
from beffroi.core.models import Commune
from beffroi.core.personal_data import account_reference
from beffroi.core.services import audit_record

if TYPE_CHECKING:
    from beffroi.accounts.models import User

# Printed voting codes: 12 characters of the tracking codes' alphabet (`core.codes.ALPHABET`: no 0/O, 1/I/L, read
# aloud and typed from paper), shown in three groups of four. Codes printed before it left out L came from
# "ABCDEFGHJKLMNPQRSTUVWXYZ23456789": they are still recognised, as a code is looked up by the hash of what was
# typed, normalised the same way for both (`_code_hash`).
VOTING_CODE_LENGTH = 12


def _new_voting_code() -> str:
    raw = "".join(secrets.choice(codes.ALPHABET) for _j in range(VOTING_CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def _code_hash(code: str) -> str:
    normalised = "".join(ch for ch in code.upper() if ch.isalnum())
    return hashlib.sha256(normalised.encode()).hexdigest()


@transaction.atomic
def voting_codes_generate(
    *,
    commune: Commune,
    budget: Budget,
    actor: Actor,
    count: int,
    batch: str = "",
    eligible_only: bool = False,
) -> list[str]:
    """Create `count` single-use codes; returns them in clear, this once, for printing.

    `eligible_only`: the agent undertakes that the codes will be handed (or mailed) only to residents on the
    eligibility list (residence, minimum age); required, and recorded in the audit log, when the budget has a
    minimum age.
    """
    require_capability(commune=commune, actor=actor, capability="handle_requests")
    ensure_owned(budget, commune)
    if budget.min_age and not eligible_only:
        raise ValidationError(
            _(
                "Confirmez que ces codes seront remis uniquement aux habitants de %(age)d ans et plus, "
                "vérifiés sur la liste de la mairie."
            )
            % {"age": budget.min_age}
        )
    if not 1 <= count <= 2000:
        raise ValidationError(_("Entre 1 et 2000 codes à la fois."))
    printed = [_new_voting_code() for _i in range(count)]
    VotingCode.objects.bulk_create(
        VotingCode(commune=commune, budget=budget, code_hash=_code_hash(c), batch=batch) for c in printed
    )
    audit_record(
        commune=commune,
        actor=actor,
        action="budget.codes.generate",
        obj=budget,
        summary=f"{count} codes {batch}",
        data={"eligible_only": bool(eligible_only), "min_age": budget.min_age},
    )
    return printed


def _voting_code_find(*, commune: Commune, budget: Budget, code: str, client: str) -> VotingCode:
    """The budget's printed code `code`, or a French error; a wrong code is counted against `client`.

    Called outside the write's transaction, so that the wrong code stays counted when the error is raised.
    """
    if selectors.voting_code_locked_out(commune=commune, client=client):
        raise ValidationError(
            _(
                "Trop de codes erronés ont été saisis depuis cette connexion. Par sécurité, la saisie est "
                "bloquée pendant 15 minutes : vérifiez le code imprimé, puis réessayez, ou adressez-vous à "
                "l'accueil de la mairie."
            ),
            code="locked_out",
        )
    found = VotingCode.objects.filter(commune=commune, budget=budget, code_hash=_code_hash(code)).first()
    if found is None:
        if client:
            VotingCodeFailure.objects.create(commune=commune, submitter_hash=client)
        raise ValidationError(
            _(
                "Ce code de vote est inconnu. Recopiez-le depuis le papier reçu de la mairie : 12 lettres et "
                "chiffres, sans O ni I, ni 0 ni 1."
            ),
            code="unknown_code",
        )
    return found


def voter_verify_with_code(
    *, commune: Commune, budget: Budget, voter: User, code: str, client: str = ""
) -> VoterVerification:
    """A resident unlocks voting on their account with a printed code; the code can never be used again.

    `client` is the keyed hash of the sender's address: wrong codes count towards its lock-out.

    Not audited: a resident's own step, recorded by the `VoterVerification` row itself (method, date); the
    printing of the codes is audited.
    """
    ensure_owned(budget, commune)
    existing = VoterVerification.objects.filter(budget=budget, voter=voter).first()
    if existing:
        return existing
    found = _voting_code_find(commune=commune, budget=budget, code=code, client=client)
    with transaction.atomic():
        updated = VotingCode.objects.filter(pk=found.pk, used_at__isnull=True).update(used_at=timezone.now())
        if updated != 1:
            raise ValidationError(_("Ce code de vote a déjà servi."))
        return VoterVerification.objects.create(
            budget=budget, voter=voter, method=VoterVerification.Method.CODE, checks=["code"]
        )


@transaction.atomic
def voter_verify_at_counter(
    *, commune: Commune, budget: Budget, actor: Actor, voter: User, checks: Iterable[str]
) -> VoterVerification:
    """An agent checked the person's identity, residence (and age) at the counter: `checks` says what was seen.

    Refused unless every check of `selectors.counter_checks_required` was made; what was checked goes into the
    audit log.
    """
    require_capability(commune=commune, actor=actor, capability="handle_requests")
    ensure_owned(budget, commune)
    already = selectors.erased_account_vote_reason(budget=budget, voter=voter)
    if already:
        raise ValidationError(already)
    seen = set(checks) & set(selectors.COUNTER_CHECKS)
    missing = selectors.counter_checks_required(budget=budget) - seen
    if missing:
        labels = {
            "identite": _("l'identité (pièce d'identité)"),
            "domicile": _("le domicile dans la commune (justificatif)"),
            "age": _("l'âge (au moins %(age)s ans)") % {"age": budget.min_age},
        }
        raise ValidationError(
            _("Vérifiez et cochez aussi : %(missing)s.")
            % {"missing": ", ".join(str(labels[m]) for m in sorted(missing))}
        )
    verification, created = VoterVerification.objects.get_or_create(
        budget=budget,
        voter=voter,
        defaults={
            "method": VoterVerification.Method.COUNTER,
            "verified_by": account_of(actor),
            "checks": sorted(seen),
        },
    )
    if created:
        audit_record(
            commune=commune,
            actor=actor,
            action="budget.voter.verify",
            obj=budget,
            summary=account_reference(voter.pk),
            channel="guichet",
            data={"checks": sorted(seen), "min_age": budget.min_age},
        )
    return verification


def _choices_replace(budget: Budget, token: str, choices: dict[int, int]) -> None:
    BallotChoice.objects.filter(budget=budget, ballot_token=token).delete()
    BallotChoice.objects.bulk_create(
        BallotChoice(budget=budget, ballot_token=token, project_id=pk, value=v)
        for pk, v in choices.items()
        if v
    )


@transaction.atomic
def ballot_cast(
    *, commune: Commune, budget: Budget, voter: User, choices: dict[int, int], attested: bool = True
) -> Ballot:
    """Record (or replace, until the vote closes) the voter's ballot. One Ballot row per voter (DB constraint).

    Not audited: the ballot is secret; the `Ballot` row itself records that the person voted, and when.
    """
    ensure_owned(budget, commune)
    budget = Budget.objects.select_for_update().get(pk=budget.pk)
    reason = selectors.voter_can_vote_reason(budget=budget, voter=voter)
    if reason:
        raise ValidationError(reason)
    if not budget.voter_verification and not attested:
        # Without verification, the voter attests on their honour (a budget with a minimum age always verifies).
        raise ValidationError(_("Attestez que vous habitez la commune pour voter."))
    errors = selectors.ballot_errors(budget=budget, choices=choices)
    if errors:
        raise ValidationError(errors)
    ballot = Ballot.objects.filter(budget=budget, voter=voter).first()
    if ballot is None:
        try:
            with transaction.atomic():
                ballot = Ballot.objects.create(budget=budget, voter=voter)
        except IntegrityError:  # a second tab raced us: the same row, replaced below
            ballot = Ballot.objects.get(budget=budget, voter=voter)
    else:
        ballot.save(update_fields=["updated_at"])
    _choices_replace(budget, selectors.ballot_token(budget=budget, key=f"user:{voter.pk}"), choices)
    return ballot


def ballot_cast_with_code(
    *, commune: Commune, budget: Budget, code: str, choices: dict[int, int], client: str = ""
) -> Ballot:
    """Vote with a printed voting code alone, without an account: the code is the credential.

    Stored as an account's ballot is: a `Ballot` row saying that the code voted (never what), the choices under
    an opaque token (an HMAC of the code's hash under the server secret, which agents cannot compute). The code
    is spent by its first ballot; its holder can replace the ballot until the vote closes. A code already spent
    to verify an account does not vote a second time. Wrong codes count towards `client`'s lock-out
    (`selectors.voting_code_locked_out`); the code is looked up before the write's transaction so that they stay
    counted.

    Not audited: the ballot is secret; the `Ballot` row records that the code voted, and when.
    """
    ensure_owned(budget, commune)
    if budget.phase != Phase.VOTE:
        raise ValidationError(selectors.voter_can_vote_reason(budget=budget, voter=None) or "")
    found = _voting_code_find(commune=commune, budget=budget, code=code, client=client)
    with transaction.atomic():
        budget = Budget.objects.select_for_update().get(pk=budget.pk)
        if budget.phase != Phase.VOTE:
            raise ValidationError(selectors.voter_can_vote_reason(budget=budget, voter=None) or "")
        voting_code = VotingCode.objects.select_for_update().get(pk=found.pk)
        ballot = Ballot.objects.filter(voting_code=voting_code).first()
        if ballot is None and voting_code.used_at is not None:
            raise ValidationError(
                _(
                    "Ce code a déjà servi à vérifier un compte : connectez-vous à ce compte pour voter ou "
                    "modifier votre vote."
                )
            )
        errors = selectors.ballot_errors(budget=budget, choices=choices)
        if errors:
            raise ValidationError(errors)
        if ballot is None:
            ballot = Ballot.objects.create(budget=budget, voter=None, voting_code=voting_code)
            voting_code.used_at = timezone.now()
            voting_code.save(update_fields=["used_at"])
        else:
            ballot.save(update_fields=["updated_at"])
        _choices_replace(
            budget, selectors.ballot_token(budget=budget, key=f"code:{voting_code.code_hash}"), choices
        )
    return ballot
