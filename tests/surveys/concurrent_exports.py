"""Two exports built while field answers keep arriving: the scenario of the concurrency test
(tests/surveys/test_exports_concurrency.py), run in-process on PostgreSQL and, on SQLite, in a child
process against a database file (the SQLite test database lives in one connection's memory)."""

import threading
import time
import uuid

from django.db import connections


def run_scenario(*, responses: int = 240, chunk: int = 40) -> dict:
    from territoires.surveys import exports
    from territoires.surveys.models import Response
    from tests.surveys.factories import make_survey, valid_answers

    built = make_survey()

    def new_answer():
        return Response(
            survey=built.survey,
            deployment=built.deployment,
            structure_version=built.survey.structure_version,
            channel="field",
            idempotency_key=uuid.uuid4(),
            answers=valid_answers(),
            age_band="25-34",
            gender="f",
        )

    Response.objects.bulk_create([new_answer() for _ in range(responses)])
    # Small chunks: the progress is written every `chunk` rows, between the reads, as with 100,000 answers.
    saved_chunk, exports.CHUNK = exports.CHUNK, chunk
    try:
        return _race(built, new_answer, responses)
    finally:
        exports.CHUNK = saved_chunk


def _race(built, new_answer, responses: int) -> dict:
    from territoires.surveys import exports
    from territoires.surveys.models import Export

    queued = [
        Export.objects.create(survey=built.survey, format=fmt, status=Export.Status.QUEUED)
        for fmt in (Export.Format.CSV, Export.Format.CSV)
    ]
    stop = threading.Event()
    errors: list[str] = []
    written = [0]

    def post_answers():
        try:
            while not stop.is_set():
                new_answer().save()
                written[0] += 1
                time.sleep(0.002)
        except Exception as error:  # noqa: BLE001 - reported to the test
            errors.append(f"answers: {error!r}")
        finally:
            connections.close_all()

    def build(export_id):
        try:
            exports.export_build_file(export_id=export_id)
        except Exception as error:  # noqa: BLE001 - reported to the test
            errors.append(f"export: {error!r}")
        finally:
            connections.close_all()

    writer = threading.Thread(target=post_answers)
    writer.start()
    time.sleep(0.05)
    builders = [threading.Thread(target=build, args=[export.pk]) for export in queued]
    for thread in builders:
        thread.start()
    for thread in builders:
        thread.join()
    stop.set()
    writer.join()
    outcome = [Export.objects.values("status", "error", "row_count").get(pk=export.pk) for export in queued]
    return {"exports": outcome, "errors": errors, "answers_written": written[0], "responses_before": responses}
