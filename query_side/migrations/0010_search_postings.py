"""Ranked postings for one-word product search (docs/decisions/019-ranked-postings.md).

Both tables are created on every database so the models, `CatalogProjector.tables` and the
rebuild-equals-live tests are the same everywhere; only PostgreSQL fills them (SQLite searches
its FTS5 table, and its tables stay empty). On PostgreSQL the migration also defines the SQL
function that turns a product's tsvector into postings, used by the catalog projector, and fills
both tables from the products already projected, under the catalog checkpoint's lock so no
catalog batch commits in between.
"""

import django.db.models.deletion
from django.db import migrations, models

import query_side.models

POSTGRES = [
    # A lexeme as a tsquery of that lexeme alone, taken as is (quoted: no parsing, no
    # stemming, no operators); inside quotes tsquery input unescapes \ and doubled quotes.
    r"""CREATE OR REPLACE FUNCTION aforro_lexeme_query(text) RETURNS tsquery
       LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
       AS $$ SELECT ('''' || replace(replace($1, '\', '\\'), '''', '''''') || '''')::tsquery $$""",
    # The postings of some products, from the tsvector the database derived from their rows:
    # the score is ts_rank_cd itself, so a one-lexeme search ranks exactly as the tsvector did.
    # Not STRICT: a strict set-returning SQL function is not inlined into the calling query.
    """CREATE OR REPLACE FUNCTION aforro_search_postings(integer[])
       RETURNS TABLE (product_id integer, score real, title_length integer, term text)
       LANGUAGE sql STABLE PARALLEL SAFE
       AS $$ SELECT p.product_id, ts_rank_cd(p.search, aforro_lexeme_query(l.lexeme)),
                    length(p.title), l.lexeme
             FROM read_product p CROSS JOIN LATERAL unnest(p.search) AS l
             WHERE p.product_id = ANY($1) $$""",
    # Every catalog batch updates the counts of its lexemes, the common ones each time: room on
    # each page keeps those updates HOT (no new index entries; dead versions pruned in place)
    # rather than growing both indexes by a version per batch until a vacuum.
    "ALTER TABLE read_search_lexeme SET (fillfactor = 50)",
]
POSTGRES_REVERSE = [
    "DROP FUNCTION IF EXISTS aforro_search_postings(integer[])",
    "DROP FUNCTION IF EXISTS aforro_lexeme_query(text)",
]
BACKFILL = [
    "SELECT position FROM read_projection_checkpoint WHERE name = 'catalog' FOR UPDATE",
    """INSERT INTO read_search_posting (product_id, score, title_length, term)
       SELECT * FROM aforro_search_postings(ARRAY(SELECT product_id FROM read_product))""",
    """INSERT INTO read_search_lexeme (lexeme, documents)
       SELECT term, count(*) FROM read_search_posting GROUP BY term""",
    "ANALYZE read_search_posting",
    "ANALYZE read_search_lexeme",
]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("query_side", "0009_suggestions")]

    operations = [
        migrations.CreateModel(
            name="SearchLexeme",
            fields=[
                ("lexeme", models.TextField(primary_key=True, serialize=False)),
                ("documents", models.IntegerField()),
            ],
            options={"db_table": "read_search_lexeme"},
        ),
        migrations.CreateModel(
            name="SearchPosting",
            # Fixed-width columns first: no alignment padding after the text.
            fields=[
                (
                    "product",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="postings",
                        to="query_side.productrow",
                    ),
                ),
                ("score", query_side.models.RealField()),
                ("title_length", models.IntegerField()),
                ("term", models.TextField()),
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "product_id",
                        "term",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
            ],
            options={
                "db_table": "read_search_posting",
                "indexes": [
                    models.Index(
                        fields=["term", "-score", "title_length", "product"],
                        name="read_search_posting_rank",
                    )
                ],
            },
        ),
        migrations.RunPython(run(POSTGRES), run(POSTGRES_REVERSE)),
        migrations.RunPython(run(BACKFILL), migrations.RunPython.noop),
    ]
