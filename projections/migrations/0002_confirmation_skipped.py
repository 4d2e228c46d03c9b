"""Confirmations not sent because the order was cancelled before the task ran."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("projections", "0001_confirmations"),
    ]

    operations = [
        migrations.CreateModel(
            name="OrderConfirmationSkipped",
            fields=[
                ("order_id", models.UUIDField(primary_key=True, serialize=False)),
                ("skipped_at", models.DateTimeField()),
                ("reason", models.CharField(max_length=32)),
            ],
            options={"db_table": "notify_order_confirmation_skipped"},
        ),
    ]
