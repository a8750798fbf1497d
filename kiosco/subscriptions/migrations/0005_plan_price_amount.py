"""Plans get the amount behind their price label (the plans page's live total), and
the shipped plans lose their first copy, which sold an app and a newsletter that do
not exist yet and spoke to Spanish readers as "tú". Rows a publisher has reworded
(their first feature no longer the shipped one) keep their words."""

from django.db import migrations, models

OLD_FIRST_FEATURES = {
    "digital": "Every article, on the web and in the app",
    "premium": "Everything in Digital",
    "business": "As many seats as your organisation needs",
}


def price_and_reword_default_plans(apps, schema_editor):
    from kiosco.subscriptions.catalogue import PLANS, PRICES

    Plan = apps.get_model("subscriptions", "Plan")
    for fields in PLANS:
        plan = Plan.objects.filter(code=fields["code"]).first()
        if plan is None:
            continue
        plan.price_amount, plan.currency = PRICES[fields["code"]]
        update = ["price_amount", "currency"]
        features = plan.features if isinstance(plan.features, list) else []
        first = features[0].get("en") if features and isinstance(features[0], dict) else None
        if first == OLD_FIRST_FEATURES[fields["code"]]:
            plan.features = fields["features"]
            update.append("features")
        plan.save(update_fields=update)


class Migration(migrations.Migration):
    dependencies = [("subscriptions", "0004_organisation_unique_domain")]

    operations = [
        migrations.AddField(
            model_name="plan",
            name="currency",
            field=models.CharField(default="EUR", help_text="ISO 4217, e.g. EUR", max_length=3),
        ),
        migrations.AddField(
            model_name="plan",
            name="price_amount",
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=9, null=True),
        ),
        migrations.RunPython(price_and_reword_default_plans, migrations.RunPython.noop),
    ]
