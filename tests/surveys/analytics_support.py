"""Helpers of the survey analytics tests: responses stored directly, arrays isolated per test."""

import uuid

from territoires.surveys.models import PopulationCell, Response

AGE_BANDS = ["15-24", "25-34", "35-49", "50-64", "65-79", "80+"]


def add_response(deployment, answers, *, channel="online", age_band=None, gender=None, survey=None):
    survey = survey or deployment.survey
    age_band = answers.get("age", "") if age_band is None else age_band
    gender = answers.get("genre", "") if gender is None else gender
    return Response.objects.create(
        survey=survey,
        deployment=deployment,
        structure_version=survey.structure_version,
        channel=channel,
        idempotency_key=uuid.uuid4(),
        answers=answers,
        age_band=age_band,
        gender=gender,
    )


def set_population(deployment, table, *, year=2020):
    """table: {(age band, gender): population}."""
    PopulationCell.objects.filter(deployment=deployment).delete()
    PopulationCell.objects.bulk_create(
        PopulationCell(deployment=deployment, age_band=age, gender=gender, population=value, year=year)
        for (age, gender), value in table.items()
    )
