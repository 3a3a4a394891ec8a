"""Pages of the Signalements module (mounted under the commune)."""

from django.urls import path

from beffroi.reports import views, views_agent, views_config

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("carte/", views.map_view, name="map"),
    path("signaler/", views.start, name="start"),
    path("signaler/<slug:category>/", views.create, name="create"),
    path("recu/<str:code>/", views.receipt, name="receipt"),
    path("suivi/", views.track_form, name="track_form"),
    path("suivi/<str:code>/", views.track, name="track"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/soutenir/", views.support, name="support"),
    path("photo/<int:pk>/", views.photo, name="photo"),
    path("photo/<int:pk>/<str:size>/", views.photo, name="photo_size"),
    path("gestion/", views_agent.queue, name="agent_queue"),
    path("gestion/nouveau/", views_agent.intake, name="agent_intake"),
    path("gestion/export.csv", views_agent.export_csv, name="agent_export"),
    path("gestion/statistiques/", views_agent.stats, name="agent_stats"),
    path("gestion/configuration/", views_config.index, name="config_index"),
    path("gestion/configuration/categories/", views_config.categories, name="config_categories"),
    path(
        "gestion/configuration/categories/nouvelle/", views_config.category_edit, name="config_category_add"
    ),
    path(
        "gestion/configuration/categories/<int:pk>/", views_config.category_edit, name="config_category_edit"
    ),
    path("gestion/configuration/etats/", views_config.states, name="config_states"),
    path("gestion/configuration/etats/nouveau/", views_config.state_edit, name="config_state_add"),
    path("gestion/configuration/etats/<int:pk>/", views_config.state_edit, name="config_state_edit"),
    path(
        "gestion/configuration/etats/<int:pk>/supprimer/",
        views_config.state_delete,
        name="config_state_delete",
    ),
    path("gestion/configuration/modeles/", views_config.templates, name="config_templates"),
    path("gestion/configuration/modeles/nouveau/", views_config.template_edit, name="config_template_add"),
    path("gestion/configuration/modeles/<int:pk>/", views_config.template_edit, name="config_template_edit"),
    path(
        "gestion/configuration/modeles/<int:pk>/supprimer/",
        views_config.template_delete,
        name="config_template_delete",
    ),
    path("gestion/<int:pk>/", views_agent.detail, name="agent_detail"),
    path("gestion/<int:pk>/recu/", views_agent.intake_receipt, name="agent_receipt"),
    path("gestion/<int:pk>/<str:action>/", views_agent.act, name="agent_act"),
]
