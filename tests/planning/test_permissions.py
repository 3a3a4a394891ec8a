"""The planning services check the actor's role themselves: a habitant, an agent (for the roadmap) or a member
of another commune is refused and nothing is written, whatever page, command or script calls them."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from beffroi.core.guards import NotOwned
from beffroi.core.models import AuditEntry
from beffroi.funding.models import FinancingPlan
from beffroi.planning import services
from beffroi.planning.models import Assessment, Project, ProjectIndicator, ProjectPhase
from tests.factories import member


@pytest.fixture
def elu(valbourg):
    return member(valbourg, "elu", "elu@valbourg.test")


@pytest.fixture
def project(valbourg, elu):
    return services.project_create(
        commune=valbourg, actor=elu, title="Éclairage", start_date=date(2026, 1, 1)
    )


def outsiders(valbourg, hautmesnil):
    return {
        "habitant": member(valbourg, "habitant", "habitant@valbourg.test"),
        "élu d'une autre commune": member(hautmesnil, "elu", "maire@hautmesnil.test"),
    }


def test_a_project_is_created_only_by_someone_who_plans(valbourg, hautmesnil, elu):
    agent = member(valbourg, "agent", "agent@valbourg.test")  # reads the roadmap, does not plan
    for actor in [agent, *outsiders(valbourg, hautmesnil).values()]:
        with pytest.raises(PermissionDenied):
            services.project_create(
                commune=valbourg, actor=actor, title="Piraté", start_date=date(2026, 1, 1)
            )
    assert not Project.objects.exists() and not FinancingPlan.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="planning.").exists()


def test_the_roadmap_s_writes_refuse_who_may_not_plan(valbourg, hautmesnil, project):
    phase = services.phase_add(
        commune=valbourg,
        actor=None,
        project=project,
        title="Travaux",
        start_date=date(2026, 2, 1),
        end_date=date(2026, 3, 1),
    )  # the platform itself (None) may: commands and the demo
    before = AuditEntry.objects.count()
    for actor in outsiders(valbourg, hautmesnil).values():
        with pytest.raises(PermissionDenied):
            services.project_update(commune=valbourg, actor=actor, project=project, title="Piraté")
        with pytest.raises(PermissionDenied):
            services.phase_add(
                commune=valbourg, actor=actor, project=project, title="X", start_date=date(2026, 3, 1)
            )
        with pytest.raises(PermissionDenied):
            services.indicator_add(commune=valbourg, actor=actor, project=project, name="X")
        with pytest.raises(PermissionDenied):
            services.phase_delete(commune=valbourg, actor=actor, phase=phase)
        with pytest.raises(PermissionDenied):
            services.project_delete(commune=valbourg, actor=actor, project=project)
    project.refresh_from_db()
    assert project.title == "Éclairage"
    assert list(ProjectPhase.objects.values_list("title", flat=True)) == ["Travaux"]
    assert not ProjectIndicator.objects.exists()
    assert AuditEntry.objects.count() == before


def test_another_commune_s_project_is_not_found_even_by_its_own_elu(valbourg, hautmesnil, project):
    maire = member(hautmesnil, "elu", "maire@hautmesnil.test")
    with pytest.raises(NotOwned):
        services.project_update(commune=hautmesnil, actor=maire, project=project, title="Piraté")
    project.refresh_from_db()
    assert project.title == "Éclairage"


def test_an_assessment_is_kept_only_from_the_commune_s_staff(valbourg, hautmesnil):
    for actor in outsiders(valbourg, hautmesnil).values():
        with pytest.raises(PermissionDenied):
            services.assessment_create(
                commune=valbourg, actor=actor, grid_version="2026.1", answers={}, scores={}
            )
    assert not Assessment.objects.exists()
    agent = member(valbourg, "agent", "agent@valbourg.test")  # élus and agents both answer
    services.assessment_create(commune=valbourg, actor=agent, grid_version="2026.1", answers={}, scores={})
    assert Assessment.objects.get().role == "agent"
