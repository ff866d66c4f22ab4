"""The import pages as a referent uses them: upload, columns and preview, start, follow, report,
duplicates; bad input answered with a French message and a 400, never a 500."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from territoires.diagnostic.imports.models import DuplicateProposal, ImportJob
from territoires.diagnostic.models import Entry
from tests.diagnostic.helpers import make_entry
from tests.diagnostic.test_imports import SAMPLES, world  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def test_a_referent_imports_a_file_from_upload_to_report(client, world, django_capture_on_commit_callbacks):  # noqa: F811
    make_entry(world, "place", name="Musée Bernard d'Agesci", address="26 avenue de Limoges, 79000 Niort")
    client.force_login(world.referents[0])
    url = reverse("diagnostic:import_list", args=[world.project.slug, world.towns[0].slug])
    assert "Déposer un fichier" in client.get(url).content.decode()
    content = (
        SAMPLES / "basilic.csv"
    ).read_bytes() + "Sans position;;79000;Niort;79191;X1;99;Musée;;;;40.4;-3.7;;;;;\n".encode()
    response = client.post(url, {"target": "directory", "file": SimpleUploadedFile("basilic.csv", content)})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("diagnostic:import_detail", args=[job.pk])
    page = client.get(response["Location"]).content.decode()
    assert "Modèle de colonnes reconnu" in page and "Antenne de Sainte-Pezenne" in page  # preview
    assert "laissée de côté" in page  # a Bourges row in a Niort import
    mapping = {f"col_{target}": column for target, column in job.mapping.items()}
    form = {"preset": "basilic", "kind": "place", "source": job.source, "source_year": 2024, **mapping}
    page = client.post(response["Location"], {**form, "action": "preview"}).content.decode()
    assert "Aperçu" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("diagnostic:import_detail", args=[job.pk]), {**form, "action": "start"})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Import terminé" in page and "Examiner les doublons" in page
    report = client.get(reverse("diagnostic:import_report", args=[job.pk]))
    text = report.content.decode("utf-8-sig")
    assert report["Content-Type"].startswith("text/csv") and "hors de France" in text and text.startswith("ligne;nom")
    duplicates = reverse("diagnostic:duplicate_list", args=[world.project.slug, world.towns[0].slug])
    assert "Musée Bernard d&#x27;Agesci" in client.get(duplicates).content.decode()
    proposal = DuplicateProposal.objects.get()
    response = client.post(reverse("diagnostic:duplicate_resolve", args=[proposal.pk]), {"action": "keep_existing"})
    assert response.status_code == 302
    assert Entry.objects.current().filter(name__icontains="Agesci").count() == 1


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"\xff\xfeN\x00o\x00m\x00", "f.csv", "UTF-16"),
        (b'{"type": "Feature"}', "f.geojson", "FeatureCollection"),
        (b"12;34\n", "f.csv", "aucune colonne utilisable"),
        (b"Nom\x00;A\n", "f.csv", "binaire"),
    ],
)
def test_bad_files_get_a_french_message_and_a_400(client, world, content, name, message):  # noqa: F811
    client.force_login(world.referents[0])
    url = reverse("diagnostic:import_list", args=[world.project.slug, world.towns[0].slug])
    response = client.post(url, {"target": "directory", "file": SimpleUploadedFile(name, content)})
    assert response.status_code == 400 and message in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_forged_mapping_is_refused_with_a_400(client, world):  # noqa: F811
    client.force_login(world.referents[0])
    url = reverse("diagnostic:import_list", args=[world.project.slug, world.towns[0].slug])
    client.post(url, {"target": "directory", "file": SimpleUploadedFile("f.csv", b"Nom;Adresse\nSalle;1 rue\n")})
    job = ImportJob.objects.get()
    detail = reverse("diagnostic:import_detail", args=[job.pk])
    response = client.post(
        detail, {"action": "start", "kind": "nope", "col_name": "\x00", "source": "", "source_year": "x"}
    )
    assert response.status_code == 400
    assert ImportJob.objects.get().status == ImportJob.Status.UPLOADED
    response = client.post(detail, {"action": "bogus"})
    assert response.status_code == 400
