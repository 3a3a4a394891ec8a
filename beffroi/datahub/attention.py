"""What the data hub puts on a member's landing page (core.attention): the sensor alerts still open."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy, ngettext

from beffroi.accounts.roles import has_capability
from beffroi.core import attention
from beffroi.datahub import selectors


def section(*, commune, user, role: str) -> attention.Section | None:
    if not commune.has_module("datahub") or not has_capability(role, "view_dashboards"):
        return None
    active = selectors.alert_list(commune=commune)  # open or acknowledged
    alerts = active[:10]
    unhandled = sum(1 for a in active if a.state == "open")
    return attention.Section(
        title=gettext_lazy("Alertes des capteurs"),
        summary=ngettext("%(n)s alerte en cours", "%(n)s alertes en cours", len(active)) % {"n": len(active)}
        + ngettext(
            ", dont %(n)s pas encore prise en compte.", ", dont %(n)s pas encore prises en compte.", unhandled
        )
        % {"n": unhandled},
        items=[
            attention.Item(
                label=gettext("%(rule)s — %(asset)s") % {"rule": a.rule.label, "asset": a.entity},
                url=reverse("datahub:alert", args=[a.pk]),
                state=a.get_state_display(),
                on=a.opened_at,
                urgent=a.state == "open",
            )
            for a in alerts
        ],
        link_url=reverse("datahub:alerts"),
        link_label=gettext_lazy("Toutes les alertes"),
        empty=gettext_lazy("Aucune alerte ouverte : les capteurs ne signalent rien d'anormal."),
    )


attention.register("datahub", section, order=20)
