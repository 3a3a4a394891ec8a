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
    waiting = list(selectors.awaiting_answer(commune=commune).order_by("answer_due_at", "pk")[:10])
    now = timezone.now()
    late = [p for p in waiting if p.answer_due_at and p.answer_due_at < now]
    summary = ngettext(
        "%(n)s proposition attend la réponse de la commune",
        "%(n)s propositions attendent la réponse de la commune",
        len(waiting),
    ) % {"n": len(waiting)}
    if late:
        summary += ngettext(", dont %(n)s en retard.", ", dont %(n)s en retard.", len(late)) % {
            "n": len(late)
        }
    else:
        summary += "."
    return attention.Section(
        title=gettext_lazy("Propositions des habitants"),
        summary=summary,
        items=[
            attention.Item(
                label=proposal.title,
                url=reverse("participation:agent_proposal", args=[proposal.pk]),
                state=gettext_lazy("réponse en retard")
                if proposal in late
                else gettext_lazy("réponse attendue"),
                on=proposal.answer_due_at,
                urgent=proposal in late,
            )
            for proposal in waiting
        ],
        link_url=reverse("participation:agent_overdue") if late else reverse("participation:agent_index"),
        link_label=gettext_lazy("Voir les propositions en retard")
        if late
        else gettext_lazy("Ouvrir la participation"),
        empty=gettext_lazy("Aucune proposition n'attend de réponse."),
    )


attention.register("participation", section, order=30)
