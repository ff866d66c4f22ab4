"""Transcript files: their text is extracted, whatever their format; a file that is not what it
claims, too large, encrypted, scanned, a zip bomb or XML with entities gets a clear French message
and changes nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from territoires.diagnostic.interviews.extraction import transcript_text_from_upload
from territoires.diagnostic.interviews.models import Interview, Transcript
from tests.diagnostic.interviews import files
from tests.diagnostic.interviews.helpers import TRANSCRIPT, interview_for
from tests.factories import make_project, pdf_bytes

PARAGRAPHS = ["P1 : La médiathèque est loin.", "P2 : « Oui », et l'été c'est fermé."]


def upload(name, content):
    return SimpleUploadedFile(name, content)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("entretien.docx", files.docx_bytes(PARAGRAPHS)),
        ("entretien.odt", files.odt_bytes(PARAGRAPHS)),
        ("entretien.txt", "\n".join(PARAGRAPHS).encode()),
        ("entretien.txt", "\n".join(PARAGRAPHS).encode("cp1252")),
        ("entretien.txt", b"\xef\xbb\xbf" + "\r\n".join(PARAGRAPHS).encode()),
    ],
)
def test_the_text_of_each_format_is_extracted(name, content):
    text, source = transcript_text_from_upload(upload(name, content))
    assert text == "\n".join(PARAGRAPHS)
    assert source == name.rsplit(".", 1)[1]


def test_the_text_of_a_pdf_is_extracted():
    text, source = transcript_text_from_upload(upload("entretien.pdf", files.pdf_with_text("La médiathèque est loin")))
    assert "médiathèque est loin" in text and source == "pdf"


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("entretien.docx", b"MZ\x90\x00" + b"\x00" * 200, "n'est pas un document Word"),
        ("entretien.docx", files.odt_bytes(PARAGRAPHS), "n'est pas un document Word"),
        ("entretien.odt", files.docx_bytes(PARAGRAPHS), "n'est pas un document OpenDocument"),
        ("entretien.txt", b"\x00\x01\x02binaire" * 50, "n'est pas un fichier texte"),
        ("entretien.pdf", b"<html>%PDF-1.4</html>", "n'est pas un PDF"),
        ("entretien.pdf", pdf_bytes(), "ne contient pas de texte lisible"),
        ("entretien.pdf", files.encrypted_pdf(), "PDF protégé"),
        ("entretien.docx", files.zip_bomb_docx(), "bombe de décompression"),
        ("entretien.docx", files.entity_docx(), "entités"),
        ("entretien.exe", b"MZ", "déposez un fichier .txt, .docx, .odt ou .pdf"),
        ("entretien.txt", b"", "est vide"),
        ("entretien.docx", files.docx_bytes(["   "]), "ne contient aucun texte"),
    ],
)
def test_a_bad_file_gets_a_clear_message(name, content, words):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        transcript_text_from_upload(upload(name, content))
    assert words in " ".join(error.value.messages)


def test_a_50_mb_file_is_refused_by_its_size(settings):
    big = upload("entretien.txt", b"a" * (50 * 1024 * 1024))
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        transcript_text_from_upload(big)
    assert "la limite est de 10,0 Mo" in error.value.messages[0] or "limite" in error.value.messages[0]


@pytest.mark.django_db
class TestThroughThePage:
    @pytest.fixture
    def world(self):
        world = make_project()
        world.x = world.project.participations.get(organisation=world.towns[0])
        world.interview = interview_for(world.x, world.consultant)
        return world

    def post(self, client, world, **data):
        client.force_login(world.consultant)
        return client.post(reverse("interviews:transcript", args=[world.interview.pk]), data)

    def test_an_uploaded_docx_becomes_the_transcript(self, client, world):
        response = self.post(client, world, upload=upload("e.docx", files.docx_bytes(PARAGRAPHS)), text="", version=0)
        assert response.status_code == 302
        transcript = Transcript.objects.get(interview=world.interview)
        assert transcript.text == "\n".join(PARAGRAPHS) and transcript.source == "docx" and transcript.version == 1

    @pytest.mark.parametrize(
        ("name", "content"),
        [("e.docx", b"MZ" + b"\x00" * 100), ("e.pdf", pdf_bytes()), ("e.docx", files.zip_bomb_docx())],
    )
    def test_a_bad_upload_changes_nothing(self, client, world, name, content):
        self.post(client, world, text=TRANSCRIPT, version=0)
        response = self.post(client, world, upload=upload(name, content), text="", version=1)
        assert response.status_code == 400
        assert "Rien" in response.content.decode() or "rien" in response.content.decode()
        transcript = Transcript.objects.get(interview=world.interview)
        assert transcript.text == TRANSCRIPT.strip("\n") and transcript.version == 1

    def test_a_stale_form_does_not_overwrite_a_newer_transcript(self, client, world):
        self.post(client, world, text=TRANSCRIPT, version=0)
        self.post(client, world, text=TRANSCRIPT + "Ajout.", version=1)
        response = self.post(client, world, text="Ancienne copie", version=1)
        assert response.status_code == 400 and "modifiée par une autre personne" in response.content.decode()
        assert Transcript.objects.get(interview=world.interview).version == 2

    def test_no_transcript_without_consent(self, client, world):
        Interview.objects.filter(pk=world.interview.pk).update(consent_given=False)
        response = self.post(client, world, text=TRANSCRIPT, version=0)
        assert response.status_code == 400 and not Transcript.objects.exists()

    def test_the_consent_form_is_checked_by_its_content(self, client, world):
        client.force_login(world.consultant)
        data = {
            "title": "Entretien", "kind": "collective", "held_on": "2021-10-06", "place_label": "Salle des fêtes",
            "consent_given": "on", "consent_on": "2021-10-06", "participants-TOTAL_FORMS": "1",
            "participants-INITIAL_FORMS": "0", "participants-0-label": "Groupe de parents",
            "participants-0-profile": "resident",
        }  # fmt: skip
        url = reverse("interviews:create", args=[world.project.slug, world.towns[0].slug])
        fake = client.post(url, {**data, "consent_file": upload("signé.pdf", b"<html>not a pdf</html>")})
        assert fake.status_code == 400 and Interview.objects.count() == 1
        assert "est pas un PDF" in fake.content.decode()
        real = client.post(url, {**data, "consent_file": upload("signé.pdf", pdf_bytes("Consentement"))})
        assert real.status_code == 302
        interview = Interview.objects.exclude(pk=world.interview.pk).get()
        assert interview.consent_file.name.endswith("consent.pdf")
        download = client.get(reverse("interviews:consent", args=[interview.pk]))
        assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
        download.close()
