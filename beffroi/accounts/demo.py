"""The accounts' demo step: Valbourg's administrator has invited a new secretary, who has not answered yet, so
the people page shows a pending invitation to resend or cancel."""

from beffroi.accounts.models import Invitation, Role, User
from beffroi.accounts.services import invitation_create
from beffroi.core import demo
from beffroi.core.models import Commune

INVITED = "nouveau.secretariat@valbourg.demo.test"


@demo.register("invitations", order=15)
def load() -> None:
    commune = Commune.objects.filter(slug="valbourg").first()
    inviter = User.objects.filter(email="admin@demo.test").first()
    if (
        commune is None
        or inviter is None
        or Invitation.objects.filter(commune=commune, email=INVITED).exists()
    ):
        return
    invitation_create(
        commune=commune,
        actor=inviter,
        email=INVITED,
        role=Role.AGENT,
        team=commune.teams.filter(slug="accueil-de-la-mairie").first(),
    )
