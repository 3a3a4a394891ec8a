"""Pages of the Projet de territoire module (mounted under the commune)."""

from django.urls import path

from beffroi.planning import views, views_assessment

app_name = "planning"

urlpatterns = [
    path("", views.use_case_list, name="index"),
    path("cas-d-usage/<slug:code>/", views.use_case_detail, name="use_case_detail"),
    path("feuille-de-route/", views.roadmap, name="roadmap"),
    path("feuille-de-route/projets/nouveau/", views.project_create, name="project_create"),
    path("feuille-de-route/projets/<int:pk>/", views.project_detail, name="project_detail"),
    path("feuille-de-route/projets/<int:pk>/modifier/", views.project_edit, name="project_edit"),
    path("feuille-de-route/projets/<int:pk>/supprimer/", views.project_delete, name="project_delete"),
    path("feuille-de-route/projets/<int:pk>/phases/", views.phase_add, name="phase_add"),
    path(
        "feuille-de-route/projets/<int:pk>/phases/<int:phase_pk>/supprimer/",
        views.phase_delete,
        name="phase_delete",
    ),
    path("feuille-de-route/projets/<int:pk>/indicateurs/", views.indicator_add, name="indicator_add"),
    path(
        "feuille-de-route/projets/<int:pk>/indicateurs/<int:indicator_pk>/supprimer/",
        views.indicator_delete,
        name="indicator_delete",
    ),
    path("feuille-de-route/projets/<int:pk>/financements/", views.project_funding, name="project_funding"),
    path("rapport/", views.council_report, name="report"),
    path("rapport.pdf", views.council_report_pdf, name="report_pdf"),
    path("diagnostic/", views_assessment.assessment_list, name="assessment_list"),
    path("diagnostic/nouveau/", views_assessment.assessment_create, name="assessment_create"),
    path("diagnostic/<int:pk>/", views_assessment.assessment_detail, name="assessment_detail"),
    path("diagnostic/comparer/", views_assessment.assessment_compare, name="assessment_compare"),
]
