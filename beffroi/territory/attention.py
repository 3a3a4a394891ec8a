"""What an administrator finds on the landing page (core.attention): the commune's set-up at a glance, and
the administration page where it is changed."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy, ngettext

from beffroi.accounts import selectors as account_selectors
from beffroi.accounts.roles import has_capability
from beffroi.core import attention, modules
from beffroi.territory import selectors


def section(*, commune, user, role: str) -> attention.Section | None:
    if not has_capability(role, "manage_commune"):
        return None
    enabled = modules.enabled_for(commune)
    teams = selectors.team_list(commune=commune).count()
    staff = account_selectors.member_list(commune=commune, capability="view_agent_space").count()
    items = [
        attention.Item(
            label=gettext("Modules ouverts aux habitants : %(list)s")
            % {"list": ", ".join(str(m.label) for m in enabled) or gettext("aucun")}
        ),
        attention.Item(
            label=ngettext("%(n)s service municipal", "%(n)s services municipaux", teams) % {"n": teams},
            urgent=teams == 0,
        ),
        attention.Item(
            label=ngettext("%(n)s agent ou élu", "%(n)s agents et élus", staff) % {"n": staff},
        ),
    ]
    if not commune.population:
        items.append(attention.Item(label=gettext("Population de la commune non renseignée"), urgent=True))
    return attention.Section(
        title=gettext_lazy("La commune dans Beffroi"),
        summary=gettext_lazy(
            "Membres, services, modules et clés d'API se règlent sur la page d'administration."
        ),
        items=items,
        link_url=reverse("territory:administration"),
        link_label=gettext_lazy("Administrer la commune"),
    )


attention.register("territory", section, order=1)
