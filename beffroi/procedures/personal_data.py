"""What the démarches hold about a person: the dossiers started or filed from the account (or with its address).

Erasure deletes the drafts (nothing was sent to the mairie) and unlinks the filed dossiers from the account; a
filed dossier keeps the identification the law asked for, because the mairie must keep its administrative
records (RGPD art. 17-3 b: a legal obligation; CRPA and the archives' rules)."""

from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy

from beffroi.accounts import activity
from beffroi.accounts.models import User
from beffroi.core import personal_data
from beffroi.core.models import Commune
from beffroi.procedures.models import Dossier
from beffroi.procedures.services.dossiers import drafts_delete


def _dossiers(user: User) -> Any:
    return Dossier.objects.filter(Q(applicant=user) | Q(applicant_email__iexact=user.email))


def export(*, user: User) -> dict[str, Any]:
    """Each dossier with its démarche, state, dates, identification and answers."""
    dossiers = _dossiers(user).select_related("commune", "demarche").order_by("created_at", "pk")
    return {
        "demarches": [
            {
                "commune": d.commune.slug,
                "code_de_suivi": d.display_code,
                "demarche": d.demarche.title,
                "etat": d.state,
                "etat_libelle": str(d.get_state_display()),
                "canal": d.channel,
                "mandat": {
                    "demande_faite_par": d.mandate_requester,
                    "accord_recueilli_le": d.mandate_consent_at.isoformat() if d.mandate_consent_at else None,
                },
                "demandeur": d.applicant_kind,
                "identification": d.identity,
                "reponses": d.answers,
                "recu_le": d.received_on.isoformat() if d.received_on else None,
                "decision_implicite_le": d.deadline.isoformat() if d.deadline else None,
                "decide_le": d.decided_at.isoformat() if d.decided_at else None,
                "lettre_de_decision": d.decision_text,
                "messages": [
                    {"de_moi": m.from_applicant, "texte": m.body, "envoye_le": m.created_at.isoformat()}
                    for m in d.messages.all()
                ],
                "cree_le": d.created_at.isoformat(),
            }
            for d in dossiers
        ]
    }


def erase(*, user: User) -> None:
    """Drafts are deleted; filed dossiers lose the account (their identification stays: see the module)."""
    drafts_delete(_dossiers(user).filter(state=Dossier.State.DRAFT))  # their pieces' files with them
    Dossier.objects.filter(applicant=user).update(applicant=None)


def account_section(*, user: User, commune: Commune) -> activity.Section | None:
    """« Mes démarches »: each dossier with its state and the page that follows (or resumes) it."""
    if not commune.has_module("procedures"):
        return None
    dossiers = (
        Dossier.objects.filter(commune=commune, applicant=user)
        .select_related("demarche")
        .order_by("-updated_at")
    )
    return activity.Section(
        title=gettext_lazy("Mes démarches"),
        items=[
            activity.Item(
                label=gettext("%(code)s — %(title)s") % {"code": d.display_code, "title": d.demarche.title},
                url=reverse(
                    "procedures:draft_identity" if d.state == Dossier.State.DRAFT else "procedures:track",
                    kwargs={"token": d.access_token},
                ),
                state=d.get_state_display(),
                on=d.filed_at or d.created_at,
            )
            for d in dossiers
        ],
        empty=gettext_lazy("Vous n'avez pas fait de démarche en ligne dans cette commune."),
    )


personal_data.register("demarches", exporter=export, eraser=erase)
activity.register("demarches", account_section, order=15)
