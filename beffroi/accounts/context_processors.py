from beffroi.accounts.roles import STAFF_ROLES
from beffroi.accounts.selectors import role_get


def viewer_role(request):
    """The viewer's role in the request's commune (None when anonymous or without membership)."""
    role = role_get(commune=getattr(request, "commune", None), user=getattr(request, "user", None))
    return {"viewer_role": role, "viewer_is_staff_role": role in STAFF_ROLES}
