from django.urls import path

from beffroi.territory.views import agent, config, setup

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
    path("administration/membres/<int:user_id>/role/", config.membership_change, name="membership_change"),
    path("administration/services/<slug:slug>/agents/", config.team_add_member, name="team_add_member"),
    path("administration/cles-api/<str:prefix>/revoquer/", config.apikey_revoke, name="apikey_revoke"),
]
