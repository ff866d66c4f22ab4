"""Free-text topics: French words (hyphenated compounds kept whole), examples each shown once, and
topics computed on — and counted over — the answers the reader sees."""

import pytest
from django.urls import reverse

from territoires.surveys.analytics.topics import FrenchAnalyzer, example_key, find_topics, words_of
from territoires.surveys.models import TextTopics
from tests.surveys.analytics_support import add_response
from tests.surveys.factories import make_survey


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Le week-end au centre", ["week-end", "centre"]),
        ("Les WEEK-ENDS", ["week-ends"]),
        ("Une fête à Saint-Martin-de-Ré", ["fête", "saint-martin-de-ré"]),
        ("peut-être le dimanche", ["dimanche"]),  # a filler, whole
        ("c'est-à-dire les concerts", ["concerts"]),
        ("c’est l’heure des rendez-vous", ["heure", "rendez-vous"]),  # curly apostrophes
        ("Pensez-vous venir ? Y a-t-il un bus ?", ["pensez", "venir", "bus"]),  # glued pronouns
        ("jusqu'à aujourd'hui", []),
        ("celle-ci et ceux-là", []),
    ],
)
def test_words_keep_hyphenated_compounds_whole(text, expected):
    assert words_of(text) == expected


def test_analyzer_stems_a_compound_as_one_word_and_names_it_as_written():
    analyzer = FrenchAnalyzer()
    stems = analyzer("Ouvrir le week-end") + analyzer("Les week-ends sont vides")
    assert "week" not in stems and "end" not in stems
    assert stems.count("week-end") == 2
    assert analyzer.word_for("week-end") in ("week-end", "week-ends")


def test_topics_name_week_end_as_one_keyword():
    texts = [f"Ouvrir la médiathèque le week-end, le samedi {i}" for i in range(12)]
    texts += [f"Les tarifs du musée sont trop chers, baisser les prix {i}" for i in range(12)]
    keywords = [word for topic in find_topics(texts) for word in topic["keywords"]]
    assert "week-end" in keywords
    assert "week" not in keywords and "end" not in keywords


def test_examples_of_a_topic_are_each_text_once():
    # The most typical answers of the prices topic are one sentence written four ways.
    same = ["Les tarifs sont trop chers !", "les tarifs sont trop chers", "Les  tarifs sont trop chers.", "LES TARIFS"]
    same[3] += " SONT TROP CHERS"
    texts = same * 2 + [f"Les tarifs des billets sont chers, {word}" for word in ("cinéma", "musée", "concert")]
    texts += [f"Ouvrir le soir et le dimanche, horaires {i}" for i in range(10)]
    topics = find_topics(texts)
    examples = [example_key(example["text"]) for topic in topics for example in topic["examples"]]
    assert examples.count("les tarifs sont trop chers") == 1
    assert len(examples) == len(set(examples))


FIRST = ["Les tarifs du musée sont trop chers", "Ouvrir la piscine le soir après le travail"]
SECOND = ["Ouvrir la médiathèque le week-end", "Pas de bus pour aller au théâtre"]


def _two_territories():
    """12 answers in the first territory, 20 in the second, on two subjects each."""
    ns = make_survey()
    for index in range(12):
        add_response(ns.deployments[0], ns.valid_answers(commentaire=f"{FIRST[index % 2]} {index}"))
    for index in range(20):
        add_response(ns.deployments[1], ns.valid_answers(commentaire=f"{SECOND[index % 2]} {index}"))
    return ns


def _recompute(client, ns, capture, **extra):
    with capture(execute=True):
        response = client.post(
            reverse("surveys:topics_recompute", args=[ns.survey.pk]), {"question": "commentaire", **extra}
        )
    assert response.status_code == 302
    return response


@pytest.mark.django_db
def test_a_referent_topics_are_computed_and_counted_on_their_territory(
    client, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.SURVEY_ARRAYS_DIR = tmp_path
    ns = _two_territories()
    client.force_login(ns.project_ns.referents[0])
    _recompute(client, ns, django_capture_on_commit_callbacks)
    topics = TextTopics.objects.get(survey=ns.survey, question_code="commentaire")
    assert topics.scope == str(ns.deployments[0].pk)
    assert topics.response_count == 12
    content = client.get(reverse("surveys:free_text", args=[ns.survey.pk]) + "?question=commentaire").content.decode()
    name = ns.deployments[0].participation.organisation.name
    assert f"sur les 12 réponses de : {name}" in content
    assert "12 réponses</h2>" in content  # the list below counts the same answers
    assert "32 réponses" not in content and "week-end" not in content


@pytest.mark.django_db
def test_a_facilitator_sees_topics_of_every_territory_or_of_the_one_picked(
    client, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.SURVEY_ARRAYS_DIR = tmp_path
    ns = _two_territories()
    client.force_login(ns.project_ns.facilitator)
    page = reverse("surveys:free_text", args=[ns.survey.pk])
    _recompute(client, ns, django_capture_on_commit_callbacks)
    content = client.get(page + "?question=commentaire").content.decode()
    assert "sur les 32 réponses de" in content
    # Another scope: not computed yet, then computed on that territory alone.
    second = ns.deployments[1]
    content = client.get(page + f"?question=commentaire&territoire={second.pk}").content.decode()
    assert "ont pas encore été calculés" in content
    response = _recompute(client, ns, django_capture_on_commit_callbacks, territoire=second.pk)
    assert f"territoire={second.pk}" in response["Location"]
    content = client.get(page + f"?question=commentaire&territoire={second.pk}").content.decode()
    assert f"sur les 20 réponses de : {second.participation.organisation.name}" in content
    assert "tarifs" not in content
    assert TextTopics.objects.filter(survey=ns.survey).count() == 2


@pytest.mark.django_db
def test_a_referent_cannot_compute_topics_on_another_territory(
    client, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.SURVEY_ARRAYS_DIR = tmp_path
    ns = _two_territories()
    client.force_login(ns.project_ns.referents[0])
    _recompute(client, ns, django_capture_on_commit_callbacks, territoire=ns.deployments[1].pk)
    assert not TextTopics.objects.exists()


@pytest.mark.django_db
def test_topics_say_when_answers_changed_since_they_were_computed(
    client, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.SURVEY_ARRAYS_DIR = tmp_path
    ns = _two_territories()
    client.force_login(ns.project_ns.referents[0])
    _recompute(client, ns, django_capture_on_commit_callbacks)
    page = reverse("surveys:free_text", args=[ns.survey.pk]) + "?question=commentaire"
    assert "recalculez les thèmes" not in client.get(page).content.decode()
    add_response(ns.deployments[0], ns.valid_answers(commentaire="Une réponse de plus"))
    content = client.get(page).content.decode()
    assert "(13 réponses aujourd'hui) : recalculez les thèmes" in content
    content = client.get(page + "&q=tarifs").content.decode()
    assert "La recherche ne s'applique pas aux thèmes" in content
