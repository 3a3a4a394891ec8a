"""Pages of the Démarches en ligne module (mounted under the commune at /demarches/)."""

from django.urls import path

from beffroi.procedures.views import agent, config, public

app_name = "procedures"

urlpatterns = [
    path("", public.index, name="index"),
    path("suivi/", public.track_code, name="track_code"),
    path("brouillon/<str:token>/identite/", public.draft_identity, name="draft_identity"),
    path("brouillon/<str:token>/etape/<int:number>/", public.draft_step, name="draft_step"),
    path("brouillon/<str:token>/recapitulatif/", public.draft_summary, name="draft_summary"),
    path("brouillon/<str:token>/supprimer/", public.draft_delete, name="draft_delete"),
    path("dossier/<str:token>/", public.track, name="track"),
    path("dossier/<str:token>/accuse/", public.receipt, name="receipt"),
    path("dossier/<str:token>/accuse.pdf", public.receipt_pdf, name="receipt_pdf"),
    path("dossier/<str:token>/decision.pdf", public.decision_pdf, name="decision_pdf"),
    path("dossier/<str:token>/fichier/<str:pk>/", public.dossier_file, name="file"),
    path("dossier/<str:token>/message/<str:pk>/", public.message_file, name="message_file"),
    path("gestion/", agent.queue, name="agent_queue"),
    path("gestion/guichet/", agent.counter_start, name="agent_counter"),
    path("gestion/guichet/<slug:slug>/", agent.counter_file, name="agent_counter_file"),
    path("gestion/dossier/<int:pk>/", agent.dossier, name="agent_dossier"),
    path("gestion/dossier/<int:pk>/accuse.pdf", agent.receipt_pdf, name="agent_receipt_pdf"),
    path("gestion/dossier/<int:pk>/decision.pdf", agent.decision_pdf, name="agent_decision_pdf"),
    path("gestion/dossier/<int:pk>/fichier/<str:file_pk>/", agent.dossier_file, name="agent_file"),
    path("gestion/dossier/<int:pk>/message/<str:message_pk>/", agent.message_file, name="agent_message_file"),
    path("gestion/dossier/<int:pk>/<str:action>/", agent.act, name="agent_act"),
    path("gestion/demarches/", config.demarches, name="config_demarches"),
    path("gestion/demarches/modeles/", config.templates, name="config_templates"),
    path("gestion/demarches/importer/", config.import_json, name="config_import"),
    path("gestion/demarches/lettres/", config.letters, name="config_letters"),
    path("gestion/demarches/lettres/<int:pk>/", config.letter_edit, name="config_letter"),
    path("gestion/demarches/lettres/<int:pk>/supprimer/", config.letter_delete, name="config_letter_delete"),
    path("gestion/demarches/<int:pk>/", config.builder, name="config_builder"),
    path("gestion/demarches/<int:pk>/champ/<str:key>/", config.field_edit, name="config_field"),
    path("gestion/demarches/<int:pk>/reglages/", config.settings_edit, name="config_settings"),
    path("gestion/demarches/<int:pk>/apercu/", config.preview, name="config_preview"),
    path("gestion/demarches/<int:pk>/schema.json", config.export_json, name="config_export"),
    path("gestion/demarches/<int:pk>/export.csv", agent.export_csv, name="agent_export"),
    path("<slug:slug>/", public.demarche, name="demarche"),  # last: a démarche's slug never shadows a page
]
