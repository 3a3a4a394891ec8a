"""Proposals: filed by a resident (or by an agent at the counter), supported (once per person, withdrawable),
answered publicly by the commune once past the threshold, commented and moderated, merged when similar."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from beffroi.accounts.guards import require_capability
from beffroi.accounts.models import NotificationKind
from beffroi.accounts.selectors import notification_address
from beffroi.core.annotations import Actor
from beffroi.core.guards import ensure_owned
from beffroi.core.images import ProcessedPhoto
from beffroi.core.links import commune_url
from beffroi.core.mail import send_commune_mail
from beffroi.core.models import Commune
from beffroi.core.pictures import picture_attach
from beffroi.core.services import audit_record
from beffroi.core.updates import model_update
from beffroi.participation import selectors
from beffroi.participation.models import (
    Channel,
    Comment,
    CommentReport,
    Proposal,
    ProposalRules,
    ProposalStatus,
    Support,
)

if TYPE_CHECKING:
    from beffroi.accounts.models import User

RULE_FIELDS = ("support_threshold", "support_days", "answer_days")


@transaction.atomic
def proposal_rules_set(*, commune: Commune, actor: Actor, **data: Any) -> ProposalRules:
    """The commune's threshold and delays; they apply to proposals filed from now on (each keeps its own)."""
    require_capability(commune=commune, actor=actor, capability="answer_participation")
    if data.get("support_threshold", 1) < 1:
        raise ValidationError({"support_threshold": _("Le seuil est d'au moins un soutien.")})
    if data.get("support_days", 1) < 1 or data.get("answer_days", 1) < 1:
        raise ValidationError(_("Les délais se comptent en jours, un au moins."))
    rules, created = ProposalRules.objects.get_or_create(commune=commune, defaults=data)
    if created:
        audit_record(commune=commune, actor=actor, action="proposal.rules.set", obj=rules, data=dict(data))
        return rules
    rules, _changed = model_update(
        instance=rules,
        data=data,
        allowed=RULE_FIELDS,
        commune=commune,
        actor=actor,
        action="proposal.rules.set",
    )
    return rules


@transaction.atomic
def proposal_submit(
    *,
    commune: Commune,
    author: User | None,
    title: str,
    body: str,
    actor: Actor = None,
    author_name: str = "",
    picture: ProcessedPhoto | None = None,
    picture_alt: str = "",
) -> Proposal:
    """File a proposal: a resident with an account for themself, or an agent at the counter for a person
    (`actor` the agent, `author` the person's account if they have one, else `author_name`).

    The threshold and the delays in force are copied onto the proposal, so a later change does not move it.
    """
    counter = actor is not None and (author is None or actor.pk != author.pk)
    if counter:
        require_capability(commune=commune, actor=actor, capability="run_participation")
        if author is None and not author_name.strip():
            raise ValidationError(
                {"author_name": _("Indiquez le nom de la personne qui dépose la proposition.")}
            )
    else:
        if author is None:
            raise ValidationError(_("Connectez-vous pour déposer une proposition."))
        require_capability(commune=commune, actor=author, capability="participate")
    if not title.strip() or not body.strip():
        raise ValidationError(_("Donnez un titre et décrivez votre proposition."))
    rules = selectors.proposal_rules_get(commune=commune)
    now = timezone.now()
    proposal = Proposal(
        commune=commune,
        title=title.strip(),
        body=body.strip(),
        author=author,
        author_name=author_name.strip() if author is None else "",
        channel=Channel.COUNTER if counter else Channel.ONLINE,
        created_at=now,
        supports_close_at=now + timedelta(days=rules.support_days),
        threshold=rules.support_threshold,
        answer_days=rules.answer_days,
    )
    picture_attach(proposal, picture, picture_alt)
    proposal.save()
    if counter:
        audit_record(
            commune=commune,
            actor=actor,
            action="proposal.submit",
            obj=proposal,
            summary=proposal.title,
            channel="guichet",
        )
    else:
        audit_record(
            commune=commune, actor=author, action="proposal.submit", obj=proposal, summary=proposal.title
        )
    return proposal


def _threshold_check(proposal: Proposal) -> None:
    """Record the day the proposal reaches its threshold (kept after: the commune's answer stays owed)."""
    if proposal.threshold_reached_at is not None:
        return
    if Support.objects.filter(proposal=proposal).count() >= proposal.threshold:
        now = timezone.now()
        proposal.threshold_reached_at = now
        proposal.answer_due_at = now + timedelta(days=proposal.answer_days)
        proposal.save(update_fields=["threshold_reached_at", "answer_due_at"])


@transaction.atomic
def support_add(*, commune: Commune, proposal: Proposal, person: User) -> Support:
    """Support a proposal: one support per person, while the proposal collects them.

    Not audited: a resident's own act, recorded by the `Support` row (and removable by them).
    """
    ensure_owned(proposal, commune)
    require_capability(commune=commune, actor=person, capability="participate")
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if not proposal.accepts_supports:
        raise ValidationError(_("Cette proposition ne recueille plus de soutiens."))
    try:
        with transaction.atomic():
            support = Support.objects.create(proposal=proposal, person=person)
    except IntegrityError as exc:
        raise ValidationError(_("Vous soutenez déjà cette proposition : un soutien par personne.")) from exc
    _threshold_check(proposal)
    return support


@transaction.atomic
def support_withdraw(*, commune: Commune, proposal: Proposal, person: User) -> None:
    """Withdraw one's support (while supports are collected). Not audited: the resident's own act."""
    ensure_owned(proposal, commune)
    if not proposal.accepts_supports:
        raise ValidationError(_("Les soutiens de cette proposition sont clos : ils ne peuvent plus changer."))
    deleted, _rows = Support.objects.filter(proposal=proposal, person=person).delete()
    if not deleted:
        raise ValidationError(_("Vous ne soutenez pas cette proposition."))


@transaction.atomic
def proposal_answer(
    *, commune: Commune, actor: Actor, proposal: Proposal, accepted: bool, answer: str, followup: str = ""
) -> Proposal:
    """The commune's public answer: accepted (with what will follow) or refused (with the reason)."""
    require_capability(commune=commune, actor=actor, capability="answer_participation")
    ensure_owned(proposal, commune)
    if proposal.status == ProposalStatus.MERGED:
        raise ValidationError(
            _("Cette proposition a été fusionnée : répondez à la proposition qui la réunit.")
        )
    if not answer.strip():
        raise ValidationError(
            {"answer": _("Expliquez la décision : ce qui sera fait, ou la raison du refus.")}
        )
    if accepted and not followup.strip():
        raise ValidationError({"followup": _("Dites ce qui va suivre : qui, quoi, quand.")})
    proposal, _changed = model_update(
        instance=proposal,
        data={
            "status": ProposalStatus.ACCEPTED if accepted else ProposalStatus.REFUSED,
            "answer": answer.strip(),
            "followup": followup.strip() if accepted else "",
            "answered_at": proposal.answered_at or timezone.now(),
        },
        allowed=("status", "answer", "followup", "answered_at"),
        commune=commune,
        actor=actor,
        action="proposal.answer",
    )
    address = notification_address(proposal.author, kind=NotificationKind.PARTICIPATION)
    if address:
        fields = {
            "title": proposal.title,
            "decision": _("acceptée") if accepted else _("refusée"),
            "answer": "\n\n".join(part for part in (proposal.answer, proposal.followup) if part),
            "link": commune_url(commune, "participation:proposal", kwargs={"pk": proposal.pk}),
            "commune": commune.name,
        }
        send_commune_mail(
            commune=commune,
            to=[address],
            subject=_("Votre proposition « %(title)s » a reçu sa réponse") % fields,
            body=_(
                "Bonjour,\n\nLa mairie a répondu à votre proposition « %(title)s » : elle est %(decision)s.\n\n"
                "%(answer)s\n\nLa réponse complète : %(link)s\n\nMairie de %(commune)s\n"
            )
            % fields,
        )
    return proposal


@transaction.atomic
def proposal_merge(*, commune: Commune, actor: Actor, proposal: Proposal, into: Proposal) -> Proposal:
    """Merge a similar proposal into another: its supporters now support the other, each once (a person who
    supported both keeps one support); the merged one points to the other."""
    require_capability(commune=commune, actor=actor, capability="run_participation")
    ensure_owned(proposal, commune)
    ensure_owned(into, commune)
    if proposal.pk == into.pk:
        raise ValidationError(_("Une proposition ne peut pas être fusionnée avec elle-même."))
    if proposal.status != ProposalStatus.OPEN or into.status != ProposalStatus.OPEN:
        raise ValidationError(_("Seules deux propositions encore ouvertes peuvent être fusionnées."))
    into = Proposal.objects.select_for_update().get(pk=into.pk)
    already = set(Support.objects.filter(proposal=into).values_list("person_id", flat=True))
    moved = Support.objects.filter(proposal=proposal).exclude(person_id__in=already)
    moved_count = moved.update(proposal=into)
    Support.objects.filter(proposal=proposal).delete()  # the doubles: their author keeps the one on `into`
    proposal.status = ProposalStatus.MERGED
    proposal.merged_into = into
    proposal.save(update_fields=["status", "merged_into"])
    audit_record(
        commune=commune,
        actor=actor,
        action="proposal.merge",
        obj=proposal,
        summary=f"→ n° {into.pk} ({moved_count} soutiens repris)",
        data={"into": into.pk, "supports_moved": moved_count},
    )
    _threshold_check(into)
    return into


@transaction.atomic
def comment_add(*, commune: Commune, proposal: Proposal, author: User, body: str) -> Comment:
    """A resident's comment on a proposal. Not audited: public, signed, and moderated after."""
    ensure_owned(proposal, commune)
    require_capability(commune=commune, actor=author, capability="participate")
    if not body.strip():
        raise ValidationError({"body": _("Écrivez votre commentaire.")})
    if len(body) > 2000:
        raise ValidationError({"body": _("2 000 caractères au plus.")})
    return Comment.objects.create(proposal=proposal, author=author, body=body.strip())


@transaction.atomic
def comment_report(*, commune: Commune, comment: Comment, reporter: User, reason: str) -> CommentReport:
    """Flag a comment to the moderators, once per person. Not audited: the hiding that may follow is."""
    ensure_owned(comment.proposal, commune)
    require_capability(commune=commune, actor=reporter, capability="participate")
    if not reason.strip():
        raise ValidationError({"reason": _("Dites pourquoi ce commentaire pose problème.")})
    try:
        with transaction.atomic():
            return CommentReport.objects.create(
                comment=comment, reporter=reporter, reason=reason.strip()[:300]
            )
    except IntegrityError as exc:
        raise ValidationError(_("Vous avez déjà signalé ce commentaire.")) from exc


@transaction.atomic
def comment_hide(*, commune: Commune, actor: Actor, comment: Comment, reason: str) -> Comment:
    """Hide a comment, with the reason shown in its place."""
    require_capability(commune=commune, actor=actor, capability="run_participation")
    ensure_owned(comment.proposal, commune)
    if not reason.strip():
        raise ValidationError(
            {"reason": _("Donnez le motif du masquage : il est affiché à la place du commentaire.")}
        )
    comment, _changed = model_update(
        instance=comment,
        data={"hidden_at": comment.hidden_at or timezone.now(), "hidden_reason": reason.strip()[:300]},
        allowed=("hidden_at", "hidden_reason"),
        commune=commune,
        actor=actor,
        action="proposal.comment.hide",
    )
    return comment
