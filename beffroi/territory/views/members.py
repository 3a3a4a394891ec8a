"""The commune administrator's pages on people and access (capability "manage_commune"): members (searched,
paginated, role changed, removed), invitations (one, or a CSV file; resent, revoked), teams (agents added and
removed, renamed, deleted) and API keys (the new secret on a page of its own, shown once).

Kept apart from `config.py` (the commune's set-up) by subject; the audience is the same. Every action answers
with a redirect to the page it came from, its feedback in the messages at the top of that page; a form with
errors is drawn again with its error summary first.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from beffroi.accounts import selectors as account_selectors
from beffroi.accounts import services as account_services
from beffroi.accounts.decorators import capability_required
from beffroi.accounts.models import Role
from beffroi.core import selectors as core_selectors
from beffroi.core import services as core_services
from beffroi.core.confirm import confirmation_page
from beffroi.core.middleware import instance_url
from beffroi.territory import selectors, services
from beffroi.territory.forms import ApiKeyForm, RoleForm, TeamForm, TeamMemberForm
from beffroi.territory.forms_members import (
    InvitationCsvForm,
    InvitationForm,
    MemberSearchForm,
    TeamRenameForm,
)

MEMBERS_PER_PAGE = 25
NEW_KEY_SESSION = "territory_new_api_key"


def _back(request, default: str) -> str:
    """Where an action returns: the page it was posted from when that is one of ours (search and page kept)."""
    target = request.POST.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return target
    return reverse(default)


def _members_context(request, *, invite_form=None):
    commune = request.commune
    search = MemberSearchForm(
        request.GET or None, auto_id="recherche_%s"
    )  # the invitation form has its own id_role
    query, role = "", ""
    if search.is_valid():
        query, role = search.cleaned_data["q"], search.cleaned_data["role"]
    memberships = selectors.membership_search(commune=commune, query=query, role=role)
    page = Paginator(memberships, MEMBERS_PER_PAGE).get_page(request.GET.get("page"))
    params = {key: value for key, value in (("q", query), ("role", role)) if value}
    return {
        "search": search,
        "page": page,
        "query": urlencode(params),
        "searching": bool(params),
        "total": account_selectors.membership_list(commune=commune).count(),
        "role_counts": selectors.membership_counts(commune=commune),
        "invite_form": invite_form or InvitationForm(teams=selectors.team_list(commune=commune)),
        "invitations": account_selectors.invitation_list_open(commune=commune),
        "role_choices": [(role.value, capfirst(role.label)) for role in Role],
        "here": request.get_full_path(),
        "section": "members",
        "invitation_days": settings.BEFFROI_INVITATION_DAYS,
    }


@capability_required("manage_commune")
@require_http_methods(["GET", "HEAD"])
def members(request):
    return render(request, "territory/admin_members.html", _members_context(request))


@capability_required("manage_commune")
@require_http_methods(["POST"])
def invitation_create(request):
    form = InvitationForm(request.POST, teams=selectors.team_list(commune=request.commune))
    if form.is_valid():
        try:
            account_services.invitation_create(
                commune=request.commune, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Invitation envoyée à %(email)s. Le lien est valable %(days)s jours.")
                % {"email": form.cleaned_data["email"], "days": settings.BEFFROI_INVITATION_DAYS},
            )
            return redirect("territory:members")
    return render(
        request, "territory/admin_members.html", _members_context(request, invite_form=form), status=400
    )


@capability_required("manage_commune")
@require_http_methods(["GET", "HEAD", "POST"])
def invitation_import(request):
    """Many invitations from a CSV file: all or nothing, each faulty line named in French."""
    form = InvitationCsvForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            created = account_services.invitation_create_many(
                commune=request.commune, actor=request.user, text=form.cleaned_data["file"]
            )
        except account_services.InvitationImportError as refused:
            errors = refused.errors
        else:
            messages.success(
                request,
                ngettext("%(n)s invitation envoyée.", "%(n)s invitations envoyées.", len(created))
                % {"n": len(created)},
            )
            return redirect("territory:members")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "territory/admin_invitation_import.html",
        {
            "form": form,
            "errors": errors,
            "teams": selectors.team_list(commune=request.commune),
            "section": "members",
        },
        status=status,
    )


def _invitation_or_404(request, pk: int):
    invitation = account_selectors.invitation_get(commune=request.commune, pk=pk)
    if invitation is None:
        raise Http404
    return invitation


@require_POST
@capability_required("manage_commune")
def invitation_resend(request, pk: int):
    invitation = _invitation_or_404(request, pk)
    try:
        account_services.invitation_resend(commune=request.commune, actor=request.user, invitation=invitation)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Invitation renvoyée à %(email)s avec un nouveau lien ; l'ancien ne fonctionne plus.")
            % {"email": invitation.email},
        )
    return redirect(_back(request, "territory:members"))


@require_POST
@capability_required("manage_commune")
def invitation_revoke(request, pk: int):
    invitation = _invitation_or_404(request, pk)
    asking = confirmation_page(
        request,
        title=_("Annuler l'invitation de %(email)s ?") % {"email": invitation.email},
        message=_("Le lien reçu par cette personne sera refusé ; vous pourrez l'inviter de nouveau."),
        button=_("Annuler l'invitation"),
        cancel_url=_back(request, "territory:members"),
    )
    if asking is not None:
        return asking
    try:
        account_services.invitation_revoke(commune=request.commune, actor=request.user, invitation=invitation)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("Invitation de %(email)s annulée : son lien est refusé.") % {"email": invitation.email}
        )
    return redirect(_back(request, "territory:members"))


def _membership_or_404(request, user_id: int):
    membership = account_selectors.membership_get(commune=request.commune, user_id=user_id)
    if membership is None:
        raise Http404
    return membership


@require_POST
@capability_required("manage_commune")
def membership_change(request, user_id: int):
    membership = _membership_or_404(request, user_id)
    form = RoleForm(request.POST)
    who = membership.user.get_full_name()
    if not form.is_valid():
        messages.error(request, _("Choisissez un rôle dans la liste."))
    elif form.cleaned_data["role"] == membership.role:
        messages.info(request, _("%(who)s a déjà ce rôle : rien n'a changé.") % {"who": who})
    elif membership.user_id == request.user.pk:
        messages.error(request, _("Vous ne pouvez pas changer votre propre rôle."))
    elif membership.role == Role.ADMIN and not _other_admin(request, membership.user_id):
        messages.error(request, _("La commune doit garder au moins un administrateur."))
    else:
        services.member_role_set(
            commune=request.commune, user=membership.user, role=form.cleaned_data["role"], actor=request.user
        )
        messages.success(
            request,
            _("%(who)s a maintenant le rôle « %(role)s ».")
            % {"who": who, "role": Role(form.cleaned_data["role"]).label},
        )
    return redirect(_back(request, "territory:members"))


def _other_admin(request, user_id: int) -> bool:
    return (
        account_selectors.membership_list(commune=request.commune)
        .filter(role=Role.ADMIN)
        .exclude(user_id=user_id)
        .exists()
    )


@capability_required("manage_commune")
@require_http_methods(["GET", "HEAD", "POST"])
def member_remove(request, user_id: int):
    """Confirm, then take the person out of the commune (role and teams): their next request is refused."""
    membership = _membership_or_404(request, user_id)
    if request.method == "POST":
        try:
            services.member_remove(commune=request.commune, user=membership.user, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("%(who)s n'a plus de rôle dans la commune ; son accès est fermé.")
                % {"who": membership.user.get_full_name()},
            )
        return redirect("territory:members")
    teams = selectors.teams_of_user(commune=request.commune, user=membership.user)
    return render(
        request,
        "territory/admin_member_remove.html",
        {"membership": membership, "teams": teams, "section": "members"},
    )


# --- Teams -------------------------------------------------------------------------------------------------


def _team_or_404(request, slug: str):
    team = selectors.team_get(commune=request.commune, slug=slug)
    if team is None:
        raise Http404
    return team


@capability_required("manage_commune")
@require_http_methods(["GET", "HEAD", "POST"])
def teams(request):
    form = TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.team_create(commune=request.commune, actor=request.user, **form.cleaned_data)
        except ValidationError:
            form.add_error("name", _("Un service de la commune porte déjà ce nom ou un nom très proche."))
        else:
            messages.success(
                request, _("Le service « %(name)s » a été créé.") % {"name": form.cleaned_data["name"]}
            )
            return redirect("territory:teams")
    staff = account_selectors.member_list(commune=request.commune, capability="view_agent_space")
    context = {
        "teams": selectors.team_list(commune=request.commune),
        "staff": staff,
        "team_form": form,
        "section": "teams",
        "here": request.get_full_path(),
    }
    return render(request, "territory/admin_teams.html", context, status=400 if form.errors else 200)


@require_POST
@capability_required("manage_commune")
def team_add_member(request, slug: str):
    team = _team_or_404(request, slug)
    staff = account_selectors.member_list(commune=request.commune, capability="view_agent_space")
    form = TeamMemberForm(request.POST, users=staff)
    if form.is_valid():
        user = form.cleaned_data["user"]
        services.team_add_member(team=team, user=user, actor=request.user)
        messages.success(
            request,
            _("%(who)s fait maintenant partie du service « %(team)s ».")
            % {"who": user.get_full_name(), "team": team.name},
        )
    else:
        messages.error(request, _("Choisissez un agent, un élu ou un administrateur de la commune."))
    return redirect(_back(request, "territory:teams"))


@require_POST
@capability_required("manage_commune")
def team_remove_member(request, slug: str, user_id: int):
    team = _team_or_404(request, slug)
    user = team.members.filter(pk=user_id).first()
    if user is None:
        raise Http404
    asking = confirmation_page(
        request,
        title=_("Retirer %(who)s du service « %(team)s » ?")
        % {"who": user.get_full_name() or user.email, "team": team.name},
        message=_(
            "Son rôle dans la commune ne change pas ; les demandes qui lui sont attribuées le restent."
        ),
        button=_("Retirer du service"),
        cancel_url=_back(request, "territory:teams"),
    )
    if asking is not None:
        return asking
    services.team_remove_member(team=team, user=user, actor=request.user)
    messages.success(
        request,
        _("%(who)s ne fait plus partie du service « %(team)s » ; son rôle dans la commune ne change pas.")
        % {"who": user.get_full_name(), "team": team.name},
    )
    return redirect(_back(request, "territory:teams"))


@capability_required("manage_commune")
@require_http_methods(["GET", "HEAD", "POST"])
def team_rename(request, slug: str):
    team = _team_or_404(request, slug)
    form = TeamRenameForm(request.POST or None, initial={"name": team.name})
    if request.method == "POST" and form.is_valid():
        old = team.name
        try:
            services.team_rename(team=team, name=form.cleaned_data["name"], actor=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Le service « %(old)s » s'appelle maintenant « %(new)s ».")
                % {"old": old, "new": form.cleaned_data["name"].strip()},
            )
            return redirect("territory:teams")
    return render(
        request,
        "territory/admin_team_rename.html",
        {"team": team, "form": form, "section": "teams"},
        status=400 if form.errors else 200,
    )


@capability_required("manage_commune")
@require_http_methods(["GET", "HEAD", "POST"])
def team_delete(request, slug: str):
    team = _team_or_404(request, slug)
    if request.method == "POST":
        services.team_delete(team=team, actor=request.user)
        messages.success(request, _("Le service « %(name)s » a été supprimé.") % {"name": team.name})
        return redirect("territory:teams")
    return render(request, "territory/admin_team_delete.html", {"team": team, "section": "teams"})


# --- API keys ----------------------------------------------------------------------------------------------


@capability_required("manage_commune")
@require_http_methods(["GET", "HEAD", "POST"])
def api_keys(request):
    form = ApiKeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        key, secret = core_services.apikey_create(
            commune=request.commune, actor=request.user, **form.cleaned_data
        )
        # Shown once, on its own page: kept in the session only until that page is drawn.
        request.session[NEW_KEY_SESSION] = {
            "prefix": key.prefix,
            "secret": secret,
            "commune": request.commune.pk,
        }
        return redirect("territory:api_key_created")
    context = {
        "api_keys": core_selectors.apikey_list(commune=request.commune),
        "key_form": form,
        "section": "keys",
        "endpoints": _api_endpoints(request),
    }
    return render(request, "territory/admin_api_keys.html", context, status=400 if form.errors else 200)


def _api_endpoints(request) -> list[dict[str, str]]:
    """What to give another software's developer, for each API the commune's modules open: the address, how the
    commune is named in a request (a key names its own commune; without one the standard's own way), and the
    description a developer reads. The APIs are the instance's, at its root: one address for every commune."""
    commune = request.commune
    enabled = set(commune.enabled_modules or [])
    open311_docs = instance_url(request, "open311:discovery", kwargs={"fmt": "json"})
    ngsild_docs = instance_url(request, "ngsild:openapi")
    endpoints = []
    if "reports" in enabled:
        endpoints.append(
            {
                "name": _("Signalements (Open311 GeoReport v2)"),
                "url": open311_docs.rsplit("/", 1)[0] + "/",
                "tenant": _("paramètre jurisdiction_id=%(slug)s (ou la clé, pour déposer)")
                % {"slug": commune.slug},
                "docs": open311_docs,
                "use": _(
                    "applications de signalement (lecture, et dépôt avec une clé « lecture et écriture »)"
                ),
            }
        )
    if "datahub" in enabled:
        endpoints.append(
            {
                "name": _("Données des capteurs (NGSI-LD)"),
                "url": ngsild_docs.rsplit("/", 1)[0] + "/",
                "tenant": _("en-tête NGSILD-Tenant: %(slug)s (ou la clé)") % {"slug": commune.slug},
                "docs": ngsild_docs,
                "use": _("serveur LoRaWAN, plateforme de données, tableau de bord"),
            }
        )
    endpoints.append(
        {
            "name": _("API de la plateforme"),
            "url": instance_url(request, "api:openapi-json").rsplit("/", 1)[0] + "/",
            "tenant": _("la clé"),
            "docs": instance_url(request, "api:openapi-view"),
            "use": _("mesures des capteurs, démarches, exports"),
        }
    )
    return endpoints


@capability_required("manage_commune")
@require_http_methods(["GET", "HEAD"])
def api_key_created(request):
    new = request.session.pop(NEW_KEY_SESSION, None)
    if not new or new.get("commune") != request.commune.pk:
        messages.info(
            request, _("La clé n'est plus affichée : elle ne se montre qu'une fois. Créez-en une autre.")
        )
        return redirect("territory:api_keys")
    key = core_selectors.apikey_get(commune=request.commune, prefix=new["prefix"])
    response = render(
        request,
        "territory/admin_api_key_created.html",
        {"key": key, "secret": new["secret"], "section": "keys"},
    )
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@capability_required("manage_commune")
def apikey_revoke(request, prefix: str):
    key = core_selectors.apikey_get(commune=request.commune, prefix=prefix)
    if key is None:
        raise Http404
    asking = confirmation_page(
        request,
        title=_("Révoquer la clé %(prefix)s ?") % {"prefix": prefix},
        message=_(
            "Les programmes qui l'utilisent seront refusés dès maintenant. Une clé révoquée ne peut pas être rétablie."
        ),
        button=_("Révoquer la clé"),
        cancel_url=reverse("territory:api_keys"),
    )
    if asking is not None:
        return asking
    core_services.apikey_revoke(key=key, actor=request.user)
    messages.success(
        request, _("La clé %(prefix)s est révoquée : elle est refusée dès maintenant.") % {"prefix": prefix}
    )
    return redirect("territory:api_keys")
