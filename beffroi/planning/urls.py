"""Pages of the Projet de territoire module (mounted under the commune)."""

from django.urls import path

from beffroi.planning.views import agent, public

app_name = "planning"

urlpatterns = [
    path("", public.index, name="index"),
    path("projets/<int:pk>/", public.project_public, name="project_public"),
    path("cas-d-usage/<slug:code>/", public.use_case_detail, name="use_case_detail"),
    path("feuille-de-route/", agent.roadmap, name="roadmap"),
    path("feuille-de-route/projets/nouveau/", agent.project_create, name="project_create"),
    path("feuille-de-route/projets/<int:pk>/", agent.project_detail, name="project_detail"),
    path("feuille-de-route/projets/<int:pk>/modifier/", agent.project_edit, name="project_edit"),
    path("feuille-de-route/projets/<int:pk>/supprimer/", agent.project_delete, name="project_delete"),
    path("feuille-de-route/projets/<int:pk>/phases/", agent.phase_add, name="phase_add"),
    path(
        "feuille-de-route/projets/<int:pk>/phases/<int:phase_pk>/supprimer/",
        agent.phase_delete,
        name="phase_delete",
    ),
    path("feuille-de-route/projets/<int:pk>/indicateurs/", agent.indicator_add, name="indicator_add"),
    path(
        "feuille-de-route/projets/<int:pk>/indicateurs/<int:indicator_pk>/supprimer/",
        agent.indicator_delete,
        name="indicator_delete",
    ),
    path("feuille-de-route/projets/<int:pk>/financements/", agent.project_funding, name="project_funding"),
    path("rapport/", agent.council_report, name="report"),
    path("rapport.pdf", agent.council_report_pdf, name="report_pdf"),
    path("diagnostic/", agent.assessment_list, name="assessment_list"),
    path("diagnostic/nouveau/", agent.assessment_create, name="assessment_create"),
    path("diagnostic/<int:pk>/", agent.assessment_detail, name="assessment_detail"),
    path("diagnostic/<int:pk>/valider/", agent.assessment_validate, name="assessment_validate"),
    path("diagnostic/<int:pk>/rapport/", agent.assessment_for_report, name="assessment_for_report"),
    path("diagnostic/comparer/", agent.assessment_compare, name="assessment_compare"),
]
