"""What the participatory budget holds about a person: ideas submitted, votes cast (the fact, not the content)."""

from .models import Ballot, Project, VoterVerification


def export(*, user) -> dict:
    return {
        "idees": [
            {"budget": p.budget.title, "titre": p.title, "depose_le": p.created_at.isoformat()}
            for p in Project.objects.filter(author=user).select_related("budget")
        ],
        "participations": [
            {"budget": b.budget.title, "vote_le": b.updated_at.isoformat()}
            for b in Ballot.objects.filter(voter=user).select_related("budget")
        ],
    }


def erase(*, user) -> None:
    # Ideas stay (they are public and may have been voted on) but lose their author. Ballot rows lose their
    # voter when the account is deleted (SET_NULL) and stay counted, so published results remain checkable.
    Project.objects.filter(author=user).update(author=None)
    VoterVerification.objects.filter(voter=user).delete()
