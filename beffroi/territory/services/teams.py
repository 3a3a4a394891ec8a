"""Teams, members, places and modules of a commune (its administrators: ``manage_commune``)."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext

from beffroi.accounts import selectors as account_selectors
from beffroi.accounts import services as account_services
from beffroi.accounts.guards import require_capability
from beffroi.accounts.models import Role, User
from beffroi.accounts.roles import STAFF_ROLES
from beffroi.core import modules
from beffroi.core.annotations import Actor
from beffroi.core.models import Commune
from beffroi.core.personal_data import account_reference
from beffroi.core.services import audit_record, commune_update
from beffroi.core.updates import model_update
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
def team_remove_member(*, team: Team, user: User, actor: Actor = None) -> None:
    """Take an agent out of a team; they keep their role in the commune."""
    require_capability(commune=team.commune, actor=actor, capability="manage_commune")
    if team.members.filter(pk=user.pk).exists():
        team.members.remove(user)
        audit_record(
            commune=team.commune,
            actor=actor,
            action="team.remove_member",
            obj=team,
            summary=account_reference(user.pk),
        )


@transaction.atomic
def team_rename(*, team: Team, name: str, actor: Actor = None) -> Team:
    """Rename a team. Its identifier (in the addresses of queues and filters) stays, so links keep working;
    two teams of one commune never share a name."""
    require_capability(commune=team.commune, actor=actor, capability="manage_commune")
    name = name.strip()
    if Team.objects.filter(commune=team.commune, name__iexact=name).exclude(pk=team.pk).exists():
        raise ValidationError({"name": gettext("Un autre service de la commune porte déjà ce nom.")})
    team, _changed = model_update(
        instance=team,
        data={"name": name},
        allowed={"name"},
        commune=team.commune,
        actor=actor,
        action="team.rename",
        summary=name,
    )
    return team


@transaction.atomic
def team_delete(*, team: Team, actor: Actor = None) -> None:
    """Delete a team. Its agents keep their role in the commune; the categories, reports and alert rules that
    were routed to it are left without a team (to be routed again), and a pending invitation into it
    invites to the commune only."""
    require_capability(commune=team.commune, actor=actor, capability="manage_commune")
    commune, name, pk = team.commune, team.name, team.pk
    team.delete()
    audit_record(commune=commune, actor=actor, action="team.delete", summary=f"{name} (n° {pk})")


@transaction.atomic
def member_role_set(*, commune: Commune, user: User, role: str, actor: Actor = None) -> None:
    """Change a member's role; a person who becomes a resident leaves the commune's teams (their queues and
    alerts are no longer theirs). The membership's audit entry is written by ``membership_set``."""
    require_capability(commune=commune, actor=actor, capability="manage_commune")
    account_services.membership_set(commune=commune, user=user, role=role, actor=actor)
    if role not in STAFF_ROLES:
        for team in Team.objects.filter(commune=commune, members=user):
            team_remove_member(team=team, user=user, actor=actor)


@transaction.atomic
def member_remove(*, commune: Commune, user: User, actor: Actor = None) -> None:
    """Take a person out of the commune: their role and their teams go at once, so their next request (open
    sessions included) is refused. An administrator cannot remove themselves, nor the last administrator."""
    require_capability(commune=commune, actor=actor, capability="manage_commune")
    membership = account_selectors.membership_get(commune=commune, user_id=user.pk)
    if membership is None:
        return
    if actor is not None and getattr(actor, "pk", None) == user.pk:
        raise ValidationError(gettext("Vous ne pouvez pas vous retirer vous-même de la commune."))
    if (
        membership.role == Role.ADMIN
        and not account_selectors.membership_list(commune=commune)
        .filter(role=Role.ADMIN)
        .exclude(user=user)
        .exists()
    ):
        raise ValidationError(gettext("La commune doit garder au moins un administrateur."))
    for team in Team.objects.filter(commune=commune, members=user):
        team.members.remove(user)
    account_services.membership_remove(commune=commune, user=user, actor=actor)


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


# The commune's own base map and address base --------------------------------------------------------------
