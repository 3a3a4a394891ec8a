"""Prepares the data directory the fuzzing server runs on (tests/fuzz/conftest.py runs it in its own process,
with BEFFROI_DATA_DIR set): the migrations, some of the demo's steps, and a write key for Valbourg, printed on
the last line."""

import sys

import django


def main(step_names: list[str]) -> None:
    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from beffroi.core import demo
    from beffroi.core.models import Commune
    from beffroi.core.services import apikey_create

    call_command("migrate", interactive=False, verbosity=0)
    for step in demo.steps():
        if "all" in step_names or step.name in step_names:
            with transaction.atomic():
                step.load()
    _key, secret = apikey_create(commune=Commune.objects.get(slug="valbourg"), scope="write", name="fuzzing")
    sys.stdout.write(secret + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
