"""Shared set-up of the data hub benchmarks: a throw-away database (SQLite, or DATABASE_URL) and Django."""

import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def setup():
    """Configure Django on a fresh database; returns the temporary directory to remove at the end."""
    tmp = tempfile.mkdtemp()
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp}/bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "beffroi.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    return tmp


def p95(samples):
    ordered = sorted(samples)
    return ordered[max(0, int(round(0.95 * len(ordered))) - 1)]


def verdict(figure_ms: float, goal_ms: float) -> str:
    """The p95 beside its goal, e.g. "p95 42.0 ms vs goal < 100 ms: met"."""
    return f"p95 {figure_ms:.1f} ms vs goal < {goal_ms:.0f} ms: {'met' if figure_ms < goal_ms else 'NOT met'}"


def summary(samples):
    return f"p50 {statistics.median(samples) * 1000:.1f} ms, p95 {p95(samples) * 1000:.1f} ms ({len(samples)} runs)"
