"""The directory's filters (filters.py), shared by the list, the map, its GeoJSON and the exports."""

import pytest

from territoires.diagnostic import domains, services
from territoires.diagnostic.filters import EntryFilterForm, filter_entries, filter_facets
from territoires.diagnostic.models import Entry
from tests.diagnostic.helpers import family, make_entry
from tests.factories import make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    world = make_project()
    world.families = services.families_for(project=world.project)
    world.territories = [p for p in world.project.participations.all() if p.is_participant]
    associations = family(world, "Associations")
    artists = family(world, "Artistes et collectifs")
    world.e = {
        "asso_a": make_entry(world, name="Quatre Vents", family=associations, neighbourhood="Centre"),
        "asso_b": make_entry(world, index=1, name="Vent d'Ouest", family=associations, neighbourhood="Gare"),
        "artist": make_entry(world, name="Compagnie Lune", family=artists, neighbourhood="Gare"),
        "library": make_entry(world, "place", name="Médiathèque", basilic_type="bibliotheque", source="Fichier BnF"),
        "bpe_only": make_entry(world, "place", name="Salle Jean Vilar", basilic_type="", bpe_code="F307"),
        "museum": make_entry(world, "place", index=1, name="Musée Bernard d'Agesci", basilic_type="musee"),
        "festival": make_entry(world, "engagement", name="Festival Lune", engagement_type="festival"),
    }
    return world


def select(world, query, **kwargs):
    form = EntryFilterForm(query, families=world.families, territories=world.territories, **kwargs)
    chosen = form.filter(Entry.objects.current().filter(project=world.project))
    return form, {e.name for e in chosen}


def names(world, *keys):
    return {world.e[key].name for key in keys}


@pytest.mark.parametrize(
    "query, expected",
    [
        ({}, ("asso_a", "asso_b", "artist", "library", "bpe_only", "museum", "festival")),
        ({"type": "place"}, ("library", "bpe_only", "museum")),
        ({"categorie": "festival"}, ("festival",)),
        ({"categorie": "musee"}, ("museum",)),
        ({"domaine": "lecture"}, ("library", "bpe_only")),  # the BPE code stands in for a missing type
        ({"domaine": "patrimoine", "type": "place"}, ("museum",)),
        ({"quartier": "Gare"}, ("asso_b", "artist")),
        ({"source": "Fichier BnF"}, ("library",)),
        ({"q": "lune"}, ("artist", "festival")),
        ({"quartier": "Gare", "type": "actor", "q": "vent"}, ("asso_b",)),
    ],
)
def test_each_filter_selects_what_it_names(world, query, expected):
    form, chosen = select(world, query)
    assert form.errors == {}
    assert chosen == names(world, *expected)


def test_family_and_territory_filters(world):
    associations = family(world, "Associations")
    _form, chosen = select(world, {"famille": str(associations.pk)})
    assert chosen == names(world, "asso_a", "asso_b")
    _form, chosen = select(world, {"famille": str(associations.pk), "territoire": world.towns[1].slug})
    assert chosen == names(world, "asso_b")


@pytest.mark.parametrize(
    "query",
    [
        {"type": "dragon"},
        {"famille": "999999"},
        {"famille": "1" * 40},
        {"famille": "abc"},
        {"territoire": "atlantide"},
        {"domaine": "astrologie"},
        {"categorie": "<script>"},
        {"quartier": "Gare\x00"},
        {"q": "x" * 500},
    ],
)
def test_a_value_that_names_nothing_is_dropped_with_a_message(world, query):
    form, chosen = select(world, query)
    assert set(form.errors) == set(query)
    assert form.filters() == {}
    assert len(chosen) == 7


def test_a_family_of_another_project_is_refused(world):
    other = make_project(title="Autre projet")
    foreign = services.families_for(project=other.project)[0]
    form, chosen = select(world, {"famille": str(foreign.pk)})
    assert "famille" in form.errors and len(chosen) == 7


def test_the_territory_field_is_absent_on_one_territory_page(world):
    form = EntryFilterForm({"territoire": world.towns[1].slug}, families=world.families, territories=None)
    assert "territoire" not in form.fields and form.filters() == {}


def test_filter_entries_never_widens_the_scope(world):
    scoped = Entry.objects.current().filter(territory=world.territories[0])
    chosen = filter_entries(scoped, {"territoire": world.territories[1].pk})
    assert list(chosen) == []


def test_query_string_keeps_only_valid_filters(world):
    form = EntryFilterForm(
        {"type": "place", "famille": "nope", "quartier": "Gare Sud", "page": "3"},
        families=world.families,
        territories=world.territories,
    )
    assert form.query_string() == "type=place&quartier=Gare+Sud"


def test_facets_count_each_choice_and_label_it(world):
    visible = Entry.objects.current().filter(project=world.project)
    facets = filter_facets(visible)
    assert facets["kinds"] == {"actor": 3, "place": 3, "engagement": 1}
    assert facets["domains"] == {"lecture": 2, "patrimoine": 1}
    assert facets["categories"] == {"bibliotheque": 1, "musee": 1, "festival": 1}
    assert facets["neighbourhoods"] == {"Centre": 1, "Gare": 2}
    form = EntryFilterForm({}, families=world.families, territories=world.territories, facets=facets)
    assert ("place", "Lieux (3)") in form.fields["type"].choices
    assert ("lecture", "Livre et lecture (2)") in form.fields["domaine"].choices
    assert ("Gare", "Gare (2)") in form.fields["quartier"].widget.choices


def test_every_venue_code_has_one_domain():
    from territoires.diagnostic import codes

    assert all(domains.domain_of(code, "") for code, _label in codes.BASILIC_TYPES)
    assert all(domains.domain_of("", code) for code, _label in codes.BPE_TYPEQU)
    assert domains.domain_of("musee", "F307") == "patrimoine"  # the venue type wins
