"""Public pages of the territory: the commune's base map and its address search (read by the maps' scripts)."""

from django.http import JsonResponse
from django.views.decorators.http import condition, require_safe

from beffroi.core.decorators import commune_required
from beffroi.territory import selectors

MAX_QUERY = 120


def _layers_etag(request) -> str | None:
    if request.commune is None:
        return None
    version = selectors.map_layers_version(commune=request.commune)
    return f"{request.commune.pk}-{version}" if version else None


@require_safe
@commune_required
@condition(etag_func=_layers_etag)
def basemap(request):
    """The commune's streets, buildings and named places: {"voies": FeatureCollection, …} (GeoJSON, WGS84)."""
    response = JsonResponse(selectors.map_layers(commune=request.commune))
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_safe
@commune_required
def address_search(request):
    """Addresses of the commune matching ?q= (the report form's autocomplete): [{label, lat, lon}], best first."""
    query = request.GET.get("q", "")[:MAX_QUERY]
    matches = selectors.address_search(commune=request.commune, query=query, limit=8)
    response = JsonResponse(
        {
            "results": [
                {
                    "label": m.label,
                    "lat": round(m.latitude, 6),
                    "lon": round(m.longitude, 6),
                    "street": m.street_only,
                }
                for m in matches
            ]
        }
    )
    response["Cache-Control"] = "private, max-age=60"
    return response


@require_safe
@commune_required
def address_near(request):
    """The commune's address nearest to ?lat=&lon= (a point tapped on a map): {"label": "14 rue des Écoles"} or
    {"label": null} when none lies within about a hundred metres."""
    try:
        latitude, longitude = float(request.GET.get("lat", "")), float(request.GET.get("lon", ""))
    except ValueError:
        return JsonResponse({"label": None, "error": "lat et lon attendus"}, status=400)
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return JsonResponse({"label": None, "error": "lat et lon attendus"}, status=400)
    found = selectors.address_nearest(commune=request.commune, latitude=latitude, longitude=longitude)
    response = JsonResponse({"label": found[0].label if found else None})
    response["Cache-Control"] = "private, max-age=60"
    return response
