"""The default decision letters opened « Madame, Monsieur {{ demandeur }}, »: a French letter's salutation names
no one (« Madame, Monsieur, »), the applicant's name is in the address block above it. The letters installed from
the platform's defaults are corrected; a letter whose opening a commune rewrote is left as it is."""

from django.db import migrations

OLD = "Madame, Monsieur {{ demandeur }},\n"
NEW = "Madame, Monsieur,\n"


def forwards(apps, schema_editor):
    DecisionTemplate = apps.get_model("procedures", "DecisionTemplate")
    for template in DecisionTemplate.objects.filter(body__startswith=OLD).only("pk", "body"):
        template.body = NEW + template.body[len(OLD) :]
        template.save(update_fields=["body"])


class Migration(migrations.Migration):
    dependencies = [("procedures", "0002_rate_limit_index")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
