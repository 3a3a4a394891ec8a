"""The one update helper: compared with the stored row, changed fields only, audited, unknown keys refused."""

import pytest

from beffroi.core.models import AuditEntry, Commune
from beffroi.core.updates import model_update


def test_a_bound_instance_already_holding_the_new_values_is_still_saved_and_audited(valbourg, admin_valbourg):
    copy = Commune.objects.get(pk=valbourg.pk)
    copy.name = "Valbourg-les-Bains"  # what a bound ModelForm does to its instance during is_valid()
    stored, changed = model_update(
        instance=copy,
        data={"name": "Valbourg-les-Bains", "population": 3214},
        allowed={"name", "population"},
        commune=valbourg,
        actor=admin_valbourg,
        action="commune.update",
    )
    assert changed == ["name"]
    assert Commune.objects.get(pk=valbourg.pk).name == "Valbourg-les-Bains"
    entry = AuditEntry.objects.get(action="commune.update")
    assert entry.data["changes"] == {"name": ["Valbourg", "Valbourg-les-Bains"]}


def test_nothing_changed_writes_nothing(valbourg, admin_valbourg):
    _, changed = model_update(
        instance=valbourg,
        data={"name": "Valbourg"},
        allowed={"name"},
        commune=valbourg,
        actor=admin_valbourg,
        action="commune.update",
    )
    assert changed == []
    assert not AuditEntry.objects.filter(action="commune.update").exists()


def test_an_unknown_key_is_an_error_not_ignored(valbourg, admin_valbourg):
    with pytest.raises(TypeError, match="is_active"):
        model_update(
            instance=valbourg,
            data={"is_active": False},
            allowed={"name"},
            commune=valbourg,
            actor=admin_valbourg,
            action="commune.update",
        )
    assert Commune.objects.get(pk=valbourg.pk).is_active
