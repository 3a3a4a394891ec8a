from django.urls import path

from beffroi.territory import views

app_name = "territory"

urlpatterns = [
    path("", views.agent_space, name="agent_space"),
    path("administration/", views.administration, name="administration"),
    path("administration/membres/<int:user_id>/role/", views.membership_change, name="membership_change"),
    path("administration/services/<slug:slug>/agents/", views.team_add_member, name="team_add_member"),
    path("administration/cles-api/<str:prefix>/revoquer/", views.apikey_revoke, name="apikey_revoke"),
]
