"""Observation notes: where (a place of the directory or a public space), when, what was seen;
photos judged by their content and stored without their metadata; bad input changes nothing."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from territoires.diagnostic.observation import services
from territoires.diagnostic.observation.models import ObservationNote, ObservationPhoto
from territoires.diagnostic.synthesis import services as synthesis_services
from tests.community.test_bad_input import close_keeping_connection
from tests.diagnostic.helpers import make_entry, territory_of
from tests.factories import make_project

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world():
    world = make_project()
    world.x = territory_of(world)
    return world


def data(**overrides):
    return {"public_space": "Place du marché", "observed_on": datetime.date(2021, 10, 12), "time_slot": "morning",
            "uses": "Marché, un accordéoniste", **overrides}  # fmt: skip


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (640, 480), (120, 160, 200))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (46.0, 19.0, 25.0)}  # GPS block
    output = io.BytesIO()
    image.save(output, format="JPEG", exif=exif)
    return output.getvalue()


def test_a_note_in_a_place_of_the_directory_with_tags(world):
    place = make_entry(world, "place")
    note = services.observation_create(
        territory=world.x, user=world.agents[0], data=data(place=place, public_space=""), tags="Jeunes, marché; jeunes"
    )
    assert note.where == place.name and note.observer == world.agents[0]
    assert sorted(note.tags.values_list("name", flat=True)) == ["jeunes", "marché"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"public_space": ""}, "public_space"),
        ({"observed_on": datetime.date.today() + datetime.timedelta(days=2)}, "observed_on"),
        ({"time_slot": "midnight"}, "time_slot"),
        ({"uses": ""}, "people"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(world, overrides, field):
    with pytest.raises(ValidationError) as error:
        services.observation_create(territory=world.x, user=world.agents[0], data=data(**overrides))
    assert field in error.value.message_dict
    assert not ObservationNote.objects.exists()


def test_a_place_of_another_territory_is_refused(world):
    elsewhere = make_entry(world, "place", index=1)
    with pytest.raises(ValidationError):
        services.observation_create(territory=world.x, user=world.agents[0], data=data(place=elsewhere))


def test_a_photo_is_stored_without_its_metadata_and_served_to_the_team_only(client, world):
    note = services.observation_create(territory=world.x, user=world.agents[0], data=data())
    client.force_login(world.agents[0])
    response = client.post(
        reverse("observation:photo_add", args=[note.pk]),
        {"image": SimpleUploadedFile("marche.jpg", jpeg_with_gps(), "image/jpeg"), "caption": "Les étals",
         "consent": "no_person"},
    )  # fmt: skip
    assert response.status_code == 302
    photo = ObservationPhoto.objects.get()
    with photo.image.open("rb") as stored:
        image = Image.open(io.BytesIO(stored.read()))
        assert image.format == "JPEG" and not image.getexif()
    served = client.get(photo.get_absolute_url())
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    close_keeping_connection(served)
    client.force_login(world.referents[1])  # another territory
    assert client.get(photo.get_absolute_url()).status_code == 404
    client.logout()
    assert client.get(photo.get_absolute_url()).status_code == 302


@pytest.mark.parametrize(
    ("upload", "consent", "message"),
    [
        (SimpleUploadedFile("photo.jpg", b"<html>not an image</html>", "image/jpeg"), "no_person", "pas une photo"),
        (SimpleUploadedFile("photo.gif", b"GIF89a" + b"\x00" * 40, "image/gif"), "no_person", "pas une photo"),
        (SimpleUploadedFile("photo.jpg", jpeg_with_gps(), "image/jpeg"), "", "personnes sont reconnaissables"),
    ],
)
def test_a_bad_photo_gets_a_clear_message_and_nothing_is_stored(client, world, upload, consent, message):
    note = services.observation_create(territory=world.x, user=world.agents[0], data=data())
    client.force_login(world.agents[0])
    response = client.post(
        reverse("observation:photo_add", args=[note.pk]), {"image": upload, "caption": "Photo", "consent": consent}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ObservationPhoto.objects.exists()


def test_a_note_cited_by_a_finding_cannot_be_deleted(world):
    note = services.observation_create(territory=world.x, user=world.consultant, data=data())
    synthesis = synthesis_services.synthesis_for(project=world.project, territory=world.x)
    finding = synthesis_services.finding_create(synthesis=synthesis, user=world.consultant, statement="Le marché anime")
    synthesis_services.evidence_add(
        finding=finding, user=world.consultant, kind="observation", reference={"note": note.pk}
    )
    with pytest.raises(ValidationError):
        services.observation_delete(note=note, user=world.consultant)
    assert ObservationNote.objects.filter(pk=note.pk).exists()
