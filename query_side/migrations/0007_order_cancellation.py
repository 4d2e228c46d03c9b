"""Cancelled orders: when and why, null for every order that was not cancelled."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("query_side", "0006_order_status_counts"),
    ]

    operations = [
        migrations.AddField(
            model_name="orderrow",
            name="cancelled_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.AddField(
            model_name="orderrow",
            name="cancellation_reason",
            field=models.CharField(db_default="", default="", max_length=200),
        ),
    ]
