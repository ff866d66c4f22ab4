"""Census margins: the grid of one territory and the CSV import (a bad file refused with each
bad line and its reason, nothing half-saved; a referent only for its own territory)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from territoires.core.models import AuditEvent
from territoires.surveys.margins import cell_field_name
from territoires.surveys.models import PopulationCell
from tests.surveys.factories import make_survey

pytestmark = pytest.mark.django_db
AGES = ["15-24", "25-34", "35-49", "50-64", "65-79", "80+"]


@pytest.fixture
def ns():
    return make_survey()


def _url(ns):
    return reverse("surveys:margins", args=[ns.survey.pk])


def _csv(ns, lines, header="territoire,tranche_age,genre,population,annee,source"):
    return SimpleUploadedFile("marges.csv", ("\n".join([header, *lines]) + "\n").encode(), content_type="text/csv")


def _good_lines(ns, deployment_index=0, key="insee"):
    organisation = ns.deployments[deployment_index].participation.organisation
    territory = organisation.insee_code if key == "insee" else organisation.name
    return [
        f"{territory},{age},{gender},{1000 + i},2020,INSEE RP 2020"
        for i, (age, gender) in enumerate((age, gender) for age in AGES for gender in "fm")
    ]


def test_grid_saves_a_territory_margins(client, ns):
    client.force_login(ns.project_ns.referents[0])
    data = {"action": "grid", "territoire": ns.deployments[0].pk, "year": 2020, "source": "INSEE RP 2020"}
    for age in AGES:
        for gender in "fm":
            data[cell_field_name(age, gender)] = 1500
    response = client.post(_url(ns), data)
    assert response.status_code == 302
    assert PopulationCell.objects.filter(deployment=ns.deployments[0]).count() == 12
    assert AuditEvent.objects.filter(action="survey_margins_changed").count() == 1


def test_grid_refuses_negative_numbers_and_saves_nothing(client, ns):
    client.force_login(ns.project_ns.referents[0])
    data = {"action": "grid", "territoire": ns.deployments[0].pk, "year": 2020, "source": "INSEE"}
    data[cell_field_name("15-24", "f")] = -4
    data[cell_field_name("25-34", "f")] = "abc"
    response = client.post(_url(ns), data)
    assert response.status_code == 400
    assert not PopulationCell.objects.exists()
    empty = {"action": "grid", "territoire": ns.deployments[0].pk, "year": 2020, "source": "INSEE"}
    assert client.post(_url(ns), empty).status_code == 400


def test_a_referent_cannot_enter_another_territory_margins(client, ns):
    client.force_login(ns.project_ns.referents[0])
    data = {"action": "grid", "territoire": ns.deployments[1].pk, "year": 2020, "source": "INSEE"}
    data[cell_field_name("15-24", "f")] = 10
    assert client.post(_url(ns), data).status_code == 403
    assert not PopulationCell.objects.exists()  # neither the other territory nor the referent's own
    response = client.get(_url(ns) + f"?territoire={ns.deployments[1].pk}")
    assert response.context["selected"] == ns.deployments[0]
    assert "Vous ne pouvez pas saisir" in response.content.decode()


def test_csv_import_by_insee_code_or_name_semicolons_too(client, ns):
    client.force_login(ns.project_ns.consultant)
    lines = _good_lines(ns, 0) + _good_lines(ns, 1, key="name")
    response = client.post(_url(ns), {"action": "import", "file": _csv(ns, lines)})
    assert response.status_code == 302
    assert PopulationCell.objects.count() == 24
    semicolons = [line.replace(",", ";") for line in _good_lines(ns, 2)]
    header = "Territoire;Tranche_age;Genre;Population;Année;Source"
    response = client.post(_url(ns), {"action": "import", "file": _csv(ns, semicolons, header=header)})
    assert response.status_code == 302
    assert PopulationCell.objects.count() == 36


def test_csv_with_bad_lines_is_refused_with_line_and_reason(client, ns):
    client.force_login(ns.project_ns.consultant)
    lines = _good_lines(ns, 0)
    lines[1] = lines[1].replace("25-34", "12-17") if "25-34" in lines[1] else lines[1].replace("15-24", "12-17")
    lines[4] = "Atlantide,25-34,f,100,2020,INSEE"
    lines[6] = lines[6].rsplit(",", 3)[0] + ",-5,2020,INSEE"
    lines.append(lines[0])  # duplicate of line 2
    response = client.post(_url(ns), {"action": "import", "file": _csv(ns, lines)})
    assert response.status_code == 400
    errors = response.context["import_errors"]
    text = " ".join(errors)
    assert "Ligne 3" in text and "12-17" in text
    assert "Ligne 6" in text and "Atlantide" in text
    assert "Ligne 8" in text and "population" in text
    assert "Ligne 14" in text and "ligne 2" in text
    assert not PopulationCell.objects.exists()
    assert (
        "rien n&#x27;a été importé" in response.content.decode() or "rien n'a été importé" in response.content.decode()
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "vide"),
        (b"\xff\xfe\x00\x00garbage", "CSV"),
        (b"territoire,genre\nx,f\n", "colonnes manquantes"),
        ("é".encode("latin-1") * 10, "UTF-8"),
        (b"territoire,tranche_age,genre,population,annee,source\n", "aucune ligne"),
    ],
)
def test_malformed_files_are_refused(client, ns, content, message):
    client.force_login(ns.project_ns.consultant)
    upload = SimpleUploadedFile("marges.csv", content, content_type="text/csv")
    response = client.post(_url(ns), {"action": "import", "file": upload})
    assert response.status_code == 400
    assert message in " ".join(response.context["import_errors"]) or response.context["import_form"].errors
    assert not PopulationCell.objects.exists()


def test_referent_csv_line_for_another_territory_is_refused(client, ns):
    client.force_login(ns.project_ns.referents[0])
    response = client.post(_url(ns), {"action": "import", "file": _csv(ns, _good_lines(ns, 0) + _good_lines(ns, 1))})
    assert response.status_code == 400
    assert "vous ne pouvez pas modifier" in " ".join(response.context["import_errors"])
    assert not PopulationCell.objects.exists()


@pytest.mark.parametrize(
    ("role", "expected"), [("agent", 403), ("referent", 200), ("consultant", 200), ("facilitator", 200)]
)
def test_margins_page_permissions(client, ns, role, expected):
    users = {
        "agent": ns.project_ns.agents[0],
        "referent": ns.project_ns.referents[0],
        "consultant": ns.project_ns.consultant,
        "facilitator": ns.project_ns.facilitator,
    }
    client.force_login(users[role])
    assert client.get(_url(ns)).status_code == expected
