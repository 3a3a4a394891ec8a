from django.urls import path
from django.views.generic import RedirectView

from beffroi.core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("logo.png", views.commune_logo, name="logo"),
    path("accessibilite", views.accessibility, name="accessibility"),
    path("mentions-legales", views.legal_notice, name="legal_notice"),
    path("donnees-personnelles", views.privacy, name="privacy"),
]
# The same pages typed with a final slash, as every other address of the site ends: sent to their address.
urlpatterns += [
    path(f"{page}/", RedirectView.as_view(pattern_name=f"core:{name}", permanent=True, query_string=True))
    for page, name in (
        ("accessibilite", "accessibility"),
        ("mentions-legales", "legal_notice"),
        ("donnees-personnelles", "privacy"),
    )
]
