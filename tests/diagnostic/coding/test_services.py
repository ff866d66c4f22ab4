"""Codings: offsets checked on the server, a stale version refused, codes of another project
refused, nothing saved on error; the codebook: a code in use refused with its count, or merged."""

import pytest
from django.core.exceptions import ValidationError

from territoires.core.models import AuditEvent
from territoires.diagnostic.coding import services
from territoires.diagnostic.coding.models import Code, Coding
from territoires.diagnostic.interviews.models import Transcript
from tests.diagnostic.coding.helpers import make_codes, make_transcript, span
from tests.factories import make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    world = make_project()
    world.transcript = make_transcript(world)
    world.access, world.hours, world.sociability = make_codes(world)
    return world


def create(world, start, end, codes=None, **kwargs):
    return services.coding_create(
        source=world.transcript, codes=codes or [world.hours], start=start, end=end, user=world.consultant, **kwargs
    )


def test_a_passage_is_coded_with_its_words_territory_and_profile(world):
    start, end = span(world.transcript.text, "les horaires ne collent pas")
    created = create(world, start, end, codes=[world.hours, world.access], memo="Horaires de travail")
    assert len(created) == 2
    coding = Coding.objects.get(code=world.hours)
    assert coding.quote == "les horaires ne collent pas"
    assert coding.territory_id == world.transcript.interview.territory_id
    assert coding.project_id == world.project.pk
    assert coding.profile == "resident"  # the interview's only participant
    assert coding.transcript_version == 1 and coding.memo == "Horaires de travail"
    # The same codes on the same passage by the same coder are not repeated.
    assert create(world, start, end, codes=[world.hours]) == []


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (0, 10_000, "sort du texte"),
        (-1, 5, "sort du texte"),
        (20, 20, "après son début"),
        (30, 10, "après son début"),
        ("3", 10, "nombres de caractères"),
    ],
)
def test_bad_offsets_are_refused_and_nothing_is_saved(world, start, end, message):
    with pytest.raises(ValidationError) as error:
        create(world, start, end)
    assert message in " ".join(error.value.messages)
    assert not Coding.objects.exists()


def test_a_passage_of_spaces_only_is_refused(world):
    text = world.transcript.text
    newline = text.index("\n")
    with pytest.raises(ValidationError, match="espaces"):
        create(world, newline, newline + 1)


def test_a_code_of_another_project_is_refused(world):
    other = make_project(title="Autre projet")
    foreign = services.code_create(project=other.project, user=other.consultant, name="Étranger")
    with pytest.raises(ValidationError, match="grille de ce projet"):
        create(world, 0, 10, codes=[world.hours, foreign])
    assert not Coding.objects.exists()


def test_a_coding_on_an_older_version_is_refused_with_a_message_to_reload(world):
    Transcript.objects.filter(pk=world.transcript.pk).update(version=2, text=world.transcript.text + " Ajout.")
    with pytest.raises(ValidationError) as error:
        create(world, 0, 10, version=1)
    assert "Rechargez la page" in error.value.messages[0]
    assert not Coding.objects.exists()
    assert create(world, 0, 10, version=2)[0].transcript_version == 2


def test_a_participant_of_another_interview_is_refused(world):
    other = make_transcript(world, title="Autre entretien", participants=(("P2", "elected"), ("P3", "agent")))
    with pytest.raises(ValidationError, match="personne interrogée"):
        create(world, 0, 10, participant=other.interview.participants.first())


def test_a_code_in_use_is_not_deleted_and_the_count_is_said(world):
    create(world, 0, 10)
    create(world, 20, 30)
    with pytest.raises(ValidationError) as error:
        services.code_delete(code=world.hours, user=world.consultant)
    assert "2 passages" in error.value.messages[0]
    assert Code.objects.filter(pk=world.hours.pk).exists()


def test_an_unused_code_is_deleted_and_its_children_move_up(world):
    services.code_delete(code=world.access, user=world.consultant)
    assert Code.objects.get(pk=world.hours.pk).parent_id is None
    assert AuditEvent.objects.filter(action="code_deleted").exists()


def test_merge_moves_the_codings_and_drops_exact_repeats(world):
    create(world, 0, 10, codes=[world.hours, world.sociability])  # a repeat once merged
    create(world, 20, 30, codes=[world.hours])
    moved = services.code_merge(source=world.hours, target=world.sociability, user=world.consultant)
    assert moved == 1
    assert not Code.objects.filter(pk=world.hours.pk).exists()
    assert Coding.objects.filter(code=world.sociability).count() == 2
    assert AuditEvent.objects.filter(action="codes_merged").exists()


def test_merging_a_parent_into_its_child_keeps_the_tree_sound(world):
    services.code_merge(source=world.access, target=world.hours, user=world.consultant)
    assert Code.objects.get(pk=world.hours.pk).parent_id is None


def test_the_codebook_refuses_cycles_and_duplicate_names(world):
    with pytest.raises(ValidationError, match="sous lui-même"):
        services.code_update(
            code=world.access, user=world.consultant, name="Accès", parent=world.hours, definition="", example="",
            colour="#000000",
        )  # fmt: skip
    with pytest.raises(ValidationError, match="déjà un code"):
        services.code_create(project=world.project, user=world.consultant, name="accès")
    with pytest.raises(ValidationError):
        services.code_create(project=world.project, user=world.consultant, name="Rouge", colour="red")
