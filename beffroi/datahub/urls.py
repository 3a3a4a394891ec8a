"""Pages of the Données et capteurs module (mounted under the commune)."""

from django.urls import path

from beffroi.datahub.views import agent, config, public

app_name = "datahub"

urlpatterns = [
    path("", public.index, name="index"),
    path("equipement/<int:pk>/", public.entity_detail, name="entity"),
    path("equipement/<int:pk>/export.csv", public.series_csv, name="series_csv"),
    path("alertes/", agent.alert_list, name="alerts"),
    path("alertes/<int:pk>/", agent.alert_detail, name="alert"),
    path("alertes/<int:pk>/prendre-en-compte/", agent.alert_acknowledge, name="alert_acknowledge"),
    path("alertes/<int:pk>/clore/", agent.alert_close, name="alert_close"),
    path("alertes/regles/", agent.rule_list, name="alert_rules"),
    path("alertes/regles/nouvelle/", agent.rule_create, name="alert_rule_create"),
    path("alertes/regles/<int:pk>/modifier/", agent.rule_edit, name="alert_rule_edit"),
    path("alertes/regles/<int:pk>/supprimer/", agent.rule_delete, name="alert_rule_delete"),
    path("configuration/capteurs/", config.asset_list, name="config_assets"),
    path("configuration/capteurs/ajouter/", config.asset_create, name="config_asset_create"),
    path("configuration/capteurs/<int:pk>/modifier/", config.asset_edit, name="config_asset_edit"),
    path("configuration/capteurs/<int:pk>/publication/", config.asset_publish, name="config_asset_publish"),
    path("configuration/capteurs/<int:pk>/supprimer/", config.asset_delete, name="config_asset_delete"),
]
