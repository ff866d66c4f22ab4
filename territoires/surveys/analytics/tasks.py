"""Background tasks of the survey analytics: they receive ids and call a service."""

from django_tasks import task

from territoires.surveys.analytics import topics


@task()
def compute_text_topics(survey_id: int, question_code: str) -> int:
    result = topics.text_topics_compute(survey_id=survey_id, question_code=question_code)
    return result.response_count if result is not None else 0
