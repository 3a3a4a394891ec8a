"""The URL map. Commune pages resolve under a `/<slug>/` prefix, a commune's own host, or at the root of a
single-commune install (see beffroi.core.middleware); the APIs name their tenant themselves."""

from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from beffroi.api import api

handler400 = "beffroi.core.views.error_400"
handler403 = "beffroi.core.views.error_403"
handler404 = "beffroi.core.views.error_404"
handler500 = "beffroi.core.views.error_500"

admin.site.site_header = "Beffroi — administration de la plateforme"
admin.site.site_title = "Beffroi"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("i18n/setlang/", set_language, name="set_language"),
    path("signalements/", include("beffroi.reports.urls")),
    path("demarches/", include("beffroi.procedures.urls")),
    path("budget-participatif/", include("beffroi.budgeting.urls")),
    path("participation/", include("beffroi.participation.urls")),
    path("donnees/", include("beffroi.datahub.urls")),
    path("financements/", include("beffroi.funding.urls")),
    path("projet/", include("beffroi.planning.urls")),
    path("espace-agents/", include("beffroi.territory.urls")),
    path("territoire/", include("beffroi.territory.urls_public")),
    path("plateforme/", include("beffroi.territory.operator_urls")),
    path("ngsi-ld/v1/", include("beffroi.datahub.ngsild_http.urls")),
    path("open311/v2/", include("beffroi.reports.open311_urls")),
    path("", include("beffroi.accounts.urls")),
    path("", include("beffroi.core.urls")),
]
