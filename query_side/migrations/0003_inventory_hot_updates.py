"""Inventory rows are rewritten on every order: keep quantity out of the indexes and leave
room on each page, so PostgreSQL updates rows in place (HOT) without touching the indexes."""

from django.db import migrations, models


def fillfactor(value: int):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"ALTER TABLE read_inventory SET (fillfactor = {value})")

    return apply


class Migration(migrations.Migration):
    dependencies = [("query_side", "0002_search_indexes")]

    operations = [
        migrations.RemoveIndex(model_name="inventoryrow", name="read_inventory_product"),
        migrations.AddIndex(
            model_name="inventoryrow",
            index=models.Index(fields=["product_id"], name="read_inventory_by_product"),
        ),
        migrations.RunPython(fillfactor(70), fillfactor(100)),
    ]
