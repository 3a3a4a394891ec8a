from django.contrib.auth import views as auth_views
from django.urls import path

from beffroi.accounts import oidc_views, views

app_name = "accounts"

urlpatterns = [
    path("connexion/", views.LoginView.as_view(), name="login"),
    path("deconnexion/", views.logout_view, name="logout"),
    path("deconnexion/terminee/", oidc_views.oidc_logged_out, name="oidc_logged_out"),
    path("connexion/lier-mon-compte/", oidc_views.oidc_link, name="oidc_link"),
    path("connexion/<str:provider>/", oidc_views.oidc_start, name="oidc_start"),
    path("connexion/<str:provider>/retour/", oidc_views.oidc_callback, name="oidc_callback"),
    path("inscription/", views.signup, name="signup"),
    path("compte/", views.account, name="account"),
    path("compte/confirmer-mon-adresse/", views.email_confirmation, name="email_confirmation"),
    path("compte/confirmer-mon-adresse/<str:token>/", views.email_confirm, name="email_confirm"),
    path("invitation/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("compte/mes-donnees.json", views.export_personal_data, name="export"),
    path("compte/supprimer/", views.delete_account, name="delete"),
    path("compte/mot-de-passe/", views.PasswordChangeView.as_view(), name="password_change"),
    path("mot-de-passe-oublie/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "mot-de-passe-oublie/envoye/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "mot-de-passe-oublie/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "mot-de-passe-oublie/termine/",
        auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html"),
        name="password_reset_complete",
    ),
]
