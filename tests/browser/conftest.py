"""Headless Debian Chromium through Playwright, with axe-core from npm (see Makefile: test-browser)."""

import os
import shutil
import sqlite3
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import modify_settings, override_settings
from playwright.sync_api import Error as PlaywrightError

from tests.conftest import isolated_settings

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the ORM is used while the sync browser is open

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# Chromium's headless shell (Debian's chromium-headless-shell) draws the same pages as the full browser for a
# quarter less CPU; the full browser serves where the shell is not installed.
CHROMIUM = (
    os.environ.get("BEFFROI_CHROMIUM")
    or shutil.which("chromium-headless-shell")
    or shutil.which("chromium")
    or "/usr/bin/chromium"
)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEMO_PASSWORD = "beffroi-demo"  # noqa: S105


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            # The live server answers from the test's database, outside any test transaction: the database is
            # emptied after each test (flush), as for Django's LiveServerTestCase. Put first, so it is the
            # marker pytest-django reads.
            item.add_marker(pytest.mark.django_db(transaction=True), append=False)


@pytest.fixture(scope="session")
def browser():
    if not AXE_JS.exists():
        pytest.fail("axe-core is missing: run `npm ci` (make test-browser does it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield browser
        browser.close()


class DemoData:
    """The demo, loaded once per session (it takes tens of seconds), then copied into the empty test database
    before each test: every test starts from the demo as loaded, whatever the tests before it changed.

    On SQLite the copy is the database's own backup of the loaded demo (a fraction of a second); on another
    database the demo is loaded again for each test."""

    def __init__(self) -> None:
        self.snapshot: sqlite3.Connection | None = None

    @staticmethod
    def load() -> None:
        call_command("demo", no_serve=True, verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115

    def prepare(self) -> None:
        if connection.vendor != "sqlite":
            return
        self.load()
        connection.ensure_connection()
        self.snapshot = sqlite3.connect(":memory:", check_same_thread=False)
        connection.connection.backup(self.snapshot)
        call_command("flush", interactive=False, verbosity=0)  # the database as the other tests expect it

    def restore(self) -> None:
        if self.snapshot is None:
            self.load()
            return
        connection.ensure_connection()
        self.snapshot.backup(connection.connection)


@pytest.fixture(scope="session")
def demo_server(django_db_setup, django_db_blocker, tmp_path_factory):
    """One live server for the whole session, answering from the test database."""
    from pytest_django.live_server_helper import LiveServer

    demo = DemoData()
    media = tmp_path_factory.mktemp("media")
    with isolated_settings(media), django_db_blocker.unblock():
        demo.prepare()
    pristine = tmp_path_factory.mktemp("media-pristine") / "media"
    shutil.copytree(media, pristine)
    server = LiveServer("localhost")
    yield server, demo, (media, pristine)
    server.stop()


@pytest.fixture
def demo_site(demo_server):
    server, demo, (media, pristine) = demo_server
    demo.restore()
    # the files too: a test that erases an account or removes a proposal deletes its photo from the folder
    shutil.rmtree(media)
    shutil.copytree(pristine, media)
    # the crawler logs in as every role many times; the demo's files (residents' photos, illustrations) are
    # where the demo put them
    with (
        override_settings(AXES_ENABLED=False, MEDIA_ROOT=media),
        modify_settings(ALLOWED_HOSTS={"append": server.thread.host}),
    ):
        yield server.url


def login(page, base_url: str, email: str, password: str = DEMO_PASSWORD, commune: str = "valbourg") -> None:
    page.goto(f"{base_url}/{commune}/connexion/")
    page.fill("#id_username", email)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
    page.wait_for_load_state("load")
    assert "connexion" not in page.url, f"login failed for {email}"


def run_axe(page) -> list[dict]:
    """The WCAG 2.1 A and AA violations of the page. Only violations are collected in full (`resultTypes`):
    axe then skips gathering every passing node. A context made with `with_axe` has axe in each of its pages."""
    for attempt in range(3):
        # A click that navigates may still be loading the next page: axe then finds no document, or the page
        # goes away under it. Wait for the page to be there and audit it again, rather than fail on timing.
        page.wait_for_load_state("load")
        try:
            if not page.evaluate("typeof axe !== 'undefined'"):
                page.add_script_tag(path=str(AXE_JS))
            result = page.evaluate(
                "() => axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a',"
                " 'wcag21aa']}, resultTypes: ['violations']})"
            )
            break
        except PlaywrightError as error:
            if attempt == 2 or not any(
                sign in str(error) for sign in ("documentElement", "context was destroyed", "navigat")
            ):
                raise
            page.wait_for_timeout(200)
    return [
        {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]


def with_axe(context):
    """Loads axe-core into every page of the context as it opens (once for the context, rather than sent
    through the browser's protocol page after page): for the crawls, which audit a hundred pages each."""
    context.add_init_script(path=str(AXE_JS))
    return context
