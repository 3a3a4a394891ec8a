"""Pages of the Budget participatif module (mounted under the commune)."""

app_name = "budgeting"

urlpatterns: list = []
