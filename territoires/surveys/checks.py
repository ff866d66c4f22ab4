"""Start-up checks of the survey module's speed shortcuts (`manage.py check`, and before `migrate`
and `runserver`): each assumption a shortcut takes on code it does not own stops the start instead
of breaking an answer or an export at run time.

- surveys.E001: the answer INSERT (collection.py) writes every concrete field of Response but its id,
  no more, no less — a migration that adds, renames or removes a field must update
  RESPONSE_STORED_FIELDS, which the admin shows too.
- surveys.E002: each inserted value that the INSERT does not adapt is of a type the database takes
  as it is (integers, codes, booleans, integer foreign keys).
- surveys.E003: the Django connection internals the INSERT relies on are still there.
- surveys.E010: the SPSS writer's ctypes assumptions hold under the installed pyreadstat (its
  version, the functions of ReadStat's library); otherwise the SPSS export is refused with a French
  message (spss.UNAVAILABLE_MESSAGE) and the other formats work.
"""

from django.core import checks
from django.db import DEFAULT_DB_ALIAS, connections, models

# Field types whose Python value the database driver takes as it is, without the field's adaptation.
_TAKEN_AS_IS = (models.IntegerField, models.CharField, models.BooleanField, models.AutoField)
# What _insert_once/_insert/_statement_cursor read on Django's connection wrapper.
CONNECTION_INTERNALS = (
    "health_check_done",
    "in_atomic_block",
    "queries_logged",
    "make_cursor",
    "make_debug_cursor",
    "wrap_database_errors",
    "validate_thread_sharing",
    "ensure_connection",
    "is_usable",
)


def _surveys_selected(app_configs) -> bool:
    return app_configs is None or any(config.name == "territoires.surveys" for config in app_configs)


def _taken_as_is(field) -> bool:
    if field.is_relation:
        return isinstance(field.target_field, _TAKEN_AS_IS)
    return isinstance(field, _TAKEN_AS_IS)


@checks.register()
def answer_insert_check(app_configs=None, **kwargs) -> list:
    if not _surveys_selected(app_configs):
        return []
    from territoires.surveys import collection
    from territoires.surveys.models import Response

    errors = []
    model_fields = [field.name for field in Response._meta.concrete_fields if not field.primary_key]
    listed = list(collection.RESPONSE_STORED_FIELDS)
    if sorted(listed) != sorted(model_fields) or len(set(listed)) != len(listed):
        missing = sorted(set(model_fields) - set(listed))
        unknown = sorted(set(listed) - set(model_fields))
        errors.append(
            checks.Error(
                "The answer INSERT's field list does not match the Response model "
                f"(missing: {', '.join(missing) or '-'}; not a field: {', '.join(unknown) or '-'}; "
                f"listed twice: {', '.join(sorted({name for name in listed if listed.count(name) > 1})) or '-'}).",
                hint="Update RESPONSE_STORED_FIELDS (and RESPONSE_ADAPTED_FIELDS for a value the database "
                "must adapt) in territoires/surveys/collection.py.",
                obj="territoires.surveys.collection.RESPONSE_STORED_FIELDS",
                id="surveys.E001",
            )
        )
    raw = [
        name
        for name in listed
        if name in model_fields
        and name not in collection.RESPONSE_ADAPTED_FIELDS
        and not _taken_as_is(Response._meta.get_field(name))
    ]
    if raw:
        errors.append(
            checks.Error(
                f"The answer INSERT would send {', '.join(raw)} without adapting the value for the database.",
                hint="Add these fields to RESPONSE_ADAPTED_FIELDS in territoires/surveys/collection.py.",
                obj="territoires.surveys.collection.RESPONSE_ADAPTED_FIELDS",
                id="surveys.E002",
            )
        )
    connection = connections[DEFAULT_DB_ALIAS]
    absent = [name for name in CONNECTION_INTERNALS if not hasattr(connection, name)]
    if connection.vendor == "postgresql":
        try:
            from django.db.backends.postgresql.base import ServerBindingCursor  # noqa: F401
        except ImportError:
            absent.append("postgresql.base.ServerBindingCursor")
    if absent:
        errors.append(
            checks.Error(
                f"The answer INSERT relies on Django connection internals that are gone: {', '.join(absent)}.",
                hint="Re-read _insert_once, _insert and _statement_cursor in territoires/surveys/collection.py "
                "against this Django version.",
                obj="territoires.surveys.collection",
                id="surveys.E003",
            )
        )
    return errors


@checks.register()
def spss_writer_check(app_configs=None, **kwargs) -> list:
    if not _surveys_selected(app_configs):
        return []
    from territoires.surveys import spss

    return [
        checks.Error(
            f"SPSS export unavailable: {problem}.",
            hint="Pin pyreadstat to a version listed in VERIFIED_PYREADSTAT_VERSIONS, or check ReadStat's "
            "readstat.h of the new one against the enum values of territoires/surveys/spss.py and add it.",
            obj="territoires.surveys.spss",
            id="surveys.E010",
        )
        for problem in spss.writer_problems()
    ]
