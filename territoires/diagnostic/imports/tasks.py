"""The background run of an import: receives the job's id and calls the service."""

from django_tasks import task

from territoires.diagnostic.imports.services import import_run


@task()
def import_file(job_id: int) -> str:
    job = import_run(job_id=job_id)
    return job.status if job else "missing"
