"""What each role may do in its commune. One place to read the permission model.

habitant: take part (report, vote, propose) · agent: work in the agents' space (handle requests, act for a
citizen, watch alerts) · élu: the agents' space read-only plus planning, dashboards and closing a budget's
vote · admin: everything in the commune, including teams, memberships and API keys.
"""

from beffroi.accounts.models import Role

STAFF_ROLES = frozenset({Role.AGENT, Role.ELU, Role.ADMIN})

CAPABILITIES: dict[str, frozenset[str]] = {
    "participate": frozenset({Role.HABITANT, Role.AGENT, Role.ELU, Role.ADMIN}),
    "view_agent_space": STAFF_ROLES,
    "handle_requests": frozenset({Role.AGENT, Role.ADMIN}),
    "act_for_citizen": frozenset({Role.AGENT, Role.ADMIN}),
    "plan": frozenset({Role.ELU, Role.ADMIN}),
    # Closing a participatory budget's vote and counting it: the mairie's administrator and its élus, as the
    # maire and conseillers preside over a count; agents prepare the vote and enter paper ballots.
    "run_votes": frozenset({Role.ELU, Role.ADMIN}),
    # Citizen participation: agents and élus build consultations, hold meetings, enter paper questionnaires,
    # moderate comments and draw panels; the commune's public answer (to a proposal past its threshold, to a
    # closed consultation) is the élus' and the administrator's word.
    "run_participation": STAFF_ROLES,
    "answer_participation": frozenset({Role.ELU, Role.ADMIN}),
    "view_dashboards": STAFF_ROLES,
    "manage_commune": frozenset({Role.ADMIN}),
}


def has_capability(role: str | None, capability: str) -> bool:
    return role is not None and role in CAPABILITIES[capability]
