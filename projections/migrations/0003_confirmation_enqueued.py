"""The last enqueue of each order's confirmation task, so the sweep backs off per order."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("projections", "0002_confirmation_skipped"),
    ]

    operations = [
        migrations.CreateModel(
            name="OrderConfirmationEnqueued",
            fields=[
                ("order_id", models.UUIDField(primary_key=True, serialize=False)),
                ("enqueued_at", models.DateTimeField()),
                ("attempts", models.PositiveIntegerField()),
            ],
            options={"db_table": "notify_order_confirmation_enqueued"},
        ),
    ]
