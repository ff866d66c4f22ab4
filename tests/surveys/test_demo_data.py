"""The demo survey: four towns, ~2,000 synthetic answers each, every answer valid against the
questionnaire, plausible distributions, illustrative margins and indicative reference figures."""

import collections
import datetime

import pytest
from django.db.models import Count, Max, Min
from django.utils import timezone

from territoires.demo import data
from territoires.demo import surveys as demo_surveys
from territoires.demo.loader import load_reference_project
from territoires.projects.models import SharedProject
from territoires.surveys.models import Collector, PopulationCell, ReferenceFigure, Response, Survey
from territoires.surveys.schema import answers_validate, schema_for
from tests.support import data_kept_for_the_module

pytestmark = pytest.mark.django_db


def _load():
    load_reference_project()
    project = SharedProject.objects.get(title=data.PROJECT["title"])
    assert demo_surveys.load(project) is True
    return project


@pytest.fixture(scope="module")
def demo_once(django_db_setup, django_db_blocker):
    # Loading 8,000 answers takes seconds: once for the module, rolled back at its end.
    with data_kept_for_the_module(django_db_blocker, _load) as project:
        yield project


@pytest.fixture
def demo(demo_once, db):
    return demo_once


def test_demo_survey_ran_in_the_four_towns_with_about_2000_synthetic_answers_and_is_closed(demo):
    survey = Survey.objects.get(project=demo, title=demo_surveys.SURVEY_TITLE)
    # The project is over: its survey closed at the end of the diagnostic, after its last answer.
    assert survey.status == Survey.Status.CLOSED
    assert timezone.localdate(survey.closed_at) == datetime.date(2022, 1, 31)
    first, last = (
        Response.objects.filter(survey=survey).aggregate(first=Min("submitted_at"), last=Max("submitted_at")).values()
    )
    assert survey.published_at <= first and last < survey.closed_at
    assert timezone.localdate(last) >= datetime.date(2022, 1, 10)
    assert 28 <= survey.questions.count() <= 32
    assert {question.kind for question in survey.questions.all()} >= {
        "single", "multiple", "rating", "number", "short_text", "long_text", "ranking", "matrix", "date",
        "neighbourhood", "postcode", "age_band", "gender",
    }  # fmt: skip
    assert survey.questions.exclude(condition={}).exists()
    counts = dict(
        Response.objects.filter(survey=survey)
        .values_list("deployment__participation__organisation__name")
        .annotate(n=Count("pk"))
        .order_by()
    )
    assert set(counts) == {town["name"] for town in data.TOWNS}
    assert all(1900 <= n <= 2100 for n in counts.values())
    assert not Response.objects.filter(survey=survey, is_synthetic=False).exists()


def test_every_demo_answer_is_valid_against_the_questionnaire(demo):
    survey = Survey.objects.get(project=demo, title=demo_surveys.SURVEY_TITLE)
    schema = schema_for(survey)
    deployments = {deployment.pk: deployment for deployment in survey.deployments.all()}
    checked = 0
    for deployment_id, answers, age_band, gender in Response.objects.filter(survey=survey).values_list(
        "deployment_id", "answers", "age_band", "gender"
    ):
        # Valid, and already clean: validation would store exactly the same object.
        assert answers_validate(schema, answers, deployment=deployments[deployment_id]) == answers
        assert (answers["age"], answers["genre"]) == (age_band, gender)
        checked += 1
    assert checked >= 7600


def test_demo_distributions_are_plausible(demo):
    survey = Survey.objects.get(project=demo, title=demo_surveys.SURVEY_TITLE)
    rows = list(Response.objects.filter(survey=survey).values_list("channel", "answers", "collector_id"))
    n = len(rows)
    share = lambda predicate: sum(1 for row in rows if predicate(*row)) / n  # noqa: E731
    non_audience = share(lambda _c, a, _k: a["lieux_12m"] == ["aucun"])
    assert 0.10 <= non_audience <= 0.35
    assert 0.45 <= share(lambda _c, a, _k: "cinema" in a["lieux_12m"]) <= 0.70
    assert 0.02 <= share(lambda _c, a, _k: "conservatoire" in a["lieux_12m"]) <= 0.12
    field = [a for c, a, _k in rows if c == "field"]
    online = [a for c, a, _k in rows if c == "online"]
    # The survey group meets more non-audiences than the online questionnaire does.
    assert sum(a["lieux_12m"] == ["aucun"] for a in field) / len(field) > sum(
        a["lieux_12m"] == ["aucun"] for a in online
    ) / len(online)
    # Field and paper answers are attributed to a collector, online ones never.
    assert all((k is not None) == (c != "online") for c, _a, k in rows)
    satisfaction = collections.Counter(a["satisfaction_globale"] for _c, a, _k in rows)
    assert satisfaction.most_common(1)[0][0] in (3, 4)
    assert 0.02 <= satisfaction["nsp"] / n <= 0.15
    assert all(len(a.get("freins", [])) <= 3 for _c, a, _k in rows)
    ages = collections.Counter(a["age"] for _c, a, _k in rows)
    assert len(ages) == 6 and min(ages.values()) > 100


def test_margins_reference_figures_and_collectors(demo):
    survey = Survey.objects.get(project=demo, title=demo_surveys.SURVEY_TITLE)
    for town in data.TOWNS:
        cells = PopulationCell.objects.filter(
            deployment__survey=survey, deployment__participation__organisation__name=town["name"]
        )
        assert cells.count() == 12
        total = sum(cell.population for cell in cells)
        # The population aged 15 or more: between 70 and 90 % of the town's population.
        assert 0.7 * town["population"] <= total <= 0.9 * town["population"]
        assert all("illustratives" in cell.source for cell in cells)
    figures = ReferenceFigure.objects.all()
    assert figures.filter(indicator="non_audience").exists()
    assert all("valeur indicative" in figure.label and figure.source and figure.year for figure in figures)
    assert Collector.objects.filter(deployment__survey=survey, user__email="enqueteur.niort@ville.demo").exists()
    assert Collector.objects.filter(deployment__survey=survey, user__email="enquetrice.guichen@ville.demo").exists()


def test_loading_twice_creates_nothing(demo):
    counts = (
        Survey.objects.count(),
        Response.objects.count(),
        ReferenceFigure.objects.count(),
        Collector.objects.count(),
    )
    assert demo_surveys.load(demo) is False
    assert counts == (
        Survey.objects.count(),
        Response.objects.count(),
        ReferenceFigure.objects.count(),
        Collector.objects.count(),
    )
