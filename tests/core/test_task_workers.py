"""Background workers that die: a task left running by a killed worker is run again by another one, a
task broken by a database restart is run again, a task that keeps killing its workers ends failed;
a live worker's task is never taken from it. (The whole pool under `kill -9` and a PostgreSQL restart:
tests/scaleout/test_scaleout.py.)"""

import datetime
import io
import uuid
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from territoires.core import task_workers
from territoires.core.task_workers import TaskWorker
from territoires.surveys import exports
from territoires.surveys.models import Export, Response
from territoires.surveys.tasks import export_build
from tests.factories import make_project
from tests.surveys.factories import make_survey, valid_answers

pytestmark = pytest.mark.django_db(transaction=True)

real_write_csv = exports.write_csv


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    settings.TASK_WORKER_LOST_AFTER_SECONDS = 60
    settings.TASK_MAX_ATTEMPTS = 3


@pytest.fixture
def queued_export(database_tasks):
    ns = make_project()
    built = make_survey(project_ns=ns)
    for _ in range(2):
        Response.objects.create(
            survey=built.survey,
            deployment=built.deployments[0],
            structure_version=1,
            channel="online",
            idempotency_key=uuid.uuid4(),
            answers=valid_answers(),
            age_band="25-34",
            gender="f",
        )
    export = Export.objects.create(survey=built.survey, requested_by=ns.facilitator, format="csv")
    result = export_build.enqueue(export.pk)
    return export, DBTaskResult.objects.get(pk=result.id)


def _claimed_by_dead_worker(task: DBTaskResult, *, worker="mort", minutes_ago=5, beat_minutes_ago=None):
    """As a worker leaves it when it is killed in the middle: claimed, running, and then silence."""
    started = timezone.now() - datetime.timedelta(minutes=minutes_ago)
    DBTaskResult.objects.filter(pk=task.pk).update(
        status=TaskResultStatus.RUNNING, started_at=started, worker_ids=[*task.worker_ids, worker]
    )
    if beat_minutes_ago is not None:
        TaskWorker.objects.create(
            worker_id=worker, beat_at=timezone.now() - datetime.timedelta(minutes=beat_minutes_ago)
        )


def _run_worker(worker_id="vivant"):
    call_command(
        "db_worker", "--batch", "--no-startup-delay", "--interval=0", f"--worker-id={worker_id}", stdout=io.StringIO()
    )


def test_an_export_whose_worker_was_killed_is_built_by_the_next_worker(queued_export):
    export, task = queued_export
    Export.objects.filter(pk=export.pk).update(status=Export.Status.RUNNING, progress=40)
    _claimed_by_dead_worker(task, beat_minutes_ago=3)
    _run_worker()
    task.refresh_from_db()
    export.refresh_from_db()
    assert task.status == TaskResultStatus.SUCCESSFUL and task.worker_ids == ["mort", "vivant"]
    assert export.status == Export.Status.DONE and export.row_count == 2 and export.file
    # The worker said goodbye; the dead one's row is left to age out.
    assert list(TaskWorker.objects.values_list("worker_id", flat=True)) == ["mort"]


def test_a_live_worker_keeps_its_task(queued_export):
    _, task = queued_export
    _claimed_by_dead_worker(task, worker="occupe", beat_minutes_ago=0)
    assert task_workers.tasks_recover_abandoned() == (0, 0)
    # Just claimed, before its first beat: not taken either.
    other = DBTaskResult.objects.get(pk=task.pk)
    DBTaskResult.objects.filter(pk=task.pk).update(started_at=timezone.now(), worker_ids=["nouveau"])
    assert task_workers.tasks_recover_abandoned() == (0, 0)
    other.refresh_from_db()
    assert other.status == TaskResultStatus.RUNNING


def test_a_task_that_kills_every_worker_ends_failed_instead_of_killing_them_all(queued_export):
    _, task = queued_export
    DBTaskResult.objects.filter(pk=task.pk).update(worker_ids=["premier", "deuxieme"])
    task.refresh_from_db()
    _claimed_by_dead_worker(task, worker="troisieme")
    assert task_workers.tasks_recover_abandoned() == (0, 1)
    task.refresh_from_db()
    assert task.status == TaskResultStatus.FAILED and "Abandoned 3 times" in task.traceback


def test_an_export_broken_by_a_database_restart_is_run_again(queued_export):
    export, task = queued_export
    broken = OperationalError("terminating connection due to administrator command")
    # The database goes away during the first build only.
    calls = []

    def write_csv(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise broken
        return real_write_csv(*args, **kwargs)

    with mock.patch.object(exports, "write_csv", side_effect=write_csv):
        _run_worker("premier")
    task.refresh_from_db()
    export.refresh_from_db()
    # Not reported failed to its requester: the task went back to the queue and was built again.
    assert task.status == TaskResultStatus.SUCCESSFUL and task.worker_ids == ["premier", "premier"]
    assert export.status == Export.Status.DONE and export.row_count == 2 and not export.error


def test_a_database_failure_that_lasts_ends_failed_after_the_attempts(queued_export):
    export, task = queued_export
    broken = OperationalError("terminating connection due to administrator command")
    with mock.patch.object(exports, "write_csv", side_effect=broken):
        _run_worker()
    task.refresh_from_db()
    assert task.status == TaskResultStatus.FAILED and len(task.worker_ids) == 3


def test_other_failures_stay_failures(queued_export):
    export, task = queued_export
    with mock.patch.object(exports, "write_csv", side_effect=ValueError("bogue")):
        _run_worker()
    task.refresh_from_db()
    export.refresh_from_db()
    assert export.status == Export.Status.FAILED
    assert task.status == TaskResultStatus.SUCCESSFUL  # the task recorded the export's failure itself
    assert not task_workers.task_requeue_after_connection_error(task.pk)
