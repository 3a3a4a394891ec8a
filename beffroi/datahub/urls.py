"""Pages of the Données et capteurs module (mounted under the commune)."""

from django.urls import path

from . import views

app_name = "datahub"

urlpatterns = [
    path("", views.index, name="index"),
    path("equipement/<int:pk>/", views.entity_detail, name="entity"),
    path("equipement/<int:pk>/export.csv", views.series_csv, name="series_csv"),
]
