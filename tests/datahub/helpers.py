"""Shared helpers for the data hub tests: API keys and NGSI-LD request headers."""

import json
from pathlib import Path

from beffroi.core.services import apikey_create

SDM_DIR = Path(__file__).resolve().parent.parent / "data" / "smart-data-models"
SDM_FILES = sorted(SDM_DIR.glob("*.jsonld"))
BASE = "/ngsi-ld/v1"


def write_key(commune):
    return apikey_create(commune=commune, scope="write", name="test")[1]


def read_key(commune):
    return apikey_create(commune=commune, scope="read", name="test")[1]


def headers(key=None, tenant=None, **extra):
    out = {}
    if key:
        out["Authorization"] = f"Bearer {key}"
    if tenant:
        out["NGSILD-Tenant"] = tenant
    out.update(extra)
    return out


def link(url):
    return f'<{url}>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"'


def post_json(client, path, body, *, content_type="application/json", **hdrs):
    return client.post(path, data=json.dumps(body), content_type=content_type, headers=hdrs)


def sdm(path):
    return json.loads(path.read_text())
