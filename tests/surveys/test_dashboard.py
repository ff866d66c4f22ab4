"""The survey dashboard: counts and shares weighted and unweighted, filters, freshness,
permissions (a referent sees its own territory only, whatever the query string), query counts."""

import pytest
from django.urls import reverse

from territoires.core.process_caches import reset_process_caches
from territoires.surveys.analytics import arrays as survey_arrays_module
from tests.factories import UserFactory
from tests.surveys.analytics_support import add_response, set_population
from tests.surveys.factories import make_survey

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _isolated_arrays(settings, tmp_path):
    settings.SURVEY_ARRAYS_DIR = tmp_path / "arrays"


@pytest.fixture
def survey_ns():
    ns = make_survey()
    first, second = ns.deployments[0], ns.deployments[1]
    for index in range(6):
        add_response(
            first, ns.valid_answers(frequence="souvent" if index % 2 else "rare", genre="f" if index < 4 else "m")
        )
    for _index in range(3):
        add_response(
            second, ns.valid_answers(frequence="jamais", genre="m", commentaire="Secret de Deuxville"), channel="paper"
        )
    return ns


def url(ns, name="surveys:dashboard"):
    return reverse(name, args=[ns.survey.pk])


def test_dashboard_shows_counts_for_a_facilitator(client, survey_ns):
    client.force_login(survey_ns.project_ns.facilitator)
    response = client.get(url(survey_ns))
    assert response.status_code == 200
    blocks = {block["code"]: block for block in response.context["blocks"]}
    rows = {row["label"]: row for row in blocks["frequence"]["rows"]}
    assert rows["Jamais"]["count"] == 3
    assert rows["Rarement"]["count"] == 3
    assert rows["Souvent"]["count"] == 3
    assert response.context["overview"]["respondents"] == 9


PAGES = [
    ("surveys:dashboard", ""),
    ("surveys:dashboard", "?territoire=abc&canal=x&age=zz&genre=q&reponse=nope=1&reponse=lieux=bib"),
    ("surveys:territories", ""),
    ("surveys:crosstab", "?lignes=frequence&colonnes=_territoire"),
    ("surveys:crosstab", "?lignes=frequence&colonnes=frequence"),
    ("surveys:crosstab", "?lignes=x" + "y" * 3000 + "&colonnes=genre"),
    ("surveys:free_text", ""),
    ("surveys:free_text", "?question=lieux__other&q=festival"),
    ("surveys:free_text", "?question=inconnue&page=999999"),
    ("surveys:monitor", ""),
    ("surveys:monitor", "?territoire=99999999999999999999999"),
    ("surveys:margins", ""),
    ("surveys:non_audience", ""),
]


@pytest.mark.parametrize(("name", "query"), PAGES)
def test_every_results_page_renders_for_a_facilitator_even_with_bad_input(client, survey_ns, name, query):
    client.force_login(survey_ns.project_ns.facilitator)
    response = client.get(url(survey_ns, name) + query)
    assert response.status_code in (200, 400)


def _blocks(response):
    return {block["code"]: block for block in response.context["blocks"]}


def _rows(block):
    return {row["label"]: row for row in block["rows"]}


def test_weighted_shares_follow_the_census_and_are_labelled(client, survey_ns):
    # Territory 1: 4 women, 2 men answered; the census says half and half.
    set_population(
        survey_ns.deployments[0],
        {(age, gender): 1000 for age in ("15-24", "25-34", "35-49", "50-64", "65-79", "80+") for gender in "fm"},
    )
    client.force_login(survey_ns.project_ns.facilitator)
    response = client.get(url(survey_ns) + f"?territoire={survey_ns.deployments[0].pk}")
    assert response.context["with_weights"]
    genre = _rows(_blocks(response)["genre"])
    assert genre["Femme"]["share_text"] == "66,7"
    assert genre["Femme"]["weighted_share_text"] == "50,0"
    assert "% pondéré" in response.content.decode()
    overview = response.context["overview"]
    assert overview["respondents"] == 6
    # Weights 0.75 (women) and 1.5 (men): Kish's effective size (6)² / (4 × 0.5625 + 2 × 2.25) = 5.33.
    assert overview["effective_size_text"] == "5"
    assert overview["design_effect_text"] == "1,12"


def test_filters_combine(client, survey_ns):
    client.force_login(survey_ns.project_ns.facilitator)
    response = client.get(url(survey_ns) + "?canal=paper")
    assert response.context["overview"]["respondents"] == 3
    response = client.get(url(survey_ns) + "?genre=f&reponse=frequence=rare")
    assert response.context["overview"]["respondents"] == 2  # women (index 0..3) answering "rare": 0 and 2
    response = client.get(url(survey_ns) + f"?territoire={survey_ns.deployments[0].pk}&reponse=lieux=bib&genre=m")
    assert response.context["overview"]["respondents"] == 2
    frequence = _rows(_blocks(response)["frequence"])
    assert frequence["Souvent"]["count"] == 1 and frequence["Rarement"]["count"] == 1


def test_a_new_answer_shows_on_the_next_request(client, survey_ns):
    client.force_login(survey_ns.project_ns.facilitator)
    assert client.get(url(survey_ns)).context["overview"]["respondents"] == 9
    add_response(survey_ns.deployments[2], survey_ns.valid_answers(frequence="jamais"))
    response = client.get(url(survey_ns))
    assert response.context["overview"]["respondents"] == 10
    assert _rows(_blocks(response)["frequence"])["Jamais"]["count"] == 4


def test_a_deleted_answer_or_a_structure_change_rebuilds_the_arrays(client, survey_ns, settings):
    from territoires.surveys.models import Question, Response

    settings.SURVEY_ARRAYS_RECOUNT_SECONDS = 0  # count at every request (30 s in production)
    client.force_login(survey_ns.project_ns.facilitator)
    client.get(url(survey_ns))
    Response.objects.filter(deployment=survey_ns.deployments[1]).first().delete()
    assert client.get(url(survey_ns)).context["overview"]["respondents"] == 8
    survey = survey_ns.survey
    Question.objects.create(
        survey=survey,
        section=survey_ns.sections["fin"],
        position=5,
        code="recommande",
        kind=Question.Kind.SINGLE,
        label="Recommanderiez-vous ?",
        options=[{"code": "oui", "label": "Oui"}, {"code": "non", "label": "Non"}],
    )
    survey.structure_version += 1
    survey.save()
    add_response(survey_ns.deployments[0], survey_ns.valid_answers(recommande="oui"))
    blocks = _blocks(client.get(url(survey_ns)))
    assert _rows(blocks["recommande"])["Oui"]["count"] == 1


def test_a_restarted_worker_loads_the_snapshot_then_catches_up(client, survey_ns, monkeypatch):
    client.force_login(survey_ns.project_ns.facilitator)
    client.get(url(survey_ns))
    reset_process_caches()  # as after a restart: nothing in memory

    def no_rebuild(*args, **kwargs):
        raise AssertionError("the snapshot should have been used")

    monkeypatch.setattr(survey_arrays_module, "_rebuild", no_rebuild)
    add_response(survey_ns.deployments[0], survey_ns.valid_answers())
    assert client.get(url(survey_ns)).context["overview"]["respondents"] == 10


def test_dashboard_query_count_is_bounded(client, survey_ns, django_assert_max_num_queries):
    client.force_login(survey_ns.project_ns.facilitator)
    client.get(url(survey_ns))
    for _index in range(20):
        add_response(survey_ns.deployments[3], survey_ns.valid_answers())
    with django_assert_max_num_queries(16):
        response = client.get(url(survey_ns) + "?genre=f&canal=online")
    assert response.status_code == 200


# Permissions: role × page grid. "own" = the referent's or agent's territory only.
RESULT_PAGES = ["surveys:dashboard", "surveys:territories", "surveys:crosstab", "surveys:free_text", "surveys:monitor"]


def _user(ns, role):
    project = ns.project_ns
    if role == "resident":
        return UserFactory()
    return {
        "facilitator": project.facilitator,
        "consultant": project.consultant,
        "referent": project.referents[0],
        "agent": project.agents[0],
        "elected": project.electeds[0],
        "collector": ns.collector,
    }[role]


@pytest.mark.parametrize("page", RESULT_PAGES)
@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", 302),
        ("resident", 403),
        ("collector", 403),
        ("referent", 200),
        ("agent", 200),
        ("elected", 200),
        ("consultant", 200),
        ("facilitator", 200),
    ],
)
def test_permission_grid(client, survey_ns, page, role, expected):
    if role != "anonymous":
        client.force_login(_user(survey_ns, role))
    response = client.get(url(survey_ns, page))
    assert response.status_code == expected
    if expected == 302:
        assert "/compte/" in response["Location"]


def test_observer_sees_no_results(client):
    from tests.factories import make_project

    ns = make_survey(project_ns=make_project(observers=1))
    client.force_login(ns.project_ns.observers[0])
    assert client.get(url(ns)).status_code == 403


def test_a_referent_sees_its_own_territory_only_even_with_a_forged_filter(client, survey_ns):
    referent = survey_ns.project_ns.referents[0]
    client.force_login(referent)
    response = client.get(url(survey_ns))
    assert response.context["overview"]["respondents"] == 6
    assert [name for name, _row in [(r["name"], r) for r in response.context["weighting_rows"]]] == [
        survey_ns.deployments[0].participation.organisation.name
    ]
    other = survey_ns.deployments[1]
    forged = client.get(url(survey_ns) + f"?territoire={other.pk}")
    assert forged.context["overview"]["respondents"] == 0
    assert "ne fait pas partie" in forged.content.decode()
    assert other.participation.organisation.name not in forged.content.decode()
    texts = client.get(url(survey_ns, "surveys:free_text") + f"?question=commentaire&territoire={other.pk}")
    assert "Deuxville" not in texts.content.decode()
    assert "ne fait pas partie de ceux dont vous pouvez voir" in texts.content.decode()
    texts = client.get(url(survey_ns, "surveys:free_text") + "?question=commentaire&q=Deuxville")
    assert texts.context["page_obj"].paginator.count == 0
    sides = client.get(url(survey_ns, "surveys:territories"))
    assert sides.context["columns"] == [survey_ns.deployments[0].participation.organisation.name]
    cross = client.get(url(survey_ns, "surveys:crosstab") + "?lignes=_territoire&colonnes=frequence")
    assert [row["label"] for row in cross.context["table"]["rows"]] == [
        survey_ns.deployments[0].participation.organisation.name
    ]
    monitor = client.get(url(survey_ns, "surveys:monitor") + f"?territoire={other.pk}")
    assert monitor.context["territory"] == survey_ns.deployments[0].pk


def test_consultant_sees_every_territory(client, survey_ns):
    client.force_login(survey_ns.project_ns.consultant)
    response = client.get(url(survey_ns, "surveys:territories"))
    assert len(response.context["columns"]) == 2  # the two territories with answers
    texts = client.get(url(survey_ns, "surveys:free_text") + "?question=commentaire&q=Deuxville")
    assert texts.context["page_obj"].paginator.count == 3


def test_non_audience_indicator_per_territory_with_reference_figures(client, survey_ns):
    from territoires.surveys.models import ReferenceFigure

    ReferenceFigure.objects.create(
        indicator="non_audience", label="Non-publics en France", value_percent=37.5, source="DEPS", year=2018
    )
    add_response(survey_ns.deployments[0], survey_ns.valid_answers(lieux=["other"]))
    add_response(survey_ns.deployments[0], survey_ns.valid_answers(lieux=["other"]))
    client.force_login(survey_ns.project_ns.facilitator)
    response = client.get(url(survey_ns))
    rows = {row["name"]: row for row in response.context["non_audience"]["rows"]}
    first = rows[survey_ns.deployments[0].participation.organisation.name]
    assert first["share_text"] == "25,0"  # 2 of 8 chose none of the counted venues
    assert "37,5" in response.content.decode() and "DEPS" in response.content.decode()


def test_non_audience_definition_is_editable_by_the_consultancy_only(client, survey_ns):
    edit = url(survey_ns, "surveys:non_audience")
    client.force_login(survey_ns.project_ns.referents[0])
    assert client.post(edit, {"action": "save", "question": "lieux", "options": ["bib"]}).status_code == 403
    client.force_login(survey_ns.project_ns.consultant)
    response = client.post(edit, {"action": "save", "question": "lieux", "options": ["pas-une-option"]})
    assert response.status_code == 400
    response = client.post(edit, {"action": "save", "question": "lieux", "options": ["bib", "musee"]})
    assert response.status_code == 302
    survey_ns.survey.refresh_from_db()
    assert survey_ns.survey.non_audience_option_codes == ["bib", "musee"]


def test_monitor_lists_the_groups_to_go_and_meet(client, survey_ns):
    set_population(
        survey_ns.deployments[0],
        {(age, gender): 1000 for age in ("15-24", "25-34", "35-49", "50-64", "65-79", "80+") for gender in "fm"},
    )
    client.force_login(survey_ns.project_ns.referents[0])
    response = client.get(url(survey_ns, "surveys:monitor"))
    structure = response.context["structure"]
    # Everybody answered "25-34": every other group is missing, men of 25-34 are 2 of 6 vs 1 of 12.
    to_meet = [(str(cell["gender"]), str(cell["age"])) for cell in structure["to_meet"]]
    assert ("Femme", "15 à 24 ans") in to_meet
    assert ("Femme", "25 à 34 ans") not in to_meet
    assert sum(day["total"] for day in response.context["timeline"]["days"]) == 6
    assert "Qui aller rencontrer" in response.content.decode()


@pytest.mark.parametrize(
    ("name", "query"),
    [
        ("surveys:free_text", "?question=commentaire&q=Merci"),
        ("surveys:territories", ""),
        ("surveys:crosstab", "?lignes=frequence&colonnes=_genre"),
        ("surveys:monitor", ""),
        ("surveys:margins", ""),
    ],
)
def test_results_pages_query_count_does_not_grow_with_answers(
    client, survey_ns, django_assert_max_num_queries, name, query
):
    client.force_login(survey_ns.project_ns.facilitator)
    for _index in range(30):
        add_response(survey_ns.deployments[3], survey_ns.valid_answers())
    client.get(url(survey_ns, name) + query)
    with django_assert_max_num_queries(18):
        assert client.get(url(survey_ns, name) + query).status_code == 200


def test_a_long_build_leaves_a_snapshot_to_resume_from(client, survey_ns, monkeypatch):
    from territoires.surveys.models import Survey

    monkeypatch.setattr(survey_arrays_module, "CHECKPOINT_SECONDS", -1)
    survey = Survey.objects.get(pk=survey_ns.survey.pk)
    arrays = survey_arrays_module._empty(survey, survey_arrays_module.compile_variables(survey))
    survey_arrays_module._catch_up(arrays, batch=4)  # 9 rows: two checkpoints before the last batch
    saved = survey_arrays_module.load_snapshot(survey, survey_arrays_module.compile_variables(survey))
    assert saved is not None and saved.size == 8
    assert arrays.size == 9


def test_snapshot_refreshed_in_the_background_after_new_answers(client, survey_ns, monkeypatch):
    import threading

    from territoires.surveys.models import Survey

    client.force_login(survey_ns.project_ns.facilitator)
    client.get(url(survey_ns))
    monkeypatch.setattr(survey_arrays_module, "SNAPSHOT_MAX_AGE", -1)
    add_response(survey_ns.deployments[0], survey_ns.valid_answers())
    client.get(url(survey_ns))
    for thread in threading.enumerate():
        if thread.name == "survey-arrays-snapshot":
            thread.join(timeout=10)
    survey = Survey.objects.get(pk=survey_ns.survey.pk)
    saved = survey_arrays_module.load_snapshot(survey, survey_arrays_module.compile_variables(survey))
    assert saved is not None and saved.size == 10


def test_refresh_task_writes_the_snapshot_a_request_then_loads(client, survey_ns, monkeypatch):
    from territoires.surveys.analytics.tasks import refresh_survey_arrays

    assert refresh_survey_arrays.call(survey_ns.survey.pk) == 9
    reset_process_caches()  # as after a restart: the task's worker is another process

    def no_rebuild(*args, **kwargs):
        raise AssertionError("the snapshot should have been used")

    monkeypatch.setattr(survey_arrays_module, "_rebuild", no_rebuild)
    client.force_login(survey_ns.project_ns.facilitator)
    assert client.get(url(survey_ns)).context["overview"]["respondents"] == 9


@pytest.mark.parametrize("name", [*RESULT_PAGES, "surveys:margins"])
def test_pages_of_a_survey_without_answers(client, name):
    ns = make_survey()
    client.force_login(ns.project_ns.consultant)
    response = client.get(url(ns, name) + "?lignes=frequence&colonnes=_genre")
    assert response.status_code == 200


def test_every_free_answers_link_of_the_dashboard_opens_its_own_question(client, survey_ns):
    """Text questions link to their free answers; a date question is counted but has no such page,
    so it gets no link (it used to open another question with an "unknown question" message)."""
    import html
    import re

    client.force_login(survey_ns.project_ns.facilitator)
    page = client.get(url(survey_ns)).content.decode()
    links = [html.unescape(link) for link in re.findall(r'href="([^"]*reponses-libres/\?question=[^"]*)"', page)]
    codes = [link.rsplit("=", 1)[1] for link in links]
    assert "commentaire" in codes and "derniere_sortie" not in codes
    for link, code in zip(links, codes, strict=True):
        response = client.get(link)
        assert response.context["code"] == code
        assert "Question inconnue" not in response.content.decode()


def test_postcodes_and_neighbourhoods_of_other_territories_stay_hidden_and_names_are_shown(client, survey_ns):
    """Categories found in the answers (postcodes, neighbourhoods) are listed only for the rows a
    user may see, in the question blocks, the answer filters and the territories side by side; a
    neighbourhood shows its name, not its code."""
    add_response(survey_ns.deployments[1], survey_ns.valid_answers(cp="18000", quartier="gare"))
    client.force_login(survey_ns.project_ns.referents[0])
    response = client.get(url(survey_ns))
    blocks = {block["code"]: block for block in response.context["blocks"]}
    assert [row["label"] for row in blocks["cp"]["rows"]] == ["79000"]
    assert [row["label"] for row in blocks["quartier"]["rows"]] == ["Centre-ville"]
    page = response.content.decode()
    assert "18000" not in page and "Quartier de la gare" not in page
    assert 'value="quartier=centre">Centre-ville</option>' in page
    sides = client.get(url(survey_ns, "surveys:territories")).content.decode()
    assert "18000" not in sides

    client.force_login(survey_ns.project_ns.facilitator)
    blocks = {block["code"]: block for block in client.get(url(survey_ns)).context["blocks"]}
    assert sorted(row["label"] for row in blocks["cp"]["rows"]) == ["18000", "79000"]
    assert sorted(row["label"] for row in blocks["quartier"]["rows"]) == ["Centre-ville", "Quartier de la gare"]


def test_non_audience_indicator_follows_the_filters(client, survey_ns):
    """Filtered by gender, the non-audience share counts only the matching respondents; filtered
    by territory, only that territory is listed; the table says the filters apply."""
    first, second = survey_ns.deployments[0], survey_ns.deployments[1]
    add_response(first, survey_ns.valid_answers(lieux=["other"], genre="m"))
    client.force_login(survey_ns.project_ns.facilitator)

    def rows(query=""):
        response = client.get(url(survey_ns) + query)
        return response, {row["name"]: row for row in response.context["non_audience"]["rows"]}

    first_name, second_name = (d.participation.organisation.name for d in (first, second))
    _response, unfiltered = rows()
    assert unfiltered[first_name]["answered_text"] == "7" and unfiltered[first_name]["share_text"] == "14,3"
    response, men = rows("?genre=m")
    assert men[first_name]["answered_text"] == "3" and men[first_name]["share_text"] == "33,3"
    assert "retenues par les filtres" in response.content.decode()
    _response, only_second = rows(f"?territoire={second.pk}")
    assert list(only_second) == [second_name]


@pytest.mark.parametrize("role", ["referent", "agent", "elected", "consultant", "facilitator"])
def test_the_exports_tab_shows_exactly_when_the_exports_page_opens(client, survey_ns, role):
    client.force_login(_user(survey_ns, role))
    exports_url = reverse("surveys:exports", args=[survey_ns.survey.pk])
    tab_shown = f'href="{exports_url}"' in client.get(url(survey_ns)).content.decode()
    assert tab_shown == (client.get(exports_url).status_code == 200), role
