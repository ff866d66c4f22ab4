"""Plain SQL for the few reads made on every signed-in page (the user, who they are in which
organisation, the unread notifications, whether they follow what they look at, a thread).

Building an ORM query costs this platform's Python 0.25–0.5 ms, ten to twenty times the SQL itself
(an indexed lookup of a few rows): on pages that must stay under 100 ms with 20 people at once,
these reads are written once here and served from a prepared statement text. Tables and columns
come from the models' metadata, so a renamed field cannot silently break them; equality and
IS NULL are all they need.
"""

from django.db import connection

_statements: dict[tuple, str] = {}


def _statement(kind: str, model, columns: tuple[str, ...], where: dict) -> tuple[str, list]:
    null_fields = tuple(name for name, value in where.items() if value is None)
    key = (kind, model, columns, tuple(where), null_fields)
    sql = _statements.get(key)
    if sql is None:
        meta, quote = model._meta, connection.ops.quote_name

        def column(name):
            return quote(meta.get_field(name).column)

        selected = {
            "rows": ", ".join(column(name) for name in columns),
            "instance": ", ".join(quote(field.column) for field in meta.concrete_fields),
            "count": "COUNT(*)",
            "exists": "1",
        }[kind]
        conditions = " AND ".join(
            f"{column(name)} IS NULL" if value is None else f"{column(name)} = %s" for name, value in where.items()
        )
        limit = " LIMIT 1" if kind == "exists" else ""
        # Only quoted identifiers from the models are written into the text; values are parameters.
        sql = f"SELECT {selected} FROM {quote(meta.db_table)} WHERE {conditions}{limit}"  # noqa: S608
        _statements[key] = sql
    return sql, [value for value in where.values() if value is not None]


def _fetch(kind, model, columns, where):
    sql, params = _statement(kind, model, columns, where)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def select_rows(model, columns: tuple[str, ...], **where) -> list[tuple]:
    """`select_rows(Membership, ("organisation", "role"), user=3)`: the columns' raw values (ids for
    foreign keys) of the rows where each field equals its value (None: IS NULL)."""
    return _fetch("rows", model, columns, where)


def count_rows(model, **where) -> int:
    return _fetch("count", model, (), where)[0][0]


def any_row(model, **where) -> bool:
    return bool(_fetch("exists", model, (), where))


def first_instance(model, **where):
    """The model instance of the first row matching (or None), as `filter(**where).first()` without
    ordering would give, built by the ORM from plain SQL (`raw()`: same field conversions)."""
    sql, params = _statement("instance", model, (), where)
    return next(iter(model._default_manager.raw(sql + " LIMIT 1", params)), None)
