"""Services of the planning app: reminders, the use-case journey, the self-assessment."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from beffroi.core.guards import NotOwned
from beffroi.core.models import AuditEntry
from beffroi.funding import services as funding_services
from beffroi.planning import services
from beffroi.planning.models import Assessment, Project
from beffroi.planning.tasks import deadline_reminders_send
from tests.factories import member


@pytest.fixture
def elu(valbourg):
    return member(valbourg, "elu", "elu@valbourg.test")


def _project(valbourg, elu, **extra):
    return services.project_create(
        commune=valbourg,
        actor=elu,
        title="Détection de fuites",
        start_date=date(2026, 1, 1),
        owner=elu,
        **extra,
    )


def test_reminder_14_days_before_the_deadline_sent_once(
    valbourg, elu, django_capture_on_commit_callbacks, settings
):
    project = _project(valbourg, elu)
    today = date(2026, 3, 1)
    for days, funder in ((14, "DETR"), (30, "Agence de l'eau")):
        funding_services.line_add(
            commune=valbourg,
            actor=elu,
            plan=project.financing_plan,
            funder=funder,
            kind="subvention",
            cost_nature="investment",
            amount=Decimal("1000"),
            status="prevu",
            application_deadline=today + timedelta(days=days),
        )
    with django_capture_on_commit_callbacks(execute=True):
        assert deadline_reminders_send(today=today) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert deadline_reminders_send(today=today) == 0
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["elu@valbourg.test"]
    assert "DETR" in mail.outbox[0].subject and "15 mars 2026" in mail.outbox[0].subject
    link = f"{settings.BEFFROI_SITE_URL}/valbourg/projet/feuille-de-route/projets/{project.pk}/financements/"
    assert link in mail.outbox[0].body


def test_project_services_refuse_bad_input_and_audit_writes(valbourg, elu):
    with pytest.raises(ValidationError) as error:
        _project(valbourg, elu, end_date=date(2025, 12, 31))
    assert "La date de fin ne peut pas précéder la date de début" in str(error.value)
    with pytest.raises(ValidationError) as error:
        _project(valbourg, elu, investment_budget=Decimal("-1"))
    assert "négatif" in str(error.value)
    assert Project.objects.count() == 0
    project = _project(valbourg, elu, investment_budget=Decimal("0"))
    assert AuditEntry.objects.filter(commune=valbourg, action="planning.project.create").count() == 1
    with pytest.raises(ValidationError):
        funding_services.line_add(
            commune=valbourg,
            actor=elu,
            plan=project.financing_plan,
            funder="X",
            kind="subvention",
            cost_nature="investment",
            amount="-5",
            status="prevu",
        )
    assert project.financing_plan.lines.count() == 0


def test_services_refuse_another_communes_objects(valbourg, hautmesnil, elu):
    project = _project(valbourg, elu)
    intruder = member(hautmesnil, "elu", "maire@hautmesnil.test")
    with pytest.raises(NotOwned):
        services.project_update(commune=hautmesnil, actor=intruder, project=project, title="Piraté")
    with pytest.raises(NotOwned):
        funding_services.line_add(
            commune=hautmesnil,
            actor=intruder,
            plan=project.financing_plan,
            funder="X",
            kind="subvention",
            cost_nature="investment",
            amount="5",
            status="prevu",
        )
    project.refresh_from_db()
    assert project.title == "Détection de fuites"


def test_journey_assess_pick_use_case_plan_fund_report(client, valbourg, elu):
    """The mayor's journey, end to end, through the pages."""
    valbourg.enabled_modules = ["planning"]
    valbourg.save()
    client.force_login(elu)
    form = client.get("/valbourg/projet/diagnostic/nouveau/")
    assert form.status_code == 200
    fields = form.context["form"].fields
    data = {"assessed_on": "2026-02-01"}
    for name, field in fields.items():
        if name.startswith("q_") and field.required:
            data[name] = "1"
    # Population is pre-filled from the commune's profile when the grid asks for it.
    response = client.post("/valbourg/projet/diagnostic/nouveau/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assessment = Assessment.objects.get(commune=valbourg)
    assert assessment.scores["overall"] is not None
    assert assessment.role == "elu"
    detail = client.get(response["Location"]).content.decode()
    assert "Pistes recommandées" in detail

    catalogue = client.get("/valbourg/projet/").content.decode()
    assert "Éclairage public intelligent" in catalogue
    use_case = client.get("/valbourg/projet/cas-d-usage/eclairage-intelligent/").content.decode()
    assert "2 000 à 10 000 habitants" in use_case and "estimation" in use_case
    new = client.get("/valbourg/projet/feuille-de-route/projets/nouveau/?cas=eclairage-intelligent")
    initial = new.context["form"].initial
    assert initial["title"] == "Éclairage public intelligent"
    assert initial["investment_budget"] > 0
    created = client.post(
        "/valbourg/projet/feuille-de-route/projets/nouveau/",
        {
            "use_case_code": "eclairage-intelligent",
            "title": initial["title"],
            "status": "prevu",
            "stage": "investissement",
            "start_date": "2026-04-01",
            "end_date": "2027-03-31",
            "investment_budget": "100000",
            "operating_budget": "2000",
            "themes": initial["themes"],
        },
    )
    assert created.status_code == 302
    project = Project.objects.get(commune=valbourg)
    assert project.use_case_code == "eclairage-intelligent"
    assert project.indicators.exists()
    plan = project.financing_plan
    for funder, kind, amount in (
        ("Commune", "autofinancement", "25000"),
        ("Fonds vert", "subvention", "75000"),
    ):
        client.post(
            f"/valbourg/financements/plans/{plan.pk}/lignes/ajouter/",
            {
                "funder": funder,
                "kind": kind,
                "cost_nature": "investment",
                "amount": amount,
                "status": "demande",
            },
        )
    report = client.get("/valbourg/projet/rapport/").content.decode()
    assert "Éclairage public intelligent" in report
    assert "Règle respectée" in report


def test_personal_data_export_and_erasure(valbourg, elu):
    from beffroi.core import personal_data

    _project(valbourg, elu)
    services.assessment_create(
        commune=valbourg,
        actor=elu,
        grid_version="2026.1",
        answers={"questions": {}},
        scores={},
        assessed_on=date(2026, 1, 5),
    )
    exported = personal_data.export_for(elu)["projet_de_territoire"]
    assert exported["projets_dont_responsable"] == [{"commune": "valbourg", "projet": "Détection de fuites"}]
    assert exported["auto_diagnostics"][0]["date"] == "2026-01-05"
    assert exported["auto_diagnostics_valides"][0]["date"] == "2026-01-05"
    personal_data.erase_for(elu)
    assessment = Assessment.objects.get()
    assert assessment.author is None and assessment.author_label == ""
    assert assessment.validated_by is None and assessment.validated_by_label == ""
    assert assessment.validated_at is not None  # the date stays: it names no one
    assert Project.objects.get().owner is None


def _assessment(valbourg, actor, **extra):
    return services.assessment_create(
        commune=valbourg,
        actor=actor,
        grid_version="2026.1",
        answers={"questions": {}},
        scores={},
        assessed_on=date(2026, 11, 5),
        **extra,
    )


def test_who_validated_an_assessment_and_when_is_kept(valbourg, elu):
    """The council report says whose diagnostic it presents: saved as final, by its author; a draft, by whoever
    validated it later. The audit log writes the date in words."""
    final = _assessment(valbourg, elu)
    assert final.validated_by == elu and final.validated_by_label == elu.full_name
    assert final.validated_at is not None
    agent = member(valbourg, "agent", "agent@valbourg.test")
    draft = _assessment(valbourg, agent, is_draft=True)
    assert draft.validated_by is None and draft.validated_at is None
    services.assessment_validate(commune=valbourg, actor=elu, assessment=draft)
    draft.refresh_from_db()
    assert draft.author == agent and draft.validated_by == elu and draft.validated_by_label == elu.full_name
    summaries = set(
        AuditEntry.objects.filter(action__startswith="planning.assessment").values_list("summary", flat=True)
    )
    assert summaries == {"Auto-diagnostic du 5 novembre 2026", "Auto-diagnostic du 5 novembre 2026 validé"}


def test_the_migration_finds_who_validated_the_assessments_already_there(valbourg, elu):
    """Assessments validated before the fields existed: the validation the audit log kept, else their author when
    they were saved as final; a draft stays unvalidated."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("beffroi.planning.migrations.0003_assessment_validation")
    agent = member(valbourg, "agent", "agent@valbourg.test")
    saved_final = _assessment(valbourg, agent)
    validated_later = _assessment(valbourg, agent, is_draft=True)
    services.assessment_validate(commune=valbourg, actor=elu, assessment=validated_later)
    draft = _assessment(valbourg, agent, is_draft=True)
    Assessment.objects.update(validated_by=None, validated_by_label="", validated_at=None)
    migration.backfill_validation(apps, None)
    for assessment in (saved_final, validated_later, draft):
        assessment.refresh_from_db()
    assert saved_final.validated_by == agent and saved_final.validated_at == saved_final.created_at
    entry = AuditEntry.objects.get(action="planning.assessment.validate")
    assert validated_later.validated_by == elu and validated_later.validated_by_label == elu.full_name
    assert validated_later.validated_at == entry.created_at
    assert draft.validated_by is None and draft.validated_at is None


def test_indicator_shows_the_live_data_hub_value(valbourg, elu):
    datahub = pytest.importorskip("beffroi.datahub.services")
    from django.utils import timezone

    from beffroi.planning.selectors import indicator_live_value

    for number, watts in ((1, 40), (2, 35)):
        entity_id = f"urn:ngsi-ld:Streetlight:{number}"
        datahub.entity_create(commune=valbourg, entity={"id": entity_id, "type": "Streetlight"})
        datahub.observation_ingest_batch(
            commune=valbourg,
            measurements=[
                datahub.Measurement(
                    entity_id=entity_id,
                    attribute=datahub.DEFAULT_VOCAB + "powerConsumption",
                    observed_at=timezone.now(),
                    value=watts,
                    unit_code="WTT",
                )
            ],
        )
    project = _project(valbourg, elu)
    indicator = services.indicator_add(
        commune=valbourg,
        actor=elu,
        project=project,
        name="Puissance",
        unit="W",
        datahub_ref="Streetlight/powerConsumption",
    )
    live = indicator_live_value(indicator, commune=valbourg)
    assert live is not None and live.value == Decimal(75) and live.sensors == 2
    assert live.unit == "W" and not live.unit_differs and live.period_days is None
    other = member(
        valbourg.__class__.objects.create(name="Autre", slug="autre", insee_code="21992"),
        "elu",
        "x@autre.test",
    )
    assert other  # another commune's indicator never reads Valbourg's lamps
    assert indicator_live_value(indicator, commune=valbourg.__class__.objects.get(slug="autre")) is None
