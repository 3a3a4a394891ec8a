"""Teams, members, places and modules of a commune (its administrators: ``manage_commune``)."""

from decimal import Decimal

from django.db import transaction
from django.utils.text import slugify

from beffroi.accounts import selectors as account_selectors
from beffroi.accounts import services as account_services
from beffroi.accounts.guards import require_capability
from beffroi.accounts.models import User
from beffroi.core import modules
from beffroi.core.annotations import Actor
from beffroi.core.models import Commune
from beffroi.core.personal_data import account_reference
from beffroi.core.services import audit_record, commune_update
from beffroi.territory.models import Place, Team


@transaction.atomic
def team_create(
    *, commune: Commune, name: str, email: str = "", description: str = "", actor: Actor = None
) -> Team:
    """Create a team (service municipal) of the commune."""
    require_capability(commune=commune, actor=actor, capability="manage_commune")
    team = Team(commune=commune, name=name, slug=slugify(name)[:60], email=email, description=description)
    team.full_clean()
    team.save()
    audit_record(commune=commune, actor=actor, action="team.create", obj=team, summary=name)
    return team


@transaction.atomic
def team_add_member(*, team: Team, user: User, actor: Actor = None) -> None:
    """Add an agent to a team of the team's commune."""
    require_capability(commune=team.commune, actor=actor, capability="manage_commune")
    team.members.add(user)
    audit_record(
        commune=team.commune,
        actor=actor,
        action="team.add_member",
        obj=team,
        summary=account_reference(user.pk),
    )


@transaction.atomic
def member_add(*, commune: Commune, email: str, role: str, full_name: str = "", actor: Actor = None) -> User:
    """Give a person a role in the commune, creating their account (without a password) when the address has
    none yet; the full name is used only for a new account.

    The membership's audit entry is written by ``membership_set``.
    """
    require_capability(commune=commune, actor=actor, capability="manage_commune")
    user = account_selectors.user_get_by_email(email=email) or account_services.user_create(
        email=email, password=None, full_name=full_name
    )
    account_services.membership_set(commune=commune, user=user, role=role, actor=actor)
    return user


@transaction.atomic
def place_create(
    *,
    commune: Commune,
    name: str,
    latitude: Decimal,
    longitude: Decimal,
    kind: str = "autre",
    address: str = "",
    actor: Actor = None,
) -> Place:
    """Record a named place of the commune (to locate a report without a map)."""
    require_capability(commune=commune, actor=actor, capability="manage_commune")
    place = Place(
        commune=commune, name=name, kind=kind, address=address, latitude=latitude, longitude=longitude
    )
    place.full_clean()
    place.save()
    audit_record(commune=commune, actor=actor, action="place.create", obj=place, summary=name)
    return place


@transaction.atomic
def modules_set(*, commune: Commune, actor: Actor, codes: list[str]) -> list[str]:
    """Switch the commune's modules on and off (administrators); returns the codes now enabled.

    A module switched off is off everywhere at once: its pages, its agents' pages and its APIs answer 404
    (core.modules). Nothing of its data is deleted: switching it on again shows everything as it was.
    """
    require_capability(commune=commune, actor=actor, capability="manage_commune")
    known = [m.code for m in modules.all_modules()]
    unknown = set(codes) - set(known)
    if unknown:
        raise ValueError(f"unknown modules: {sorted(unknown)}")
    enabled = [code for code in known if code in codes]
    commune_update(commune=commune, actor=actor, enabled_modules=enabled)
    return enabled
