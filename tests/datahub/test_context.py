"""JSON-LD @context handling for NGSI-LD: bundled contexts, term expansion/compaction, entity round trip."""

import json
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from beffroi.datahub.ngsild.context import (
    BUNDLED_CONTEXTS,
    CONTEXTS_DIR,
    CORE_CONTEXT_URL,
    DEFAULT_CORE_CONTEXT_URL,
    ActiveContext,
    ContextResolver,
    build_context,
    bundled_context_path,
    bundled_loader,
    chain_loaders,
    compact_entity,
    compact_term,
    core_context,
    expand_entity,
    expand_term,
    link_header,
    parse_link_header,
)
from beffroi.datahub.ngsild.errors import BadRequestData, ErrorType, LdContextNotAvailable
from beffroi.datahub.ngsild.vocabulary import DEFAULT_VOCAB
from tests.datahub.helpers import BASE, headers, link, post_json, write_key
from tests.local_http import Recorder, fake_dns, ok

SDM = Path(__file__).resolve().parent.parent / "data" / "smart-data-models"
SDM_FILES = sorted(SDM.glob("*.normalized.jsonld"))
PARKING = "https://raw.githubusercontent.com/smart-data-models/dataModel.Parking/master/context.jsonld"
ENERGY = "https://raw.githubusercontent.com/smart-data-models/dataModel.Energy/master/context.jsonld"
NGSI = "https://uri.etsi.org/ngsi-ld/"


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------------------------- bundling


def test_every_bundled_url_has_its_file_and_every_file_a_url():
    files = {p.name for p in CONTEXTS_DIR.glob("*.jsonld")}
    assert set(BUNDLED_CONTEXTS.values()) == files
    for url in BUNDLED_CONTEXTS:
        document = bundled_loader(url)
        assert "@context" in document


def test_the_readme_urls_are_served():
    for minor in range(3, 10):
        url = f"https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.{minor}.jsonld"
        assert bundled_context_path(url).name == "ngsi-ld-core-context-v1.9.jsonld"
    assert bundled_context_path(DEFAULT_CORE_CONTEXT_URL).name == "ngsi-ld-core-context-v1.9.jsonld"
    readme = (CONTEXTS_DIR / "README.md").read_text(encoding="utf-8")
    for domain in (
        "Building",
        "Energy",
        "Environment",
        "Parking",
        "Streetlighting",
        "Transportation",
        "WasteManagement",
        "WaterConsumption",
        "Weather",
    ):
        url = f"https://raw.githubusercontent.com/smart-data-models/dataModel.{domain}/master/context.jsonld"
        assert bundled_context_path(url).name == f"smart-data-models-dataModel.{domain}.context.jsonld"
    assert "smart-data-models-dataModel.<Domain>.context.jsonld" in readme


def test_an_unknown_url_is_not_available_without_a_loader():
    with pytest.raises(LdContextNotAvailable) as caught:
        build_context("https://example.org/unknown-context.jsonld")
    error = caught.value
    assert error.error_type is ErrorType.LD_CONTEXT_NOT_AVAILABLE
    assert error.status == 504
    assert error.problem_details()["type"] == "https://uri.etsi.org/ngsi-ld/errors/LdContextNotAvailable"


# ---------------------------------------------------------------------------------------- round trip


@pytest.mark.parametrize("path", SDM_FILES, ids=lambda p: p.name.split(".")[0])
def test_smart_data_models_examples_round_trip(path):
    document = load(path)
    context = document["@context"]
    expanded = expand_entity(document, context)
    assert "@context" not in expanded
    assert expanded["type"].startswith("https://")
    assert compact_entity(expanded, context, include_context=True) == document
    assert compact_entity(expanded, context) == {k: v for k, v in document.items() if k != "@context"}


@pytest.mark.parametrize("path", SDM_FILES, ids=lambda p: p.name.split(".")[0])
def test_expansion_uses_the_entity_own_context_by_default(path):
    document = load(path)
    assert expand_entity(document) == expand_entity(document, document["@context"])


def test_expanded_names_are_the_smart_data_models_and_core_iris():
    document = load(SDM / "ParkingSpot.normalized.jsonld")
    expanded = expand_entity(document, document["@context"])
    assert expanded["type"] == "https://smartdatamodels.org/dataModel.Parking/ParkingSpot"
    assert "https://uri.etsi.org/ngsi-ld/location" in expanded
    assert "https://uri.etsi.org/ngsi-ld/status" in expanded
    status = expanded["https://uri.etsi.org/ngsi-ld/status"]
    assert status["observedAt"] == "2018-09-21T12:00:00Z"  # NGSI-LD members stay short
    assert DEFAULT_VOCAB + "parkingPermit" in status  # sub-attribute, not in the Parking context
    assert expanded["https://smartdatamodels.org/dataModel.Parking/refParkingSite"]["object"].startswith(
        "urn:"
    )


def test_terms_missing_from_the_context_fall_into_the_core_default_vocabulary():
    document = load(SDM / "AirQualityObserved.normalized.jsonld")
    expanded = expand_entity(document, document["@context"])
    # The example spells typeOfLocation; the Environment context only knows typeofLocation.
    assert DEFAULT_VOCAB + "typeOfLocation" in expanded
    assert "https://smartdatamodels.org/dataModel.Environment/pm4" in expanded
    assert compact_entity(expanded, document["@context"])["typeOfLocation"] == document["typeOfLocation"]


def test_compaction_with_another_context_renders_fully_qualified_names():
    document = load(SDM / "ParkingSpot.normalized.jsonld")
    expanded = expand_entity(document, document["@context"])
    core_only = compact_entity(expanded, None)
    assert core_only["type"] == "https://smartdatamodels.org/dataModel.Parking/ParkingSpot"
    assert "location" in core_only and "status" in core_only  # core terms are always known
    assert "https://smartdatamodels.org/dataModel.Parking/refParkingSite" in core_only


def test_multi_instance_attributes_and_vocab_properties_round_trip():
    context = [PARKING, {"ex": "http://example.org/", "Male": "ex:Male", "Person": "ex:Person"}]
    entity = {
        "id": "urn:ngsi-ld:Person:1",
        "type": ["Person", "ParkingSpot"],
        "gender": {"type": "VocabProperty", "vocab": "Male"},
        "parkedAt": {
            "type": "Relationship",
            "object": "urn:ngsi-ld:ParkingSpot:1",
            "objectType": "ParkingSpot",
        },
        "status": [
            {"type": "Property", "value": "free", "datasetId": "urn:ngsi-ld:Dataset:camera"},
            {"type": "Property", "value": "occupied", "datasetId": "urn:ngsi-ld:Dataset:ground"},
        ],
    }
    expanded = expand_entity(entity, context)
    assert expanded["type"] == [
        "http://example.org/Person",
        "https://smartdatamodels.org/dataModel.Parking/ParkingSpot",
    ]
    assert expanded[DEFAULT_VOCAB + "gender"]["vocab"] == "http://example.org/Male"
    assert expanded[DEFAULT_VOCAB + "parkedAt"]["objectType"].endswith("/ParkingSpot")
    assert len(expanded[NGSI + "status"]) == 2
    assert compact_entity(expanded, context) == entity


def test_top_level_attributes_named_like_ngsi_ld_members_are_still_attributes():
    entity = {
        "id": "urn:ngsi-ld:ACMeasurement:1",
        "type": "ACMeasurement",
        "max": {"type": "Property", "value": 40, "observedAt": "2024-05-01T10:00:00Z"},
        "value": {"type": "Property", "value": 1},
    }
    expanded = expand_entity(entity, ENERGY)
    assert expanded[NGSI + "max"]["observedAt"] == "2024-05-01T10:00:00Z"
    assert DEFAULT_VOCAB + "value" not in expanded and NGSI + "hasValue" in expanded
    assert compact_entity(expanded, ENERGY) == entity


def test_an_embedded_context_inside_an_attribute_is_bad_request_data():
    entity = {
        "id": "urn:x",
        "type": "T",
        "a": {"type": "Property", "value": 1, "@context": {"a": "http://x/a"}},
    }
    with pytest.raises(BadRequestData):
        expand_entity(entity, None)


# ------------------------------------------------------------------------------------ term handling


def test_core_terms_and_default_vocabulary():
    assert expand_term("location") == NGSI + "location"
    assert expand_term("Property") == NGSI + "Property"
    assert expand_term("Point") == "https://purl.org/geojson/vocab#Point"
    assert expand_term("temperature") == DEFAULT_VOCAB + "temperature"
    assert compact_term(DEFAULT_VOCAB + "temperature") == "temperature"
    assert compact_term(NGSI + "observationSpace") == "observationSpace"
    assert compact_term(NGSI + "somethingNew") == "ngsi-ld:somethingNew"
    assert compact_term("http://example.org/elsewhere") == "http://example.org/elsewhere"
    assert expand_term("ngsi-ld:location") == NGSI + "location"
    assert expand_term("urn:ngsi-ld:Thing") == "urn:ngsi-ld:Thing"
    assert expand_term("http://example.org/x") == "http://example.org/x"


def test_inline_context_with_prefixes_and_term_references():
    context = {
        "ex": "http://example.org/vocab#",
        "speed": "ex:speed",
        "velocity": {"@id": "speed"},
        "Vehicle": {"@id": "ex:Vehicle"},
        "odometer": {"@id": "ex:odometer", "@type": "ex:Kilometre"},
    }
    active = build_context(context)
    assert active.expand_iri("speed") == "http://example.org/vocab#speed"
    assert active.expand_iri("velocity") == "http://example.org/vocab#speed"
    assert active.expand_iri("ex:anything") == "http://example.org/vocab#anything"
    assert active.expand_iri("Vehicle") == "http://example.org/vocab#Vehicle"
    assert active.terms["odometer"].type_mapping == "http://example.org/vocab#Kilometre"
    # Shortest term first, then the least: "speed" wins over "velocity".
    assert active.compact_iri("http://example.org/vocab#speed") == "speed"
    assert active.compact_iri("http://example.org/vocab#other") == "ex:other"


def test_the_core_context_wins_over_user_definitions():
    user = {
        "location": "http://example.org/myLocation",
        "type": "http://example.org/type",
        "myAttr": "http://example.org/myAttr",
    }
    active = build_context(user)
    assert active.expand_iri("location") == NGSI + "location"
    assert active.terms["type"].iri == "@type"
    assert active.expand_iri("myAttr") == "http://example.org/myAttr"
    # Placing the core first and redefining it afterwards changes nothing either.
    again = build_context([CORE_CONTEXT_URL, user])
    assert again.expand_iri("location") == NGSI + "location"


def test_null_resets_and_vocab_handling():
    active = build_context([{"a": "http://example.org/a"}, None, {"b": "http://example.org/b"}])
    assert active.expand_iri("a") == DEFAULT_VOCAB + "a"  # forgotten by the null
    assert active.expand_iri("b") == "http://example.org/b"
    # The core context's @vocab is applied last, as the core context always is.
    assert build_context({"@vocab": "http://example.org/"}).expand_iri("x") == DEFAULT_VOCAB + "x"


def test_a_term_mapped_to_null_cannot_be_expanded():
    active = build_context({"secret": None})
    with pytest.raises(BadRequestData):
        active.expand_iri("secret")


@pytest.mark.parametrize(
    ("context", "fragment"),
    [
        (42, "invalid @context entry"),
        ({"a": 42}, "invalid definition"),
        ({"a": {"@id": 42}}, "must be an IRI"),
        ({"a": "b", "b": "a"}, "cyclic"),
        ({"a": {"@id": "http://x/a", "@container": 3}}, "@container"),
        ({"@version": 2.0}, "@version"),
        ({"@vocab": 3}, "@vocab"),
        ({"@import": 3}, "@import"),
    ],
)
def test_invalid_contexts_are_bad_request_data(context, fragment):
    with pytest.raises(BadRequestData, match=fragment):
        build_context(context)


# ------------------------------------------------------------------------------------------- loaders


class RecordingLoader:
    def __init__(self, documents):
        self.documents = documents
        self.calls = []

    def __call__(self, url):
        self.calls.append(url)
        if url not in self.documents:
            raise LdContextNotAvailable(f"{url} not found")
        return self.documents[url]


def test_remote_contexts_are_fetched_through_the_loader_and_cached():
    compound = "https://contexts.example.org/valbourg-compound.jsonld"
    local = "https://contexts.example.org/valbourg.jsonld"
    loader = RecordingLoader(
        {
            compound: {"@context": [DEFAULT_CORE_CONTEXT_URL, PARKING, local]},
            local: json.dumps(
                {"@context": {"valbourg": "https://valbourg.example/ns#", "quartier": "valbourg:quartier"}}
            ),
        }
    )
    resolver = ContextResolver(loader)
    active = resolver.resolve(compound)
    assert active.expand_iri("quartier") == "https://valbourg.example/ns#quartier"
    assert active.expand_iri("ParkingSpot") == "https://smartdatamodels.org/dataModel.Parking/ParkingSpot"
    assert loader.calls == [compound, local]  # bundled contexts never reach the loader
    assert resolver.resolve(compound) is active
    assert loader.calls == [compound, local]
    resolver.clear()
    resolver.resolve(compound)
    assert loader.calls == [compound, local, compound, local]


def test_import_merges_the_imported_context():
    remote = "https://contexts.example.org/base.jsonld"
    resolver = ContextResolver(
        RecordingLoader({remote: {"@context": {"a": "http://x/a", "b": "http://x/b"}}})
    )
    active = resolver.resolve({"@import": remote, "b": "http://y/b"})
    assert active.expand_iri("a") == "http://x/a"
    assert active.expand_iri("b") == "http://y/b"


@pytest.mark.parametrize(
    ("document", "error"),
    [
        (TimeoutError("timed out after 5 s"), LdContextNotAvailable),
        ({"no": "context"}, LdContextNotAvailable),
        ("not json", LdContextNotAvailable),
        ([1, 2], LdContextNotAvailable),
    ],
)
def test_loader_failures_are_ld_context_not_available(document, error):
    url = "https://contexts.example.org/broken.jsonld"

    def loader(requested):
        if isinstance(document, Exception):
            raise document
        return document

    with pytest.raises(error) as raised:
        ContextResolver(loader).resolve(url)
    assert "timed out" not in raised.value.problem_details()["detail"]  # what the loader met stays private


def test_recursive_remote_contexts_are_rejected():
    url = "https://contexts.example.org/self.jsonld"
    resolver = ContextResolver(RecordingLoader({url: {"@context": [url]}}))
    with pytest.raises(BadRequestData, match="recursive"):
        resolver.resolve(url)


def test_chained_loaders_try_each_in_turn():
    first = RecordingLoader({})
    second = RecordingLoader({"https://b.example/c.jsonld": {"@context": {"b": "http://b/"}}})
    chained = chain_loaders(first, second)
    assert chained("https://b.example/c.jsonld") == {"@context": {"b": "http://b/"}}
    with pytest.raises(LdContextNotAvailable):
        chained("https://nowhere.example/c.jsonld")


def test_active_contexts_pass_through_and_core_is_shared():
    active = build_context(PARKING)
    assert build_context(active) is active
    assert build_context(None) is core_context()
    assert build_context(DEFAULT_CORE_CONTEXT_URL) is core_context()
    assert isinstance(active, ActiveContext)


# -------------------------------------------------------------------------------------- Link header


def test_link_header_round_trip_and_errors():
    header = link_header(ENERGY)
    assert header == f'<{ENERGY}>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"'
    assert parse_link_header(header) == ENERGY
    assert parse_link_header(None) is None
    assert parse_link_header('<https://example.org/next>; rel="next"') is None
    both = f"{link_header(ENERGY)}, {link_header(PARKING)}"
    with pytest.raises(BadRequestData):
        parse_link_header(both)
    mixed = f'<https://example.org/page2>; rel="next", {link_header(PARKING)}'
    assert parse_link_header(mixed) == PARKING


# ---------------------------------------------------------------------------------------- properties

ATTRIBUTE_NAMES = st.from_regex(r"[a-zA-Z][a-zA-Z0-9_]{0,20}", fullmatch=True)


@given(ATTRIBUTE_NAMES, st.sampled_from([None, PARKING, ENERGY, [DEFAULT_CORE_CONTEXT_URL, PARKING]]))
def test_any_simple_name_expands_and_compacts_back(name, context):
    active = build_context(context)
    assert active.compact_attribute(active.expand_attribute(name)) == name
    assert active.compact_type(active.expand_type(name)) == name


@given(
    st.dictionaries(
        ATTRIBUTE_NAMES.filter(
            lambda n: n not in ("id", "type", "scope", "createdAt", "modifiedAt", "deletedAt")
        ),
        st.fixed_dictionaries(
            {"type": st.just("Property"), "value": st.one_of(st.integers(), st.text(max_size=5))}
        ),
        max_size=6,
    )
)
def test_random_entities_round_trip(attributes):
    entity = {"id": "urn:ngsi-ld:Thing:1", "type": "Thing", **attributes}
    for context in (None, PARKING):
        assert compact_entity(expand_entity(entity, context), context) == entity


def test_the_pure_modules_do_not_import_django():
    code = (
        "import sys\n"
        "import beffroi.datahub.ngsild.context, beffroi.datahub.ngsild.errors, beffroi.datahub.ngsild.geo\n"
        "import beffroi.datahub.ngsild.query, beffroi.datahub.ngsild.temporal, beffroi.datahub.lorawan\n"
        "sys.exit(1 if any(m == 'django' or m.startswith('django.') for m in sys.modules) else 0)\n"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


# ------------------------------------------------------------- remote contexts through the API (security)
# A client names a remote @context in the Link header, without a key: the server must not become a way to
# reach its own network, to scan ports, or to hold its workers.

QUARTIER_CONTEXT = {"@context": {"valbourg": "https://valbourg.example/ns#", "quartier": "valbourg:quartier"}}


@pytest.fixture
def remote(settings):
    """No cached context, failure or spent budget from another test; the default policy (no private host)."""
    from django.core.cache import cache

    from beffroi.datahub import remote_contexts
    from beffroi.datahub.ngsild_http.call import RESOLVER

    def forget():
        cache.clear()
        RESOLVER.clear()
        remote_contexts.budget.clear()

    settings.OUTBOUND_ALLOWED_PRIVATE_HOSTS = []
    forget()
    yield
    forget()


@pytest.fixture
def context_server():
    server = Recorder(lambda handler: ok(handler, json.dumps(QUARTIER_CONTEXT).encode()))
    yield server
    server.close()


@pytest.fixture
def connections(monkeypatch):
    """Every outgoing connection attempt of the process (none is let through)."""
    attempts = []

    def connect(sock, address):
        attempts.append(address)
        raise ConnectionRefusedError("outgoing connections are recorded, not made, in this test")

    monkeypatch.setattr(socket.socket, "connect", connect, raising=False)
    return attempts


def query_with_context(client, url, remote_addr="203.0.113.5"):
    """An anonymous NGSI-LD query naming ``url`` as its @context."""
    return client.get(
        f"{BASE}/entities",
        {"type": "quartier"},
        headers={"NGSILD-Tenant": "valbourg", "Link": link(url)},
        REMOTE_ADDR=remote_addr,
    )


def assert_not_available(response, url):
    body = response.json()
    assert response.status_code == 504
    assert body["type"] == "https://uri.etsi.org/ngsi-ld/errors/LdContextNotAvailable"
    assert body["detail"] == f"the @context {url} is not allowed or not available"
    assert set(body) <= {"type", "title", "status", "detail"}


INTERNAL_HOSTS = ["127.0.0.1", "localhost", "[::1]", "169.254.169.254", "10.0.0.1", "[::ffff:127.0.0.1]"]


@pytest.mark.django_db
@pytest.mark.parametrize("host", INTERNAL_HOSTS)
def test_an_internal_context_url_is_refused_without_any_connection(
    client, valbourg, remote, connections, host
):
    url = f"http://{host}:5432/context.jsonld"
    assert_not_available(query_with_context(client, url), url)
    assert connections == []


@pytest.mark.django_db
@pytest.mark.parametrize("host", INTERNAL_HOSTS)
def test_an_allowlisted_internal_address_is_still_refused(
    client, valbourg, remote, settings, connections, host
):
    """Even an operator's mistaken allowlist entry cannot open the way to internal addresses."""
    settings.DATAHUB_CONTEXT_ALLOWLIST = [host.strip("[]")]
    url = f"http://{host}:5432/context.jsonld"
    assert_not_available(query_with_context(client, url), url)
    assert connections == []


@pytest.mark.django_db
def test_an_allowlisted_name_resolving_to_loopback_is_refused(
    client, valbourg, remote, settings, monkeypatch, context_server
):
    settings.DATAHUB_CONTEXT_ALLOWLIST = ["contexts.example.org"]
    fake_dns(monkeypatch, {"contexts.example.org": "127.0.0.1"})
    url = context_server.url("/context.jsonld", host="contexts.example.org")
    assert_not_available(query_with_context(client, url), url)
    assert context_server.connections == 0


@pytest.mark.django_db
def test_a_redirect_from_an_allowed_host_to_an_internal_one_is_refused(
    client, valbourg, remote, settings, monkeypatch, context_server
):
    def redirect(handler):
        handler.send_response(302)
        handler.send_header("Location", context_server.url("/latest/meta-data/"))
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    allowed = Recorder(redirect)
    try:
        # contexts.example.org stands for a public host: the test lets it (and only it) be on the loopback.
        settings.DATAHUB_CONTEXT_ALLOWLIST = ["contexts.example.org", "127.0.0.1"]
        settings.OUTBOUND_ALLOWED_PRIVATE_HOSTS = ["contexts.example.org"]
        fake_dns(monkeypatch, {"contexts.example.org": "127.0.0.1"})
        url = allowed.url("/context.jsonld", host="contexts.example.org")
        assert_not_available(query_with_context(client, url), url)
        assert allowed.requests and context_server.connections == 0
    finally:
        allowed.close()


@pytest.mark.django_db
def test_an_allowed_context_is_fetched_once_and_cached(client, valbourg, remote, settings, context_server):
    settings.DATAHUB_CONTEXT_ALLOWLIST = ["127.0.0.1"]
    settings.OUTBOUND_ALLOWED_PRIVATE_HOSTS = ["127.0.0.1"]
    url = context_server.url("/valbourg.jsonld")
    entity = {"id": "urn:ngsi-ld:Place:1", "type": "Place", "quartier": {"type": "Property", "value": "Nord"}}
    created = post_json(
        client,
        f"{BASE}/entities",
        {**entity, "@context": [url]},
        content_type="application/ld+json",
        **headers(write_key(valbourg), "valbourg"),
    )
    assert created.status_code == 201
    stored = client.get(
        f"{BASE}/entities/urn:ngsi-ld:Place:1", headers=headers(write_key(valbourg), "valbourg")
    ).json()
    assert "https://valbourg.example/ns#quartier" in stored  # read back with the core context only
    # The same URL inside another @context (a new combination for the resolver) is not fetched again.
    again = client.get(
        f"{BASE}/entities",
        {"type": "Place"},
        headers={"NGSILD-Tenant": "valbourg", "Link": link(url), **headers(write_key(valbourg))},
    )
    assert again.status_code == 200 and again.json()[0]["quartier"]["value"] == "Nord"
    assert len(context_server.requests) == 1


@pytest.mark.django_db
def test_a_host_that_never_answers_is_bounded_and_its_failure_remembered(client, valbourg, remote, settings):
    accepted = []
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    port = listener.getsockname()[1]

    def hold():  # accept every connection and never answer
        while True:
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                return

    threading.Thread(target=hold, daemon=True).start()
    settings.DATAHUB_CONTEXT_ALLOWLIST = ["127.0.0.1"]
    settings.OUTBOUND_ALLOWED_PRIVATE_HOSTS = ["127.0.0.1"]
    settings.OUTBOUND_TIMEOUT = 0.3
    url = f"http://127.0.0.1:{port}/context.jsonld"
    try:
        started = time.monotonic()
        assert_not_available(query_with_context(client, url), url)
        # Not a speed measure: the former loader held the worker 5 s; a generous bound on the 0.3 s deadline.
        assert time.monotonic() - started < 3
        assert_not_available(query_with_context(client, url), url)  # answered from the failure cache
        assert len(accepted) == 1
    finally:
        listener.close()
        for connection in accepted:
            connection.close()


@pytest.mark.django_db
def test_remote_context_fetches_are_limited_per_client(client, valbourg, remote, settings, context_server):
    settings.DATAHUB_CONTEXT_ALLOWLIST = ["127.0.0.1"]
    settings.OUTBOUND_ALLOWED_PRIVATE_HOSTS = ["127.0.0.1"]
    settings.DATAHUB_CONTEXT_FETCHES_PER_MINUTE = 3
    answers = [query_with_context(client, context_server.url(f"/c{n}.jsonld")).status_code for n in range(4)]
    assert answers == [200, 200, 200, 504]
    assert len(context_server.requests) == 3
    assert query_with_context(client, context_server.url("/c0.jsonld")).status_code == 200  # cached
    other = query_with_context(client, context_server.url("/c4.jsonld"), remote_addr="198.51.100.9")
    assert other.status_code == 200


@pytest.mark.django_db
def test_failures_look_the_same_whatever_answered(client, valbourg, remote, settings):
    """A closed port, a service that is not HTTP, an HTTP error page and a refused address: one answer."""
    settings.DATAHUB_CONTEXT_ALLOWLIST = ["127.0.0.1", "localhost"]
    settings.OUTBOUND_ALLOWED_PRIVATE_HOSTS = ["127.0.0.1"]
    banner = socket.socket()
    banner.bind(("127.0.0.1", 0))
    banner.listen(4)

    def greet():
        try:
            connection = banner.accept()[0]
            connection.sendall(b"SSH-2.0-OpenSSH_9.6 secret-banner\r\n")
            connection.close()
        except OSError:
            pass

    threading.Thread(target=greet, daemon=True).start()
    error_page = Recorder(lambda handler: ok(handler, b"secret-page", status=404, content_type="text/plain"))
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    closed.close()
    try:
        urls = [
            f"http://127.0.0.1:{closed_port}/c.jsonld",
            f"http://127.0.0.1:{banner.getsockname()[1]}/c.jsonld",
            error_page.url("/c.jsonld"),
            "http://localhost:22/c.jsonld",
        ]
        for url in urls:
            response = query_with_context(client, url)
            assert_not_available(response, url)
            assert not {"secret", "SSH", "404", "refused", "Errno"} & set(
                response.content.decode().replace(":", " ").replace(",", " ").split()
            )
    finally:
        banner.close()
        error_page.close()


def test_the_default_allowlist_names_public_context_hosts_only(settings):
    from urllib.parse import urlsplit

    from django.conf import settings as django_settings

    allowlist = django_settings.DATAHUB_CONTEXT_ALLOWLIST
    assert {urlsplit(url).hostname for url in BUNDLED_CONTEXTS} <= set(allowlist)
    assert "smartdatamodels.org" in allowlist
    assert not {"localhost", "127.0.0.1", "::1"} & set(allowlist)


@pytest.mark.django_db
def test_subscriptions_resolve_remote_contexts_as_entities_do(
    client, valbourg, remote, settings, context_server, django_capture_on_commit_callbacks
):
    """Subscription 046_01-style cases (POST /subscriptions/ with the suite's remote compound @context, which
    answered 504 before): the subscription reads its names with the same allowlisted, cached loader as the
    entities; its application/json notifications name that @context in a Link header."""
    settings.DATAHUB_CONTEXT_ALLOWLIST = ["127.0.0.1"]
    settings.OUTBOUND_ALLOWED_PRIVATE_HOSTS = ["127.0.0.1"]
    received = []

    def answer(handler):
        received.append((dict(handler.headers), json.loads(handler.body or b"null")))
        ok(handler, b"", status=204)

    notified = Recorder(answer)
    try:
        ctx_url = context_server.url("/quartier.jsonld")
        h = headers(write_key(valbourg), "valbourg", Link=link(ctx_url))
        sub = {
            "type": "Subscription",
            "entities": [{"type": "quartier"}],
            "watchedAttributes": ["quartier"],
            "notification": {"endpoint": {"uri": notified.url("/notify"), "accept": "application/json"}},
        }
        created = post_json(client, f"{BASE}/subscriptions", sub, **h)
        assert created.status_code == 201, created.content
        from beffroi.datahub.models import Subscription

        row = Subscription.objects.get()
        assert row.entity_types == ["https://valbourg.example/ns#quartier"]
        assert row.watched_attributes == ["https://valbourg.example/ns#quartier"]
        with django_capture_on_commit_callbacks(execute=True):
            r = post_json(
                client,
                f"{BASE}/entities",
                {
                    "id": "urn:ngsi-ld:quartier:1",
                    "type": "quartier",
                    "quartier": {"type": "Property", "value": "Centre"},
                },
                **h,
            )
            assert r.status_code == 201
        assert len(received) == 1
        sent_headers, body = received[0]
        assert body["data"][0]["quartier"]["value"] == "Centre"  # compacted with the subscription's context
        assert ctx_url in sent_headers["Link"]
        assert sent_headers["NGSILD-Tenant"] == "valbourg"
        assert len(context_server.requests) == 1  # fetched once, then cached
    finally:
        notified.close()


@pytest.mark.django_db
def test_subscriptions_refuse_contexts_off_the_allowlist(client, valbourg, remote, settings, context_server):
    """Issue #16's rule holds for subscriptions too: a host off the allowlist is never fetched (504)."""
    settings.DATAHUB_CONTEXT_ALLOWLIST = []
    h = headers(write_key(valbourg), "valbourg", Link=link(context_server.url("/quartier.jsonld")))
    sub = {
        "type": "Subscription",
        "entities": [{"type": "quartier"}],
        "notification": {"endpoint": {"uri": "https://example.org/notify"}},
    }
    r = post_json(client, f"{BASE}/subscriptions", sub, **h)
    assert r.status_code == 504
    assert r.json()["type"].endswith("LdContextNotAvailable")
    assert context_server.requests == []
