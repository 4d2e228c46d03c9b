"""read_product.revised_position: the lexicon notices product revisions (issue 12)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("query_side", "0007_order_cancellation"),
    ]

    operations = [
        migrations.AddField(
            model_name="productrow",
            name="revised_position",
            field=models.BigIntegerField(null=True),
        ),
        migrations.AddIndex(
            model_name="productrow",
            index=models.Index(fields=["revised_position"], name="read_product_revised"),
        ),
    ]
