"""Full-text search structures, one per database: PostgreSQL gets a weighted, unaccented tsvector
(generated column, GIN) and a trigram index on titles; SQLite gets an FTS5 table kept by
triggers. Neither is a Django field: the projector writes plain columns, the database derives."""

from django.db import migrations

POSTGRES = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    # unaccent() is only STABLE; generated columns and indexes need an IMMUTABLE function.
    """CREATE OR REPLACE FUNCTION aforro_unaccent(text) RETURNS text
       LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
       AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$""",
    """ALTER TABLE read_product ADD COLUMN search tsvector GENERATED ALWAYS AS (
         setweight(to_tsvector('english', aforro_unaccent(title)), 'A') ||
         setweight(to_tsvector('english', aforro_unaccent(category)), 'B') ||
         setweight(to_tsvector('english', aforro_unaccent(description)), 'C')
       ) STORED""",
    "CREATE INDEX read_product_search ON read_product USING gin (search)",
    """CREATE INDEX read_product_title_trgm ON read_product
       USING gin (aforro_unaccent(lower(title)) gin_trgm_ops)""",
    # Prefix suggestions walk this index in order and stop after ten titles.
    """CREATE INDEX read_product_title_prefix ON read_product
       (aforro_unaccent(lower(title)) text_pattern_ops)""",
]
POSTGRES_REVERSE = [
    "DROP INDEX IF EXISTS read_product_title_prefix",
    "DROP INDEX IF EXISTS read_product_title_trgm",
    "DROP INDEX IF EXISTS read_product_search",
    "ALTER TABLE read_product DROP COLUMN IF EXISTS search",
    "DROP FUNCTION IF EXISTS aforro_unaccent(text)",
]
SQLITE = [
    """CREATE VIRTUAL TABLE read_product_fts USING fts5(
         title, category, description, content='read_product', content_rowid='product_id',
         tokenize='porter unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER read_product_fts_ai AFTER INSERT ON read_product BEGIN
         INSERT INTO read_product_fts(rowid, title, category, description)
         VALUES (new.product_id, new.title, new.category, new.description); END""",
    """CREATE TRIGGER read_product_fts_ad AFTER DELETE ON read_product BEGIN
         INSERT INTO read_product_fts(read_product_fts, rowid, title, category, description)
         VALUES ('delete', old.product_id, old.title, old.category, old.description); END""",
    """CREATE TRIGGER read_product_fts_au AFTER UPDATE ON read_product BEGIN
         INSERT INTO read_product_fts(read_product_fts, rowid, title, category, description)
         VALUES ('delete', old.product_id, old.title, old.category, old.description);
         INSERT INTO read_product_fts(rowid, title, category, description)
         VALUES (new.product_id, new.title, new.category, new.description); END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS read_product_fts_au",
    "DROP TRIGGER IF EXISTS read_product_fts_ad",
    "DROP TRIGGER IF EXISTS read_product_fts_ai",
    "DROP TABLE IF EXISTS read_product_fts",
]


def run(statements_by_vendor):
    def apply(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("query_side", "0001_read_tables")]

    operations = [
        migrations.RunPython(
            run({"postgresql": POSTGRES, "sqlite": SQLITE}),
            run({"postgresql": POSTGRES_REVERSE, "sqlite": SQLITE_REVERSE}),
        )
    ]
