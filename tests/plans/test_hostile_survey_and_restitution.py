"""The fuzzer's hostile values on the survey indicator form, « Lire maintenant », the receipt lookup and the
restitution form (the full crawl, tests/fuzz, reaches them too when the demo lets it): never a 5xx."""

import pytest
from django.urls import reverse

from tests.factories import make_project
from tests.fuzz.test_hostile_input import HOSTILE
from tests.plans.helpers import adopt, make_plan

pytestmark = pytest.mark.django_db


def test_hostile_values_never_get_a_server_error(client):
    ns = make_project()
    plan, territory, _a, objective, _acts, indicator = make_plan(ns)
    slug, town = ns.project.slug, ns.towns[0].slug
    client.force_login(ns.referents[0])
    ind = reverse("plans:indicator_create", args=[slug, town])
    for label, v in HOSTILE.items():
        v = v[:20000]
        data = dict.fromkeys(
            (
                "name",
                "unit",
                "objective",
                "baseline_value",
                "baseline_on",
                "baseline_source",
                "target_value",
                "target_on",
                "source_kind",
                "survey_question",
                "survey_reading",
                "survey_option",
                "survey_age",
                "survey_gender",
                "survey_channel",
            ),
            v,
        )
        assert client.post(ind, data).status_code < 500, label
        assert client.post(ind, {**data, "source_kind": "survey", "survey_question": v + ":" + v}).status_code < 500, (
            label
        )
        assert (
            client.post(reverse("plans:indicator_read_survey", args=[indicator.pk]), {"submission_key": v}).status_code
            < 500
        ), label
        assert client.get(reverse("plans:receipt"), {"code": v}).status_code < 500, label
    adopt(plan, ns.referents[0])
    url = reverse("plans:restitution_schedule", args=[slug, town])
    for label, v in HOSTILE.items():
        v = v[:20000]
        data = dict.fromkeys(
            ("title", "description", "starts_at", "ends_at", "place", "place_details", "capacity", "submission_key"), v
        )
        assert client.post(url, data).status_code < 500, label
        assert client.post(url, {k: [v, v] for k in data}).status_code < 500, label
