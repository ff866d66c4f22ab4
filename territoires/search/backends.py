"""The two full-text engines behind one small interface: SQLite FTS5 and PostgreSQL tsvector.

SQLite: the FTS5 table `search_fts(title, body)` holds the analysed terms (see text.py) with
rowid = SearchDocument.id, written by index()/unindex() in the caller's transaction.
PostgreSQL: the generated column `search_document.search_vector` (title weight A, text weight B,
configuration `french_unaccent`) follows every write by itself; index()/unindex() do nothing.
"""

from django.db import connection

from territoires.search.text import index_text

MAX_TEXT_CHARS = 100_000
PG_CONFIG = "french_unaccent"


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def index(document) -> None:
    if is_postgresql():
        return
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM search_fts WHERE rowid = %s", [document.pk])
        cursor.execute(
            "INSERT INTO search_fts (rowid, title, body) VALUES (%s, %s, %s)",
            [document.pk, index_text(document.title), index_text(document.text)],
        )


def unindex(document_ids) -> None:
    if is_postgresql() or not document_ids:
        return
    ids = list(document_ids)
    with connection.cursor() as cursor:
        placeholders = ", ".join(["%s"] * len(ids))
        cursor.execute(f"DELETE FROM search_fts WHERE rowid IN ({placeholders})", ids)  # noqa: S608


def match_clause(terms: list[str], words: list[str]) -> tuple[str, str, str, list, list]:
    """(FROM, WHERE, score expression, FROM params, WHERE params) matching every term.

    The document table is aliased `d`; a higher score is a better match.
    """
    if is_postgresql():
        return (
            f"search_searchdocument d CROSS JOIN plainto_tsquery('{PG_CONFIG}', %s) AS query",
            "d.search_vector @@ query",
            "ts_rank(d.search_vector, query)",
            [" ".join(words)],
            [],
        )
    # Terms are \w+ only; quoting still keeps FTS5 from reading AND/OR/NOT/NEAR as operators.
    expression = " ".join(f'"{term}"' for term in terms)
    return (
        "search_fts JOIN search_searchdocument d ON d.id = search_fts.rowid",
        "search_fts MATCH %s",
        "-bm25(search_fts, 4.0, 1.0)",
        [],
        [expression],
    )
