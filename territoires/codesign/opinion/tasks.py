"""The opinion map's background task: it receives an id and calls the service."""

from django_tasks import task

from territoires.codesign.opinion.services import result_run


@task()
def opinion_map_compute(result_id: int) -> str:
    """Computes a queued opinion map; returns its final status."""
    result = result_run(result_id=result_id)
    return result.status if result else "missing"
