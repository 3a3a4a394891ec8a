"""The published descriptions of the public APIs, pinned: a change to a public API shows in review as a diff.

The platform API's OpenAPI, the NGSI-LD API's OpenAPI and the Open311 discovery document are compared with the
copies under `tests/snapshots/`. After an intended change, rewrite them with

    BEFFROI_UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/core/test_api_snapshots.py

and commit the diff with the change that caused it.
"""

import json
import os
from pathlib import Path

import pytest

SNAPSHOTS = Path(__file__).resolve().parent.parent / "snapshots"
DOCUMENTS = {
    "platform-openapi.json": ("/api/openapi.json", {}),
    "ngsi-ld-openapi.json": ("/ngsi-ld/v1/openapi.json", {}),
    "open311-discovery.json": ("/open311/v2/discovery.json", {"jurisdiction_id": "valbourg"}),
}


def _normalised(document):
    # The host name of the test client is not part of the API: servers and absolute links lose it.
    text = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False)
    return text.replace("http://testserver", "https://example.org") + "\n"


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_the_public_api_descriptions_match_their_reviewed_copies(client, valbourg, name):
    url, params = DOCUMENTS[name]
    response = client.get(url, params)
    assert response.status_code == 200, response.content[:300]
    current = _normalised(response.json())
    path = SNAPSHOTS / name
    if os.environ.get("BEFFROI_UPDATE_SNAPSHOTS"):
        path.write_text(current, encoding="utf-8")
    assert path.exists(), f"no reviewed copy of {name}: run with BEFFROI_UPDATE_SNAPSHOTS=1 and commit it"
    assert current == path.read_text(encoding="utf-8"), (
        f"{url} changed: if the change is intended, rewrite tests/snapshots/{name} with BEFFROI_UPDATE_SNAPSHOTS=1 "
        "and commit the diff with the change"
    )
