"""The territory services check the actor's role themselves: only the commune's administrators create teams
and places or add agents to a team; anyone else (an agent, a habitant, another commune's administrator) is
refused and nothing is written."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from beffroi.core.models import AuditEntry
from beffroi.territory import services
from beffroi.territory.models import Place, Team
from tests.factories import member


@pytest.fixture
def outsiders(valbourg, hautmesnil):
    return [
        member(valbourg, "habitant", "habitant@valbourg.test"),
        member(valbourg, "agent", "agent@valbourg.test"),
        member(hautmesnil, "admin", "mairie@hautmesnil.test"),
    ]


def test_only_the_commune_s_administrators_write_teams_and_places(valbourg, admin_valbourg, outsiders):
    team = services.team_create(commune=valbourg, name="Voirie", actor=admin_valbourg)
    agent = outsiders[1]
    before = AuditEntry.objects.count()
    for actor in outsiders:
        with pytest.raises(PermissionDenied):
            services.team_create(commune=valbourg, name="Piratée", actor=actor)
        with pytest.raises(PermissionDenied):
            services.team_add_member(team=team, user=agent, actor=actor)
        with pytest.raises(PermissionDenied):
            services.place_create(
                commune=valbourg,
                name="Piratée",
                latitude=Decimal("47.3"),
                longitude=Decimal("4.8"),
                actor=actor,
            )
    assert list(Team.objects.values_list("name", flat=True)) == ["Voirie"]
    assert not team.members.exists() and not Place.objects.exists()
    assert AuditEntry.objects.count() == before
    services.team_add_member(team=team, user=agent, actor=admin_valbourg)
    assert list(team.members.all()) == [agent]


def test_the_platform_itself_may_the_demo_loads_through_the_services(valbourg):
    team = services.team_create(commune=valbourg, name="Espaces verts")  # actor None: command, demo
    place = services.place_create(
        commune=valbourg, name="Mairie", latitude=Decimal("47.3"), longitude=Decimal("4.8")
    )
    assert team.pk and place.pk
