"""Sessions in the database (Django's own store and format), looked up by a query built once per process.

Every signed-in request reads its session: the lookup is the same as Django's (by key, not expired), its SQL
kept (core.prepared). Sessions written by Django's store read here and the other way round.
"""

from __future__ import annotations

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.utils import timezone

from beffroi.core.prepared import Prepared

_BY_KEY = Prepared(Session, lambda key: Session.objects.filter(session_key=key), key=str)


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        key = self.session_key
        found = _BY_KEY.objects(key=key) if key else []
        if found and found[0].expire_date > timezone.now():
            return found[0]
        self._session_key = None
        return None
