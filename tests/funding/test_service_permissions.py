"""The funding services check the actor's role themselves: only who may plan writes a financing plan or the
commune's zonages; a habitant or a member of another commune is refused and nothing is written."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from beffroi.core.guards import NotOwned
from beffroi.core.models import AuditEntry
from beffroi.funding import services
from beffroi.funding.models import CommuneZonage, FinancingLine, FinancingPlan
from tests.factories import member

LINE = {
    "funder": "DETR",
    "kind": "subvention",
    "cost_nature": "investment",
    "amount": Decimal("5000"),
    "status": "prevu",
}


@pytest.fixture
def elu(valbourg):
    return member(valbourg, "elu", "elu@valbourg.test")


@pytest.fixture
def plan(valbourg, elu):
    return services.plan_create(commune=valbourg, actor=elu, title="Éclairage")


@pytest.fixture
def outsiders(valbourg, hautmesnil):
    return [
        member(valbourg, "habitant", "habitant@valbourg.test"),
        member(valbourg, "agent", "agent@valbourg.test"),  # prepares files, does not plan
        member(hautmesnil, "elu", "maire@hautmesnil.test"),
    ]


def test_plans_and_lines_are_written_only_by_who_plans(valbourg, elu, plan, outsiders):
    line = services.line_add(commune=valbourg, actor=elu, plan=plan, **LINE)
    before = AuditEntry.objects.count()
    for actor in outsiders:
        with pytest.raises(PermissionDenied):
            services.plan_create(commune=valbourg, actor=actor, title="Piraté")
        with pytest.raises(PermissionDenied):
            services.plan_update(commune=valbourg, actor=actor, plan=plan, title="Piraté")
        with pytest.raises(PermissionDenied):
            services.line_add(commune=valbourg, actor=actor, plan=plan, **LINE)
        with pytest.raises(PermissionDenied):
            services.line_update(commune=valbourg, actor=actor, line=line, amount=Decimal("1"))
        with pytest.raises(PermissionDenied):
            services.line_delete(commune=valbourg, actor=actor, line=line)
    assert list(FinancingPlan.objects.values_list("title", flat=True)) == ["Éclairage"]
    assert list(FinancingLine.objects.values_list("amount", flat=True)) == [Decimal("5000")]
    assert AuditEntry.objects.count() == before


def test_another_commune_s_plan_is_not_found(valbourg, hautmesnil, plan):
    maire = member(hautmesnil, "elu", "maire@hautmesnil.test")
    with pytest.raises(NotOwned):
        services.line_add(commune=hautmesnil, actor=maire, plan=plan, **LINE)
    assert not FinancingLine.objects.exists()


def test_zonages_are_recorded_only_by_who_plans(valbourg, outsiders):
    for actor in outsiders:
        with pytest.raises(PermissionDenied):
            services.commune_zonages_set(commune=valbourg, actor=actor, states={"PVD": "oui"})
    assert not CommuneZonage.objects.exists()
    assert not AuditEntry.objects.filter(action="funding.zonages.update").exists()
    # The platform itself (None) still may: the demo and imports.
    services.commune_zonages_set(commune=valbourg, actor=None, states={"PVD": "oui"})
    assert CommuneZonage.objects.get().state == "oui"
