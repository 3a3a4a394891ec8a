"""Pages of the Participation citoyenne module (mounted under the commune): residents, then agents (`gestion/`)."""

from django.urls import path

from beffroi.participation.views import agent, public

app_name = "participation"

urlpatterns = [
    path("", public.index, name="index"),
    path("consultations/<slug:slug>/", public.consultation_detail, name="consultation"),
    path("consultations/<slug:slug>/merci/", public.consultation_done, name="consultation_done"),
    path("consultations/<slug:slug>/resultats/", public.consultation_results, name="results"),
    path("propositions/", public.proposals, name="proposals"),
    path("propositions/deposer/", public.proposal_submit, name="proposal_submit"),
    path("propositions/<int:pk>/", public.proposal_detail, name="proposal"),
    path("propositions/<int:pk>/photo/", public.proposal_picture, name="proposal_picture"),
    path(
        "propositions/<int:pk>/vignette/",
        public.proposal_picture,
        {"size": "vignette"},
        name="proposal_thumbnail",
    ),
    path("propositions/<int:pk>/soutien/", public.proposal_support, name="proposal_support"),
    path("propositions/<int:pk>/commenter/", public.proposal_comment, name="proposal_comment"),
    path("commentaires/<int:pk>/signaler/", public.comment_report, name="comment_report"),
    path("reunions/", public.meetings, name="meetings"),
    path("reunions/<int:pk>/", public.meeting_detail, name="meeting"),
    path("panels/<slug:slug>/", public.panel_detail, name="panel"),
    path("panels/<slug:slug>/tirage/", public.panel_draw_page, name="panel_draw"),
    path("panels/<slug:slug>/loterie.csv", public.panel_lottery_csv, name="panel_lottery_csv"),
    path("illustrations/<int:pk>/", public.option_image, name="option_image"),
    path("documents/<int:pk>/", public.meeting_document, name="meeting_document"),
    path("inscription/<str:token>/", public.registration_cancel, name="registration_cancel"),
    # agents and élus
    path("gestion/", agent.agent_index, name="agent_index"),
    path("gestion/consultations/nouvelle/", agent.consultation_form, name="agent_consultation_create"),
    path("gestion/consultations/<slug:slug>/", agent.agent_consultation, name="agent_consultation"),
    path(
        "gestion/consultations/<slug:slug>/modifier/", agent.consultation_form, name="agent_consultation_edit"
    ),
    path("gestion/consultations/<slug:slug>/papier/", agent.agent_paper, name="agent_paper"),
    path("gestion/consultations/<slug:slug>/guichet/", agent.agent_counter, name="agent_counter"),
    path("gestion/consultations/<slug:slug>/resultats/", agent.agent_results, name="agent_results"),
    path(
        "gestion/consultations/<slug:slug>/reponses-libres.csv",
        agent.free_text_csv,
        name="agent_free_text_csv",
    ),
    path("gestion/propositions/en-retard/", agent.overdue, name="agent_overdue"),
    path("gestion/propositions/guichet/", agent.counter_proposal, name="agent_counter_proposal"),
    path("gestion/propositions/regles/", agent.proposal_rules, name="agent_rules"),
    path("gestion/propositions/<int:pk>/", agent.agent_proposal, name="agent_proposal"),
    path("gestion/commentaires/<int:pk>/masquer/", agent.comment_hide, name="agent_comment_hide"),
    path("gestion/panels/nouveau/", agent.panel_form, name="agent_panel_create"),
    path("gestion/panels/<slug:slug>/", agent.agent_panel, name="agent_panel"),
    path("gestion/reunions/nouvelle/", agent.meeting_form, name="agent_meeting_create"),
    path("gestion/reunions/<int:pk>/", agent.agent_meeting, name="agent_meeting"),
    path("gestion/reunions/<int:pk>/modifier/", agent.meeting_form, name="agent_meeting_edit"),
]
