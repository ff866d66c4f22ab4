"""Plain SQL for the few reads made on every signed-in page (the user, who they are in which
organisation, the unread notifications, whether they follow what they look at, a thread).

Building an ORM query costs this platform's Python 0.25–0.5 ms, ten to twenty times the SQL itself
(an indexed lookup of a few rows): on pages that must stay under 100 ms with 20 people at once,
these reads are written once here and served from a prepared statement text. Tables and columns
come from the models' metadata, so a renamed field cannot silently break them. Conditions are
equality, IS NULL and IN, joined by AND; anything richer belongs to the ORM.
"""

from django.db import connection

from territoires.core.process_caches import register_process_cache

_statements: dict[tuple, str] = register_process_cache(
    {},
    name="core.sql.statements",
    bench="library.thread",
    reason="the text of each plain-SQL read, written once per shape of its conditions",
)


def _shape(value):
    """How a condition is written: IS NULL, IN (n placeholders) or = placeholder."""
    if value is None:
        return "null"
    if isinstance(value, list | tuple | set | frozenset):
        return len(value)
    return "="


def _statement(kind: str, model, columns: tuple[str, ...], where: dict, order_by=(), limit=None) -> tuple[str, list]:
    key = (kind, model, columns, tuple((name, _shape(value)) for name, value in where.items()), order_by, limit)
    sql = _statements.get(key)
    if sql is None:
        meta, quote = model._meta, connection.ops.quote_name

        def column(name):
            return quote(meta.get_field(name).column)

        def condition(name, value):
            shape = _shape(value)
            if shape == "null":
                return f"{column(name)} IS NULL"
            if shape == "=":
                return f"{column(name)} = %s"
            return f"{column(name)} IN ({', '.join(['%s'] * shape)})" if shape else "1 = 0"

        selected = {
            "rows": ", ".join(column(name) for name in columns),
            "instance": instance_columns(model),
            "count": "COUNT(*)",
            "exists": "1",
        }[kind]
        # Only quoted identifiers from the models are written into the text; values are parameters.
        sql = f"SELECT {selected} FROM {quote(meta.db_table)}"  # noqa: S608
        if where:
            sql += " WHERE " + " AND ".join(condition(name, value) for name, value in where.items())
        if order_by:
            sql += " ORDER BY " + ", ".join(
                f"{column(name[1:])} DESC" if name.startswith("-") else column(name) for name in order_by
            )
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        _statements[key] = sql
    params = []
    for value in where.values():
        shape = _shape(value)
        if shape == "=":
            params.append(value)
        elif shape != "null":
            params.extend(value)
    return sql, params


def _fetch(kind, model, columns, where, **options):
    sql, params = _statement(kind, model, columns, where, **options)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def select_rows(model, columns: tuple[str, ...], *, order_by: tuple[str, ...] = (), limit=None, **where) -> list[tuple]:
    """`select_rows(Membership, ("organisation", "role"), user=3)`: the columns' raw values (ids for
    foreign keys) of the rows where each field equals its value (None: IS NULL; a list, set or
    tuple: IN), ordered by fields ("-field": descending) and limited when asked."""
    return _fetch("rows", model, columns, where, order_by=order_by, limit=limit)


def count_rows(model, **where) -> int:
    return _fetch("count", model, (), where)[0][0]


def any_row(model, **where) -> bool:
    return bool(_fetch("exists", model, (), where, limit=1))


_converters: dict[tuple, list] = register_process_cache(
    {},
    name="core.sql.converters",
    bench="library.thread",
    reason="the ORM's value converters of each model's columns, worked out once per model and database",
)


def _row_converters(model) -> list:
    """For each concrete field, the conversions the ORM applies to a raw value read from this
    database (e.g. SQLite's text dates and 0/1 booleans, JSON), worked out once per model."""
    key = (model, connection.vendor)
    converters = _converters.get(key)
    if converters is None:
        converters = []
        for field in model._meta.concrete_fields:
            column = field.get_col(model._meta.db_table)
            functions = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
            converters.append((functions, column))
        _converters[key] = converters
    return converters


def first_instance(model, **where):
    """The model instance of the first row matching (or None), as `filter(**where).first()` without
    ordering would give: the row read with plain SQL, converted and built as the ORM does."""
    rows = _fetch("instance", model, (), where, limit=1)
    return instance_from_row(model, rows[0]) if rows else None


def instance_columns(model, table_alias: str = "") -> str:
    """The select list of all the model's columns, in the order instance_from_row expects."""
    quote = connection.ops.quote_name
    prefix = f"{quote(table_alias)}." if table_alias else ""
    return ", ".join(prefix + quote(field.column) for field in model._meta.concrete_fields)


def instance_from_row(model, row):
    """A model instance from the values of its concrete fields (in `instance_columns` order),
    converted and built as the ORM does; extra values at the end of the row are ignored."""
    values = []
    for value, (functions, column) in zip(row, _row_converters(model), strict=False):
        for function in functions:
            value = function(value, column, connection)
        values.append(value)
    return model.from_db(connection.alias, [field.attname for field in model._meta.concrete_fields], values)
