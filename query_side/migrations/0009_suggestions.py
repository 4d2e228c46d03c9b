"""read_suggestion: the autocomplete table (issue 14, docs/decisions/018), filled from the
products already projected so suggestions keep working from the moment the migration commits."""

import json

from django.db import migrations, models

from query_side.search.suggestion_keys import suggestion_table


def fill_from_projected_products(apps, schema_editor):
    """Under the catalog projection's checkpoint lock: no catalog batch commits between reading
    read_product and the migration's commit (about 10 s at 100k products)."""
    connection = schema_editor.connection
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    checkpoint = "SELECT position FROM read_projection_checkpoint WHERE name = 'catalog'"
    with connection.cursor() as cursor:
        cursor.execute(checkpoint + lock)
    product_row = apps.get_model("query_side", "ProductRow")
    suggestion_row = apps.get_model("query_side", "SuggestionRow")
    table = suggestion_table(product_row.objects.values_list("title", flat=True).iterator())
    suggestion_row.objects.bulk_create(
        (suggestion_row(key, json.dumps(titles)) for key, titles in table.items()),
        batch_size=5000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("query_side", "0008_product_revision"),
    ]

    operations = [
        migrations.CreateModel(
            name="SuggestionRow",
            fields=[
                ("key", models.CharField(max_length=64, primary_key=True, serialize=False)),
                ("titles", models.TextField()),
            ],
            options={"db_table": "read_suggestion"},
        ),
        migrations.RunPython(fill_from_projected_products, migrations.RunPython.noop),
    ]
