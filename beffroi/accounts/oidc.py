"""Sign-in through OpenID Connect providers: FranceConnect (residents) and ProConnect (agents and élus).

Both are configured per platform by settings (`BEFFROI_OIDC_PROVIDERS`, from the environment; docs/sign-in.md).
The protocol is mozilla-django-oidc's (authorization code flow, state and nonce kept in the session, the ID
token's signature checked against the provider's keys); this module gives it one configuration per provider
instead of its single global one, checks the ID token's issuer and audience as well (OpenID Connect Core 1.0
§3.1.3.7), and turns the provider's claims into Beffroi's own: a verified address, a name, ProConnect's `siret`
and `idp_id`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import jwt
import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

LABELS = {"franceconnect": "FranceConnect", "proconnect": "ProConnect"}
DISCOVERY_TTL = 3600  # seconds a provider's discovery document is reused by this process
_discovery: dict[str, tuple[float, dict[str, Any]]] = {}


class ProviderUnavailable(Exception):
    """The provider could not be reached or answered something unusable (its discovery document)."""


@dataclass(frozen=True)
class Provider:
    code: str
    issuer: str
    client_id: str
    client_secret: str
    scopes: str
    acr_values: str = ""
    sign_algo: str = "RS256"
    extra_params: dict[str, str] = field(default_factory=dict)
    endpoints: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return LABELS.get(self.code, self.code)

    def endpoint(self, name: str) -> str:
        """An endpoint given in the settings, else read from the issuer's discovery document."""
        given = self.endpoints.get(name, "")
        if given:
            return given
        if not self.issuer:
            return ""
        return str(discovery(self.issuer).get(name, "") or "")


def discovery(issuer: str) -> dict[str, Any]:
    """The issuer's `/.well-known/openid-configuration` (OpenID Connect Discovery 1.0 §4), kept an hour."""
    cached = _discovery.get(issuer)
    if cached is not None and time.monotonic() - cached[0] < DISCOVERY_TTL:
        return cached[1]
    try:
        response = requests.get(
            f"{issuer}/.well-known/openid-configuration", timeout=settings.BEFFROI_OIDC_TIMEOUT
        )
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as error:
        raise ProviderUnavailable(str(error)) from error
    if not isinstance(document, dict) or document.get("issuer", "").rstrip("/") != issuer:
        raise ProviderUnavailable("the discovery document names another issuer")
    _discovery[issuer] = (time.monotonic(), document)
    return document


def provider_get(code: str) -> Provider | None:
    """The provider `code` if the platform configured it (client id, secret, issuer or endpoints), else None."""
    config = getattr(settings, "BEFFROI_OIDC_PROVIDERS", {}).get(code)
    if not config or not config.get("client_id") or not config.get("client_secret"):
        return None
    endpoints = {
        name: config.get(name, "")
        for name in (
            "authorization_endpoint",
            "token_endpoint",
            "userinfo_endpoint",
            "jwks_endpoint",
            "end_session_endpoint",
        )
    }
    endpoints["jwks_uri"] = endpoints.pop("jwks_endpoint")
    if not config.get("issuer") and not (
        endpoints["authorization_endpoint"] and endpoints["token_endpoint"] and endpoints["jwks_uri"]
    ):
        return None
    return Provider(
        code=code,
        issuer=str(config.get("issuer", "")).rstrip("/"),
        client_id=str(config["client_id"]),
        client_secret=str(config["client_secret"]),
        scopes=str(config.get("scopes") or "openid email"),
        acr_values=str(config.get("acr_values") or ""),
        sign_algo=str(config.get("sign_algo") or "RS256"),
        extra_params=dict(parse_qsl(str(config.get("extra_params") or ""))),
        endpoints=endpoints,
    )


def providers_configured() -> list[Provider]:
    return [p for p in (provider_get(code) for code in LABELS) if p is not None]


@dataclass(frozen=True)
class Identity:
    """What Beffroi keeps of a provider's answer."""

    subject: str
    email: str
    email_verified: bool
    full_name: str
    siret: str = ""
    idp_id: str = ""


def identity_from_claims(claims: dict[str, Any]) -> Identity:
    """The identity in the userinfo claims. FranceConnect gives `given_name` and `family_name`; ProConnect
    `given_name` and `usual_name`, with `siret` and `idp_id`. An address is taken as verified unless the
    provider says otherwise (`email_verified: false`): both federations vouch for the addresses they pass on."""
    subject = str(claims.get("sub") or "")
    email = str(claims.get("email") or "").strip().lower()
    if not subject or not email:
        raise SuspiciousOperation("claims without sub or email")
    family = claims.get("family_name") or claims.get("usual_name") or ""
    full_name = " ".join(part for part in (str(claims.get("given_name") or ""), str(family)) if part).strip()
    return Identity(
        subject=subject,
        email=email,
        email_verified=claims.get("email_verified", True) is not False,
        full_name=full_name[:150],
        siret=str(claims.get("siret") or "")[:14],
        idp_id=str(claims.get("idp_id") or "")[:100],
    )


class ProviderBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's code exchange and token checks, for one provider; returns the claims, never a user
    (linking and account creation go through accounts.services, after the confirmation step)."""

    def __init__(self, provider: Provider, *, callback_url: str) -> None:
        self.provider = provider
        self.callback_url = callback_url
        self.OIDC_OP_TOKEN_ENDPOINT = provider.endpoint("token_endpoint")
        self.OIDC_OP_USER_ENDPOINT = provider.endpoint("userinfo_endpoint")
        self.OIDC_OP_JWKS_ENDPOINT = provider.endpoint("jwks_uri")
        self.OIDC_RP_CLIENT_ID = provider.client_id
        self.OIDC_RP_CLIENT_SECRET = provider.client_secret
        self.OIDC_RP_SIGN_ALGO = provider.sign_algo
        self.OIDC_RP_IDP_SIGN_KEY = None
        if not self.OIDC_OP_TOKEN_ENDPOINT or not self.OIDC_OP_JWKS_ENDPOINT:
            raise ImproperlyConfigured(f"{provider.code}: no token or JWKS endpoint")
        from django.contrib.auth import get_user_model

        self.UserModel = get_user_model()

    def get_settings(self, attr, *args):
        overrides: dict[str, Any] = {
            "OIDC_RP_SCOPES": self.provider.scopes,
            "OIDC_USE_NONCE": True,
            "OIDC_TIMEOUT": settings.BEFFROI_OIDC_TIMEOUT,
            "OIDC_STORE_ID_TOKEN": False,
            "OIDC_VERIFY_SSL": True,
        }
        if attr in overrides:
            return overrides[attr]
        return super().get_settings(attr, *args)

    def retrieve_matching_jwk(self, token):
        """The provider's signing key for this token: the one its `kid` names, or the provider's only key of the
        token's algorithm when the token names none (RFC 7515 §4.1.4, RFC 7517 §4.5)."""
        response = requests.get(self.OIDC_OP_JWKS_ENDPOINT, timeout=settings.BEFFROI_OIDC_TIMEOUT)
        response.raise_for_status()
        try:
            keys = [k for k in response.json().get("keys", []) if isinstance(k, dict)]
            header = jwt.get_unverified_header(token)
        except (ValueError, AttributeError, jwt.PyJWTError) as error:
            raise SuspiciousOperation("unreadable JWKS or token header") from error
        keys = [
            k
            for k in keys
            if k.get("alg", header.get("alg")) == header.get("alg") and k.get("use", "sig") == "sig"
        ]
        if header.get("kid"):
            keys = [k for k in keys if k.get("kid") == header["kid"]]
        if len(keys) != 1:
            raise SuspiciousOperation("no single signing key matches the token")
        return jwt.PyJWK(keys[0], algorithm=header.get("alg"))

    def verify_token(self, token, **kwargs):
        """The ID token's signature, issuer, audience, expiry and nonce (OpenID Connect Core §3.1.3.7)."""
        key = self.retrieve_matching_jwk(token)
        header = jwt.get_unverified_header(token)
        if header.get("alg") != self.provider.sign_algo:
            raise SuspiciousOperation("unexpected signing algorithm")
        # An ID token (checked with its nonce) must say when it expires; a signed userinfo need not.
        options: Any = {"require": ["exp", "iat"]} if "nonce" in kwargs else {}
        try:
            payload = jwt.decode(
                token,
                key,
                algorithms=[self.provider.sign_algo],
                audience=self.provider.client_id,
                issuer=self.provider.issuer or None,
                options=options,
            )
        except jwt.PyJWTError as error:
            raise SuspiciousOperation(f"ID token refused: {error}") from error
        if "nonce" in kwargs and kwargs["nonce"] != payload.get("nonce"):
            raise SuspiciousOperation("JWT Nonce verification failed.")
        return payload

    def exchange(self, *, code: str, nonce: str) -> tuple[dict[str, Any], str]:
        """Trade the authorization code for tokens, check the ID token, read the userinfo: (claims, id_token).

        The userinfo's subject must be the ID token's (§5.3.2)."""
        token_info = self.get_token(
            {
                "client_id": self.provider.client_id,
                "client_secret": self.provider.client_secret,
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": self.callback_url,
            }
        )
        id_token = token_info.get("id_token")
        access_token = token_info.get("access_token")
        if not id_token or not access_token:
            raise SuspiciousOperation("token response without id_token or access_token")
        payload = self.verify_token(id_token, nonce=nonce)
        # The level of assurance reached (FranceConnect v2: eidas1…) must be one asked for (Core §3.1.2.1, acr).
        acr = payload.get("acr")
        if self.provider.acr_values and acr is not None and acr not in self.provider.acr_values.split():
            raise SuspiciousOperation("ID token with an acr that was not asked for")
        claims = self.get_userinfo(access_token, id_token, payload)
        if claims.get("sub") != payload.get("sub"):
            raise SuspiciousOperation("userinfo subject differs from the ID token's")
        return claims, id_token
