"""Pages of the Données et capteurs module (mounted under the commune)."""

from django.urls import path

from . import alert_views, views

app_name = "datahub"

urlpatterns = [
    path("", views.index, name="index"),
    path("equipement/<int:pk>/", views.entity_detail, name="entity"),
    path("equipement/<int:pk>/export.csv", views.series_csv, name="series_csv"),
    path("alertes/", alert_views.alert_list, name="alerts"),
    path("alertes/<int:pk>/", alert_views.alert_detail, name="alert"),
    path("alertes/<int:pk>/prendre-en-compte/", alert_views.alert_acknowledge, name="alert_acknowledge"),
    path("alertes/<int:pk>/clore/", alert_views.alert_close, name="alert_close"),
    path("alertes/regles/", alert_views.rule_list, name="alert_rules"),
    path("alertes/regles/nouvelle/", alert_views.rule_create, name="alert_rule_create"),
    path("alertes/regles/<int:pk>/modifier/", alert_views.rule_edit, name="alert_rule_edit"),
]
