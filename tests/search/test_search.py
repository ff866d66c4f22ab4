"""French full-text search: relevance, audiences, facets, snippets and bad queries."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from territoires.accounts.models import User
from territoires.search.models import SearchDocument
from territoires.search.selectors import search_documents
from territoires.search.services import document_delete, document_upsert
from tests.factories import ThemeFactory, UserFactory, make_project

pytestmark = pytest.mark.django_db

CORPUS = [
    ("Guide d'entretien semi-directif", "Une grille de thèmes pour les entretiens du diagnostic, avec des relances."),
    ("Guide du groupe d'enquête", "Composer un groupe d'enquête mixte qui va à la rencontre des habitants."),
    (
        "Guide d'atelier de créativité",
        "Divergence, objectifs, convergence : trois heures d'atelier avec les habitants.",
    ),
    ("La médiathèque, salon de la ville", "Des habitants de Guichen racontent La Chouette, leur nouvelle médiathèque."),
    ("Lieux culturels par commune", "Recensement des équipements : salles de quartier, musées, théâtres."),
    ("Compte rendu du comité de pilotage", "Décisions sur le calendrier ; une médiathèque citée en passant."),
]


def index_corpus(**overrides):
    sources = []
    for title, text in CORPUS:
        source = ThemeFactory()
        document_upsert(
            source=source,
            category="resource",
            title=title,
            text=text,
            url=f"/r/{source.pk}/",
            audience="public",
            **overrides,
        )
        sources.append(source)
    return sources


def first_title(query, user=None):
    hits = search_documents(user or AnonymousUser(), query).hits
    return hits[0].document.title if hits else None


@pytest.mark.parametrize(
    "query, expected",
    [
        ("médiathèques", "La médiathèque, salon de la ville"),  # plural finds the singular, title first
        ("MEDIATHEQUE", "La médiathèque, salon de la ville"),  # case and accents ignored
        ("creativite", "Guide d'atelier de créativité"),
        ("entretiens semi-directifs", "Guide d'entretien semi-directif"),
        ("groupe d'enquête", "Guide du groupe d'enquête"),
        ("équipement culturel", "Lieux culturels par commune"),
        ("comités", "Compte rendu du comité de pilotage"),
    ],
)
def test_french_relevance(query, expected):
    index_corpus()
    assert first_title(query) == expected


def test_every_word_must_match_and_ranking_puts_titles_first():
    index_corpus()
    outcome = search_documents(AnonymousUser(), "médiathèque")
    assert [hit.document.title for hit in outcome.hits][:1] == ["La médiathèque, salon de la ville"]
    assert outcome.total == 2
    assert search_documents(AnonymousUser(), "médiathèque calendrier").total == 1
    assert search_documents(AnonymousUser(), "médiathèque introuvablissime").total == 0


def test_snippets_show_original_words_highlighted_and_escaped():
    source = ThemeFactory()
    document_upsert(
        source=source,
        category="discussion",
        title="Ouvrir les médiathèques le dimanche",
        text="Avant <script>alert(1)</script>. " + "mot " * 100 + "Les Médiathèques de quartier ouvrent le dimanche.",
        url="/d/1/",
        audience="public",
    )
    hit = search_documents(AnonymousUser(), "mediatheque").hits[0]
    assert hit.title_html == "Ouvrir les <mark>médiathèques</mark> le dimanche"
    assert "<mark>Médiathèques</mark> de quartier" in hit.snippet_html
    assert "<script>" not in hit.snippet_html and "<script>" not in hit.title_html


@pytest.mark.parametrize(
    "query, message",
    [
        ("", "Saisissez un ou plusieurs mots"),
        ("   ", "Saisissez un ou plusieurs mots"),
        ("x" * 10_000, "trop longue"),
        ("le la les de", "aucun mot significatif"),
        ("!!! ??? ---", "aucun mot significatif"),
    ],
)
def test_bad_queries_get_a_clear_message(client, query, message):
    index_corpus()
    response = client.get(reverse("search:search"), {"q": query})
    assert response.status_code == 200
    assert message in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        '"médiathèque',
        "médiathèque*",
        "NEAR(a b)",
        "a AND OR NOT",
        "col:médiathèque",
        "médiathèque^2",
        "'; DROP TABLE x; --",
        "\x00",
    ],
)
def test_full_text_syntax_in_a_query_is_just_text(client, query):
    index_corpus()
    assert client.get(reverse("search:search"), {"q": query}).status_code == 200


def test_facets_count_and_filter_and_forged_values_are_ignored(client):
    theme = ThemeFactory(title="Culture et habitants")
    index_corpus(kind="method", licence="etalab-2.0", year=2021, theme_ids=[theme.pk])
    source = ThemeFactory()
    document_upsert(
        source=source,
        category="lesson",
        title="Retour sur la médiathèque",
        text="Bilan",
        url="/l/",
        audience="public",
        year=2022,
    )
    outcome = search_documents(AnonymousUser(), "médiathèque")
    facets = {facet.field: {v.label: v.count for v in facet.values} for facet in outcome.facets}
    assert facets["category"] == {"Ressource": 2, "Retour d'expérience": 1}
    assert facets["kind"] == {"Méthode": 2}
    assert facets["licence"] == {"Licence Ouverte / Etalab 2.0": 2}
    assert facets["theme"] == {"Culture et habitants": 2}
    assert facets["year"] == {"2022": 1, "2021": 2}
    assert search_documents(AnonymousUser(), "médiathèque", {"year": "2022"}).total == 1
    assert search_documents(AnonymousUser(), "médiathèque", {"category": "lesson"}).total == 1
    assert search_documents(AnonymousUser(), "médiathèque", {"theme": str(theme.pk)}).total == 2
    forged = {"year": "9" * 40, "theme": "1 OR 1=1", "category": "<b>", "kind": "'--", "page": "-3"}
    assert search_documents(AnonymousUser(), "médiathèque", forged).total == 3
    assert client.get(reverse("search:search"), {"q": "médiathèque", **forged}).status_code == 200


def test_audiences_follow_the_project_roles():
    world = make_project(observers=1)
    other = make_project(title="Autre projet")
    town_x = world.towns[0]
    documents = {
        "public": {"audience": "public"},
        "registered": {"audience": "registered"},
        "project": {"audience": "project", "project_id": world.project.pk},
        "observers": {"audience": "project_observers", "project_id": world.project.pk},
        "territory": {"audience": "territory", "project_id": world.project.pk, "organisation_id": town_x.pk},
    }
    for name, fields in documents.items():
        document_upsert(
            source=ThemeFactory(), category="discussion", title=f"Médiathèque {name}", text="", url="/", **fields
        )
    admin = User.objects.create_superuser(email="root@exemple.fr", password="x")
    expected = {
        None: {"public"},
        UserFactory(): {"public", "registered"},
        world.observers[0]: {"public", "registered", "observers"},
        world.referents[0]: {"public", "registered", "project", "observers", "territory"},
        world.referents[1]: {"public", "registered", "project", "observers"},
        world.consultant: {"public", "registered", "project", "observers", "territory"},
        world.facilitator: {"public", "registered", "project", "observers", "territory"},
        other.referents[0]: {"public", "registered"},
        other.facilitator: {"public", "registered"},
        admin: set(documents),
    }
    for user, names in expected.items():
        user = User.objects.get(pk=user.pk) if user else AnonymousUser()
        found = {hit.document.title.removeprefix("Médiathèque ") for hit in search_documents(user, "médiathèque").hits}
        assert found == names, user


def test_delete_and_reindex():
    sources = index_corpus()
    document_delete(source=sources[3])
    assert search_documents(AnonymousUser(), "chouette").total == 0
    document_upsert(source=sources[0], category="resource", title="Titre changé", text="", url="/r/", audience="public")
    assert SearchDocument.objects.count() == len(CORPUS) - 1
    assert search_documents(AnonymousUser(), "entretien").total == 0
    assert search_documents(AnonymousUser(), "titre changé").total == 1
    document_delete(source=sources[3])  # twice: nothing happens


def test_programming_errors_are_loud():
    with pytest.raises(ValueError):
        document_upsert(source=ThemeFactory(), category="other", title="t", text="", url="/", audience="public")
    with pytest.raises(ValueError):
        document_upsert(source=ThemeFactory(), category="lesson", title="t", text="", url="/", audience="project")


def test_search_page_query_count_is_bounded(client, django_assert_max_num_queries):
    world = make_project()
    for index in range(40):
        document_upsert(
            source=ThemeFactory(),
            category="resource",
            title=f"Médiathèque numéro {index}",
            text="Une médiathèque de quartier.",
            url=f"/r/{index}/",
            audience="project" if index % 2 else "public",
            project_id=world.project.pk,
            theme_ids=[1, 2],
            kind="method",
            year=2021,
        )
    with django_assert_max_num_queries(8):
        response = client.get(reverse("search:search"), {"q": "médiathèques", "page": "2"})
    assert "20 résultats" in response.content.decode()
    client.force_login(world.referents[0])
    with django_assert_max_num_queries(14):
        response = client.get(reverse("search:search"), {"q": "médiathèques"})
    assert "40 résultats" in response.content.decode()


def test_pages_beyond_the_ranked_window_and_sampled_facets(monkeypatch):
    from territoires.search import backends

    monkeypatch.setattr(backends, "RANKED_LIMIT", 5)
    for index in range(12):
        document_upsert(
            source=ThemeFactory(),
            category="resource",
            title=f"Médiathèque {index}" + " médiathèque" * (12 - index),
            text="",
            url=f"/r/{index}/",
            audience="public",
            kind="method",
        )
    first = search_documents(AnonymousUser(), "médiathèque", per_page=4)
    assert first.total == 12 and first.facets_sampled
    third = search_documents(AnonymousUser(), "médiathèque", page_number=3, per_page=4)
    seen = [hit.document.title.split()[1] for hit in first.hits + third.hits]
    assert len(third.hits) == 4 and len(set(seen)) == 8


def test_snippets_show_the_text_a_reader_sees_not_markdown_and_stay_safe():
    source = ThemeFactory()
    document_upsert(
        source=source,
        category="resource",
        title="Questionnaires <b>en</b> **ligne**",
        text="Lieu\n------\n\nQuestionnaires remplis : voir [le guide](https://exemple.fr/guide) & les `<script>alert(1)</script>`"
        "\n\n| Lieu | Questionnaires |\n|---|---|\n| Médiathèque | 12 |\n\n<img src=x onerror=alert(1)> **fin**",
        url="/r/1/",
        audience="public",
    )
    hit = search_documents(AnonymousUser(), "questionnaires").hits[0]
    assert hit.snippet_html.startswith("Lieu <mark>Questionnaires</mark> remplis : voir le guide &amp; les")
    for raw in ("------", "|", "**", "](", "<script", "<img", "`"):
        assert raw not in hit.snippet_html, raw
    assert "&lt;script&gt;" in hit.snippet_html  # code shown as text, escaped
    assert hit.title_html == "<mark>Questionnaires</mark> &lt;b&gt;en&lt;/b&gt; **ligne**"
    assert SearchDocument.objects.get().text.startswith("Lieu\nQuestionnaires remplis : voir le guide & les")


def test_a_search_without_result_says_so_once_and_suggests_what_to_try(client):
    index_corpus()
    page = client.get(reverse("search:search"), {"q": "médiatèque"}).content.decode()
    assert page.count("Aucun résultat") == 1 and "0 résultat" not in page
    assert "Vouliez-vous dire" in page and "q=m%C3%A9diath%C3%A8que" in page
    assert "vérifiez l'orthographe" in page and reverse("projects:theme_list") in page
    filtered = client.get(reverse("search:search"), {"q": "médiatèque", "category": "news"}).content.decode()
    assert filtered.count("Aucun résultat") == 1 and "Retirez les filtres" in filtered
    nothing_close = client.get(reverse("search:search"), {"q": "zzzqqqxxx"}).content.decode()
    assert nothing_close.count("Aucun résultat") == 1 and "Vouliez-vous dire" not in nothing_close


def test_suggestions_never_use_words_of_documents_the_user_may_not_see(client):
    world = make_project()
    document_upsert(
        source=ThemeFactory(),
        category="discussion",
        title="Zanzibar confidentiel",
        text="",
        url="/z/",
        audience="project",
        project_id=world.project.pk,
    )
    assert "Vouliez-vous dire" not in client.get(reverse("search:search"), {"q": "zanzibra"}).content.decode()
    client.force_login(world.referents[0])
    assert search_documents(User.objects.get(pk=world.referents[0].pk), "zanzibra").suggestion == ""
