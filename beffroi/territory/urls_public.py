from django.urls import path

from beffroi.territory.views import public

app_name = "territory_public"

urlpatterns = [
    path("fond-de-carte.json", public.basemap, name="basemap"),
    path("adresses/recherche.json", public.address_search, name="address_search"),
    path("adresses/proche.json", public.address_near, name="address_near"),
]
