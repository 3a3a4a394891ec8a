"""`beffroi demo --communes N`: each added commune gets the demo's kinds of data, through the apps' commune steps."""

import os
import random
import subprocess
import sys

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


@pytest.mark.slow
@pytest.mark.django_db
def test_adding_communes_again_adds_nothing_and_more_adds_only_the_missing_ones():
    from beffroi.budgeting.models import Ballot, BallotChoice, Budget
    from beffroi.core.management.commands.demo import Command
    from beffroi.core.models import Commune
    from beffroi.datahub.models import DailyRollup, HourlyRollup
    from beffroi.reports.models import Report

    command = Command()
    command._load_communes(1, jobs=1)
    assert list(Commune.objects.values_list("slug", flat=True)) == ["commune-001"]
    counted = Budget.objects.get(commune__slug="commune-001", slug="bp-2025")
    # the 40 ballots cast with postal codes: each spent its code, and its choices are counted
    assert Ballot.objects.filter(budget=counted, voting_code__used_at__isnull=False).count() == 40
    assert counted.results["num_voters"] >= 40  # with the paper ballots
    assert BallotChoice.objects.filter(budget=counted).count() >= 40 * 2
    daily = DailyRollup.objects.count()
    assert daily >= 74 * 400  # 74 measured series, 400 days each (and today's, from the live measurements)
    assert HourlyRollup.objects.count() >= 74 * 31 * 24
    reports = Report.objects.count()

    command._load_communes(1, jobs=1)  # run again: the instance already has its commune
    assert Commune.objects.count() == 1
    assert (Report.objects.count(), DailyRollup.objects.count()) == (reports, daily)

    command._load_communes(2, jobs=1)
    assert sorted(Commune.objects.values_list("slug", flat=True)) == ["commune-001", "commune-002"]
    assert Report.objects.count() == 2 * reports
    assert DailyRollup.objects.count() == 2 * daily


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_two_processes_load_the_communes_side_by_side(tmp_path):
    from django.db import connection

    from beffroi.core.models import Commune
    from beffroi.reports.models import Report

    if connection.vendor != "postgresql":
        pytest.skip("several loading processes on PostgreSQL only (SQLite has one writer)")
    # In a process of its own, as `beffroi demo` runs: the loader forks its workers, and a fork from this test
    # process (whose runner has threads) can inherit a lock held by another thread and wait on it for ever.
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    url = f"postgres://{credentials}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    code = (
        "import django; django.setup(); from beffroi.core.management.commands.demo import Command; "
        "Command()._load_communes(2, jobs=2)"
    )
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "BEFFROI_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "beffroi.settings",
    }
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=600, capture_output=True)
    assert sorted(Commune.objects.values_list("slug", flat=True)) == ["commune-001", "commune-002"]
    assert Report.objects.filter(commune__slug="commune-002").count() == 200
