"""What each role may do in its commune. One place to read the permission model.

habitant: take part (report, vote, propose) · agent: work in the agents' space (handle requests, act for a
citizen, watch alerts) · élu: the agents' space read-only plus planning, dashboards and closing a budget's
vote · admin: everything in the commune, including teams, memberships and API keys.
"""

from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

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
    # Démarches en ligne: building a démarche's form and publishing it (the secrétaire de mairie), and
    # instructing the dossiers filed (agents; élus read the dossiers through view_agent_space).
    "build_procedures": frozenset({Role.AGENT, Role.ADMIN}),
    "instruct_dossiers": frozenset({Role.AGENT, Role.ADMIN}),
}

# What each capability is called on the pages (the role table, a refusal).
CAPABILITY_LABELS: dict[str, StrOrPromise] = {
    "build_procedures": _("Créer et publier les démarches en ligne"),
    "instruct_dossiers": _("Instruire les dossiers des démarches"),
}


def has_capability(role: str | None, capability: str) -> bool:
    return role is not None and role in CAPABILITIES[capability]
