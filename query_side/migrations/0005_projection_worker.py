from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("query_side", "0004_order_line_without_foreign_key_check"),
    ]

    operations = [
        migrations.CreateModel(
            name="ProjectionHeartbeat",
            fields=[
                ("name", models.CharField(max_length=64, primary_key=True, serialize=False)),
                ("seen_at", models.DateTimeField()),
                ("holder", models.CharField(max_length=200)),
            ],
            options={
                "db_table": "projection_worker",
            },
        ),
    ]
