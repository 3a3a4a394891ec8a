"""The démarches' pages, by audience (public, agent, config); the links they share are built here."""

from __future__ import annotations

from typing import Any

from beffroi.accounts.selectors import user_can


def agent_nav(request: Any) -> dict[str, bool]:
    """Which links of the agents' menu (`agent/_nav.html`) the viewer's role may follow: each page's own
    capability, so an élu who reads the dossiers is not sent to a page that refuses him."""
    commune, user = request.commune, request.user
    return {
        "counter": user_can(commune=commune, user=user, capability="act_for_citizen"),
        "config": user_can(commune=commune, user=user, capability="build_procedures"),
    }
