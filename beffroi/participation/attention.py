"""What participation puts on an élu's or agent's landing page (core.attention): the proposals past their
threshold that wait for the commune's answer, the late ones first and marked."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy, ngettext

from beffroi.accounts.roles import has_capability
from beffroi.core import attention
from beffroi.participation import selectors


def section(*, commune, user, role: str) -> attention.Section | None:
    if not commune.has_module("participation") or not has_capability(role, "run_participation"):
        return None
    awaiting = selectors.awaiting_answer(commune=commune)
    now = timezone.now()
    waiting_count = awaiting.count()
    late_count = awaiting.filter(answer_due_at__lt=now).count()
    summary = ngettext(
        "%(n)s proposition attend la réponse de la commune",
        "%(n)s propositions attendent la réponse de la commune",
        waiting_count,
    ) % {"n": waiting_count}
    if late_count:
        summary += ngettext(", dont %(n)s en retard.", ", dont %(n)s en retard.", late_count) % {
            "n": late_count
        }
    else:
        summary += "."
    return attention.work_queue(
        title=gettext_lazy("Propositions des habitants"),
        summary=summary,
        items=[  # the ten due first: the late ones lead
            attention.due_item(
                label=proposal.title,
                url=reverse("participation:agent_proposal", args=[proposal.pk]),
                due=proposal.answer_due_at,
                now=now,
                late_state=gettext_lazy("réponse en retard"),
                due_state=gettext_lazy("réponse attendue"),
            )
            for proposal in awaiting.order_by("answer_due_at", "pk")[:10]
        ],
        overdue=late_count,
        queue_url=reverse("participation:agent_index"),
        overdue_url=reverse("participation:agent_overdue"),
        queue_label=gettext_lazy("Ouvrir la participation"),
        overdue_label=gettext_lazy("Voir les propositions en retard"),
        empty=gettext_lazy("Aucune proposition n'attend de réponse."),
    )


attention.register("participation", section, order=30)
