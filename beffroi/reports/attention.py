"""What the reports module puts on a member's landing page (core.attention): an agent's overdue and assigned
reports, an élu's figures of the last 30 days."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, ngettext

from beffroi.accounts.roles import has_capability
from beffroi.core import attention
from beffroi.reports import selectors
from beffroi.reports.models import Report


def section(*, commune, user, role: str) -> attention.Section | None:
    if not commune.has_module("reports") or not has_capability(role, "view_agent_space"):
        return None
    today = timezone.localdate()
    queue = reverse("reports:agent_queue")
    if has_capability(role, "handle_requests"):
        overdue = selectors.agent_queue(commune=commune, overdue=True, today=today).count()
        mine = list(
            selectors.agent_queue(commune=commune, assignee=user, today=today)
            .select_related("category")
            .order_by("due_date", "created_at")[:10]
        )
        return attention.work_queue(
            title=gettext_lazy("Signalements à traiter"),
            summary=ngettext(
                "%(n)s signalement en retard dans la commune.",
                "%(n)s signalements en retard dans la commune.",
                overdue,
            )
            % {"n": overdue},
            items=[
                attention.due_item(
                    label=gettext("N° %(pk)s — %(category)s, %(place)s")
                    % {
                        "pk": r.pk,
                        "category": r.category.display_name,
                        "place": r.location_label or gettext("lieu non précisé"),
                    },
                    url=reverse("reports:agent_detail", args=[r.pk]),
                    due=r.due_date,
                    now=today,
                )
                for r in mine
            ],
            overdue=overdue,
            queue_url=queue,
            overdue_url=f"{queue}?retard=1&service=tous",
            queue_label=gettext_lazy("Ouvrir la file des signalements"),
            overdue_label=gettext_lazy("Voir les signalements en retard"),
            empty=gettext_lazy("Aucun signalement ne vous est attribué."),
        )
    since = timezone.now() - timedelta(days=30)
    reports = Report.objects.filter(commune=commune)
    received = reports.filter(created_at__gte=since).count()
    closed = reports.filter(closed_at__gte=since).count()
    still_open = reports.filter(is_open=True).count()
    return attention.Section(
        title=gettext_lazy("Signalements des habitants"),
        summary=gettext("30 derniers jours : %(received)s reçus, %(closed)s clos. %(open)s encore ouverts.")
        % {
            "received": ngettext("%(n)s signalement", "%(n)s signalements", received) % {"n": received},
            "closed": closed,
            "open": still_open,
        },
        link_url=reverse("reports:agent_stats"),
        link_label=gettext_lazy("Voir les statistiques"),
    )


attention.register("reports", section, order=10)
