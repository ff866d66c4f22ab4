"""The directory's services and pages: sources, validation, idempotency, publication, merge, history."""

import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from territoires.core.models import AuditEvent
from territoires.diagnostic import services
from territoires.diagnostic.geo import check_position
from territoires.diagnostic.identifiers import validate_siret
from territoires.diagnostic.models import DEFAULT_FAMILIES, ActorFamily, Entry, FieldSource
from tests.diagnostic.helpers import family, make_entry, territory_of
from tests.factories import make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return make_project()


def directory_url(world, index=0):
    return reverse("diagnostic:territory_directory", args=[world.project.slug, world.towns[index].slug])


def create_url(world, kind, index=0):
    return reverse("diagnostic:entry_create", args=[world.project.slug, world.towns[index].slug, kind])


def test_families_are_seeded_once_per_project(world):
    first = services.families_for(project=world.project)
    again = services.families_for(project=world.project)
    assert [f.name for f in first] == [str(name) for name in DEFAULT_FAMILIES]
    assert len(again) == 7 and ActorFamily.objects.count() == 7


def test_a_family_name_is_unique_and_a_used_family_is_not_deleted(world):
    used = family(world)
    make_entry(world)
    with pytest.raises(ValidationError, match="existe déjà"):
        services.family_save(project=world.project, user=world.facilitator, name="associations")
    with pytest.raises(ValidationError, match="classe encore"):
        services.family_delete(family=used, user=world.facilitator)
    added = services.family_save(project=world.project, user=world.consultant, name="Lieux de culte")
    assert added.position == 7


@pytest.mark.parametrize(
    ("latitude", "longitude", "message"),
    [
        (Decimal("-0.4588"), Decimal("46.3237"), "semblent inversées"),
        (Decimal("40.4168"), Decimal("-3.7038"), "hors de France"),  # Madrid
        (Decimal("46.3237"), None, "aucune des deux"),
        (Decimal("123"), Decimal("2"), "entre -90 et 90"),
    ],
)
def test_positions_outside_france_or_swapped_are_refused(latitude, longitude, message):
    with pytest.raises(ValidationError, match=message):
        check_position(latitude, longitude)


def test_positions_in_france_pass():
    check_position(Decimal("46.3237"), Decimal("-0.4588"))  # Niort
    check_position(Decimal("-20.8823"), Decimal("55.4504"))  # Saint-Denis de La Réunion
    check_position(None, None)


def test_siret_key_is_checked():
    validate_siret("73282932000074")  # a valid key
    with pytest.raises(ValidationError, match="clé de contrôle"):
        validate_siret("73282932000075")
    with pytest.raises(ValidationError, match="14 chiffres"):
        validate_siret("1234")


def test_the_entry_keeps_its_source_and_an_edit_records_who_changed_each_fact(world):
    entry = services.entry_create(
        territory=territory_of(world), kind="place", user=world.facilitator,
        data={"name": "Musée Bernard d'Agesci", "basilic_type": "musee"},
        source="Ministère de la Culture — Muséofile", source_year=2025,
    )  # fmt: skip
    assert (entry.source, entry.source_year) == ("Ministère de la Culture — Muséofile", 2025)
    changed = services.entry_update(entry=entry, user=world.referents[0], data={"capacity": 120})
    assert changed == ["capacity"]
    override = FieldSource.objects.get(entry=entry, field="capacity")
    assert override.source == f"Saisie par {world.towns[0].name}"
    assert not FieldSource.objects.filter(entry=entry, field="name").exists()
    events = AuditEvent.objects.filter(target_id=entry.pk, action__startswith="directory").values_list(
        "action", flat=True
    )
    assert set(events) == {"directory_entry_created", "directory_entry_changed"}


def test_form_errors_are_french_and_change_nothing(client, world):
    client.force_login(world.referents[0])
    response = client.post(
        create_url(world, "actor"),
        {"name": "Assoc", "family": family(world).pk, "latitude": "-0.4588", "longitude": "46.3237",
         "siret": "12345678901234", "rna": "X123"},
    )  # fmt: skip
    assert response.status_code == 400
    body = response.content.decode()
    assert "semblent inversées" in body and "clé de contrôle" in body and "W suivi de 9" in body
    assert not Entry.objects.exists()


def test_an_object_of_engagement_ends_after_it_starts(client, world):
    client.force_login(world.referents[0])
    response = client.post(
        create_url(world, "engagement"),
        {"name": "Festival", "engagement_type": "festival", "starts_on": "2022-06-10", "ends_on": "2022-06-01"},
    )
    assert response.status_code == 400
    assert "La fin ne peut précéder le début" in response.content.decode()


def test_a_resent_creation_is_stored_once(client, world):
    client.force_login(world.referents[0])
    data = {"name": "Médiathèque", "basilic_type": "bibliotheque", "submission_key": str(uuid.uuid4()),
            "action": "publish"}  # fmt: skip
    first = client.post(create_url(world, "place"), data)
    second = client.post(create_url(world, "place"), data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Entry.objects.count() == 1
    assert Entry.objects.get().is_published


def test_a_place_is_run_by_an_actor_of_its_own_territory(world):
    other_town_actor = make_entry(world, index=1)
    with pytest.raises(ValidationError, match="même territoire"):
        make_entry(world, "place", operator=other_town_actor)


def test_merge_keeps_both_trails_and_fills_the_gaps(client, world):
    kept = make_entry(world, "place", name="Médiathèque Pierre-Moinot")
    duplicate = make_entry(world, "place", name="Mediatheque P. Moinot", capacity=80, publish=False)
    engagement = make_entry(world, "engagement", involved=[duplicate])
    client.force_login(world.agents[0])
    response = client.post(reverse("diagnostic:entry_merge", args=[kept.pk]), {"duplicate": duplicate.pk})
    assert response.status_code == 302
    kept.refresh_from_db()
    duplicate.refresh_from_db()
    assert duplicate.merged_into == kept and kept.capacity == 80
    assert list(engagement.involved.all()) == [kept]
    assert FieldSource.objects.get(entry=kept, field="capacity").source == duplicate.source
    history = client.get(reverse("diagnostic:entry_history", args=[kept.pk])).content.decode()
    assert "Mediatheque P. Moinot" in history and "Fiches de l&#x27;annuaire fusionnées" in history
    # The merged entry's address leads to the kept one; it has left the directory.
    assert client.get(duplicate.get_absolute_url())["Location"] == kept.get_absolute_url()
    assert "Mediatheque P. Moinot" not in client.get(directory_url(world)).content.decode()


def test_merging_entries_of_two_territories_is_refused_with_its_reason(client, world):
    mine = make_entry(world, "place")
    theirs = make_entry(world, "place", index=1, name="Salle de Bourges")  # published: visible to all
    client.force_login(world.facilitator)
    response = client.post(reverse("diagnostic:entry_merge", args=[mine.pk]), {"duplicate": theirs.pk})
    assert response.status_code == 400
    assert "deux territoires différents" in response.content.decode()
    assert Entry.objects.filter(merged_into__isnull=False).count() == 0


def test_contacts_are_shown_to_members_only(client, world):
    entry = make_entry(world)
    assert "Alix Secret" not in client.get(entry.get_absolute_url()).content.decode()
    client.force_login(world.referents[1])
    assert "Alix Secret" in client.get(entry.get_absolute_url()).content.decode()


def test_publication_and_the_public_directory(client, world):
    draft = make_entry(world, "place", name="Lieu en préparation", publish=False)
    make_entry(world, "place", name="Lieu publié")
    body = client.get(directory_url(world)).content.decode()
    assert "Lieu publié" in body and "Lieu en préparation" not in body
    client.force_login(world.referents[0])
    client.post(reverse("diagnostic:entry_publish", args=[draft.pk]), {"action": "publish"})
    client.logout()
    assert "Lieu en préparation" in client.get(directory_url(world)).content.decode()


def test_filters_counts_and_empty_states(client, world):
    make_entry(world, "place", name="Ciné Palace", neighbourhood="Centre")
    make_entry(world, "actor", name="Compagnie", neighbourhood="Gare")
    url = directory_url(world)
    assert "Compagnie" not in client.get(url, {"type": "place"}).content.decode()
    # (not "Cinéma": the filter form names that venue type)
    assert "Ciné Palace" not in client.get(url, {"quartier": "Gare"}).content.decode()
    assert "Aucune fiche ne correspond" in client.get(url, {"quartier": "Nulle part"}).content.decode()
    assert client.get(url, {"type": "bogus", "famille": "99999999999999999999", "page": "x"}).status_code == 200
    empty = client.get(directory_url(world, 2)).content.decode()
    assert "Aucune fiche publiée pour le moment" in empty


def test_the_project_page_shows_the_tab_and_the_count(client, world):
    make_entry(world, "place")
    body = client.get(world.project.get_absolute_url()).content.decode()
    assert reverse("diagnostic:project_directory", args=[world.project.slug]) in body
    assert "Fiches publiées de l&#x27;annuaire" in body


def test_the_directory_query_count_does_not_grow_with_entries(client, world):
    client.force_login(world.referents[0])
    url = reverse("diagnostic:project_directory", args=[world.project.slug])
    make_entry(world, "actor", name="Un")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for number in range(20):
        make_entry(world, "actor", name=f"Acteur {number}", index=number % 2, family=family(world, "Entreprises"))
        make_entry(world, "place", name=f"Lieu {number}", index=number % 2)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_swapped_coordinates_are_said_even_when_other_fields_are_missing(client, world):
    client.force_login(world.referents[0])
    response = client.post(create_url(world, "actor"), {"name": "", "latitude": "-0.4588", "longitude": "46.3237"})
    body = response.content.decode()
    assert response.status_code == 400
    assert "semblent inversées" in body and "Choisissez la famille" not in body
    assert not Entry.objects.exists()


def test_families_are_seeded_in_french_whoever_opens_the_directory_first(world):
    from django.utils import translation

    with translation.override("en"):
        names = [family.name for family in services.families_for(project=world.project)]
    assert names[0] == "Institutions culturelles"


def test_the_admin_lists_and_opens_entries_and_families(client, world):
    from territoires.accounts.models import User

    entry = make_entry(world, "place")
    client.force_login(User.objects.create_superuser(email="admin@exemple.fr", password="x"))
    assert client.get(reverse("admin:diagnostic_entry_changelist")).status_code == 200
    assert client.get(reverse("admin:diagnostic_entry_change", args=[entry.pk])).status_code == 200
    assert client.get(reverse("admin:diagnostic_actorfamily_changelist")).status_code == 200


@pytest.mark.parametrize(
    ("name", "reason"),
    [("Asso\x00ciations", "caractère nul"), ("x" * 10_000, "au plus 120 caractères"), ("", "obligatoire")],
)
def test_renaming_a_family_with_bad_input_changes_nothing_and_says_why(client, world, name, reason):
    # A multipart POST (as the fuzzer sends): a NUL character reached PostgreSQL and failed there.
    kept = family(world)
    client.force_login(world.facilitator)
    url = reverse("diagnostic:family_edit", args=[world.project.slug, kept.pk])
    response = client.post(url, {"name": name}, follow=True)
    assert response.status_code == 200
    kept.refresh_from_db()
    assert kept.name == "Associations"
    said = " ".join(str(message) for message in response.context["messages"])
    assert reason in said
