"""{% basemap_config %}: the commune's base-map settings as the page's "basemap-config" JSON (basemap.js)."""

from django import template
from django.utils.html import json_script

from beffroi.territory.maps import basemap_config as config_of

register = template.Library()


@register.simple_tag(takes_context=True)
def basemap_config(context) -> str:
    request = context.get("request")
    commune = getattr(request, "commune", None)
    return json_script(config_of(commune) if commune is not None else {}, "basemap-config")
