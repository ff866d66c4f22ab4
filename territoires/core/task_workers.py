"""Background workers that can die: each `db_worker` says it is alive, and a task left "running" by a
worker that went silent is put back in the queue for another one.

django-tasks-db's worker marks a task RUNNING when it claims it and never looks at it again: a worker
killed mid-task (`kill -9`, a machine lost, the out-of-memory killer) left it running for ever, and an
export stayed "en cours" until its requester gave up. Here (territoires/core/management/commands/
db_worker.py, which takes the place of the library's command):

- every worker writes a heartbeat (`TaskWorker.beat_at`) every TASK_WORKER_HEARTBEAT_SECONDS, from a
  thread of its own, so that a long task does not stop it;
- every worker, between two tasks, looks for RUNNING tasks whose last worker has been silent for
  TASK_WORKER_LOST_AFTER_SECONDS and puts them back to READY (at most TASK_MAX_ATTEMPTS claims, then
  FAILED with a message: a task that kills its worker each time must not kill them all in turn);
- a task that failed because the database connection broke under it (PostgreSQL restarted) is put
  back to READY too, once the database answers again.

Tasks are therefore run at least once, and may run twice: each task must be safe to run again (the
exports, imports and analyses rebuild their result from scratch; see territoires/surveys/exports.py).
"""

import datetime
import logging
import os
import socket

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, models, transaction
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)

# The exceptions of a database that went away under a task: worth running the task again.
CONNECTION_ERRORS = (OperationalError, InterfaceError)
CONNECTION_ERROR_PATHS = {f"{error.__module__}.{error.__qualname__}" for error in CONNECTION_ERRORS}


class TaskWorker(models.Model):
    """One running `db_worker` process, as long as it beats."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    host = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(default=timezone.now)
    beat_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        app_label = "core"
        verbose_name = "processus de tâches de fond"
        verbose_name_plural = "processus de tâches de fond"

    def __str__(self):
        return f"{self.worker_id} ({self.host}, {self.pid})"


def worker_beat(worker_id: str) -> None:
    """Records that the worker is alive (creates its row on the first beat)."""
    now = timezone.now()
    updated = TaskWorker.objects.filter(worker_id=worker_id).update(beat_at=now)
    if not updated:
        TaskWorker.objects.update_or_create(
            worker_id=worker_id,
            defaults={"host": socket.gethostname()[:255], "pid": os.getpid(), "started_at": now, "beat_at": now},
        )


def worker_leave(worker_id: str) -> None:
    TaskWorker.objects.filter(worker_id=worker_id).delete()


def _lost_after() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.TASK_WORKER_LOST_AFTER_SECONDS)


def tasks_recover_abandoned(*, now: datetime.datetime | None = None) -> tuple[int, int]:
    """Puts back to READY the running tasks whose worker went silent (or marks them FAILED after
    TASK_MAX_ATTEMPTS claims); returns (requeued, failed)."""
    now = now or timezone.now()
    limit = now - _lost_after()
    alive = set(TaskWorker.objects.filter(beat_at__gte=limit).values_list("worker_id", flat=True))
    requeued = failed = 0
    with transaction.atomic():
        # Only tasks claimed long enough ago: a worker that has just claimed one may not have beaten yet.
        running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=limit)
        for task in running.select_for_update(skip_locked=True):
            if task.worker_ids and task.worker_ids[-1] in alive:
                continue
            if len(task.worker_ids) >= settings.TASK_MAX_ATTEMPTS:
                task.status = TaskResultStatus.FAILED
                task.finished_at = now
                task.exception_class_path = "territoires.core.task_workers.WorkerLost"
                task.traceback = (
                    f"Abandoned {len(task.worker_ids)} times by its worker (process killed or machine lost)."
                )
                task.save(update_fields=["status", "finished_at", "exception_class_path", "traceback"])
                failed += 1
                logger.error(
                    "Task %s (%s) failed: its workers died %s times", task.pk, task.task_path, len(task.worker_ids)
                )
            else:
                _back_to_ready(task)
                requeued += 1
                logger.warning("Task %s (%s) requeued: worker %s went silent", task.pk, task.task_path, task.worker_ids)
        TaskWorker.objects.filter(beat_at__lt=now - 10 * _lost_after()).delete()
    return requeued, failed


def task_requeue_after_connection_error(task_id) -> bool:
    """A task that failed because the database went away is put back to READY (within
    TASK_MAX_ATTEMPTS claims); returns whether it was."""
    with transaction.atomic():
        task = (
            DBTaskResult.objects.select_for_update()
            .filter(pk=task_id, status=TaskResultStatus.FAILED, exception_class_path__in=CONNECTION_ERROR_PATHS)
            .first()
        )
        if task is None or len(task.worker_ids) >= settings.TASK_MAX_ATTEMPTS:
            return False
        _back_to_ready(task)
    logger.warning("Task %s requeued: the database connection broke under it", task_id)
    return True


def task_requeue_own(task_id, worker_id: str) -> bool:
    """Puts back to READY a task this worker had claimed and could not finish recording (the database
    went away while it ran)."""
    try:
        with transaction.atomic():
            task = DBTaskResult.objects.select_for_update().filter(pk=task_id, status=TaskResultStatus.RUNNING).first()
            if task is None or not task.worker_ids or task.worker_ids[-1] != worker_id:
                return False
            _back_to_ready(task)
    except DatabaseError:
        return False
    logger.warning("Task %s requeued: its worker lost the database while running it", task_id)
    return True


def _back_to_ready(task: DBTaskResult) -> None:
    task.status = TaskResultStatus.READY
    task.started_at = task.finished_at = None
    task.exception_class_path = task.traceback = ""
    task.save(update_fields=["status", "started_at", "finished_at", "exception_class_path", "traceback"])
