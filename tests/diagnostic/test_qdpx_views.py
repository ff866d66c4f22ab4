"""The exchange page as its users meet it: forms with clear errors (status 400, nothing queued), an
import resent twice stored once, the state page of a failed import naming every problem, and the
excerpts as CSV and XLSX — verbatim in the circle, pseudonymised outside it, formula-safe."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from territoires.diagnostic.interviews.models import Pseudonym
from territoires.diagnostic.qdpx.models import CodingExchange
from tests.diagnostic.qdpx_helpers import build_corpus, coding
from tests.support import data_kept_for_the_module

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    def build():
        corpus = build_corpus()
        Pseudonym.objects.create(territory=corpus.x, name="Hélène", replacement="[la bibliothécaire]")
        corpus.formula = coding(
            corpus.sociability, transcript=corpus.t2, text=corpus.t2.text, needle="P2 : Le festival",
            coder=corpus.consultant, memo="=HYPERLINK(\"http://exemple.test\")",
        )  # fmt: skip
        return corpus

    with data_kept_for_the_module(django_db_blocker, build) as data:
        yield data


def url(world):
    return reverse("qdpx:exchange", args=[world.project.slug])


def test_the_page_shows_what_each_person_may_do(client, world):
    client.force_login(world.consultant)
    page = client.get(url(world)).content.decode()
    assert "Préparer le fichier .qdpx" in page and "Importer la grille" in page and "Importer le projet" in page
    client.force_login(world.agents[0])
    page = client.get(url(world)).content.decode()
    assert "Préparer le fichier .qdc" in page
    assert "Préparer le fichier .qdpx" not in page and "Importer la grille" not in page
    client.force_login(world.referents[0])
    page = client.get(url(world)).content.decode()
    # The referent exports their own territory only: the whole project is not offered.
    assert "Préparer le fichier .qdpx" in page and "Tout le projet (tous les territoires)" not in page


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("grille.docx", b"<CodeBook/>", "extension .qdc ou .xml"),
        ("grille.qdc", b"", "vide"),
    ],
)
def test_a_wrong_codebook_upload_is_a_form_error(client, world, name, content, message):
    client.force_login(world.consultant)
    before = CodingExchange.objects.count()
    response = client.post(url(world), {"action": "import_qdc", "qdc-file": SimpleUploadedFile(name, content)})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert CodingExchange.objects.count() == before


def test_a_project_upload_needs_a_territory_and_a_size_within_the_limit(client, world, settings):
    client.force_login(world.consultant)
    response = client.post(url(world), {"action": "import_qdpx", "qdpx-file": SimpleUploadedFile("p.qdpx", b"PK")})
    assert response.status_code == 400 and "Choisissez un territoire" in response.content.decode()
    settings.QDPX_IMPORT_MAX_MB = 0
    response = client.post(
        url(world),
        {"action": "import_qdpx", "qdpx-territory": str(world.x.pk), "qdpx-file": SimpleUploadedFile("p.qdpx", b"PK")},
    )
    assert response.status_code == 400 and "la limite est de" in response.content.decode()


def test_an_import_sent_twice_is_stored_once(client, world):
    client.force_login(world.consultant)
    page = client.get(url(world)).content.decode()
    key = page.split('name="qdc-submission_key" value="')[1].split('"')[0]
    data = {"action": "import_qdc", "qdc-submission_key": key}
    before = CodingExchange.objects.count()
    first = client.post(url(world), {**data, "qdc-file": SimpleUploadedFile("g.qdc", b"<CodeBook/>")})
    again = client.post(url(world), {**data, "qdc-file": SimpleUploadedFile("g.qdc", b"<CodeBook/>")})
    assert first.status_code == again.status_code == 302
    assert CodingExchange.objects.count() == before + 1


def test_a_failed_import_names_its_problems_on_its_page(client, world):
    from territoires.diagnostic.qdpx import services

    client.force_login(world.consultant)
    exchange = services.coding_import_request(
        project=world.project, user=world.consultant, kind="import_qdpx", territory=world.x,
        upload=SimpleUploadedFile("p.qdpx", b"pas une archive"),
    )  # fmt: skip
    services.coding_exchange_run(exchange_id=exchange.pk)
    page = client.get(reverse("qdpx:status", args=[exchange.pk])).content.decode()
    assert "rien n&#x27;a été modifié" in page or "rien n'a été modifié" in page
    assert "archive ZIP" in page


def _csv(response) -> list[dict]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def test_excerpts_csv_is_verbatim_in_the_circle_and_pseudonymised_outside(client, world):
    client.force_login(world.consultant)
    rows = _csv(client.get(reverse("qdpx:excerpts_csv", args=[world.project.slug]), {"territory": world.x.pk}))
    assert rows and all(row["Pseudonymisé"] == "non" for row in rows)
    client.force_login(world.agents[0])  # a staff member of town X, outside the transcript circle
    rows = _csv(client.get(reverse("qdpx:excerpts_csv", args=[world.project.slug]), {"territory": world.x.pk}))
    assert rows and all(row["Pseudonymisé"] == "oui" for row in rows)


def test_excerpts_are_safe_for_spreadsheets(client, world):
    client.force_login(world.consultant)
    rows = _csv(client.get(reverse("qdpx:excerpts_csv", args=[world.project.slug]), {"code": world.sociability.pk}))
    memos = [row["Mémo"] for row in rows if row["Mémo"].startswith("'")]
    assert memos == ['\'=HYPERLINK("http://exemple.test")']


def test_excerpts_xlsx_opens_with_its_rows(client, world):
    from openpyxl import load_workbook

    client.force_login(world.consultant)
    response = client.get(reverse("qdpx:excerpts_xlsx", args=[world.project.slug]), {"code": world.hours.pk})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    rows = list(sheet.values)
    assert rows[0][0] == "Code" and len(rows) == 2 and rows[1][0] == "Horaires"


@pytest.mark.parametrize("query", [{"code": "999999"}, {"code": "abc"}, {"territory": "0"}, {"profile": "x" * 50}])
def test_bad_filters_answer_404_never_500(client, world, query):
    client.force_login(world.consultant)
    assert client.get(reverse("qdpx:excerpts_csv", args=[world.project.slug]), query).status_code == 404


def test_observers_and_visitors_get_no_excerpts(client, world):
    response = client.get(reverse("qdpx:excerpts_csv", args=[world.project.slug]))
    assert response.status_code in (302, 404)
