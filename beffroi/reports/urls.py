"""Pages of the Signalements module (mounted under the commune)."""

from django.urls import path

from beffroi.reports import views, views_agent

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
    path("gestion/<int:pk>/", views_agent.detail, name="agent_detail"),
    path("gestion/<int:pk>/recu/", views_agent.intake_receipt, name="agent_receipt"),
    path("gestion/<int:pk>/<str:action>/", views_agent.act, name="agent_act"),
]
