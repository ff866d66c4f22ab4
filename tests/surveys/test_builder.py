"""The questionnaire builder as its users drive it: pages, forms, messages, and what gets stored."""

import html
import io
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from territoires.surveys import questionnaire
from territoires.surveys.models import Collector, Deployment, Question, Response, Section, Survey
from territoires.surveys.xlsform import xlsform_export
from tests.factories import UserFactory, make_project
from tests.surveys.factories import make_survey, valid_answers

pytestmark = pytest.mark.django_db


def answer(built, deployment=None, **answers):
    deployment = deployment or built.deployment
    return Response.objects.create(
        survey=built.survey,
        deployment=deployment,
        structure_version=built.survey.structure_version,
        channel="online",
        idempotency_key=uuid.uuid4(),
        answers=valid_answers(**answers),
    )


def text(response) -> str:
    return html.unescape(response.content.decode())


def question_data(section, **overrides):
    data = {
        "section": section.pk,
        "kind": "single",
        "code": "nouvelle",
        "label": "Une nouvelle question ?",
        "help_text": "",
        "options": "a | Oui\nb | Non",
        "condition_mode": "all",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def built():
    return make_survey(status=Survey.Status.DRAFT)


def builder_url(survey):
    return reverse("surveys:builder", args=[survey.pk])


# The project's surveys ----------------------------------------------------------------------------------


def test_the_project_survey_list_shows_status_counts_and_links(client, built, django_assert_max_num_queries):
    answer(built)
    answer(built)
    answer(built, deployment=built.deployments[1])
    make_survey(project_ns=built.project_ns, title="Deuxième enquête", status=Survey.Status.PUBLISHED)
    client.force_login(built.project_ns.consultant)
    url = reverse("surveys:project_surveys", args=[built.project.slug])
    with django_assert_max_num_queries(13):
        response = client.get(url)
    assert response.status_code == 200
    page = text(response)
    assert "Vos pratiques culturelles" in page and "Deuxième enquête" in page
    assert "Brouillon" in page and "En cours de collecte" in page
    assert builder_url(built.survey) in page
    assert "3 réponses" in page
    assert reverse("surveys:deployment", args=[built.deployment.pk]) in page


def test_the_survey_list_query_count_does_not_grow_with_surveys(client, built, django_assert_max_num_queries):
    for index in range(6):
        make_survey(project_ns=built.project_ns, title=f"Enquête {index}")
    client.force_login(built.project_ns.facilitator)
    with django_assert_max_num_queries(13):
        response = client.get(reverse("surveys:project_surveys", args=[built.project.slug]))
    assert response.status_code == 200
    assert text(response).count('aria-labelledby="survey-') == 7


def test_a_referent_sees_only_its_territory_counts(client, built):
    answer(built, deployment=built.deployments[1])
    client.force_login(built.project_ns.referents[0])
    page = client.get(reverse("surveys:project_surveys", args=[built.project.slug])).content.decode()
    assert built.deployments[0].participation.organisation.name in page
    assert built.deployments[1].participation.organisation.name not in page
    assert "Nouvelle enquête" not in page


def test_an_empty_project_says_so(client):
    ns = make_project()
    client.force_login(ns.consultant)
    page = client.get(reverse("surveys:project_surveys", args=[ns.project.slug])).content.decode()
    assert "Aucune enquête pour le moment." in page


def test_the_project_tab_and_answer_count_are_registered(client, built):
    answer(built)
    client.force_login(built.project_ns.consultant)
    page = client.get(built.project.get_absolute_url()).content.decode()
    assert reverse("surveys:project_surveys", args=[built.project.slug]) in page
    assert "Réponses à l&#x27;enquête habitants : <strong>1</strong>" in page


def test_the_builder_page_query_count_does_not_grow_with_questions(client, built, django_assert_max_num_queries):
    client.force_login(built.project_ns.referents[0])
    section = built.sections["fin"]
    for index in range(30):
        Question.objects.create(
            survey=built.survey,
            section=section,
            position=10 + index,
            code=f"extra_{index}",
            kind="short_text",
            label="?",
        )
    with django_assert_max_num_queries(13):
        response = client.get(builder_url(built.survey))
    assert response.status_code == 200
    with django_assert_max_num_queries(13):
        assert client.get(reverse("surveys:preview", args=[built.survey.pk])).status_code == 200


# Creating and building ----------------------------------------------------------------------------------


def test_a_consultant_creates_a_survey_deployed_in_each_territory(client):
    ns = make_project()
    client.force_login(ns.consultant)
    url = reverse("surveys:survey_create", args=[ns.project.slug])
    response = client.get(url)
    key = response.context["form"].initial["submission_key"]
    data = {"title": "Vos usages culturels", "second_language": "en", "introduction": "", "submission_key": key}
    response = client.post(url, data)
    survey = Survey.objects.get(project=ns.project)
    assert response.status_code == 302 and response["Location"] == builder_url(survey)
    assert survey.status == Survey.Status.DRAFT and survey.second_language == "en"
    assert survey.deployments.count() == 4
    assert survey.sections.count() == 1
    # Sent twice: stored once.
    client.post(url, data)
    assert Survey.objects.filter(project=ns.project).count() == 1


def test_every_kind_can_be_added_through_the_form(client, built):
    client.force_login(built.project_ns.consultant)
    section = built.sections["fin"]
    url = reverse("surveys:question_create", args=[built.survey.pk]) + f"?section={section.pk}"
    cases = {
        "single": {"options": "a | Oui\nb | Non", "allow_other": "on"},
        "multiple": {"options": "a | A\nb | B\nc | C", "max_choices": "2"},
        "rating": {"scale_min": "1", "scale_max": "10", "allow_dont_know": "on"},
        "number": {"min_value": "0", "max_value": "120"},
        "short_text": {},
        "long_text": {},
        "ranking": {"options": "a | A\nb | B"},
        "matrix": {"rows": "r1 | Accueil\nr2 | Prix", "scale_min": "1", "scale_max": "4"},
        "date": {},
        "neighbourhood": {},
        "postcode": {},
        "age_band": {},
        "gender": {},
    }
    before = built.survey.structure_version
    for kind, extra in cases.items():
        response = client.post(url, question_data(section, kind=kind, code=f"q_{kind}", **extra))
        assert response.status_code == 302, (kind, response.context["form"].errors)
    questions = {q.code: q for q in Question.objects.filter(survey=built.survey)}
    assert questions["q_single"].options == [{"code": "a", "label": "Oui"}, {"code": "b", "label": "Non"}]
    assert questions["q_single"].allow_other is True
    assert questions["q_multiple"].max_choices == 2
    assert (
        questions["q_rating"].scale_min,
        questions["q_rating"].scale_max,
        questions["q_rating"].allow_dont_know,
    ) == (1, 10, True)
    assert questions["q_matrix"].rows[1] == {"code": "r2", "label": "Prix"}
    assert (questions["q_number"].min_value, questions["q_number"].max_value) == (0, 120)
    assert questions["q_age_band"].options == []
    built.survey.refresh_from_db()
    assert built.survey.structure_version == before + len(cases)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"code": "frequence"}, "déjà utilisé par une autre question"),
        ({"code": "Fréquence!"}, "Le code commence par une lettre"),
        ({"kind": "rating", "options": "", "scale_min": "5", "scale_max": "5"}, "supérieur au minimum"),
        ({"kind": "rating", "options": "", "scale_min": "1", "scale_max": "99"}, "21 points au plus"),
        ({"kind": "number", "options": "", "min_value": "10", "max_value": "2"}, "supérieure à la valeur minimale"),
        ({"kind": "number", "options": "", "min_value": "1e300"}, "inférieure ou égale"),
        ({"options": "Oui\nNon"}, "indiquez un code puis le libellé"),
        ({"options": "a | Oui\na | Non"}, "utilisé deux fois"),
        ({"options": "a | Oui"}, "au moins deux options"),
        ({"options": "a | Oui\nother | Autre"}, "est réservé"),
        ({"kind": "multiple", "options": "a | A\nb | B", "max_choices": "3"}, "dépasse le nombre d'options"),
        ({"kind": "matrix", "options": "", "scale_min": "1", "scale_max": "4", "rows": ""}, "au moins une ligne"),
        ({"label": ""}, "Ce champ est obligatoire"),
        ({"label": "x" * 100_000}, "au plus 500 caractères"),
        ({"condition_question_1": "commentaire", "condition_op_1": "answered"}, "Sélectionnez un choix valide"),
        (
            {"condition_question_1": "frequence", "condition_op_1": "in", "condition_values_1": "parfois"},
            "n'a pas de réponse « parfois »",
        ),
        (
            {"condition_question_1": "cp", "condition_op_1": "gte", "condition_values_1": "3"},
            "ne s'appliquent qu'aux échelles et nombres",
        ),
    ],
)
def test_bad_settings_get_a_clear_message_and_nothing_is_saved(client, built, overrides, message):
    client.force_login(built.project_ns.consultant)
    section = built.sections["pratiques"]
    count = Question.objects.count()
    url = reverse("surveys:question_create", args=[built.survey.pk]) + f"?section={section.pk}"
    response = client.post(url, question_data(section, **overrides))
    assert response.status_code == 400
    assert message in text(response)
    assert Question.objects.count() == count


def test_a_condition_on_an_earlier_answer_is_stored_in_the_documented_format(client, built):
    client.force_login(built.project_ns.consultant)
    section = built.sections["fin"]
    url = reverse("surveys:question_create", args=[built.survey.pk]) + f"?section={section.pk}"
    data = question_data(
        section,
        condition_question_1="lieux",
        condition_op_1="in",
        condition_values_1="musee, other",
        condition_question_2="satisfaction",
        condition_op_2="lte",
        condition_values_2="2",
    )
    assert client.post(url, data).status_code == 302
    question = Question.objects.get(survey=built.survey, code="nouvelle")
    assert question.condition == {
        "all": [
            {"question": "lieux", "op": "in", "values": ["musee", "other"]},
            {"question": "satisfaction", "op": "lte", "values": [2]},
        ]
    }
    page = text(client.get(builder_url(built.survey)))
    assert "Affichée si" in page and "« lieux » est parmi musee, other" in page


def test_a_section_condition_must_test_an_earlier_section(client, built):
    client.force_login(built.project_ns.facilitator)
    profil = built.sections["profil"]
    url = reverse("surveys:section_edit", args=[built.survey.pk, profil.pk])
    response = client.post(
        url,
        {"title": "Profil", "condition_question_1": "frequence", "condition_op_1": "answered", "condition_mode": "all"},
    )
    assert response.status_code == 400
    profil.refresh_from_db()
    assert profil.condition == {}


def test_moving_questions_and_sections(client, built):
    client.force_login(built.project_ns.consultant)
    lieux = Question.objects.get(survey=built.survey, code="lieux")
    action = reverse("surveys:question_action", args=[built.survey.pk, lieux.pk])
    client.post(action, {"action": "up"})
    _sections, questions = questionnaire.ordered_structure(built.survey)
    assert [q.code for q in questions][4:6] == ["lieux", "frequence"]
    # nb_sorties depends on frequence: it may not move above it.
    nb = Question.objects.get(survey=built.survey, code="nb_sorties")
    nb_action = reverse("surveys:question_action", args=[built.survey.pk, nb.pk])
    client.post(nb_action, {"action": "up"})
    client.post(nb_action, {"action": "up"})
    response = client.post(nb_action, {"action": "up"}, follow=True)
    assert "vient après elle" in text(response)
    # The first question of a section goes to the end of the previous one.
    client.post(action, {"action": "up"})
    lieux.refresh_from_db()
    assert lieux.section_id == built.sections["profil"].pk
    # Sections: "avis" depends on satisfaction (in "pratiques"): it may not go above it.
    avis_action = reverse("surveys:section_action", args=[built.survey.pk, built.sections["avis"].pk])
    response = client.post(avis_action, {"action": "up"}, follow=True)
    assert "section précédente" in text(response)
    fin_action = reverse("surveys:section_action", args=[built.survey.pk, built.sections["fin"].pk])
    client.post(fin_action, {"action": "up"})
    sections, _questions = questionnaire.ordered_structure(built.survey)
    assert [s.title for s in sections] == ["Votre profil", "Vos pratiques", "Pour finir", "Votre avis"]


def test_deleting_a_question_another_depends_on_is_refused(client, built):
    client.force_login(built.project_ns.consultant)
    frequence = Question.objects.get(survey=built.survey, code="frequence")
    response = client.post(
        reverse("surveys:question_action", args=[built.survey.pk, frequence.pk]), {"action": "delete"}, follow=True
    )
    assert "La question « nb_sorties » dépend de cette question" in text(response)
    assert Question.objects.filter(pk=frequence.pk).exists()


def test_changing_a_code_follows_in_conditions(client, built):
    client.force_login(built.project_ns.consultant)
    frequence = Question.objects.get(survey=built.survey, code="frequence")
    url = reverse("surveys:question_edit", args=[built.survey.pk, frequence.pk])
    form = client.get(url).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None and value is not False}
    data.update(code="frequence_sorties", condition_mode="all")
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    nb = Question.objects.get(survey=built.survey, code="nb_sorties")
    assert nb.condition["all"][0]["question"] == "frequence_sorties"


# Versions -----------------------------------------------------------------------------------------------


def test_a_breaking_change_names_the_answers_and_offers_a_new_version(client, built):
    answer(built)
    answer(built, lieux=["musee"])
    client.force_login(built.project_ns.consultant)
    lieux = Question.objects.get(survey=built.survey, code="lieux")
    url = reverse("surveys:question_edit", args=[built.survey.pk, lieux.pk])
    data = question_data(
        built.sections["pratiques"],
        kind="multiple",
        code="lieux",
        label="Lieux",
        options="bib | Médiathèque\ncine | Cinéma",
        max_choices="2",
    )
    response = client.post(url, data)
    assert response.status_code == 400
    page = text(response)
    assert "rendrait invalides 2 réponses déjà reçues" in page
    assert "Créer une nouvelle version du questionnaire" in page
    lieux.refresh_from_db()
    assert len(lieux.options) == 5
    # The harmless part alone is accepted.
    version = built.survey.structure_version
    data["options"] = (
        "bib | Médiathèque\nmusee | Musée\ncine | Cinéma\ntheatre | Théâtre\nconcert | Concert\nfestival | Festival"
    )
    data.update(max_choices="3", allow_other="on", label="Quels lieux ?")
    assert client.post(url, data).status_code == 302
    built.survey.refresh_from_db()
    assert built.survey.structure_version == version + 1
    # New version: a draft copy linked to the old one.
    response = client.post(reverse("surveys:survey_status", args=[built.survey.pk]), {"action": "new_version"})
    copy = Survey.objects.get(previous_version=built.survey)
    assert response["Location"] == builder_url(copy)
    assert copy.status == Survey.Status.DRAFT
    assert copy.questions.count() == built.survey.questions.count()
    assert copy.deployments.count() == 4
    assert Collector.objects.filter(deployment__survey=copy).count() == 1
    # In the copy the breaking change is free.
    copy_lieux = copy.questions.get(code="lieux")
    response = client.post(
        reverse("surveys:question_edit", args=[copy.pk, copy_lieux.pk]),
        {**data, "section": copy_lieux.section_id, "options": "bib | Médiathèque\ncine | Cinéma", "max_choices": "2"},
    )
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("code", "values", "expected"),
    [
        ("satisfaction", {"scale_min": 2}, 1),  # the first answer is 1
        ("nb_sorties", {"max_value": 10}, 1),
        ("offre", {"rows": [{"code": "prix", "label": "Prix"}]}, 1),
        ("frequence", {"kind": "multiple"}, 2),
        ("frequence", {"code": "freq"}, 2),
    ],
)
def test_breaking_changes_are_counted(built, code, values, expected):
    answer(built, satisfaction=1, nb_sorties=12)
    answer(built, unhappy=True, nb_sorties=3)
    question = Question.objects.get(survey=built.survey, code=code)
    with pytest.raises(questionnaire.BreakingChangeError) as refused:
        questionnaire.question_save(
            survey=built.survey, section=question.section, user=None, values=values, question=question
        )
    assert refused.value.affected == expected


def test_deleting_an_answered_question_is_refused(built):
    answer(built)
    question = Question.objects.get(survey=built.survey, code="commentaire")
    with pytest.raises(questionnaire.BreakingChangeError, match="1 réponse déjà reçue"):
        questionnaire.question_delete(question=question, user=None)
    assert Question.objects.filter(pk=question.pk).exists()


def test_publish_close_reopen(client, built):
    client.force_login(built.project_ns.facilitator)
    url = reverse("surveys:survey_status", args=[built.survey.pk])
    client.post(url, {"action": "publish"})
    built.survey.refresh_from_db()
    assert built.survey.status == Survey.Status.PUBLISHED and built.survey.published_at
    client.post(url, {"action": "close"})
    built.survey.refresh_from_db()
    assert built.survey.status == Survey.Status.CLOSED
    client.post(url, {"action": "reopen"})
    built.survey.refresh_from_db()
    assert built.survey.status == Survey.Status.PUBLISHED
    response = client.post(url, {"action": "publish"}, follow=True)
    assert "Seul un brouillon peut être publié." in text(response)
    response = client.post(url, {"action": "explode"}, follow=True)
    assert response.status_code == 200 and "Action inconnue." in text(response)


def test_an_empty_survey_cannot_be_published(client):
    ns = make_project()
    survey = questionnaire.survey_create(project=ns.project, user=ns.consultant, title="Vide")
    client.force_login(ns.consultant)
    response = client.post(reverse("surveys:survey_status", args=[survey.pk]), {"action": "publish"}, follow=True)
    assert "Ajoutez au moins une question" in text(response)
    survey.refresh_from_db()
    assert survey.status == Survey.Status.DRAFT


def test_publishing_a_new_version_closes_the_previous_one(built):
    questionnaire.survey_publish(survey=built.survey, user=built.project_ns.facilitator)
    copy = questionnaire.survey_new_version(survey=built.survey, user=built.project_ns.facilitator)
    questionnaire.survey_publish(survey=copy, user=built.project_ns.facilitator)
    built.survey.refresh_from_db()
    assert built.survey.status == Survey.Status.CLOSED


# Referents: their territory's questions and deployment -------------------------------------------------


def test_a_referent_adds_its_own_territory_question_but_cannot_touch_common_ones(client, built):
    referent = built.project_ns.referents[0]
    client.force_login(referent)
    page = text(client.get(builder_url(built.survey)))
    assert "Ajouter une question propre à" in page
    section = built.sections["fin"]
    url = reverse("surveys:question_create", args=[built.survey.pk]) + f"?section={section.pk}"
    response = client.post(
        url, question_data(section, code="fete_locale", territoire=built.deployment.participation_id)
    )
    assert response.status_code == 302
    own = Question.objects.get(survey=built.survey, code="fete_locale")
    assert own.participation_id == built.deployment.participation_id
    # Editable by the same referent, not by another territory's.
    assert client.get(reverse("surveys:question_edit", args=[built.survey.pk, own.pk])).status_code == 200
    common = Question.objects.get(survey=built.survey, code="frequence")
    assert client.get(reverse("surveys:question_edit", args=[built.survey.pk, common.pk])).status_code == 403
    assert (
        client.post(
            reverse("surveys:question_action", args=[built.survey.pk, common.pk]), {"action": "delete"}
        ).status_code
        == 403
    )
    assert (
        client.post(reverse("surveys:survey_status", args=[built.survey.pk]), {"action": "publish"}).status_code == 403
    )
    assert client.get(reverse("surveys:section_create", args=[built.survey.pk])).status_code == 403
    client.force_login(built.project_ns.referents[1])
    assert client.get(reverse("surveys:question_edit", args=[built.survey.pk, own.pk])).status_code == 403
    # A common question may not depend on a territory's own question.
    with pytest.raises(ValidationError, match="propre à un seul territoire"):
        questionnaire.question_save(
            survey=built.survey,
            section=section,
            user=None,
            values={
                "code": "commune_a_tous",
                "kind": "short_text",
                "label": "Pour tous",
                "condition": {"all": [{"question": "fete_locale", "op": "answered"}]},
            },
        )
    assert not Question.objects.filter(code="commune_a_tous").exists()


def test_a_referent_manages_its_deployment(client, built):
    referent = built.project_ns.referents[0]
    agent = built.project_ns.agents[0]
    outsider = UserFactory()
    client.force_login(referent)
    url = reverse("surveys:deployment", args=[built.deployment.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"action": "settings", "neighbourhoods": "centre | Centre\nsud | Quartier sud", "is_open": ""}
    )
    assert response.status_code == 302
    built.deployment.refresh_from_db()
    assert built.deployment.is_open is False
    assert built.deployment.neighbourhoods == [
        {"code": "centre", "label": "Centre"},
        {"code": "sud", "label": "Quartier sud"},
    ]
    response = client.post(url, {"action": "settings", "neighbourhoods": "Centre sans code", "is_open": "on"})
    assert response.status_code == 400 and "indiquez un code puis le libellé" in text(response)
    # Collectors come from the authority's members.
    assert client.post(url, {"action": "add_collector", "member": agent.pk}).status_code == 302
    assert Collector.objects.filter(deployment=built.deployment, user=agent).exists()
    response = client.post(url, {"action": "add_collector", "member": outsider.pk})
    assert response.status_code == 400
    assert not Collector.objects.filter(user=outsider).exists()
    collector = Collector.objects.get(deployment=built.deployment, user=agent)
    client.post(url, {"action": "remove_collector", "collector": collector.pk})
    assert not Collector.objects.filter(pk=collector.pk).exists()
    response = client.post(url, {"action": "remove_collector", "collector": "abc"}, follow=True)
    assert "ne fait pas partie" in text(response)
    # Another territory's deployment is not its own.
    assert client.get(reverse("surveys:deployment", args=[built.deployments[1].pk])).status_code == 403


def test_a_neighbourhood_with_answers_stays_in_the_list(client, built):
    answer(built, quartier="gare")
    client.force_login(built.project_ns.referents[0])
    url = reverse("surveys:deployment", args=[built.deployment.pk])
    response = client.post(url, {"action": "settings", "neighbourhoods": "centre | Centre", "is_open": "on"})
    assert response.status_code == 400
    assert "1 réponse reçue cite un quartier que vous retirez (gare)" in text(response)


# Preview, XLSForm, bad input -----------------------------------------------------------------------------


def test_preview_shows_the_questionnaire_in_both_languages(client):
    built = make_survey(status=Survey.Status.DRAFT, second_language="en")
    client.force_login(built.project_ns.referents[0])
    url = reverse("surveys:preview", args=[built.survey.pk])
    page = text(client.get(url))
    assert "À quelle fréquence sortez-vous" in page and "rien ne peut être envoyé" in page
    # Drawn with the resident form's own template, every conditional part marked.
    assert 'class="survey-question"' in page
    assert "Posée seulement si « frequence » n'est pas parmi jamais" in page
    assert "Page affichée seulement si « satisfaction » est au plus 2" in page
    page = client.get(url + "?langue=en").content.decode()
    assert "How often do you go out?" in page


def test_xlsform_download_and_import_through_the_pages(client, built):
    client.force_login(built.project_ns.consultant)
    response = client.get(reverse("surveys:xlsform", args=[built.survey.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('-xlsform.xlsx"')
    territory = client.get(
        reverse("surveys:xlsform", args=[built.survey.pk]) + f"?territoire={built.deployment.participation_id}"
    )
    assert territory.status_code == 200
    assert client.get(reverse("surveys:xlsform", args=[built.survey.pk]) + "?territoire=abc").status_code == 200
    url = reverse("surveys:survey_import", args=[built.project.slug])
    upload = io.BytesIO(xlsform_export(built.survey))
    upload.name = "questionnaire.xlsx"
    response = client.post(url, {"file": upload})
    imported = Survey.objects.exclude(pk=built.survey.pk).get(project=built.project)
    assert response["Location"] == builder_url(imported)
    bad = io.BytesIO(b"type,name\ntext,q1\n")
    bad.name = "questionnaire.csv"
    response = client.post(url, {"file": bad})
    assert response.status_code == 400 and "format .xlsx" in text(response)
    assert Survey.objects.filter(project=built.project).count() == 2


def test_forged_ids_and_wrong_surveys_get_404_not_500(client, built):
    other = make_survey(title="Autre projet")
    client.force_login(built.project_ns.consultant)
    foreign_question = other.survey.questions.first()
    foreign_section = other.survey.sections.first()
    for url in [
        reverse("surveys:builder", args=[999999]),
        reverse("surveys:question_edit", args=[built.survey.pk, foreign_question.pk]),
        reverse("surveys:section_edit", args=[built.survey.pk, foreign_section.pk]),
        reverse("surveys:deployment", args=[999999]),
    ]:
        assert client.get(url).status_code == 404, url
    # Another project's survey: not a member there.
    assert client.get(builder_url(other.survey)).status_code == 403
    response = client.post(
        reverse("surveys:question_create", args=[built.survey.pk]) + "?section=abc",
        question_data(foreign_section),
    )
    assert response.status_code == 400
    assert not Question.objects.filter(section=foreign_section, code="nouvelle").exists()


def test_a_section_is_added_edited_and_deleted(client, built):
    client.force_login(built.project_ns.consultant)
    response = client.post(
        reverse("surveys:section_create", args=[built.survey.pk]),
        {"title": "Bonus", "description": "", "condition_mode": "all"},
    )
    assert response.status_code == 302
    bonus = Section.objects.get(survey=built.survey, title="Bonus")
    assert bonus.position == 4
    client.post(reverse("surveys:section_action", args=[built.survey.pk, bonus.pk]), {"action": "delete"})
    assert not Section.objects.filter(pk=bonus.pk).exists()
    assert Deployment.objects.filter(survey=built.survey).count() == 4


def test_a_draft_without_answers_can_be_deleted_not_a_published_one(client, built):
    client.force_login(built.project_ns.consultant)
    url = reverse("surveys:survey_status", args=[built.survey.pk])
    answer(built)
    response = client.post(url, {"action": "delete"}, follow=True)
    assert "déjà des réponses" in text(response)
    Response.objects.filter(survey=built.survey).delete()
    questionnaire.survey_publish(survey=built.survey, user=built.project_ns.consultant)
    response = client.post(url, {"action": "delete"}, follow=True)
    assert "Seul un brouillon peut être supprimé" in text(response)
    draft = questionnaire.survey_new_version(survey=built.survey, user=built.project_ns.consultant)
    response = client.post(reverse("surveys:survey_status", args=[draft.pk]), {"action": "delete"})
    assert response["Location"] == reverse("surveys:project_surveys", args=[built.project.slug])
    assert not Survey.objects.filter(pk=draft.pk).exists()
    assert Survey.objects.filter(pk=built.survey.pk).exists()


def test_a_territory_that_joins_later_gets_its_deployment(client, built):
    from territoires.projects.models import Participation

    Deployment.objects.filter(pk=built.deployments[-1].pk).delete()
    client.force_login(built.project_ns.facilitator)
    page = text(client.get(builder_url(built.survey)))
    assert "Un territoire a rejoint le projet depuis" in page
    client.post(reverse("surveys:survey_status", args=[built.survey.pk]), {"action": "deploy_missing"})
    assert (
        built.survey.deployments.count()
        == Participation.objects.filter(project=built.project, role="participant").count()
    )
    assert "a rejoint le projet" not in text(client.get(builder_url(built.survey)))


def test_a_structure_change_refreshes_the_dashboard_arrays_after_commit(built, django_capture_on_commit_callbacks):
    answer(built)
    question = Question.objects.get(survey=built.survey, code="commentaire")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        questionnaire.question_save(
            survey=built.survey, section=question.section, user=None, question=question, values={"label": "Un mot ?"}
        )
    assert len(callbacks) == 1
