"""The platform API's core endpoints: communes and the presented key."""

from django.http import Http404, HttpRequest
from ninja import Router, Schema

from beffroi.core import selectors
from beffroi.core.api_auth import ApiKeyAuth
from beffroi.core.models import ApiKey, Commune

router = Router(tags=["communes"])


class CommuneOut(Schema):
    slug: str
    name: str
    insee_code: str
    population: int
    departement: str
    region: str
    epci: str
    latitude: float | None
    longitude: float | None
    modules: list[str]

    @staticmethod
    def resolve_modules(obj: Commune) -> list[str]:
        return list(obj.enabled_modules or [])


class KeyOut(Schema):
    commune: str
    scope: str
    prefix: str


@router.get("/communes", response=list[CommuneOut], summary="Communes served by this instance")
def commune_list(request: HttpRequest) -> list[Commune]:
    return list(selectors.commune_list_public())


@router.get("/communes/{slug}", response=CommuneOut, summary="One commune's public profile")
def commune_detail(request: HttpRequest, slug: str) -> Commune:
    commune = selectors.commune_get_by_slug(slug=slug)
    if commune is None:
        raise Http404(f"Aucune commune « {slug} ».")
    return commune


@router.get(
    "/me", response=KeyOut, auth=ApiKeyAuth(), summary="The commune and scope of the presented API key"
)
def whoami(request: HttpRequest) -> dict[str, str]:
    key: ApiKey = request.auth  # type: ignore[attr-defined]  # set by ninja after authentication
    return {"commune": key.commune.slug, "scope": key.scope, "prefix": key.prefix}
