"""Indicators measured from a survey question, read from the survey dashboard's own figures.

Hand-worked example: five answers in the plan's territory (and two elsewhere, which must not count),
no census margins (so nothing is weighted):

| answer | frequence | lieux        | satisfaction | age   |
|--------|-----------|--------------|--------------|-------|
| 1      | jamais    | —            | 1            | 15-24 |
| 2      | jamais    | bib          | 2            | 15-24 |
| 3      | rare      | bib, cine    | 4            | 25-34 |
| 4      | souvent   | bib, musee   | 5            | 25-34 |
| 5      | souvent   | cine         | nsp          | 50-64 |

- share of "jamais" = 2 / 5 = 40.00 %; count of "souvent" = 2;
- share of "bib" among the 4 who answered "lieux" = 3 / 4 = 75.00 %;
- mean satisfaction, "ne sait pas" left out = (1 + 2 + 4 + 5) / 4 = 3.00;
- filtered on 15-24: share of "jamais" = 2 / 2 = 100.00 %.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from territoires.plans import services
from territoires.plans.models import Indicator, Measurement
from territoires.surveys.models import Deployment, Survey
from tests.factories import make_project
from tests.plans.helpers import make_plan
from tests.surveys.analytics_support import add_response
from tests.surveys.factories import make_survey

pytestmark = pytest.mark.django_db

ANSWERS = [
    ({"frequence": "jamais", "satisfaction": 1}, "15-24"),
    ({"frequence": "jamais", "lieux": ["bib"], "satisfaction": 2}, "15-24"),
    ({"frequence": "rare", "lieux": ["bib", "cine"], "satisfaction": 4}, "25-34"),
    ({"frequence": "souvent", "lieux": ["bib", "musee"], "satisfaction": 5}, "25-34"),
    ({"frequence": "souvent", "lieux": ["cine"], "satisfaction": "nsp"}, "50-64"),
]


@pytest.fixture
def world():
    ns = make_project()
    survey = make_survey(project_ns=ns).survey
    plan, territory, _axis, objective, _actions, _indicator = make_plan(ns)
    here = Deployment.objects.get(survey=survey, participation=territory)
    elsewhere = Deployment.objects.filter(survey=survey).exclude(pk=here.pk).first()
    for answers, age in ANSWERS:
        add_response(here, {**answers, "age": age, "genre": "f"})
    for _ in range(2):
        add_response(
            elsewhere, {"frequence": "jamais", "lieux": ["bib"], "satisfaction": 1, "age": "15-24", "genre": "m"}
        )
    return ns, survey, plan, territory, objective


def _indicator(world, name, reading, question, option="", filters=None):
    ns, survey, plan, _territory, objective = world
    return services.indicator_save(
        plan=plan,
        user=ns.referents[0],
        data={
            "objective": objective,
            "name": name,
            "unit": "%" if reading == "share" else "points",
            "baseline_value": Decimal("50"),
            "baseline_on": datetime.date(2022, 1, 1),
            "baseline_source": "Enquête 2021",
            "target_value": Decimal("20"),
            "target_on": datetime.date(2030, 1, 1),
            "source_kind": "survey",
            "survey": survey,
            "survey_question_code": question,
            "survey_reading": reading,
            "survey_option_code": option,
            "survey_filters": filters or {},
        },
    )


@pytest.mark.parametrize(
    "reading, question, option, filters, expected",
    [
        ("share", "frequence", "jamais", None, Decimal("40.00")),
        ("count", "frequence", "souvent", None, Decimal("2.00")),
        ("share", "lieux", "bib", None, Decimal("75.00")),
        ("mean", "satisfaction", "", None, Decimal("3.00")),
        ("share", "frequence", "jamais", {"age": "15-24"}, Decimal("100.00")),
        ("count", "satisfaction", "5", None, Decimal("1.00")),
    ],
)
def test_a_reading_is_the_dashboards_figure_for_the_plans_territory(
    world, reading, question, option, filters, expected
):
    indicator = _indicator(world, "Lu", reading, question, option, filters)
    measurement = services.indicator_read_survey(indicator=indicator, user=world[0].referents[0])
    assert measurement.value == expected
    assert measurement.measured_on == timezone.localdate()
    label = indicator.survey.questions.get(code=question).label
    # The source names the question in the survey's words, not by its export code.
    assert "Vos pratiques culturelles" in measurement.source and f"« {label[:120]} »" in measurement.source


def test_an_open_survey_is_read_once_a_day_and_a_closed_one_once_at_its_closing(world):
    ns, survey, *_rest = world
    indicator = _indicator(world, "Non-publics", "share", "frequence", "jamais")
    services.indicator_read_survey(indicator=indicator, user=ns.referents[0])
    with pytest.raises(ValidationError, match="existe déjà"):
        services.indicator_read_survey(indicator=indicator, user=ns.referents[0])
    closed_at = timezone.now() - datetime.timedelta(days=30)
    Survey.objects.filter(pk=survey.pk).update(status=Survey.Status.CLOSED, closed_at=closed_at)
    indicator.refresh_from_db()
    wave = services.indicator_read_survey(indicator=indicator, user=ns.referents[0])
    assert wave.measured_on == timezone.localdate(closed_at)
    with pytest.raises(ValidationError, match="existe déjà"):
        services.indicator_read_survey(indicator=indicator, user=ns.referents[0])
    assert Measurement.objects.filter(indicator=indicator).count() == 2


@pytest.mark.parametrize(
    "reading, question, option, message",
    [
        ("mean", "frequence", "", "Une moyenne se lit sur une note ou un nombre"),
        ("share", "nb_sorties", "", "Une part ou un nombre se lit sur une question à choix"),
        ("share", "derniere_sortie", "", "Une part ou un nombre se lit sur une question à choix"),
        ("share", "frequence", "inconnue", "Choisissez une réponse de la question"),
        ("share", "absente", "jamais", "Cette question n'existe pas"),
    ],
)
def test_a_question_of_the_wrong_kind_is_refused_in_french(world, reading, question, option, message):
    with pytest.raises(ValidationError, match=message):
        _indicator(world, "Mauvais", reading, question, option)
    assert not Indicator.objects.filter(name="Mauvais").exists()


def test_another_territorys_or_projects_survey_is_refused(world):
    ns, survey, plan, territory, objective = world
    elsewhere = Survey.objects.create(project=ns.project, title="Enquête d'une autre commune", status="published")
    Deployment.objects.create(
        survey=elsewhere, participation=ns.project.participations.exclude(pk=territory.pk).first()
    )
    with pytest.raises(ValidationError, match="pas menée sur le territoire de ce plan"):
        services.indicator_save(
            plan=plan,
            user=ns.referents[0],
            data={
                "objective": objective, "name": "Ailleurs", "unit": "%", "baseline_value": Decimal("1"),
                "baseline_on": datetime.date(2022, 1, 1), "baseline_source": "x", "target_value": Decimal("2"),
                "target_on": datetime.date(2030, 1, 1), "source_kind": "survey", "survey": elsewhere,
                "survey_question_code": "frequence", "survey_reading": "share", "survey_option_code": "jamais",
            },
        )  # fmt: skip
    other = make_survey(project_ns=make_project(), title="Autre projet").survey
    with pytest.raises(ValidationError, match="autre projet"):
        services.indicator_save(
            plan=plan,
            user=ns.referents[0],
            data={
                "objective": objective, "name": "Autre", "unit": "%", "baseline_value": Decimal("1"),
                "baseline_on": datetime.date(2022, 1, 1), "baseline_source": "x", "target_value": Decimal("2"),
                "target_on": datetime.date(2030, 1, 1), "source_kind": "survey", "survey": other,
                "survey_question_code": "frequence", "survey_reading": "share", "survey_option_code": "jamais",
            },
        )  # fmt: skip


def test_a_typed_indicator_is_not_read_from_a_survey(world):
    ns, _survey, plan, *_rest = world
    typed = plan.indicators.get(name="Habitants des quartiers touchés")
    with pytest.raises(ValidationError, match="ne se mesure pas par une enquête"):
        services.indicator_read_survey(indicator=typed, user=ns.referents[0])


def test_the_team_creates_and_reads_it_from_the_pages(world, client):
    ns, survey, plan, territory, objective = world
    client.force_login(ns.referents[0])
    url = reverse("plans:indicator_create", args=[ns.project.slug, territory.organisation.slug])
    page = client.get(url)
    assert f'value="{survey.pk}:frequence"' in page.content.decode()
    response = client.post(
        url,
        {
            "name": "Part des jamais",
            "unit": "%",
            "objective": objective.pk,
            "baseline_value": "50",
            "baseline_on": "2022-01-01",
            "baseline_source": "Enquête 2021",
            "target_value": "20",
            "target_on": "2030-01-01",
            "source_kind": "survey",
            "survey_question": f"{survey.pk}:frequence",
            "survey_reading": "mean",
        },
    )
    assert response.status_code == 400
    assert "Une moyenne se lit sur une note ou un nombre" in response.content.decode()
    response = client.post(
        url,
        {
            "name": "Part des jamais",
            "unit": "%",
            "objective": objective.pk,
            "baseline_value": "50",
            "baseline_on": "2022-01-01",
            "baseline_source": "Enquête 2021",
            "target_value": "20",
            "target_on": "2030-01-01",
            "source_kind": "survey",
            "survey_question": f"{survey.pk}:frequence",
            "survey_reading": "share",
            "survey_option": "jamais",
        },
    )
    indicator = Indicator.objects.get(name="Part des jamais")
    assert response.status_code == 302
    page = client.get(indicator.get_absolute_url()).content.decode()
    assert "Lire maintenant" in page
    read = reverse("plans:indicator_read_survey", args=[indicator.pk])
    response = client.post(read, {"submission_key": "5f0e3b1c-0000-4000-8000-000000000001"}, follow=True)
    assert "40" in response.content.decode() and indicator.measurements.get().value == Decimal("40.00")
    client.post(read, {"submission_key": "5f0e3b1c-0000-4000-8000-000000000001"})
    assert indicator.measurements.count() == 1
    # Someone outside the team may not read it.
    client.force_login(ns.referents[1])
    assert client.post(read).status_code == 403
