"""core.db_router: which requests read the replica (DATABASE_REPLICA_URL), and read-your-writes."""

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from beffroi.core import db_router
from beffroi.core.db_router import PIN_COOKIE, ReplicaReadsMiddleware, ReplicaRouter
from beffroi.reports.models import Report


@pytest.fixture
def with_replica(monkeypatch):
    """As with DATABASE_REPLICA_URL set (the routing decisions only name aliases: no replica is reached)."""
    monkeypatch.setattr(db_router, "replica_configured", lambda: True)


def through_middleware(request, view):
    """Runs ``view`` inside the middleware and returns (what the view saw, the response)."""
    seen = {}

    def get_response(req):
        seen.update(view())
        return HttpResponse("ok")

    response = ReplicaReadsMiddleware(get_response)(request)
    return seen, response


def test_reads_of_open311_ngsi_ld_and_dashboards_go_to_the_replica(with_replica):
    router = ReplicaRouter()
    factory = RequestFactory()
    for path in ("/open311/v2/requests.json", "/ngsi-ld/v1/entities", "/donnees/", "/donnees/equipement/3/"):
        seen, response = through_middleware(factory.get(path), lambda: {"db": router.db_for_read(Report)})
        assert seen["db"] == "replica", path
        assert PIN_COOKIE not in response.cookies
    # other pages, and every POST, read the primary
    for request in (factory.get("/signalements/"), factory.post("/open311/v2/requests.json")):
        seen, _response = through_middleware(request, lambda: {"db": router.db_for_read(Report)})
        assert seen["db"] == "default"
    # outside a request (worker, commands): the primary
    assert router.db_for_read(Report) == "default"


def test_a_request_that_wrote_reads_the_primary_and_so_does_the_next_one(with_replica, settings):
    router = ReplicaRouter()

    def write_then_read():
        before = router.db_for_read(Report)
        assert router.db_for_write(Report) == "default"
        return {"before": before, "after": router.db_for_read(Report)}

    seen, response = through_middleware(RequestFactory().get("/ngsi-ld/v1/entities"), write_then_read)
    assert seen == {"before": "replica", "after": "default"}
    assert response.cookies[PIN_COOKIE]["max-age"] == settings.BEFFROI_REPLICA_PIN_SECONDS
    # the browser that wrote reads the primary for a few seconds, whatever the replica's lag
    pinned = RequestFactory().get("/ngsi-ld/v1/entities", HTTP_COOKIE=f"{PIN_COOKIE}=1")
    seen, _response = through_middleware(pinned, lambda: {"db": router.db_for_read(Report)})
    assert seen["db"] == "default"


def test_without_a_replica_nothing_changes(settings):
    assert "replica" not in settings.DATABASES
    assert not db_router.replica_configured()
    seen, response = through_middleware(RequestFactory().get("/open311/v2/requests.json"), lambda: {})
    assert response.status_code == 200 and not response.cookies
