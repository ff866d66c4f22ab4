"""Background tasks of the network: they receive ids and call a service (network_metrics.py)."""

from django_tasks import task

from territoires.diagnostic.network_metrics import analysis_run


@task()
def network_analyse(analysis_id: int) -> str:
    """Computes a queued network analysis; returns its final status."""
    analysis = analysis_run(analysis_id=analysis_id)
    return analysis.status if analysis else "missing"
