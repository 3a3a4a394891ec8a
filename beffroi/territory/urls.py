from django.urls import path

from beffroi.territory.views import agent, config

app_name = "territory"

urlpatterns = [
    path("", agent.agent_space, name="agent_space"),
    path("administration/", config.administration, name="administration"),
    path("administration/plan-et-adresses/", config.geodata, name="geodata"),
    path("administration/membres/<int:user_id>/role/", config.membership_change, name="membership_change"),
    path("administration/services/<slug:slug>/agents/", config.team_add_member, name="team_add_member"),
    path("administration/cles-api/<str:prefix>/revoquer/", config.apikey_revoke, name="apikey_revoke"),
]
