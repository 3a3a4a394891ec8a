"""What the funding module puts on an élu's landing page (core.attention): the application deadlines of the
next two months (lines still to file)."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, ngettext

from beffroi.accounts.roles import has_capability
from beffroi.core import attention
from beffroi.funding import selectors


def section(*, commune, user, role: str) -> attention.Section | None:
    if not commune.has_module("planning") or not has_capability(role, "plan"):  # funding is in « Projet »
        return None
    today = timezone.localdate()
    lines = selectors.line_deadlines(commune=commune, start=today, end=today + timedelta(days=60))
    return attention.Section(
        title=gettext_lazy("Dossiers de financement à déposer"),
        summary=ngettext(
            "%(n)s date limite dans les deux mois.", "%(n)s dates limites dans les deux mois.", len(lines)
        )
        % {"n": len(lines)},
        items=[
            attention.Item(
                label=gettext("%(funder)s — %(plan)s") % {"funder": line.funder, "plan": line.plan.title},
                url=reverse("funding:plan_detail", args=[line.plan_id]),
                state=gettext("à déposer"),
                on=line.application_deadline,
                urgent=line.application_deadline is not None
                and line.application_deadline <= today + timedelta(days=7),
            )
            for line in lines
        ],
        empty=gettext_lazy("Aucune date limite de dépôt dans les deux prochains mois."),
    )


attention.register("funding", section, order=30)
