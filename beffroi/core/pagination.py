"""The platform API's pagination: ninja's limit/offset, with both bounded so a client's number never overflows
the database's integer (a 400 problem+json instead of a 500)."""

from django.conf import settings
from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination as NinjaLimitOffsetPagination

MAX_OFFSET = 2**62  # far past any table, and offset + limit still fits a 64-bit integer


class LimitOffsetPagination(NinjaLimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(
            getattr(settings, "NINJA_PAGINATION_PER_PAGE", 50),
            ge=1,
            le=getattr(settings, "NINJA_PAGINATION_MAX_LIMIT", 500),
        )
        offset: int = Field(0, ge=0, le=MAX_OFFSET)
