"""FranceConnect and ProConnect sign-in, end to end against a real OpenID Connect provider running locally
(oidc-provider-mock: authorization, token, userinfo, JWKS and end-session endpoints, RS256-signed ID tokens).

The browser's part is played by the Django test client (our pages) and `requests` (the provider's pages):
the person is sent to the provider, authorizes or refuses there, and comes back with a code and the state."""

import html
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from oidc_provider_mock import run_server_in_thread

from beffroi.accounts.models import Membership, OidcIdentity, User
from beffroi.core.models import AuditEntry
from tests.factories import PASSWORD, member


@pytest.fixture(scope="module")
def provider_server():
    with run_server_in_thread() as server:
        yield f"http://localhost:{server.server_port}"


def provider_config(issuer: str, **extra) -> dict:
    return {
        "issuer": issuer,
        "client_id": "beffroi-test",
        "client_secret": "secret-de-test",
        # The mock knows the standard scopes only (FranceConnect's own, such as given_name, it drops).
        "scopes": "openid email profile",
        "acr_values": "",
        "sign_algo": "RS256",
        "authorization_endpoint": "",
        "token_endpoint": "",
        "userinfo_endpoint": "",
        "jwks_endpoint": "",
        "end_session_endpoint": "",
        "extra_params": "",
        **extra,
    }


@pytest.fixture
def issuer(provider_server, settings, valbourg):
    settings.BEFFROI_OIDC_PROVIDERS = {
        "franceconnect": provider_config(
            provider_server, acr_values="eidas1", extra_params="prompt=login consent"
        ),
        "proconnect": provider_config(provider_server),
    }
    return provider_server


def person(issuer: str, sub: str, **claims) -> None:
    """The person's identity at the provider (what its userinfo and ID token will say)."""
    response = requests.put(f"{issuer}/users/{sub}", json={"email_verified": True, **claims}, timeout=5)
    assert response.status_code == 204


def go_to_provider(client, provider="franceconnect", next_path="") -> str:
    response = client.get(f"/valbourg/connexion/{provider}/" + (f"?next={next_path}" if next_path else ""))
    assert response.status_code == 302
    return response["Location"]


def at_provider(authorize_url: str, *, sub: str = "", deny: bool = False) -> str:
    """The person authorizes (as `sub`) or refuses at the provider; returns the path it sends them back to."""
    data = {"action": "deny"} if deny else {"sub": sub}
    response = requests.post(authorize_url, data=data, allow_redirects=False, timeout=5)
    assert response.status_code == 302, response.text
    back = urlsplit(response.headers["Location"])
    assert back.netloc == "testserver"
    return f"{back.path}?{back.query}"


def text(response) -> str:
    return html.unescape(response.content.decode())


def sign_in(client, issuer, sub, provider="franceconnect"):
    return client.get(at_provider(go_to_provider(client, provider), sub=sub))


def test_the_buttons_show_only_for_configured_providers(client, settings, valbourg, issuer):
    page = text(client.get("/valbourg/connexion/"))
    assert "S’identifier avec" in page and "FranceConnect" in page and "Qu’est-ce que ProConnect ?" in page
    settings.BEFFROI_OIDC_PROVIDERS = {"franceconnect": provider_config(issuer, client_secret="")}
    page = text(client.get("/valbourg/connexion/"))
    assert "FranceConnect" not in page and "ProConnect" not in page
    assert client.get("/valbourg/connexion/franceconnect/").status_code == 404


def test_a_first_sign_in_creates_the_account(client, issuer, valbourg):
    person(
        issuer, "fc-camille", email="Camille.Durand@exemple.test", given_name="Camille", family_name="Durand"
    )
    authorize_url = go_to_provider(client)
    query = parse_qs(urlsplit(authorize_url).query)
    assert authorize_url.startswith(f"{issuer}/oauth2/authorize?")
    assert query["acr_values"] == ["eidas1"] and query["prompt"] == ["login consent"]
    assert query["redirect_uri"] == ["http://testserver/connexion/franceconnect/retour/"]
    assert len(query["state"][0]) == 32 and len(query["nonce"][0]) == 32

    response = client.get(at_provider(authorize_url, sub="fc-camille"))
    assert response.status_code == 302 and response["Location"] == "/valbourg/"
    user = User.objects.get(email="camille.durand@exemple.test")
    assert user.full_name == "Camille Durand" and user.email_confirmed and not user.has_usable_password()
    assert OidcIdentity.objects.get(user=user).subject == "fc-camille"
    assert Membership.objects.get(user=user, commune=valbourg).role == "habitant"
    assert "Votre compte est créé avec FranceConnect" in text(client.get("/valbourg/"))
    assert "Connexion avec FranceConnect" in text(client.get("/valbourg/compte/"))

    client.post("/valbourg/deconnexion/")
    client.logout()
    assert sign_in(client, issuer, "fc-camille")["Location"] == "/valbourg/"  # the same account again
    assert User.objects.filter(email="camille.durand@exemple.test").count() == 1


def test_an_existing_account_is_linked_only_after_its_password(client, issuer, valbourg):
    resident = member(valbourg, "habitant", "nadia@exemple.test")
    person(issuer, "fc-nadia", email="nadia@exemple.test", given_name="Nadia", family_name="B.")
    response = sign_in(client, issuer, "fc-nadia")
    assert response["Location"] == "/valbourg/connexion/lier-mon-compte/"
    assert client.get("/valbourg/compte/").status_code == 302  # not signed in before confirming
    page = text(client.get(response["Location"]))
    assert "Un compte existe déjà ici avec l'adresse nadia@exemple.test" in page

    wrong = client.post("/valbourg/connexion/lier-mon-compte/", {"password": "pas-le-bon"})
    assert wrong.status_code == 400
    assert "Mot de passe incorrect : le compte n'a pas été lié." in text(wrong)
    assert not OidcIdentity.objects.exists()

    done = client.post("/valbourg/connexion/lier-mon-compte/", {"password": PASSWORD})
    assert done["Location"] == "/valbourg/"
    assert OidcIdentity.objects.get(user=resident).subject == "fc-nadia"
    assert AuditEntry.objects.get(action="account.link_provider").summary == "FranceConnect"
    assert client.get("/valbourg/compte/").status_code == 200

    client.logout()  # the next time, FranceConnect alone, even with another address there
    person(issuer, "fc-nadia", email="nadia.nouvelle@exemple.test")
    assert sign_in(client, issuer, "fc-nadia")["Location"] == "/valbourg/"
    assert int(client.session["_auth_user_id"]) == resident.pk


def test_declining_the_link_signs_nobody_in(client, issuer, valbourg):
    member(valbourg, "habitant", "leo@exemple.test")
    person(issuer, "fc-leo", email="leo@exemple.test")
    sign_in(client, issuer, "fc-leo")
    response = client.post("/valbourg/connexion/lier-mon-compte/", {"cancel": "1"})
    assert response["Location"] == "/valbourg/connexion/"
    assert "_auth_user_id" not in client.session and not OidcIdentity.objects.exists()


def test_a_login_refused_at_the_provider(client, issuer):
    response = client.get(at_provider(go_to_provider(client), deny=True))
    assert response.status_code == 403
    assert "Vous avez annulé la connexion sur FranceConnect" in text(response)
    assert "_auth_user_id" not in client.session and not User.objects.exists()


def test_a_state_this_browser_did_not_start_is_refused(client, issuer):
    person(issuer, "fc-eve", email="eve@exemple.test")
    back = at_provider(go_to_provider(client), sub="fc-eve")
    path, _, query = back.partition("?")
    params = parse_qs(query)
    forged = client.get(f"{path}?code={params['code'][0]}&state=un-etat-invente")
    assert forged.status_code == 400
    assert "ne correspond à aucune connexion commencée dans ce navigateur" in text(forged)
    other_browser = client.__class__()
    assert other_browser.get(back).status_code == 400  # the right state, but another browser's session
    assert not User.objects.exists()
    assert client.get(back).status_code == 302  # the genuine return still works once…
    client.logout()
    assert client.get(back).status_code == 400  # …and only once


def test_a_nonce_mismatch_is_refused(client, issuer):
    person(issuer, "fc-mallory", email="mallory@exemple.test")
    authorize_url = go_to_provider(client)
    state = parse_qs(urlsplit(authorize_url).query)["state"][0]
    session = client.session
    session["oidc_states"][state]["nonce"] = "un-autre-nonce"  # the ID token will carry the one sent
    session.save()
    response = client.get(at_provider(authorize_url, sub="fc-mallory"))
    assert response.status_code == 400
    assert "n'a pas passé nos contrôles de sécurité" in text(response)
    assert "_auth_user_id" not in client.session and not User.objects.exists()


def test_a_level_of_assurance_not_asked_for_is_refused(client, issuer):
    person(issuer, "fc-low", email="low@exemple.test", acr="niveau-inconnu")
    response = sign_in(client, issuer, "fc-low")
    assert response.status_code == 400
    assert "n'a pas passé nos contrôles de sécurité" in text(response)
    assert not User.objects.exists()


def test_a_deactivated_account_is_refused(client, issuer, valbourg):
    person(issuer, "fc-paul", email="paul@exemple.test")
    sign_in(client, issuer, "fc-paul")
    client.logout()
    User.objects.filter(email="paul@exemple.test").update(is_active=False)
    response = sign_in(client, issuer, "fc-paul")
    assert response.status_code == 403
    assert "Ce compte est désactivé" in text(response)
    assert "_auth_user_id" not in client.session
    member(valbourg, "habitant", "ines@exemple.test").__class__.objects.filter(
        email="ines@exemple.test"
    ).update(is_active=False)
    person(issuer, "fc-ines", email="ines@exemple.test")
    assert sign_in(client, issuer, "fc-ines").status_code == 403  # by address too: no link offered


def test_logout_at_the_provider(client, issuer):
    person(issuer, "pc-agent", email="agent@mairie.test", siret="21210001400015", idp_id="idp-mairie")
    sign_in(client, issuer, "pc-agent", provider="proconnect")
    identity = OidcIdentity.objects.get(subject="pc-agent")
    assert (
        identity.provider == "proconnect"
        and identity.siret == "21210001400015"
        and identity.idp_id == "idp-mairie"
    )

    response = client.post("/valbourg/deconnexion/")
    assert "_auth_user_id" not in client.session  # signed out here at once
    end_session = urlsplit(response["Location"])
    assert f"{end_session.scheme}://{end_session.netloc}{end_session.path}" == f"{issuer}/oauth2/end_session"
    params = parse_qs(end_session.query)
    assert params["post_logout_redirect_uri"] == ["http://testserver/deconnexion/terminee/"]
    assert params["id_token_hint"][0].count(".") == 2  # the ID token it issued

    form = requests.get(response["Location"], timeout=5)
    assert form.status_code == 200
    confirmed = requests.post(
        f"{issuer}/oauth2/end_session/confirm",
        data={"redirect_uri": f"http://testserver/deconnexion/terminee/?state={params['state'][0]}"},
        allow_redirects=False,
        timeout=5,
    )
    back = urlsplit(confirmed.headers["Location"])
    home = client.get(f"{back.path}?{back.query}")
    assert home["Location"] == "/valbourg/"
    assert "de votre compte ProConnect" in text(client.get("/valbourg/"))


def test_an_unreachable_provider_gets_a_french_page(client, settings, valbourg):
    settings.BEFFROI_OIDC_PROVIDERS = {"franceconnect": provider_config("http://localhost:9")}
    response = client.get("/valbourg/connexion/franceconnect/")
    assert response.status_code == 503
    assert "FranceConnect ne répond pas pour le moment" in text(response)
