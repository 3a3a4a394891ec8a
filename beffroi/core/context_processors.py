from django.conf import settings

from beffroi.core import modules


def platform(request):
    commune = getattr(request, "commune", None)
    return {
        "commune": commune,
        "commune_modules": modules.enabled_for(commune),
        "platform_name": "Beffroi",
        "debug": settings.DEBUG,
    }
