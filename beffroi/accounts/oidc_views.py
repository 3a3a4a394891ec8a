"""Sign-in through FranceConnect and ProConnect: the start, the provider's return, the confirmation that links an
existing account, and the return from the provider's logout.

The provider's return and logout land at the platform's root (`/connexion/<provider>/retour/`), the same
address for every commune of the instance (one redirect URI to register with each provider; a commune served
on its own host registers its own); the commune the person came from is kept in the session with the state.
"""

import time
from urllib.parse import urlencode

import requests
from django.contrib import messages
from django.contrib.auth import authenticate, login
from django.core.exceptions import SuspiciousOperation
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import get_script_prefix, reverse, set_script_prefix
from django.utils.crypto import get_random_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from mozilla_django_oidc.utils import add_state_and_verifier_and_nonce_to_session

from beffroi.accounts import selectors, services
from beffroi.accounts.forms import LinkConfirmForm
from beffroi.accounts.oidc import (
    Provider,
    ProviderBackend,
    ProviderUnavailable,
    identity_from_claims,
    provider_get,
)
from beffroi.core.links import commune_path
from beffroi.core.selectors import commune_get_by_slug

FLOWS = "beffroi_oidc_flows"  # state -> {provider, commune, next, at}
PENDING_LINK = "beffroi_oidc_pending_link"
SIGNED_IN_WITH = "beffroi_oidc"  # {provider, id_token}: for the logout at the provider
LOGOUT_STATE = "beffroi_oidc_logout"
PENDING_LINK_SECONDS = 15 * 60
MAX_FLOWS = 10


def platform_url(request, viewname: str, *, kwargs=None) -> str:
    """The absolute address of an accounts page at the platform's root (or the commune's own host), without
    the `/<commune>/` prefix: the redirect URIs registered with the providers."""
    previous = get_script_prefix()
    prefix = previous
    if getattr(request, "commune_via", "") == "path" and request.commune is not None:
        prefix = previous[: -(len(request.commune.slug) + 1)] or "/"
    set_script_prefix(prefix)
    try:
        path = reverse(viewname, kwargs=kwargs)
    finally:
        set_script_prefix(previous)
    return request.build_absolute_uri(path)


def _provider_or_404(code: str) -> Provider:
    provider = provider_get(code)
    if provider is None:
        raise Http404("Ce mode de connexion n'est pas proposé sur cette plateforme.")
    return provider


def _refused(request, reason: str, provider: Provider, status: int):
    return render(
        request, "accounts/oidc_error.html", {"reason": reason, "provider": provider}, status=status
    )


def _home_of(commune_slug: str) -> str:
    commune = commune_get_by_slug(slug=commune_slug) if commune_slug else None
    return commune_path(commune, "core:home") if commune is not None else reverse("core:home")


def _safe_next(request, value: str) -> str:
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=False
    ):
        return value
    return ""


@require_http_methods(["GET", "HEAD"])
def oidc_start(request, provider: str):
    """Send the person to the provider's sign-in page, with a fresh state and nonce kept in the session."""
    chosen = _provider_or_404(provider)
    try:
        authorization_endpoint = chosen.endpoint("authorization_endpoint")
    except ProviderUnavailable:
        return _refused(request, "unavailable", chosen, 503)
    state = get_random_string(32)
    params = {
        "response_type": "code",
        "scope": chosen.scopes,
        "client_id": chosen.client_id,
        "redirect_uri": platform_url(request, "accounts:oidc_callback", kwargs={"provider": chosen.code}),
        "state": state,
        "nonce": get_random_string(32),
        **chosen.extra_params,
    }
    if chosen.acr_values:
        params["acr_values"] = chosen.acr_values
    add_state_and_verifier_and_nonce_to_session(request, state, params)
    flows = {
        key: flow
        for key, flow in sorted(request.session.get(FLOWS, {}).items(), key=lambda item: item[1]["at"])[
            -(MAX_FLOWS - 1) :
        ]
    }
    flows[state] = {
        "provider": chosen.code,
        "commune": request.commune.slug if request.commune is not None else "",
        "next": _safe_next(request, request.GET.get("next", "")),
        "at": time.time(),
    }
    request.session[FLOWS] = flows
    return redirect(f"{authorization_endpoint}?{urlencode(params)}")


@require_http_methods(["GET", "HEAD"])
def oidc_callback(request, provider: str):
    """The provider's return: refused (with a French page saying why) when the person declined, the state is
    not one this browser started, the tokens fail their checks (signature, issuer, audience, nonce), or the
    account is deactivated; else signed in, or asked to confirm before an existing account is linked."""
    chosen = _provider_or_404(provider)
    state = request.GET.get("state", "")
    flows = request.session.get(FLOWS, {})
    flow = flows.pop(state, None) if state else None
    states = request.session.get("oidc_states", {})
    stored = states.pop(state, None) if state else None
    request.session[FLOWS] = flows
    request.session["oidc_states"] = states
    if request.GET.get("error"):
        return _refused(
            request, "denied" if request.GET["error"] == "access_denied" else "error", chosen, 403
        )
    if flow is None or stored is None or flow["provider"] != chosen.code or not request.GET.get("code"):
        return _refused(request, "state", chosen, 400)
    backend = ProviderBackend(
        chosen, callback_url=platform_url(request, "accounts:oidc_callback", kwargs={"provider": chosen.code})
    )
    backend.request = request
    try:
        claims, id_token = backend.exchange(code=request.GET["code"], nonce=stored["nonce"])
        identity = identity_from_claims(claims)
    except SuspiciousOperation:
        return _refused(request, "invalid", chosen, 400)
    except (requests.RequestException, ProviderUnavailable):
        return _refused(request, "unavailable", chosen, 502)
    outcome, user = selectors.oidc_account_for(
        provider=chosen.code,
        subject=identity.subject,
        email=identity.email,
        email_verified=identity.email_verified,
    )
    if outcome == "inactive":
        return _refused(request, "inactive", chosen, 403)
    if outcome == "unverified":
        return _refused(request, "unverified", chosen, 403)
    target = flow["next"] or _home_of(flow["commune"])
    if outcome == "confirm" and user is not None:
        request.session[PENDING_LINK] = {
            "provider": chosen.code,
            "subject": identity.subject,
            "user": user.pk,
            "siret": identity.siret,
            "idp_id": identity.idp_id,
            "id_token": id_token,
            "commune": flow["commune"],
            "next": target,
            "at": time.time(),
        }
        commune = commune_get_by_slug(slug=flow["commune"]) if flow["commune"] else None
        return redirect(
            commune_path(commune, "accounts:oidc_link")
            if commune is not None
            else reverse("accounts:oidc_link")
        )
    if outcome == "linked":
        services.oidc_identity_seen(
            provider=chosen.code, subject=identity.subject, siret=identity.siret, idp_id=identity.idp_id
        )
    else:
        user = services.oidc_user_create(
            provider=chosen.code,
            subject=identity.subject,
            email=identity.email,
            email_verified=identity.email_verified,
            full_name=identity.full_name,
            siret=identity.siret,
            idp_id=identity.idp_id,
            commune=commune_get_by_slug(slug=flow["commune"]) if flow["commune"] else None,
        )
        messages.success(
            request, _("Votre compte est créé avec %(provider)s. Bienvenue !") % {"provider": chosen.label}
        )
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[SIGNED_IN_WITH] = {"provider": chosen.code, "id_token": id_token}
    return redirect(target)


@require_http_methods(["GET", "HEAD", "POST"])
def oidc_link(request):
    """An account already has the address the provider gave: its holder proves it is theirs (its password)
    before it is linked, so that nobody takes over an account through an address alone."""
    pending = request.session.get(PENDING_LINK)
    if not pending or time.time() - pending["at"] > PENDING_LINK_SECONDS:
        request.session.pop(PENDING_LINK, None)
        messages.error(request, _("La liaison a expiré : recommencez la connexion."))
        return redirect("accounts:login")
    chosen = _provider_or_404(pending["provider"])
    user = selectors.user_by_pk(pk=pending["user"])
    if user is None or not user.is_active:
        request.session.pop(PENDING_LINK, None)
        return _refused(request, "inactive", chosen, 403)
    form = LinkConfirmForm(request.POST or None)
    if request.method == "POST" and request.POST.get("cancel"):
        request.session.pop(PENDING_LINK, None)
        messages.info(request, _("Rien n'a été lié. Vous pouvez vous connecter avec votre mot de passe."))
        return redirect("accounts:login")
    if request.method == "POST" and form.is_valid():
        # Through authenticate(): wrong passwords count toward the lockout like on the sign-in page.
        confirmed = authenticate(request, username=user.email, password=form.cleaned_data["password"])
        if confirmed is None or confirmed.pk != user.pk:
            form.add_error("password", _("Mot de passe incorrect : le compte n'a pas été lié."))
        else:
            commune = commune_get_by_slug(slug=pending["commune"]) if pending["commune"] else None
            services.oidc_identity_link(
                user=user,
                provider=chosen.code,
                subject=pending["subject"],
                siret=pending["siret"],
                idp_id=pending["idp_id"],
                commune=commune,
            )
            request.session.pop(PENDING_LINK, None)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            request.session[SIGNED_IN_WITH] = {"provider": chosen.code, "id_token": pending["id_token"]}
            messages.success(
                request,
                _(
                    "Votre compte est lié à %(provider)s : la prochaine fois, « S'identifier avec %(provider)s » suffit."
                )
                % {"provider": chosen.label},
            )
            return redirect(pending["next"])
    return render(
        request,
        "accounts/oidc_link.html",
        {"form": form, "provider": chosen, "email": user.email, "has_password": user.has_usable_password()},
        status=400 if form.errors else 200,
    )


def provider_logout(request) -> tuple[str, str, str] | None:
    """Where to send a person who signed in through a provider, so that they leave it too (OpenID Connect
    RP-Initiated Logout 1.0: end_session_endpoint with id_token_hint, state, post_logout_redirect_uri), with
    the state and the provider's name: None when they did not sign in there, or it cannot be reached.
    Called before the local logout, which empties the session."""
    signed_in = request.session.get(SIGNED_IN_WITH)
    if not signed_in:
        return None
    chosen = provider_get(signed_in["provider"])
    if chosen is None:
        return None
    try:
        endpoint = chosen.endpoint("end_session_endpoint")
    except ProviderUnavailable:
        return None
    if not endpoint:
        return None
    state = get_random_string(32)
    params = {
        "id_token_hint": signed_in["id_token"],
        "state": state,
        "post_logout_redirect_uri": platform_url(request, "accounts:oidc_logged_out"),
    }
    return f"{endpoint}?{urlencode(params)}", state, chosen.label


def logout_at_provider(request, at_provider: tuple[str, str, str], commune_slug: str):
    """After the local logout: remember the state for the return, and go to the provider's logout."""
    url, state, label = at_provider
    request.session[LOGOUT_STATE] = {"state": state, "commune": commune_slug, "label": label}
    return redirect(url)


@require_http_methods(["GET", "HEAD"])
def oidc_logged_out(request):
    """The return from the provider's logout: back to the commune the person left."""
    expected = request.session.pop(LOGOUT_STATE, None)
    commune = expected.get("commune", "") if expected else ""
    if expected and request.GET.get("state") == expected.get("state"):
        messages.info(
            request,
            _("Vous êtes déconnecté·e, de Beffroi et de votre compte %(provider)s.")
            % {"provider": expected.get("label", "")},
        )
    return redirect(_home_of(commune))
