"""Pages of the Financements module (mounted under the commune)."""

from django.urls import path

from beffroi.funding.views import agent, public

app_name = "funding"

urlpatterns = [
    path("", public.mechanism_list, name="index"),
    path("dispositifs/<str:code>/", public.mechanism_detail, name="mechanism_detail"),
    path("zonages/", agent.commune_zonages, name="commune_zonages"),
    path("plans/<int:pk>/", agent.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/regime/", agent.plan_regime, name="plan_regime"),
    path("plans/<int:pk>/lignes/ajouter/", agent.line_add, name="line_add"),
    path("plans/<int:pk>/lignes/<int:line_pk>/modifier/", agent.line_edit, name="line_edit"),
    path("plans/<int:pk>/lignes/<int:line_pk>/supprimer/", agent.line_delete, name="line_delete"),
]
