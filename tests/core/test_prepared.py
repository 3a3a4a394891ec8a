"""Per-request lookups built once (core.prepared): the same answers as the ORM, for each value given."""

from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore as DjangoSessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from beffroi.accounts.selectors import role_get
from beffroi.accounts.sessions import SessionStore
from beffroi.core import tenancy
from beffroi.core.models import Commune
from beffroi.core.prepared import Prepared
from tests.factories import CommuneFactory, member

pytestmark = pytest.mark.django_db


def test_a_prepared_query_answers_like_the_orm_for_each_value():
    CommuneFactory(name="Aval", slug="aval", population=10)
    CommuneFactory(name="Amont", slug="amont", population=2000)
    by_slug = Prepared(Commune, lambda slug: Commune.objects.filter(slug=slug), slug=str)
    bigger = Prepared(
        Commune,
        lambda least: Commune.objects.filter(population__gte=least).order_by("slug").values_list("slug"),
        least=int,
    )
    assert [c.name for c in by_slug.objects(slug="aval")] == ["Aval"]
    assert [c.name for c in by_slug.objects(slug="amont")] == ["Amont"]
    assert by_slug.objects(slug="ailleurs") == []
    assert bigger.rows(least=5) == [("amont",), ("aval",)]
    assert bigger.rows(least=100) == [("amont",)]
    with pytest.raises(TypeError):
        by_slug.objects(name="aval")


def test_the_commune_is_found_by_path_or_host_and_an_archived_one_is_told(client):
    CommuneFactory(name="Valbourg", slug="valbourg")
    CommuneFactory(name="Rive", slug="rive", host="services.rive.fr")
    CommuneFactory(name="Ancienne", slug="ancienne", is_active=False, archived_at=timezone.now())
    commune, via, archived = tenancy.resolve("127.0.0.1:8000", "valbourg")
    assert (commune.name, via, archived) == ("Valbourg", "path", None)
    assert not commune.has_contour and "boundary" not in commune.__dict__
    commune, via, _ = tenancy.resolve("services.rive.fr", "valbourg")
    assert (commune.name, via) == ("Rive", "host")
    assert tenancy.resolve("127.0.0.1", "ancienne")[2].name == "Ancienne"
    assert tenancy.resolve("127.0.0.1", "nulle-part") == (None, "", None)
    assert tenancy.api_tenant(name="valbourg", key=None).name == "Valbourg"
    assert tenancy.api_tenant(name="ancienne", key=None) is None


def test_sessions_written_by_djangos_store_are_read_and_expired_ones_are_not():
    written = DjangoSessionStore()
    written["seen"] = "oui"
    written.create()
    assert SessionStore(written.session_key)["seen"] == "oui"
    Session.objects.filter(session_key=written.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    stale = SessionStore(written.session_key)
    assert stale.get("seen") is None
    assert stale.session_key is None


def test_the_role_is_the_members_in_that_commune_only():
    valbourg = CommuneFactory(slug="valbourg")
    rive = CommuneFactory(slug="rive")
    agent = member(valbourg, "agent")
    assert role_get(commune=valbourg, user=agent) == "agent"
    assert role_get(commune=rive, user=agent) is None
