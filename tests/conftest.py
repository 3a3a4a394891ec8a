from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import override_settings
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from tests.factories import CommuneFactory, member

# Property tests assert behaviour, never speed: no per-example deadline, no "too slow" health check, so a busy
# CI machine cannot fail them.
hypothesis_settings.register_profile("beffroi", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("beffroi")


# Modules that check what a page or a response says and looks like (words, styles, headers, buttons, snapshots,
# a module switched off): the same on every database, so the PostgreSQL run leaves them out (`presentation`).
PRESENTATION_MODULES = {
    "tests/core/test_styles.py",
    "tests/core/test_api_snapshots.py",
    "tests/core/test_security_headers.py",
    "tests/core/test_module_switch.py",
    "tests/reports/test_english.py",
    "tests/reports/test_buttons.py",
}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    # Every test that touches the database carries the django_db marker, so the PostgreSQL run can select
    # exactly those (`-m django_db`) and skip the pure modules it has nothing to add to.
    root = Path(__file__).resolve().parent.parent
    for item in items:
        if Path(item.fspath).resolve().relative_to(root).as_posix() in PRESENTATION_MODULES:
            item.add_marker(pytest.mark.presentation)
        fixtures = set(getattr(item, "fixturenames", ()))
        if fixtures & {
            "db",
            "transactional_db",
            "live_server",
            "django_db_setup",
        } and not item.get_closest_marker("django_db"):
            item.add_marker(pytest.mark.django_db)


def isolated_settings(media_root: Path) -> override_settings:
    """What every test runs under: files in a temporary folder, mails kept in memory, tasks run at once, plain
    HTTP cookies, passwords hashed with a fast hasher (Argon2 costs a fifth of a second of CPU per password: the
    hasher of production is asserted in tests/accounts/test_accounts.py). Also applied around data loaded once for a module or a session (demo loads), which is set up
    before any test's own fixtures."""
    return override_settings(
        MEDIA_ROOT=media_root,
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        STORAGES={
            **django_settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
        SESSION_COOKIE_SECURE=False,
        CSRF_COOKIE_SECURE=False,
        LANGUAGE_COOKIE_SECURE=False,
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        BEFFROI_PAGE_CACHE_SECONDS=0,  # a test reads its own writes at once (tests/core/test_page_cache.py)
    )


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path):
    with isolated_settings(tmp_path / "media"):
        yield


@pytest.fixture(autouse=True)
def _empty_caches():
    """Each test starts with empty caches: a rolled-back database gives its row numbers to the next test, whose
    rows could otherwise meet fragments rendered for the previous one's."""
    from django.core.cache import caches

    for alias in django_settings.CACHES:
        caches[alias].clear()
    yield


@pytest.fixture
def valbourg(db):
    return CommuneFactory(name="Valbourg", slug="valbourg", insee_code="21990", population=3214)


@pytest.fixture
def hautmesnil(db):
    return CommuneFactory(name="Hautmesnil", slug="hautmesnil", insee_code="21991", population=612)


@pytest.fixture
def communes(valbourg, hautmesnil):
    return valbourg, hautmesnil


@pytest.fixture
def agent_valbourg(valbourg):
    return member(valbourg, "agent", "agent@valbourg.test")


@pytest.fixture
def admin_valbourg(valbourg):
    return member(valbourg, "admin", "admin@valbourg.test")


@pytest.fixture
def agent_hautmesnil(hautmesnil):
    return member(hautmesnil, "agent", "agent@hautmesnil.test")


@pytest.fixture
def habitant_valbourg(valbourg):
    return member(valbourg, "habitant", "habitant@valbourg.test")


@pytest.fixture(scope="session", autouse=True)
def _flush_past_the_audit_triggers():
    """Tests on a live server end with Django's `flush`, which SQLite runs as DELETE: the append-only
    triggers of the audit log (rightly) refuse it. Drop them for the flush only, then put them back."""
    import importlib

    from django.core.management.commands import flush
    from django.db import connections

    migration = importlib.import_module("beffroi.core.migrations.0002_audit_append_only")
    original = flush.Command.handle

    def handle(self, **options):
        connection = connections[options.get("database", "default")]
        if connection.vendor != "sqlite":
            return original(self, **options)
        with connection.cursor() as cursor:
            for sql in migration.SQLITE_REVERSE:
                cursor.execute(sql)
        try:
            return original(self, **options)
        finally:
            with connection.cursor() as cursor:
                for sql in migration.SQLITE:
                    cursor.execute(sql)

    flush.Command.handle = handle
    yield
    flush.Command.handle = original


@pytest.fixture(autouse=True)
def _french_by_default():
    """Each test starts and ends in French, whatever the previous test on this worker activated."""
    from django.utils import translation

    translation.activate("fr")
    yield
    translation.activate("fr")
