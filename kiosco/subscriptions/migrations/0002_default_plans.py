"""Ship the three plans of the demo edition; publishers edit them in the admin."""

from django.db import migrations

from kiosco.subscriptions.catalogue import PLANS


def add_plans(apps, schema_editor):
    Plan = apps.get_model("subscriptions", "Plan")
    for fields in PLANS:
        values = dict(fields)
        Plan.objects.get_or_create(code=values.pop("code"), defaults=values)


class Migration(migrations.Migration):
    dependencies = [("subscriptions", "0001_initial")]
    operations = [migrations.RunPython(add_plans, migrations.RunPython.noop)]
