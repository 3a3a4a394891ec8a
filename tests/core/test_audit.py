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


def test_the_journal_reads_as_sentences_with_names_not_codes(
    client, valbourg, admin_valbourg, agent_valbourg
):
    """What the administrator reads on the agents' space: the modules switched on and off by name, the key by
    its visible start and scope in words, the agent added to a service by name — no code, no account number."""
    from beffroi.core.services import apikey_create, commune_update
    from beffroi.territory import services as territory

    valbourg.enabled_modules = ["reports", "budgeting"]
    valbourg.save()
    commune_update(commune=valbourg, actor=admin_valbourg, enabled_modules=["reports", "datahub"])
    key, _secret = apikey_create(commune=valbourg, scope="write", actor=admin_valbourg)
    team = territory.team_create(commune=valbourg, name="Voirie", actor=admin_valbourg)
    territory.team_add_member(team=team, user=agent_valbourg, actor=admin_valbourg)
    client.force_login(admin_valbourg)
    html = client.get("/valbourg/espace-agents/").content.decode().replace("&#x27;", "'")
    assert "Modules ouverts : Données et capteurs ; modules fermés : Budget participatif" in html
    assert f"Clé d'API créée — clé bfr_{key.prefix}… (lecture et écriture)" in html
    assert f"Agent ajouté à un service — {agent_valbourg.full_name}" in html
    assert "(write)" not in html and "compte n°" not in html
