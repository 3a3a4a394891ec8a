from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("budgeting", "0004_code_ballots_blank_void_paper"),
    ]

    operations = [
        migrations.AddField(
            model_name="ballot",
            name="voter_key",
            field=models.CharField(blank=True, db_index=True, max_length=64),
        ),
    ]
