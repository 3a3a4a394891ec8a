"""`beffroi serve`: the production server (Granian, WSGI), static files served by whitenoise."""

import os

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from beffroi.core.ports import PortInUse, ensure_port_free


class Command(BaseCommand):
    help = "Sert Beffroi avec un serveur de production (Granian)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("BEFFROI_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("BEFFROI_PORT", "8000")))
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("BEFFROI_WORKERS", "0")) or None
        )
        parser.add_argument("--threads", type=int, default=int(os.environ.get("BEFFROI_THREADS", "2")))
        parser.add_argument("--no-collectstatic", action="store_true")

    def handle(self, *args, host, port, workers, threads, no_collectstatic, **options):
        from granian import Granian
        from granian.constants import Interfaces

        try:  # before anything else: a second server on the same port must not start (see core.ports)
            ensure_port_free(host, port)
        except PortInUse as error:
            raise CommandError(error.message) from None
        if not no_collectstatic:
            call_command("collectstatic", interactive=False, verbosity=0)
        # One process per core, two request threads each: measured best on a 2-core machine
        # (bench/http_pages.py); the Rust HTTP layer handles keep-alive outside the GIL.
        workers = workers or os.cpu_count() or 1
        self.stdout.write(f"Beffroi sert sur http://{host}:{port}/ ({workers} processus × {threads} fils)")
        self.stdout.write(f"Données : {settings.DATA_DIR}")
        Granian(
            "beffroi.wsgi:application",
            address=host,
            port=port,
            interface=Interfaces.WSGI,
            workers=workers,
            blocking_threads=threads,
            log_access=bool(os.environ.get("BEFFROI_ACCESS_LOG")),
            respawn_failed_workers=True,
        ).serve()
