"""What every map of a commune is drawn on: the configured tile service and the commune's own vector layers."""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from beffroi.core.models import Commune
from beffroi.territory.models import MapLayer


def basemap_config(commune: Commune) -> dict:
    """The base map's settings for the page (``includes/basemap_config.html``, read by ``basemap.js``).

    ``tiles``: the tile service (BEFFROI_TILE_URL, Plan IGN by default) or None when switched off;
    ``layers_url``: the commune's own streets, buildings and places, when it has any.
    """
    tiles = None
    if settings.BEFFROI_TILE_URL:
        tiles = {
            "url": settings.BEFFROI_TILE_URL,
            "attribution": settings.BEFFROI_TILE_ATTRIBUTION,
            "maxZoom": settings.BEFFROI_TILE_MAX_ZOOM,
        }
    has_layers = MapLayer.objects.filter(commune=commune).exists()
    return {
        "tiles": tiles,
        "layers_url": reverse("territory_public:basemap") if has_layers else None,
        "attribution": _("Plan : commune de %(name)s") % {"name": commune.name} if has_layers else "",
    }


def static_plan(
    commune: Commune,
    *,
    latitude: float,
    longitude: float,
    title: str,
    markers: list[tuple[float, float]] | None = None,
    metres_across: float = 320.0,
) -> str:
    """The plan around a point as SVG markup (``territory.static_map``), for pages read without JavaScript;
    "" when the commune has no layers of its own. With ``markers`` ((longitude, latitude) pairs) and a wider
    ``metres_across``, the plan of the town with each point marked (the map of the reports)."""
    from django.utils.safestring import mark_safe

    from beffroi.territory.selectors import map_layers
    from beffroi.territory.static_map import plan_svg

    layers = map_layers(commune=commune)
    if not layers:
        return ""
    size = {} if markers is None else {"width": 960, "height": 600}
    svg = plan_svg(
        layers,
        latitude=latitude,
        longitude=longitude,
        title=title,
        markers=markers,
        metres_across=metres_across,
        **size,
    )
    return mark_safe(svg)  # noqa: S308 - every text in it (names, title) is escaped by plan_svg
