"""The two full-text engines behind one small interface: SQLite FTS5 and PostgreSQL tsvector.

SQLite: the FTS5 table `search_fts(title, body, meta)` holds the analysed terms (see text.py) with
rowid = SearchDocument.id, written by index()/unindex() in the caller's transaction. `meta` holds
one token per access key and facet value of the document ("zaupublic", "zkmethod", "zy2022"…), so
that who may see it and the selected facets are matched inside the full-text index itself: ranking
then only scores the rows the user may see, without a join per match.
PostgreSQL: the generated column `search_document.search_vector` (title weight A, text weight B,
configuration `french_unaccent`) follows every write by itself; visibility and facets are plain
column conditions next to the GIN-indexed match.
"""

import re

from django.db import connection

from territoires.search.text import index_text

MAX_TEXT_CHARS = 100_000
PG_CONFIG = "french_unaccent"
# The best matches whose facet values are read; beyond, only the total is counted.
RANKED_LIMIT = 500


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def _code(value) -> str:
    return re.sub(r"[^0-9a-z]", "", str(value).lower())


# Access tokens: the audience and the id it is scoped to (see access.Reach.tokens()).
def access_token(audience: str, scope=None) -> str:
    return f"za{_code(audience)}{'' if scope is None else _code(scope)}"


FACET_PREFIXES = {
    "category": "zc",
    "kind": "zk",
    "licence": "zl",
    "year": "zy",
    "project": "zp",
    "territory": "zt",
    "theme": "zh",
}


def facet_token(name: str, value) -> str:
    return f"{FACET_PREFIXES[name]}{_code(value)}"


def meta_tokens(document) -> str:
    tokens = []
    if document.audience in ("public", "registered"):
        tokens.append(access_token(document.audience))
    elif document.audience in ("project", "project_observers"):
        tokens.append(access_token(document.audience, document.project_id))
    elif document.audience == "territory":
        tokens.append(access_token("territoryorg", document.organisation_id))
        if document.project_id is not None:
            tokens.append(access_token("territoryproject", document.project_id))
    for name, value in (
        ("category", document.category),
        ("kind", document.kind),
        ("licence", document.licence),
        ("year", document.year),
        ("project", document.project_id),
        ("territory", document.territory_id),
    ):
        if value not in (None, ""):
            tokens.append(facet_token(name, value))
    tokens += [facet_token("theme", theme_id) for theme_id in document.theme_ids.split()]
    return " ".join(tokens)


def fts_row(document) -> tuple:
    return (document.pk, index_text(document.title), index_text(document.text), meta_tokens(document))


def index(document) -> None:
    if is_postgresql():
        return
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM search_fts WHERE rowid = %s", [document.pk])
        cursor.execute("INSERT INTO search_fts (rowid, title, body, meta) VALUES (%s, %s, %s, %s)", fts_row(document))


def unindex(document_ids) -> None:
    if is_postgresql() or not document_ids:
        return
    ids = list(document_ids)
    placeholders = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM search_fts WHERE rowid IN ({placeholders})", ids)  # noqa: S608


# Queries -------------------------------------------------------------------------------------------

FACET_COLUMNS = "d.id, d.category, d.kind, d.licence, d.territory_id, d.project_id, d.year, d.theme_ids"
SQL_FILTER_COLUMNS = {
    "category": "category",
    "kind": "kind",
    "territory": "territory_id",
    "project": "project_id",
    "licence": "licence",
    "year": "year",
}


def _sqlite_expression(terms, access_tokens, filters) -> str:
    # Terms are \w+ only; quoting keeps FTS5 from reading AND/OR/NOT/NEAR as operators.
    parts = ["{title body} : (" + " ".join(f'"{term}"' for term in terms) + ")"]
    if access_tokens is not None:
        parts.append("meta : (" + " OR ".join(f'"{token}"' for token in access_tokens) + ")")
    for name, value in filters.items():
        parts.append(f'meta : "{facet_token(name, value)}"')
    return " AND ".join(parts)


def _postgresql_where(reach, filters) -> tuple[list[str], list]:
    visible_sql, params = reach.sql("d")
    parts = [visible_sql]
    for name, value in filters.items():
        if name == "theme":
            parts.append("d.theme_ids LIKE %s")
            params.append(f"% {value} %")
        else:
            parts.append(f"d.{SQL_FILTER_COLUMNS[name]} = %s")
            params.append(value)
    return parts, params


def ranked_matches(*, terms, words, reach, filters, limit=None, offset=0) -> tuple[list[tuple], int | None]:
    """Facet columns (FACET_COLUMNS) of the best visible matches, best first, and the number of all
    visible matches when it came for free (PostgreSQL: a window count in the same scan), else None."""
    limit = RANKED_LIMIT if limit is None else limit
    with connection.cursor() as cursor:
        if is_postgresql():
            parts, params = _postgresql_where(reach, filters)
            where = " AND ".join(["d.search_vector @@ query", *parts])
            cursor.execute(
                f"SELECT {FACET_COLUMNS}, count(*) OVER () FROM search_searchdocument d "  # noqa: S608  (fixed fragments, bound values)
                f"CROSS JOIN plainto_tsquery('{PG_CONFIG}', %s) AS query WHERE {where} "
                "ORDER BY ts_rank(d.search_vector, query) DESC, d.id DESC LIMIT %s OFFSET %s",
                [" ".join(words), *params, limit, offset],
            )
            rows = cursor.fetchall()
            total = rows[0][-1] if rows else (0 if offset == 0 else None)
            return [row[:-1] for row in rows], total
        # FTS5 counts its matches far faster than it ranks them: the total is a separate query.
        cursor.execute(
            f"SELECT {FACET_COLUMNS} FROM ("  # noqa: S608  (fixed fragments, bound values)
            "SELECT rowid, bm25(search_fts, 4.0, 1.0, 0.0) AS score FROM search_fts "
            "WHERE search_fts MATCH %s ORDER BY score, rowid DESC LIMIT %s OFFSET %s"
            ") AS m JOIN search_searchdocument d ON d.id = m.rowid ORDER BY m.score, d.id DESC",
            [_sqlite_expression(terms, reach.tokens(), filters), limit, offset],
        )
        return cursor.fetchall(), None


def count_matches(*, terms, words, reach, filters) -> int:
    with connection.cursor() as cursor:
        if is_postgresql():
            parts, params = _postgresql_where(reach, filters)
            where = " AND ".join(["d.search_vector @@ plainto_tsquery(%s, %s)", *parts])
            cursor.execute(
                f"SELECT count(*) FROM search_searchdocument d WHERE {where}",  # noqa: S608
                [PG_CONFIG, " ".join(words), *params],
            )
        else:
            cursor.execute(
                "SELECT count(*) FROM search_fts WHERE search_fts MATCH %s",
                [_sqlite_expression(terms, reach.tokens(), filters)],
            )
        return cursor.fetchone()[0]


def bare_match(terms, words, limit: int = 20) -> list:
    """The engine's own ranked match, nothing else: the benchmarks' physical limit."""
    with connection.cursor() as cursor:
        if is_postgresql():
            cursor.execute(
                f"SELECT id FROM search_searchdocument, plainto_tsquery('{PG_CONFIG}', %s) AS query "  # noqa: S608
                "WHERE search_vector @@ query ORDER BY ts_rank(search_vector, query) DESC LIMIT %s",
                [" ".join(words), limit],
            )
        else:
            cursor.execute(
                "SELECT rowid FROM search_fts WHERE search_fts MATCH %s ORDER BY bm25(search_fts, 4.0, 1.0, 0.0) LIMIT %s",
                ["{title body} : (" + " ".join(f'"{term}"' for term in terms) + ")", limit],
            )
        return cursor.fetchall()
