import pytest
from django.db import DatabaseError, connection, transaction

from beffroi.core.models import AuditEntry
from beffroi.core.services import audit_record
from beffroi.territory.services import team_create


def test_services_record_who_did_what(valbourg, admin_valbourg):
    team_create(commune=valbourg, name="Voirie", actor=admin_valbourg)
    entry = AuditEntry.objects.get(action="team.create")
    assert entry.commune == valbourg
    assert entry.actor_id == admin_valbourg.pk
    # who, by an opaque reference: the append-only log keeps nothing that erasing the account must remove
    assert entry.actor_label == f"compte n° {admin_valbourg.pk}"
    assert entry.summary == "Voirie"


def test_acting_for_a_citizen_is_recorded(valbourg, agent_valbourg):
    entry = audit_record(
        commune=valbourg,
        actor=agent_valbourg,
        action="report.create",
        on_behalf_of="Mme Martin",
        channel="guichet",
    )
    assert (entry.on_behalf_of, entry.channel) == ("Mme Martin", "guichet")


def test_the_database_refuses_to_rewrite_or_erase_history(valbourg):
    entry = audit_record(commune=valbourg, action="x")
    errors = DatabaseError  # IntegrityError on SQLite, ProgrammingError on PostgreSQL
    with pytest.raises(errors), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditentry SET action = 'forged' WHERE id = %s", [entry.pk])
    with pytest.raises(errors), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditentry WHERE id = %s", [entry.pk])
    entry.refresh_from_db()
    assert entry.action == "x"


def test_the_model_refuses_updates_too(valbourg):
    from django.core.exceptions import ValidationError

    entry = audit_record(commune=valbourg, action="x")
    entry.action = "y"
    with pytest.raises(ValidationError):
        entry.save()
    with pytest.raises(ValidationError):
        entry.delete()
