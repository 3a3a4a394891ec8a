"""Pages of the Budget participatif module (mounted under the commune): residents, then agents (`gestion/`)."""

from django.urls import path

from beffroi.budgeting.views import agent, config, exports, public

app_name = "budgeting"

urlpatterns = [
    path("", public.index, name="index"),
    # agents' pages first: "gestion" must never be read as a budget slug
    path("gestion/", agent.agent_index, name="agent_index"),
    path("gestion/nouveau/", config.budget_form, name="agent_create"),
    path("gestion/<slug:slug>/", agent.agent_budget, name="agent_budget"),
    path("gestion/<slug:slug>/modifier/", config.budget_form, name="agent_edit"),
    path("gestion/<slug:slug>/idees/<int:pk>/", agent.agent_idea, name="agent_idea"),
    path("gestion/<slug:slug>/idees/<int:pk>/avancement/", agent.agent_progress, name="agent_progress"),
    path("gestion/<slug:slug>/enveloppes/", config.sub_budgets, name="agent_sub_budgets"),
    path("gestion/<slug:slug>/enveloppes/<int:pk>/", config.sub_budgets, name="agent_sub_budget_edit"),
    path(
        "gestion/<slug:slug>/enveloppes/<int:pk>/supprimer/",
        config.sub_budget_delete,
        name="agent_sub_budget_delete",
    ),
    path("gestion/<slug:slug>/codes/", agent.agent_codes, name="agent_codes"),
    path("gestion/<slug:slug>/guichet/", agent.agent_counter, name="agent_counter"),
    path("gestion/<slug:slug>/votants/", agent.agent_voters, name="agent_voters"),
    path("gestion/<slug:slug>/bulletins-papier/", agent.agent_paper, name="agent_paper"),
    path("gestion/<slug:slug>/depouiller/", agent.agent_count, name="agent_count"),
    path("gestion/<slug:slug>/suivi-du-vote/", agent.agent_follow, name="agent_follow"),
    path("<slug:slug>/", public.budget_detail, name="detail"),
    path("<slug:slug>/idees/", public.ideas, name="ideas"),
    path("<slug:slug>/idees/<int:pk>/", public.idea, name="idea"),
    path("<slug:slug>/idees/<int:pk>/photo/", public.idea_picture, name="idea_picture"),
    path(
        "<slug:slug>/idees/<int:pk>/vignette/",
        public.idea_picture,
        {"size": "vignette"},
        name="idea_thumbnail",
    ),
    path("<slug:slug>/proposer/", public.idea_submit, name="idea_submit"),
    path("<slug:slug>/voter/", public.vote, name="vote"),
    path("<slug:slug>/voter/code/", public.vote_with_code, name="vote_with_code"),
    path("<slug:slug>/voter/code/merci/", public.vote_with_code_done, name="vote_with_code_done"),
    path("<slug:slug>/voter/verifier-mon-compte/", public.vote_code_verify, name="vote_code_verify"),
    path("<slug:slug>/voter/merci/", public.vote_done, name="vote_done"),
    path("<slug:slug>/resultats/", public.results, name="results"),
    path("<slug:slug>/resultats/tirage/", public.results_draw, name="results_draw"),
    path("<slug:slug>/resultats.pb", exports.results_pb, name="results_pb"),
    path("<slug:slug>/resultats.csv", exports.results_csv, name="results_csv"),
    path("<slug:slug>/suivi/", public.followup, name="followup"),
]
