from django.conf import settings

from beffroi.core import modules


def platform(request):
    commune = getattr(request, "commune", None)
    role = None
    if commune is not None and hasattr(request, "user"):
        from beffroi.accounts.roles import STAFF_ROLES
        from beffroi.accounts.selectors import role_get

        role = role_get(commune=commune, user=request.user)
        is_staff_role = role in STAFF_ROLES
    else:
        is_staff_role = False
    return {
        "commune": commune,
        "commune_modules": modules.enabled_for(commune),
        "viewer_role": role,
        "viewer_is_staff_role": is_staff_role,
        "platform_name": "Beffroi",
        "debug": settings.DEBUG,
    }
