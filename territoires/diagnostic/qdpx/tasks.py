"""Background tasks of the REFI-QDA exchange: they receive an id and call a service."""

from django_tasks import task

from territoires.diagnostic.qdpx.services import coding_exchange_run as run_exchange


@task()
def coding_exchange_run(exchange_id: int) -> str:
    """Builds an export or runs an import (qdpx/services.py); returns its final status."""
    exchange = run_exchange(exchange_id=exchange_id)
    return exchange.status if exchange else "missing"
