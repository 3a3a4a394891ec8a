from django.urls import path

from beffroi.territory.views import agent, config, members, setup

app_name = "territory"

urlpatterns = [
    path("", agent.agent_space, name="agent_space"),
    path("administration/", config.administration, name="administration"),
    path("administration/premiers-pas/", setup.first_steps_page, name="first_steps"),
    path("administration/identite/", setup.commune_identity, name="commune_identity"),
    path("administration/contour/", setup.commune_contour, name="commune_contour"),
    path("administration/modele/", setup.commune_preset, name="commune_preset"),
    path("administration/page-accueil/", setup.commune_home_settings, name="commune_home_settings"),
    path("actualites/", setup.news, name="news"),
    path("actualites/<int:pk>/supprimer/", setup.news_delete, name="news_delete"),
    path("administration/membres/", members.members, name="members"),
    path("administration/membres/inviter/", members.invitation_create, name="invitation_create"),
    path("administration/membres/importer/", members.invitation_import, name="invitation_import"),
    path(
        "administration/invitations/<int:pk>/renvoyer/", members.invitation_resend, name="invitation_resend"
    ),
    path("administration/invitations/<int:pk>/annuler/", members.invitation_revoke, name="invitation_revoke"),
    path("administration/membres/<int:user_id>/role/", members.membership_change, name="membership_change"),
    path("administration/membres/<int:user_id>/retirer/", members.member_remove, name="member_remove"),
    path("administration/services/", members.teams, name="teams"),
    path("administration/services/<slug:slug>/agents/", members.team_add_member, name="team_add_member"),
    path(
        "administration/services/<slug:slug>/agents/<int:user_id>/retirer/",
        members.team_remove_member,
        name="team_remove_member",
    ),
    path("administration/services/<slug:slug>/renommer/", members.team_rename, name="team_rename"),
    path("administration/services/<slug:slug>/supprimer/", members.team_delete, name="team_delete"),
    path("administration/cles-api/", members.api_keys, name="api_keys"),
    path("administration/cles-api/nouvelle/", members.api_key_created, name="api_key_created"),
    path("administration/cles-api/<str:prefix>/revoquer/", members.apikey_revoke, name="apikey_revoke"),
    path("administration/plan-et-adresses/", config.geodata, name="geodata"),
]
