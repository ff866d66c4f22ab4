"""Statistics with numpy only: the chi-square survival function against known values, the
cross-table test, and the free-text topics."""

import math

import numpy as np
import pytest
from django.urls import reverse

from territoires.surveys.analytics.stats import chi2_sf, chi_square_test, regularized_gamma_q, weighted_quantiles
from territoires.surveys.analytics.topics import FrenchAnalyzer, find_topics
from tests.surveys.analytics_support import add_response
from tests.surveys.factories import make_survey

# Critical values of the chi-square distribution (published tables, e.g. NIST/SEMATECH 1.3.6.7.4).
CRITICAL = [
    (3.841458820694124, 1, 0.05),
    (6.634896601021214, 1, 0.01),
    (10.827566170662733, 1, 0.001),
    (5.991464547107979, 2, 0.05),
    (7.814727903251178, 3, 0.05),
    (11.070497693516351, 5, 0.05),
    (18.307038053275146, 10, 0.05),
    (23.209251158954356, 10, 0.01),
    (43.77297182574219, 30, 0.05),
    (124.3421134608418, 100, 0.05),
    (0.003932140000019522, 1, 0.95),
]


@pytest.mark.parametrize(("statistic", "degrees", "expected"), CRITICAL)
def test_chi2_sf_matches_published_critical_values(statistic, degrees, expected):
    assert chi2_sf(statistic, degrees) == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("x", [1e-6, 0.1, 0.5, 1, 2, 5, 10, 30, 100, 400])
def test_chi2_sf_closed_forms(x):
    # One degree of freedom: erfc(√(x/2)); two: exp(-x/2).
    assert chi2_sf(x, 1) == pytest.approx(math.erfc(math.sqrt(x / 2)), rel=1e-10, abs=1e-300)
    assert chi2_sf(x, 2) == pytest.approx(math.exp(-x / 2), rel=1e-10, abs=1e-300)
    # Even degrees: Q(k, x) = exp(-x) Σ x^i / i! for integer k.
    expected = math.exp(-x / 2) * sum((x / 2) ** i / math.factorial(i) for i in range(5))
    assert chi2_sf(x, 10) == pytest.approx(expected, rel=1e-9, abs=1e-300)


def test_chi2_edges():
    assert chi2_sf(0, 3) == 1.0
    assert chi2_sf(float("inf"), 3) == 0.0
    assert chi2_sf(5, 0) == 1.0
    assert 0 <= regularized_gamma_q(50, 49.5) <= 1


def test_chi_square_test_on_a_known_table():
    # 2 × 2 without continuity correction: χ² = 0.7937, p = 0.3730 (R: chisq.test(correct=FALSE)).
    test = chi_square_test(np.array([[10, 20], [30, 40]]))
    assert test.statistic == pytest.approx(0.79365079, rel=1e-6)
    assert test.degrees_of_freedom == 1
    assert test.p_value == pytest.approx(0.37299848, rel=1e-6)
    assert test.cramers_v == pytest.approx(math.sqrt(0.79365079 / 100), rel=1e-6)
    # A 2 × 3 table with an empty column dropped.
    test = chi_square_test(np.array([[12, 0, 5, 30], [25, 0, 9, 10]]))
    assert test.degrees_of_freedom == 2
    assert chi_square_test(np.array([[5, 5]])) is None


def test_weighted_quantiles():
    values = np.array([1.0, 2.0, 3.0, 4.0])
    assert weighted_quantiles(values, np.ones(4), [0.5]) == [2.0]
    assert weighted_quantiles(values, np.array([1.0, 1.0, 1.0, 5.0]), [0.5]) == [4.0]


@pytest.mark.django_db
def test_crosstab_page_counts_and_tests(client, settings, tmp_path):
    settings.SURVEY_ARRAYS_DIR = tmp_path
    ns = make_survey()
    pairs = [("jamais", "f")] * 10 + [("souvent", "f")] * 20 + [("jamais", "m")] * 30 + [("souvent", "m")] * 40
    for frequence, genre in pairs:
        add_response(ns.deployments[0], ns.valid_answers(frequence=frequence, genre=genre))
    client.force_login(ns.project_ns.consultant)
    response = client.get(reverse("surveys:crosstab", args=[ns.survey.pk]) + "?lignes=frequence&colonnes=_genre")
    table = response.context["table"]
    assert table["test"].statistic == pytest.approx(0.79365079, rel=1e-6)
    assert [row["label"] for row in table["rows"]] == ["Jamais", "Souvent"]
    assert [cell["count_text"] for cell in table["rows"][0]["cells"]] == ["10", "30"]
    assert "khi-deux" in response.content.decode()


def test_french_analyzer_drops_stop_words_and_stems():
    analyzer = FrenchAnalyzer()
    stems = analyzer("Les bibliothèques sont trop loin de nos quartiers")
    assert "les" not in stems and "sont" not in stems
    assert analyzer.word_for(stems[0]) == "bibliothèques"


def test_topics_group_answers_by_what_they_say():
    prices = [f"Les tarifs sont trop chers pour nous, le prix des billets {i}" for i in range(15)]
    hours = [f"Les horaires d'ouverture ne conviennent pas, ouvrir le soir et le dimanche {i}" for i in range(15)]
    transport = [f"Pas de bus pour aller au centre, le transport manque le soir {i}" for i in range(10)]
    texts = prices + hours + transport
    topics = find_topics(texts, [1] * 15 + [2] * 25)
    assert len(topics) >= 2
    words = [" ".join(topic["keywords"]) for topic in topics]
    assert any("tarifs" in w or "chers" in w or "prix" in w for w in words)
    assert any("horaires" in w or "ouverture" in w for w in words)
    assert sum(topic["count"] for topic in topics) == len(texts)
    assert all(set(example) == {"text", "deployment"} for topic in topics for example in topic["examples"])
    assert find_topics(["trop court"] * 3) == []


@pytest.mark.django_db
def test_recompute_button_runs_the_task_and_referents_see_their_examples_only(
    client, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.SURVEY_ARRAYS_DIR = tmp_path
    from territoires.surveys.models import TextTopics

    ns = make_survey()
    for index in range(12):
        add_response(ns.deployments[0], ns.valid_answers(commentaire=f"Les tarifs du musée sont trop chers {index}"))
        add_response(ns.deployments[1], ns.valid_answers(commentaire=f"Ouvrir la médiathèque le dimanche {index}"))
    client.force_login(ns.project_ns.referents[0])
    page = reverse("surveys:free_text", args=[ns.survey.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("surveys:topics_recompute", args=[ns.survey.pk]), {"question": "commentaire"})
    assert response.status_code == 302
    topics = TextTopics.objects.get(survey=ns.survey, question_code="commentaire")
    # Computed on the referent's own territory's answers (test_topics.py covers the scopes).
    assert topics.status == TextTopics.Status.DONE and topics.response_count == 12
    content = client.get(page + "?question=commentaire").content.decode()
    assert "tarifs" in content
    assert "dimanche" not in content  # the other territory's answers and examples stay hidden
    response = client.post(reverse("surveys:topics_recompute", args=[ns.survey.pk]), {"question": "inconnue"})
    assert response.status_code == 302
    assert not TextTopics.objects.filter(question_code="inconnue").exists()


def test_ranking_summary_mean_ranks_and_first_places():
    """Three options ranked by three respondents (a fourth ranked nothing), with weights: mean
    ranks, weighted mean ranks and shares of first places, worked out by hand."""
    from types import SimpleNamespace

    from django.utils import translation

    from territoires.surveys.analytics.summary import _summarise_ranking

    variables = [SimpleNamespace(labels=[label]) for label in ("Tarifs", "Horaires", "Proximité")]
    # Rank positions (0 = first), one column per option; -1: not ranked.
    columns = [np.array(ranks, dtype=np.int8) for ranks in ([0, 1, 0, -1], [1, 0, 2, -1], [2, 2, 1, -1])]
    weights = np.array([1.0, 3.0, 2.0, 5.0])
    with translation.override("fr"):
        weighted = _summarise_ranking(variables, columns, weights, True)
        plain = _summarise_ranking(variables, columns, weights, False)
    assert weighted["answered"] == 3
    rows = {row["label"]: row for row in weighted["rows"]}
    assert [rows[label]["mean_rank_text"] for label in ("Tarifs", "Horaires", "Proximité")] == ["1,33", "2,00", "2,67"]
    # (1×1 + 2×3 + 1×2) / 6, (2×1 + 1×3 + 3×2) / 6, (3×1 + 3×3 + 2×2) / 6
    assert [rows[label]["weighted_mean_rank_text"] for label in ("Tarifs", "Horaires", "Proximité")] == [
        "1,50",
        "1,83",
        "2,67",
    ]
    assert [rows[label]["count"] for label in ("Tarifs", "Horaires", "Proximité")] == [2, 1, 0]
    # First places weighted: Tarifs 1 + 2, Horaires 3, Proximité 0.
    assert [rows[label]["first_share_text"] for label in ("Tarifs", "Horaires", "Proximité")] == ["50,0", "50,0", "0,0"]
    assert [row["first_share_text"] for row in plain["rows"]] == ["66,7", "33,3", "0,0"]
    assert all(row["weighted_mean_rank_text"] == "" for row in plain["rows"])
