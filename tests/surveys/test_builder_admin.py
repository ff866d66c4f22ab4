"""The survey models in the admin: every list and change page opens, in French, and answers are
read-only there."""

import uuid

import pytest
from django.contrib import admin
from django.urls import reverse

from territoires.surveys.models import Collector, Export, PopulationCell, ReferenceFigure, Response, TextTopics
from tests.factories import UserFactory
from tests.surveys.factories import make_survey, valid_answers

pytestmark = pytest.mark.django_db

SURVEY_MODELS = [model for model in admin.site._registry if model._meta.app_label == "surveys"]


def test_every_survey_model_is_registered():
    names = {model.__name__ for model in SURVEY_MODELS}
    assert names == {
        "Survey",
        "Section",
        "Question",
        "Deployment",
        "Collector",
        "Response",
        "ContactRequest",
        "PopulationCell",
        "ReferenceFigure",
        "Export",
        "TextTopics",
    }


def test_admin_pages_open_in_french(client):
    built = make_survey()
    response_row = Response.objects.create(
        survey=built.survey,
        deployment=built.deployment,
        structure_version=1,
        channel="online",
        idempotency_key=uuid.uuid4(),
        answers=valid_answers(),
    )
    PopulationCell.objects.create(deployment=built.deployment, age_band="25-34", gender="f", population=1000, year=2020)
    ReferenceFigure.objects.create(
        indicator="non_publics", label="Non-publics", value_percent=20, source="DEPS", year=2018
    )
    Export.objects.create(survey=built.survey, format="csv")
    TextTopics.objects.create(survey=built.survey, question_code="commentaire")
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    for model in SURVEY_MODELS:
        meta = model._meta
        changelist = client.get(reverse(f"admin:surveys_{meta.model_name}_changelist"))
        assert changelist.status_code == 200, meta.model_name
        obj = model.objects.first()
        if obj is not None:
            change = client.get(reverse(f"admin:surveys_{meta.model_name}_change", args=[obj.pk]))
            assert change.status_code == 200, meta.model_name
    page = client.get(reverse("admin:surveys_response_changelist")).content.decode()
    assert "réponses" in page
    # Answers cannot be changed or added from the admin.
    url = reverse("admin:surveys_response_change", args=[response_row.pk])
    client.post(url, {"answers": "{}", "channel": "paper"})
    response_row.refresh_from_db()
    assert response_row.channel == "online"
    assert client.get(reverse("admin:surveys_response_add")).status_code == 403
    assert Collector.objects.count() == 1
