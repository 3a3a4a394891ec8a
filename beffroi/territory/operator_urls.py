from django.urls import path

from beffroi.territory.views import operator

app_name = "operator"

urlpatterns = [
    path("communes/", operator.commune_list, name="communes"),
    path("communes/recherche/", operator.commune_search, name="commune_search"),
    path("communes/nouvelle/", operator.commune_add, name="commune_add"),
    path("communes/<slug:slug>/export/", operator.commune_export, name="commune_export"),
    path("communes/<slug:slug>/archiver/", operator.commune_archive, name="commune_archive"),
]
