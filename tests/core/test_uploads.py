"""Uploads are judged by parsing them: an HTML page carrying "%PDF-" in a comment is not a PDF, a PDF
that runs a script is refused, and what is served goes out as a download under a safe name."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from territoires.community.models import Attachment
from territoires.core.validators import safe_download_name, validate_pdf_upload
from territoires.library.validators import detect_attachment_format
from tests.community.test_bad_input import close_keeping_connection
from tests.factories import make_project, pdf_bytes

HTML_DISGUISED = b"<!-- %PDF-1.4 --><html><body><script>alert(document.cookie)</script></body></html>"


def pdf_with_open_action_script() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=300, height=144)
    action = DictionaryObject(
        {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(1)")}
    )
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def upload(content, name="deliberation.pdf"):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def test_a_real_pdf_passes():
    validate_pdf_upload(upload(pdf_bytes()))


def test_an_html_page_that_says_pdf_in_a_comment_is_refused():
    with pytest.raises(ValidationError) as refused:
        validate_pdf_upload(upload(HTML_DISGUISED))
    assert refused.value.code == "not_pdf"


def test_a_pdf_header_on_garbage_is_refused():
    with pytest.raises(ValidationError) as refused:
        validate_pdf_upload(upload(b"%PDF-1.7\n" + b"nothing of a PDF" * 100))
    assert refused.value.code == "not_pdf"


def test_a_pdf_that_runs_a_script_when_opened_is_refused_with_a_way_out():
    with pytest.raises(ValidationError) as refused:
        validate_pdf_upload(upload(pdf_with_open_action_script()))
    assert refused.value.code == "active_pdf"
    assert "Imprimer en PDF" in refused.value.messages[0]


@pytest.mark.parametrize("content", [HTML_DISGUISED, pdf_with_open_action_script()])
def test_library_attachments_get_the_same_check(content):
    with pytest.raises(ValidationError):
        detect_attachment_format(SimpleUploadedFile("guide.pdf", content, content_type="application/pdf"))


def test_safe_download_names():
    assert safe_download_name("Compte rendu <script>.html", "pdf") == "compte-rendu-script.pdf"
    assert safe_download_name("../../etc/passwd", "pdf") == "passwd.pdf"
    assert safe_download_name("", "png") == "fichier.png"


@pytest.mark.django_db
def test_a_discussion_attachment_is_served_under_the_type_it_was_judged(client):
    from territoires.community import services

    world = make_project()
    client.force_login(world.referents[0])
    thread = services.thread_create(user=world.referents[0], title="Pièces", body="Voici", project=world.project)
    sent = SimpleUploadedFile("notes.html", pdf_bytes(), content_type="text/html")
    response = client.post(reverse("community:thread_reply", args=[thread.pk]), {"body": "Pièce", "files": [sent]})
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    download = client.get(attachment.get_absolute_url())
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == 'attachment; filename="notes.pdf"'
    assert "sandbox" in download["Content-Security-Policy"]
    close_keeping_connection(download)
