"""Pages of the Budget participatif module (mounted under the commune)."""

from django.urls import path

from . import views

app_name = "budgeting"

urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:slug>/", views.budget_detail, name="detail"),
]
