"""`beffroi apikey create` and Bearer authentication, with problem+json errors."""

import hashlib
import io

import pytest
from django.core.management import CommandError, call_command

from beffroi.core.models import ApiKey


def create_key(slug: str, scope: str) -> str:
    out = io.StringIO()
    call_command("apikey", "create", "--commune", slug, "--scope", scope, stdout=out)
    return out.getvalue().strip().splitlines()[-1]


def test_cli_prints_the_key_on_its_last_line_and_stores_only_a_hash(valbourg):
    secret = create_key("valbourg", "write")
    key = ApiKey.objects.get()
    assert key.scope == "write" and key.commune == valbourg
    assert secret not in (key.key_hash, key.prefix)
    assert key.key_hash == hashlib.sha256(secret.encode()).hexdigest()


def test_bearer_key_is_accepted_and_a_wrong_one_gets_problem_json(client, valbourg):
    secret = create_key("valbourg", "read")
    ok = client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert ok.status_code == 200
    assert ok.json() == {"commune": "valbourg", "scope": "read", "prefix": ApiKey.objects.get().prefix}
    bad = client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {secret}x")
    assert bad.status_code == 401
    assert bad["Content-Type"] == "application/problem+json"
    assert bad.json()["status"] == 401
    assert "Clé d'API" in bad.json()["detail"]


def test_revoked_key_stops_working(client, valbourg):
    secret = create_key("valbourg", "read")
    call_command("apikey", "revoke", ApiKey.objects.get().prefix, stdout=io.StringIO())
    assert client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401


def test_unknown_commune_or_scope_is_a_clear_error(valbourg):
    with pytest.raises(CommandError, match="Aucune commune"):
        create_key("nulle-part", "read")
    with pytest.raises(CommandError):
        create_key("valbourg", "admin")


def test_openapi_description_is_published(client, db):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    assert spec["openapi"].startswith("3.")
    assert "/api/communes" in spec["paths"]


def test_unknown_commune_in_api_is_problem_json_in_french(client, valbourg):
    response = client.get("/api/communes/atlantide")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert "atlantide" in response.json()["detail"]
