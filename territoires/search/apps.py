from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "territoires.search"
    verbose_name = _("Recherche")

    def ready(self):
        post_migrate.connect(drop_orphan_full_text_rows, sender=self, dispatch_uid="search-orphan-fts-rows")


def drop_orphan_full_text_rows(using="default", **kwargs):
    """`flush` (transactional tests) empties the document table but not SQLite's FTS5 table, which
    Django does not know: remove the full-text rows left without their document."""
    from django.db import connections

    connection = connections[using]
    if connection.vendor != "sqlite" or "search_fts" not in connection.introspection.table_names():
        return
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM search_fts WHERE rowid NOT IN (SELECT id FROM search_searchdocument)")
