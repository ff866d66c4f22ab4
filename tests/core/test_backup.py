"""`manage.py backup` and `restore`: a round trip through an emptied installation gives back the same
pages and the same files, on the configured database (SQLite or PostgreSQL)."""

import io
import re
import tarfile

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from territoires.community import services as community
from territoires.core.process_caches import reset_process_caches
from territoires.core.storage import PrivateStorage, private_files
from tests.factories import make_project

pytestmark = pytest.mark.django_db(transaction=True)

# Per-request values that differ between two renderings of the same page.
VOLATILE = re.compile(r'(name="(csrfmiddlewaretoken|submission_key)" value=")[^"]*"|(nonce=")[^"]*"')


def render(client, paths) -> dict[str, str]:
    pages = {}
    for path in paths:
        cache.clear()
        reset_process_caches()
        response = client.get(path)
        assert response.status_code == 200, path
        pages[path] = VOLATILE.sub(r"\1\3", response.content.decode())
    return pages


@pytest.fixture
def installation():
    world = make_project(participants=3, title="Concevoir l'action culturelle")
    community.thread_create(
        user=world.referents[0], title="Horaires de la médiathèque", body="Ouvrir le dimanche ?", project=world.project
    )
    world.media_name = default_storage.save("library/test/fiche.txt", ContentFile(b"ressource"))
    world.private_name = PrivateStorage().save("surveys/exports/test/export.csv", ContentFile(b"id;reponse\n1;oui\n"))
    world.public_paths = ["/", "/projets/", world.project.get_absolute_url(), "/themes/"]
    return world


def test_a_restore_into_an_emptied_installation_gives_the_same_pages_and_files(client, installation, tmp_path):
    world = installation
    before = render(client, world.public_paths)
    client.force_login(world.referents[0])
    before_signed_in = render(client, ["/mon-espace/", world.project.get_absolute_url()])
    client.logout()

    archive = tmp_path / "sauvegarde.tar.gz"
    out = io.StringIO()
    call_command("backup", str(archive), stdout=out)
    assert "Sauvegarde écrite" in out.getvalue()
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert "manifest.json" in names and f"media/{world.media_name}" in names
    assert f"private/{world.private_name}" in names

    # An empty installation: no row, no file.
    call_command("flush", interactive=False, verbosity=0)
    default_storage.delete(world.media_name)
    PrivateStorage().delete(world.private_name)
    cache.clear()

    out = io.StringIO()
    call_command("restore", str(archive), stdout=out)
    assert "Restauration terminée" in out.getvalue()
    assert render(client, world.public_paths) == before
    client.force_login(world.referents[0])
    assert render(client, ["/mon-espace/", world.project.get_absolute_url()]) == before_signed_in
    with default_storage.open(world.media_name) as restored:
        assert restored.read() == b"ressource"
    with PrivateStorage().open(world.private_name) as restored:
        assert restored.read() == b"id;reponse\n1;oui\n"


def test_restore_refuses_a_database_with_accounts_unless_replace(installation, tmp_path):
    archive = tmp_path / "sauvegarde.tar.gz"
    call_command("backup", str(archive), stdout=io.StringIO())
    with pytest.raises(CommandError, match="contient déjà des comptes"):
        call_command("restore", str(archive), stdout=io.StringIO())
    call_command("restore", str(archive), "--replace", stdout=io.StringIO())


def test_restore_refuses_what_is_not_a_backup(db, tmp_path):
    stray = tmp_path / "autre.tar.gz"
    with tarfile.open(stray, "w:gz") as tar:
        info = tarfile.TarInfo("notes.txt")
        tar.addfile(info, io.BytesIO(b""))
    with pytest.raises(CommandError, match="pas une sauvegarde"):
        call_command("restore", str(stray), stdout=io.StringIO())
    with pytest.raises(CommandError, match="introuvable"):
        call_command("restore", str(tmp_path / "absent.tar.gz"), stdout=io.StringIO())


def test_a_round_trip_with_files_in_a_bucket(client, s3_bucket, s3_endpoint, tmp_path):
    """With MEDIA_S3_BUCKET the archive takes the uploads and private files from the bucket, and the
    restore puts them back under the same names, into an emptied bucket."""
    from tests.s3_support import bucket_names, s3_client

    world = make_project(participants=2, title="Concevoir l'action culturelle")
    media_name = default_storage.save("library/test/fiche.txt", ContentFile(b"ressource"))
    private_name = private_files.save("surveys/exports/test/export.csv", ContentFile(b"id;reponse\n1;oui\n"))
    nested = default_storage.save("observation/2026/12/photo.jpg", ContentFile(b"\xff\xd8jpeg"))
    before = render(client, ["/", world.project.get_absolute_url()])
    stored_before = bucket_names(s3_endpoint, s3_bucket)
    assert stored_before == sorted([f"media/{media_name}", f"media/{nested}", f"private/{private_name}"])

    archive = tmp_path / "sauvegarde.tar.gz"
    call_command("backup", str(archive), stdout=io.StringIO())
    with tarfile.open(archive) as tar:
        assert {f"media/{media_name}", f"media/{nested}", f"private/{private_name}"} <= set(tar.getnames())

    call_command("flush", interactive=False, verbosity=0)
    for key in stored_before:
        s3_client(s3_endpoint).delete_object(Bucket=s3_bucket, Key=key)
    assert bucket_names(s3_endpoint, s3_bucket) == []
    cache.clear()

    out = io.StringIO()
    call_command("restore", str(archive), stdout=out)
    assert "Restauration terminée" in out.getvalue()
    assert bucket_names(s3_endpoint, s3_bucket) == stored_before
    assert render(client, ["/", world.project.get_absolute_url()]) == before
    with default_storage.open(media_name) as restored:
        assert restored.read() == b"ressource"
    with private_files.open(private_name) as restored:
        assert restored.read() == b"id;reponse\n1;oui\n"

    # Restored over itself (--replace): the same names, not copies beside them.
    call_command("restore", str(archive), "--replace", stdout=io.StringIO())
    assert bucket_names(s3_endpoint, s3_bucket) == stored_before
