"""`manage.py db_worker`: django-tasks-db's worker, plus what a worker pool needs to survive its
workers and its database (territoires/core/task_workers.py says what and why)."""

import contextlib
import logging
import threading
import time

from django.conf import settings
from django.db import close_old_connections, connection
from django_tasks_db.management.commands import db_worker as library

from territoires.core import task_workers

logger = logging.getLogger("django_tasks_db")


class Worker(library.Worker):
    def __init__(self, **options):
        super().__init__(**options)
        self._stopped = threading.Event()
        self._claimed = None  # the task being run, to requeue it if the database goes away under it

    # The heartbeat, from its own thread (and its own database connection); each beat also looks for the
    # tasks of workers that went silent (between two tasks the library's loop offers no hook).
    def _beat_forever(self) -> None:
        while not self._stopped.wait(settings.TASK_WORKER_HEARTBEAT_SECONDS):
            try:
                task_workers.worker_beat(self.worker_id)
                task_workers.tasks_recover_abandoned()
            except Exception:  # the database restarting: beat again at the next tick  # noqa: BLE001
                logger.warning("Heartbeat of worker %s not recorded", self.worker_id)
                connection.close()
        connection.close()

    def run(self) -> None:
        task_workers.worker_beat(self.worker_id)
        task_workers.tasks_recover_abandoned()  # a worker (re)started after a crash picks up at once
        beater = threading.Thread(target=self._beat_forever, name="heartbeat", daemon=True)
        beater.start()
        try:
            while self.running:
                try:
                    super().run()
                    return
                except task_workers.CONNECTION_ERRORS:
                    # The database went away (restart, failover): wait for it rather than die, then give
                    # back the task that was running, which could not be recorded.
                    logger.warning("Worker %s lost the database; waiting for it", self.worker_id)
                    self._wait_for_database()
                    if self._claimed is not None:
                        # Still running in the database (the failure could not be recorded), or recorded
                        # as failed by the broken connection: either way, back to the queue.
                        task_workers.task_requeue_own(self._claimed, self.worker_id)
                        task_workers.task_requeue_after_connection_error(self._claimed)
                        self._claimed = None
        finally:
            self._stopped.set()
            # Leaving is a courtesy: silence says the same after a while.
            with contextlib.suppress(Exception):
                task_workers.worker_leave(self.worker_id)

    def _wait_for_database(self) -> None:
        while self.running:
            close_old_connections()
            connection.close()
            try:
                connection.ensure_connection()
                return
            except task_workers.CONNECTION_ERRORS:
                time.sleep(1)

    def run_task(self, db_task_result) -> None:
        self._claimed = db_task_result.pk
        # Raises when the database is gone even for recording the result: run() then waits for it and
        # gives the task back (self._claimed is kept for that).
        super().run_task(db_task_result)
        task_workers.task_requeue_after_connection_error(db_task_result.pk)
        self._claimed = None


class Command(library.Command):
    help = library.Command.help + " (with heartbeats: the tasks of a worker that died are run again)"

    def handle(self, **options):
        # The library builds its Worker by name, in its own module: ours takes its place there.
        library.Worker = Worker
        return super().handle(**options)
