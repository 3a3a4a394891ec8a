"""`beffroi serve`: the production server (gunicorn, threaded workers), static files by whitenoise."""

import os

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Sert Beffroi avec un serveur de production (gunicorn)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("BEFFROI_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("BEFFROI_PORT", "8000")))
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("BEFFROI_WORKERS", "0")) or None
        )
        parser.add_argument("--threads", type=int, default=int(os.environ.get("BEFFROI_THREADS", "4")))
        parser.add_argument("--no-collectstatic", action="store_true")

    def handle(self, *args, host, port, workers, threads, no_collectstatic, **options):
        from gunicorn.app.base import BaseApplication

        if not no_collectstatic:
            call_command("collectstatic", interactive=False, verbosity=0)
        workers = workers or (os.cpu_count() or 1) * 2 + 1
        wsgi_app = "beffroi.wsgi:application"

        class Server(BaseApplication):
            def load_config(self):
                self.cfg.set("bind", f"{host}:{port}")
                self.cfg.set("workers", workers)
                self.cfg.set("threads", threads)
                self.cfg.set("worker_class", "gthread")
                self.cfg.set("accesslog", os.environ.get("BEFFROI_ACCESS_LOG") or None)
                self.cfg.set("timeout", 60)
                self.cfg.set("graceful_timeout", 20)
                self.cfg.set("preload_app", True)

            def load(self):
                from django.core.wsgi import get_wsgi_application

                return get_wsgi_application()

        self.stdout.write(
            f"Beffroi sert sur http://{host}:{port}/ ({workers} processus × {threads} fils) — {wsgi_app}"
        )
        self.stdout.write(f"Données : {settings.DATA_DIR}")
        Server().run()
