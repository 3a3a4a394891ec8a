"""Pages of the Budget participatif module (mounted under the commune): residents, then agents (`gestion/`)."""

from django.urls import path

from . import views

app_name = "budgeting"

urlpatterns = [
    path("", views.index, name="index"),
    # agents' pages first: "gestion" must never be read as a budget slug
    path("gestion/", views.agent_index, name="agent_index"),
    path("gestion/nouveau/", views.agent_budget_form, name="agent_create"),
    path("gestion/<slug:slug>/", views.agent_budget, name="agent_budget"),
    path("gestion/<slug:slug>/modifier/", views.agent_budget_form, name="agent_edit"),
    path("gestion/<slug:slug>/idees/<int:pk>/", views.agent_idea, name="agent_idea"),
    path("gestion/<slug:slug>/idees/<int:pk>/avancement/", views.agent_progress, name="agent_progress"),
    path("gestion/<slug:slug>/enveloppes/", views.agent_sub_budgets, name="agent_sub_budgets"),
    path("gestion/<slug:slug>/enveloppes/<int:pk>/", views.agent_sub_budgets, name="agent_sub_budget_edit"),
    path(
        "gestion/<slug:slug>/enveloppes/<int:pk>/supprimer/",
        views.agent_sub_budget_delete,
        name="agent_sub_budget_delete",
    ),
    path("gestion/<slug:slug>/codes/", views.agent_codes, name="agent_codes"),
    path("gestion/<slug:slug>/guichet/", views.agent_counter, name="agent_counter"),
    path("gestion/<slug:slug>/votants/", views.agent_voters, name="agent_voters"),
    path("gestion/<slug:slug>/bulletins-papier/", views.agent_paper, name="agent_paper"),
    path("gestion/<slug:slug>/depouiller/", views.agent_count, name="agent_count"),
    path("gestion/<slug:slug>/suivi-du-vote/", views.agent_follow, name="agent_follow"),
    path("<slug:slug>/", views.budget_detail, name="detail"),
    path("<slug:slug>/idees/", views.ideas, name="ideas"),
    path("<slug:slug>/proposer/", views.idea_submit, name="idea_submit"),
    path("<slug:slug>/voter/", views.vote, name="vote"),
    path("<slug:slug>/voter/code/", views.vote_with_code, name="vote_with_code"),
    path("<slug:slug>/voter/code/merci/", views.vote_with_code_done, name="vote_with_code_done"),
    path("<slug:slug>/voter/verifier-mon-compte/", views.vote_code_verify, name="vote_code_verify"),
    path("<slug:slug>/voter/merci/", views.vote_done, name="vote_done"),
    path("<slug:slug>/resultats/", views.results, name="results"),
    path("<slug:slug>/resultats/tirage/", views.results_draw, name="results_draw"),
    path("<slug:slug>/resultats.pb", views.results_pb, name="results_pb"),
    path("<slug:slug>/resultats.csv", views.results_csv, name="results_csv"),
    path("<slug:slug>/suivi/", views.followup, name="followup"),
]
