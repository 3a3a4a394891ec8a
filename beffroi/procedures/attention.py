"""What the démarches module puts on a member's landing page (core.attention): for whoever instructs dossiers,
the commune's dossiers past their date and those assigned to them; for an élu, the open dossiers in figures."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, ngettext

from beffroi.accounts.roles import has_capability
from beffroi.core import attention
from beffroi.procedures import selectors


def section(*, commune, user, role: str) -> attention.Section | None:
    if not has_capability(role, "view_agent_space"):
        return None
    today = timezone.localdate()
    counts = selectors.queue_counts(commune=commune, today=today)
    queue = reverse("procedures:agent_queue")
    if not has_capability(role, "instruct_dossiers"):
        return attention.Section(
            title=gettext_lazy("Démarches en ligne"),
            summary=ngettext(
                "%(n)s dossier en cours d'instruction.",
                "%(n)s dossiers en cours d'instruction.",
                counts["open"],
            )
            % {"n": counts["open"]},
            link_url=queue,
            link_label=gettext_lazy("Voir les dossiers"),
        )
    mine = list(selectors.queue_page(commune=commune, today=today, assignee=user)[:10])
    overdue = counts["overdue"]
    return attention.work_queue(
        title=gettext_lazy("Dossiers à instruire"),
        summary=" ".join(
            (
                ngettext(
                    "%(n)s dossier ouvert dans la commune,",
                    "%(n)s dossiers ouverts dans la commune,",
                    counts["open"],
                )
                % {"n": counts["open"]},
                ngettext("dont %(n)s en retard.", "dont %(n)s en retard.", overdue) % {"n": overdue},
            )
        ),
        items=[
            attention.due_item(
                label=gettext("%(code)s — %(demarche)s, %(applicant)s")
                % {
                    "code": dossier.display_code,
                    "demarche": dossier.demarche.title,
                    "applicant": dossier.applicant_name or gettext("demandeur non nommé"),
                },
                url=reverse("procedures:agent_dossier", args=[dossier.pk]),
                due=dossier.deadline,
                now=today,
            )
            for dossier in mine
        ],
        overdue=overdue,
        queue_url=queue,
        overdue_url=f"{queue}?retard=1",
        queue_label=gettext_lazy("Ouvrir la file des dossiers"),
        overdue_label=gettext_lazy("Voir les dossiers en retard"),
        empty=gettext_lazy("Aucun dossier ne vous est attribué."),
    )


attention.register("procedures", section, order=15)
