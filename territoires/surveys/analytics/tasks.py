"""Background tasks of the survey analytics: they receive ids and call a service."""

from django_tasks import task

from territoires.surveys.analytics import topics


@task()
def compute_text_topics(survey_id: int, question_code: str, deployment_ids: list[int]) -> int:
    result = topics.text_topics_compute(survey_id=survey_id, question_code=question_code, deployment_ids=deployment_ids)
    return result.response_count if result is not None else 0


@task()
def refresh_survey_arrays(survey_id: int) -> int:
    """Build (or bring up to date) a survey's arrays and their snapshot outside any request: to
    enqueue after a change of structure, so that the first dashboard request loads the snapshot
    in milliseconds instead of decoding every answer again."""
    from territoires.surveys.analytics.arrays import save_snapshot, survey_arrays
    from territoires.surveys.models import Survey

    survey = Survey.objects.filter(pk=survey_id).first()
    if survey is None:
        return 0
    arrays = survey_arrays(survey)
    save_snapshot(arrays)
    return arrays.size
