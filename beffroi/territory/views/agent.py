"""The agents' space landing page: the cards of the pages the role may open, the teams, the audit log."""

from django.shortcuts import render

from beffroi.accounts import selectors as account_selectors
from beffroi.accounts.decorators import capability_required, target_capability
from beffroi.accounts.models import Role
from beffroi.accounts.roles import CAPABILITIES, has_capability
from beffroi.core import modules, personal_data
from beffroi.core import selectors as core_selectors
from beffroi.territory import selectors


@capability_required("view_agent_space")
def agent_space(request):
    role = account_selectors.role_get(commune=request.commune, user=request.user)
    assert role is not None  # capability_required let only members in
    can = {cap: role in roles for cap, roles in CAPABILITIES.items()}
    # A card only for a page the role may open: the capability is read from the target view's own guard.
    cards = [
        m
        for m in modules.enabled_for(request.commune)
        if m.agent_url_name
        and has_capability(role, target_capability(m.agent_url_name) or "view_agent_space")
    ]
    audit_entries = (
        list(core_selectors.audit_list(commune=request.commune, limit=15)) if can["manage_commune"] else []
    )
    # The log keeps only account numbers (of who acted and in its summaries, « compte n° 4 »): show the current
    # name of those accounts that still exist.
    labels = account_selectors.account_labels(
        user_ids=[
            *(e.actor_id for e in audit_entries),
            *personal_data.account_references(e.summary for e in audit_entries),
        ]
    )
    journal = [
        {
            "entry": e,
            "who": labels.get(e.actor_id or 0, e.actor_label),
            "summary": personal_data.name_accounts(e.summary, labels),
        }
        for e in audit_entries
    ]
    context = {
        "role": role,
        "role_label": Role(role).label,
        "can": can,
        "my_teams": selectors.teams_of_user(commune=request.commune, user=request.user),
        "teams": selectors.team_list(commune=request.commune),
        "modules": cards,
        "journal": journal,
    }
    return render(request, "territory/agent_space.html", context)
