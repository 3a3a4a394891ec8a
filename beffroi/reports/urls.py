"""Pages of the Signalements module (mounted under the commune)."""

from django.urls import path

from beffroi.reports.views import agent, config, public

app_name = "reports"

urlpatterns = [
    path("", public.index, name="index"),
    path("carte/", public.map_view, name="map"),
    path("signaler/", public.start, name="start"),
    path("signaler/<slug:category>/", public.create, name="create"),
    path("recu/<str:code>/", public.receipt, name="receipt"),
    path("suivi/", public.track_form, name="track_form"),
    path("suivi/<str:code>/", public.track, name="track"),
    path("suivi/<str:code>/photo/<int:pk>/", public.track_photo, name="track_photo"),
    path("suivi/<str:code>/photo/<int:pk>/<str:size>/", public.track_photo, name="track_photo_size"),
    path("<int:pk>/", public.detail, name="detail"),
    path("<int:pk>/soutenir/", public.support, name="support"),
    path("photo/<int:pk>/", public.photo, name="photo"),
    path("photo/<int:pk>/<str:size>/", public.photo, name="photo_size"),
    path("gestion/", agent.queue, name="agent_queue"),
    path("gestion/nouveau/", agent.intake, name="agent_intake"),
    path("gestion/export.csv", agent.export_csv, name="agent_export"),
    path("gestion/statistiques/", agent.stats, name="agent_stats"),
    path("gestion/configuration/", config.index, name="config_index"),
    path("gestion/configuration/categories/", config.categories, name="config_categories"),
    path("gestion/configuration/categories/nouvelle/", config.category_edit, name="config_category_add"),
    path("gestion/configuration/categories/<int:pk>/", config.category_edit, name="config_category_edit"),
    path("gestion/configuration/etats/", config.states, name="config_states"),
    path("gestion/configuration/etats/nouveau/", config.state_edit, name="config_state_add"),
    path("gestion/configuration/etats/<int:pk>/", config.state_edit, name="config_state_edit"),
    path("gestion/configuration/etats/<int:pk>/supprimer/", config.state_delete, name="config_state_delete"),
    path("gestion/configuration/modeles/", config.templates, name="config_templates"),
    path("gestion/configuration/modeles/nouveau/", config.template_edit, name="config_template_add"),
    path("gestion/configuration/modeles/<int:pk>/", config.template_edit, name="config_template_edit"),
    path(
        "gestion/configuration/modeles/<int:pk>/supprimer/",
        config.template_delete,
        name="config_template_delete",
    ),
    path("gestion/<int:pk>/", agent.detail, name="agent_detail"),
    path("gestion/<int:pk>/recu/", agent.intake_receipt, name="agent_receipt"),
    path("gestion/<int:pk>/recu.pdf", agent.intake_receipt_pdf, name="agent_receipt_pdf"),
    path("gestion/<int:pk>/<str:action>/", agent.act, name="agent_act"),
]
