"""Pages of the Financements module (mounted under the commune)."""

from django.urls import path

from beffroi.funding import views

app_name = "funding"

urlpatterns = [
    path("", views.mechanism_list, name="index"),
    path("dispositifs/<str:code>/", views.mechanism_detail, name="mechanism_detail"),
    path("zonages/", views.commune_zonages, name="commune_zonages"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/regime/", views.plan_regime, name="plan_regime"),
    path("plans/<int:pk>/lignes/ajouter/", views.line_add, name="line_add"),
    path("plans/<int:pk>/lignes/<int:line_pk>/modifier/", views.line_edit, name="line_edit"),
    path("plans/<int:pk>/lignes/<int:line_pk>/supprimer/", views.line_delete, name="line_delete"),
]
