"""A commune's first day, in Chromium at phone size with axe-core on every page: the administrator invites an
agent from the people page, the agent accepts from the mail, and a resident signs in with FranceConnect at a
real OpenID Connect provider running locally (the Content-Security-Policy as served, its form-action included)."""

import re
from copy import deepcopy
from urllib.parse import urlsplit

import requests
from django.core import mail
from oidc_provider_mock import run_server_in_thread

from tests.browser.conftest import DEMO_PASSWORD, run_axe, with_axe

PHONE = {"width": 390, "height": 844}


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def checked(page) -> None:
    assert run_axe(page) == [], page.url
    assert no_sideways_scroll(page), page.url


def test_invitation_accepted_from_the_mail_and_franceconnect_sign_in(browser, demo_site, settings):
    with run_server_in_thread() as provider:
        issuer = f"http://localhost:{provider.server_port}"
        config = {
            "issuer": issuer,
            "client_id": "beffroi-test",
            "client_secret": "secret-de-test",
            "scopes": "openid email profile",
            "acr_values": "eidas1",
            "extra_params": "",
            "sign_algo": "RS256",
        }
        settings.BEFFROI_OIDC_PROVIDERS = {"franceconnect": config}
        policy = deepcopy(settings.CONTENT_SECURITY_POLICY)
        policy["DIRECTIVES"]["form-action"] = [*policy["DIRECTIVES"]["form-action"], issuer]
        settings.CONTENT_SECURITY_POLICY = policy  # as settings.py builds it from the environment
        requests.put(
            f"{issuer}/users/fc-sam",
            json={"email": "sam.habitant@exemple.test", "email_verified": True, "given_name": "Sam"},
            timeout=5,
        )

        admin = with_axe(browser.new_context(viewport=PHONE)).new_page()
        admin.goto(f"{demo_site}/valbourg/connexion/")
        admin.fill("#id_username", "admin@demo.test")
        admin.fill("#id_password", DEMO_PASSWORD)
        admin.press("#id_password", "Enter")
        admin.goto(f"{demo_site}/valbourg/espace-agents/administration/membres/")
        checked(admin)
        admin.fill("#id_email", "nouvelle.agente@exemple.test")
        admin.select_option("#id_role", "agent")
        admin.select_option("#id_team", label="Voirie et propreté")
        admin.click("form[action$='inviter/'] button[type=submit]")
        admin.wait_for_load_state("load")
        assert "Invitation envoyée à nouvelle.agente@exemple.test" in admin.inner_text(".messages")
        checked(admin)
        admin.context.close()

        (message,) = [m for m in mail.outbox if m.to == ["nouvelle.agente@exemple.test"]]
        link = re.search(r"^https?://\S+/valbourg/invitation/\S+/$", message.body, re.MULTILINE).group(0)
        invited = with_axe(browser.new_context(viewport=PHONE)).new_page()
        invited.goto(demo_site + urlsplit(link).path)
        checked(invited)
        invited.fill("#id_full_name", "Nouvelle Agente")
        invited.fill("#id_password1", "un-mot-de-passe-long-42")
        invited.fill("#id_password2", "un-mot-de-passe-long-42")
        invited.click("main form[method=post] button[type=submit]")
        invited.wait_for_load_state("load")
        assert invited.url.endswith("/valbourg/espace-agents/")
        assert "Bienvenue dans l'équipe de Valbourg" in invited.inner_text(".messages")
        checked(invited)
        invited.context.close()

        resident = with_axe(browser.new_context(viewport=PHONE)).new_page()
        resident.goto(f"{demo_site}/valbourg/connexion/")
        checked(resident)
        resident.click("form[action$='franceconnect/'] button")
        resident.fill("input[name=sub]", "fc-sam")
        resident.click("button:has-text('Authorize')")
        resident.wait_for_load_state("load")
        assert resident.url == f"{demo_site}/valbourg/"
        assert "Votre compte est créé avec FranceConnect" in resident.inner_text(".messages")
        checked(resident)
        resident.context.close()
