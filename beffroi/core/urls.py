from django.urls import path

from beffroi.core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("logo.png", views.commune_logo, name="logo"),
    path("accessibilite", views.accessibility, name="accessibility"),
    path("mentions-legales", views.legal_notice, name="legal_notice"),
    path("donnees-personnelles", views.privacy, name="privacy"),
]
