from django.db import migrations, models
from django.db.models import F


def existing_accounts_are_confirmed(apps, schema_editor):
    """Accounts made before sign-up confirmation existed (demo accounts, members added by the mairie) keep
    receiving their notifications: their address counts as confirmed from the day they joined."""
    User = apps.get_model("accounts", "User")
    User.objects.filter(email_confirmed_at__isnull=True).update(email_confirmed_at=F("date_joined"))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="email_confirmed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="adresse confirmée le"),
        ),
        migrations.RunPython(existing_accounts_are_confirmed, migrations.RunPython.noop),
    ]
