"""Background tasks of the survey module: they receive ids and call a service."""

from django_tasks import task

from territoires.surveys.exports import export_build_file


@task()
def export_build(export_id: int) -> str:
    """Builds an export's file (territoires/surveys/exports.py); returns its final status."""
    export = export_build_file(export_id=export_id)
    return export.status if export else "missing"
