"""SQLite: rebuild the FTS5 table with full detail (positions kept) and a `meta` column.

With detail='column', bm25() costs about 10 µs per matching row; with full detail, ranking the
20,000 matches of a common word is 4 to 10 times faster. `meta` holds the access and facet tokens of
each document (see backends.meta_tokens), so visibility and facets are matched inside the index.
The rows are rebuilt from the stored documents. PostgreSQL: nothing to do.
"""

from django.db import migrations


def rebuild(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    from territoires.search.backends import fts_row

    schema_editor.execute("DROP TABLE IF EXISTS search_fts")
    schema_editor.execute(
        "CREATE VIRTUAL TABLE search_fts USING fts5(title, body, meta, tokenize = 'unicode61 remove_diacritics 2')"
    )
    SearchDocument = apps.get_model("search", "SearchDocument")
    rows = [fts_row(document) for document in SearchDocument.objects.iterator()]
    with schema_editor.connection.cursor() as cursor:
        cursor.executemany("INSERT INTO search_fts (rowid, title, body, meta) VALUES (%s, %s, %s, %s)", rows)


class Migration(migrations.Migration):
    dependencies = [("search", "0002_full_text")]

    operations = [migrations.RunPython(rebuild, migrations.RunPython.noop)]
