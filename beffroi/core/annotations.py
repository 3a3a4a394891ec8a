"""Type names shared by the apps' services, selectors and APIs, and the account an `Actor` stands for."""

from typing import TYPE_CHECKING, Any, TypeAlias

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest

if TYPE_CHECKING:  # core sits below accounts: the user model is named for the type checker only
    from beffroi.accounts.models import User

# Who does something: a signed-in user, an anonymous visitor, or the platform itself (None: commands, demo).
Actor: TypeAlias = "User | AnonymousUser | None"

# A JSON object as received from or sent to a client.
JSONObject: TypeAlias = dict[str, Any]


def account_of(actor: Actor) -> "User | None":
    """The account a write is credited to: the signed-in user, None for an anonymous visitor or the platform."""
    return actor if actor is not None and actor.is_authenticated else None


__all__ = ["Actor", "HttpRequest", "JSONObject", "account_of"]
