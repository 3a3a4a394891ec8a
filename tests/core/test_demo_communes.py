"""`beffroi demo --communes N`: each added commune gets the demo's kinds of data, through the apps' commune steps."""

import random

import pytest

from beffroi.core import demo
from beffroi.core.management.commands.demo import scale_commune_fields
from beffroi.core.services import commune_create


@pytest.mark.slow
@pytest.mark.django_db
def test_a_scale_commune_has_the_demo_kinds_of_data(client):
    from beffroi.budgeting.models import Budget
    from beffroi.datahub.models import DailyRollup, Entity, HourlyRollup, LatestValue
    from beffroi.participation.models import Consultation
    from beffroi.planning.models import Project
    from beffroi.procedures.models import Dossier
    from beffroi.reports.models import Report

    rng = random.Random(1)
    commune = commune_create(**scale_commune_fields(1, rng))
    for step in demo.commune_steps():
        step.load(commune, rng)

    reports = Report.objects.filter(commune=commune)
    assert reports.count() == 200
    assert reports.filter(is_open=False).exists() and reports.filter(is_open=True).exists()
    assert Budget.objects.get(commune=commune, slug="bp-2025").results is not None  # counted
    assert Budget.objects.filter(commune=commune, slug="bp-2026").exists()
    assert Entity.objects.filter(commune=commune).count() == 64
    assert DailyRollup.objects.filter(entity__commune=commune).count() > 64 * 365
    assert HourlyRollup.objects.filter(entity__commune=commune).exists()
    assert LatestValue.objects.filter(entity__commune=commune).exists()
    assert Project.objects.filter(commune=commune).exists()
    assert Dossier.objects.filter(commune=commune).count() >= 12
    assert Consultation.objects.filter(commune=commune).count() == 2
    # its pages answer, and its agent can sign in with the demo's password
    assert client.get(f"/{commune.slug}/signalements/").status_code == 200
    from beffroi.accounts.models import User

    agent = User.objects.get(email=f"agent@{commune.slug}.demo.test")
    assert agent.check_password("beffroi-demo")
    client.force_login(agent)
    assert client.get(f"/{commune.slug}/signalements/gestion/").status_code == 200
