"""Headless Debian Chromium through Playwright, with axe-core from npm (see Makefile: test-browser)."""

import os
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the ORM is used while the sync browser is open

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
DEMO_PASSWORD = "beffroi-demo"  # noqa: S105


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not AXE_JS.exists():
        pytest.fail("axe-core is missing: run `npm ci` (make test-browser does it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def demo_site(live_server, settings):
    settings.AXES_ENABLED = False  # the crawler logs in as every role many times
    call_command("demo", no_serve=True, verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    return live_server.url


def login(page, base_url: str, email: str, password: str = DEMO_PASSWORD, commune: str = "valbourg") -> None:
    page.goto(f"{base_url}/{commune}/connexion/")
    page.fill("#id_username", email)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
    page.wait_for_load_state("load")
    assert "connexion" not in page.url, f"login failed for {email}"


def run_axe(page) -> list[dict]:
    page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate(
        "() => axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
    )
    return [
        {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]
