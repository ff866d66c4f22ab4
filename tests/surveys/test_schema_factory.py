from tests.surveys.factories import make_survey


def test_make_survey_has_every_question_kind_and_a_deployment_per_territory(db):
    from territoires.surveys.models import Question

    built = make_survey()
    kinds = set(built.survey.questions.values_list("kind", flat=True))
    assert kinds == set(Question.Kind.values)
    assert len(built.deployments) == 4
    assert built.deployment.collectors.filter(user=built.collector).exists()
