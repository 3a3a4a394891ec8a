from django.conf import settings

from beffroi.core import modules


def platform(request):
    commune = getattr(request, "commune", None)
    return {
        "commune": commune,
        "commune_modules": modules.enabled_for(commune),
        # what the layout's footer shows, its key in the fragments cache (templates/base.html)
        "footer_shown": (
            commune.slug,
            commune.name,
            commune.address,
            commune.contact_phone,
            commune.opening_hours,
            commune.accessibility_label,
        )
        if commune
        else None,
        "platform_name": "Beffroi",
        "debug": settings.DEBUG,
    }
