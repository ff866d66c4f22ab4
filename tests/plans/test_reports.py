"""The evaluation report at a chosen date: the page and the PDF built by a background task."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from territoires.plans import services
from territoires.plans.models import EvaluationReport
from tests.factories import make_project
from tests.plans.helpers import adopt, make_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    ns = make_project()
    ns.plan, ns.territory, _axis, _objective, ns.actions, ns.indicator = make_plan(ns)
    user = ns.referents[0]
    adopt(ns.plan, user)
    for day, value in ((datetime.date(2023, 3, 31), 150), (datetime.date(2023, 9, 30), 250)):
        services.measurement_add(indicator=ns.indicator, user=user, measured_on=day, value=Decimal(value))
    services.milestone_add(
        action=ns.actions[0], user=user, label="Première résidence", due_on=datetime.date(2023, 6, 1)
    )
    return ns


def url(ns):
    return reverse("plans:plan_report", args=[ns.project.slug, ns.towns[0].slug])


def test_the_report_reads_the_indicators_as_they_stood_that_day(client, world):
    client.force_login(world.referents[1])  # a member of the project reads it
    spring = client.get(url(world), {"date": "2023-04-30"}).content.decode()
    assert "Dernière mesure : 150 personnes" in spring and "25 %" in spring
    assert "Aucun jalon n" in spring
    autumn = client.get(url(world), {"date": "2023-10-31"}).content.decode()
    assert "Dernière mesure : 250 personnes" in autumn and "75 %" in autumn
    assert "non atteint à cette date" in autumn
    assert client.get(url(world), {"date": "31/02/2023"}).status_code == 400
    assert client.get(url(world), {"date": "0001-01-01"}).status_code == 400


def test_the_pdf_is_built_by_a_task_and_downloaded_by_members_only(client, world, django_capture_on_commit_callbacks):
    client.force_login(world.referents[0])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(world), {"date": "2023-10-31"})
    assert response.status_code == 302
    report = EvaluationReport.objects.get()
    assert report.status == "done" and report.as_of == datetime.date(2023, 10, 31)
    download = reverse("plans:report_download", args=[world.project.slug, world.towns[0].slug, report.pk])
    pdf = client.get(download)
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    client.logout()
    assert client.get(download).status_code == 404
    client.force_login(world.referents[1])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url(world), {"date": "2023-10-31"}).status_code == 403
    assert EvaluationReport.objects.count() == 1


def test_a_report_in_the_future_is_refused(client, world, django_capture_on_commit_callbacks):
    client.force_login(world.referents[0])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url(world), {"date": "2999-01-01"})
        client.post(url(world), {"date": "pas une date"})
    assert not EvaluationReport.objects.exists()
