"""`beffroi worker` runs the queued tasks from the database backend."""

import pytest
from django.core import mail
from django.core.management import call_command

from beffroi.core.tasks import send_email


@pytest.mark.django_db(transaction=True)  # the worker closes connections, as a real one does
def test_worker_runs_a_queued_email(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    result = send_email.enqueue(to=["habitant@example.test"], subject="Votre demande", body="Elle avance.")
    assert mail.outbox == []  # queued, not sent by the web request
    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)
    result.refresh()
    assert result.status == "SUCCESSFUL"
    assert [m.subject for m in mail.outbox] == ["Votre demande"]


def test_cli_aliases_worker_to_the_database_worker():
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", "from beffroi.cli import main; main(['beffroi', 'worker', '--help'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "--batch" in out
