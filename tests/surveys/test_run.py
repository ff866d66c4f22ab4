"""The questionnaire run (surveys/run.py) on its own, without HTTP: the pages a respondent goes
through, the questions that conditions hide and the answers dropped with them, a state that cannot
be forged or carried elsewhere, and a run stored once however often it is sent.

The survey is the fixture of tests/surveys/factories.py: pages "profil", "pratiques", "avis" (only
when satisfaction <= 2) and "fin"; nb_sorties hidden when frequence is "jamais"; annee, lieu and
merci asked from 65 on only."""

import time
import uuid

import pytest
from django.core import signing
from django.http import QueryDict

from territoires.surveys.collection import SubmissionRefused
from territoires.surveys.models import Response
from territoires.surveys.run import STATE_MAX_AGE, STATE_SALT, QuestionnaireRun, RunStateInvalid
from territoires.surveys.schema import AnswersInvalid
from tests.surveys.factories import make_survey, valid_answers

PROFILE = {"age": "25-34", "genre": "f", "quartier": "gare", "cp": "79000"}
PRACTICES_HAPPY = {"frequence": "rare", "satisfaction": "4", "nb_sorties": "3"}
PRACTICES_UNHAPPY = {"frequence": "rare", "satisfaction": "1", "nb_sorties": "3"}
OPINION = {"pourquoi": "Trop loin", "priorites__a": "2", "priorites__b": "1", "priorites__c": "3"}


@pytest.fixture
def built(db):
    return make_survey()


def form(data: dict) -> QueryDict:
    """An HTML form's data as a view receives it."""
    post = QueryDict(mutable=True)
    for name, value in data.items():
        post.setlist(name, value if isinstance(value, list) else [value])
    return post


def answer(run, data, **options):
    """One page sent back: the run taken up from the state the page held, as the view does; the
    page showed the questions that were visible when it was drawn."""
    state, index, shown = run.state, run.index, run.page().visible_codes
    taken_up = QuestionnaireRun(run.deployment)
    taken_up.resume(state, page=index)
    return taken_up, taken_up.answer(form(data), shown=shown, **options)


def titles(run) -> list[str]:
    return [run.schema.sections[index].title for index in run.visible_section_indexes()]


# --- page flow -------------------------------------------------------------------------------------


def test_a_run_starts_on_the_first_page_with_a_new_key(built):
    run = QuestionnaireRun(built.deployment)
    page = run.start()
    assert page.section.title == "Votre profil"
    assert [q.code for q in page.questions] == ["age", "genre", "quartier", "cp"]
    assert (page.number, page.count, page.is_first, page.is_last) == (1, 3, True, False)
    assert uuid.UUID(run.key) and run.answers == {}
    assert QuestionnaireRun(built.deployment).start() is not None
    assert QuestionnaireRun(built.deployment).key != run.key


def test_pages_follow_the_answers_and_previous_keeps_them(built):
    run = QuestionnaireRun(built.deployment)
    run.start()
    run, page = answer(run, {"cp": "79000"})
    assert page.section.title == "Votre profil" and set(page.errors) == {"age", "genre"}
    assert run.answers["cp"] == "79000"  # kept for the page drawn again
    run, page = answer(run, PROFILE)
    assert page.section.title == "Vos pratiques" and page.errors == {}
    # An unhappy resident is asked why: the conditional page comes next and counts.
    run, page = answer(run, PRACTICES_UNHAPPY)
    assert page.section.title == "Votre avis"
    assert (page.number, page.count) == (3, 4)
    run, page = answer(run, {}, previous=True)
    assert page.section.title == "Vos pratiques"
    assert run.answers["satisfaction"] == "1" and run.answers["age"] == "25-34"
    # A satisfied one goes straight to the last page, which says it is the last.
    run, page = answer(run, PRACTICES_HAPPY)
    assert page.section.title == "Pour finir" and page.is_last
    assert (page.number, page.count) == (3, 3)
    run, page = answer(run, {"commentaire": "Merci"})
    assert page is None  # complete: the view submits
    submission = run.submit()
    assert submission.created and submission.response.channel == Response.Channel.ONLINE
    assert submission.response.answers["nb_sorties"] == 3


def test_a_question_that_appears_on_the_same_page_is_asked_before_going_on(built):
    run = QuestionnaireRun(built.deployment)
    run.start()
    run, page = answer(run, PROFILE)
    # The page was drawn without nb_sorties (no JavaScript, frequence unanswered showed it hidden).
    taken_up = QuestionnaireRun(run.deployment)
    taken_up.resume(run.state, page=run.index)
    page = taken_up.answer(form({"frequence": "rare", "satisfaction": "4"}), shown=["frequence", "satisfaction"])
    assert page.section.title == "Vos pratiques" and page.notice
    assert "nb_sorties" in page.visible_codes


# --- hidden questions ----------------------------------------------------------------------------------


def test_hidden_pages_are_skipped_and_their_answers_dropped(built):
    run = QuestionnaireRun(built.deployment)
    run.start()
    run, _page = answer(run, PROFILE)
    run, page = answer(run, PRACTICES_UNHAPPY)
    run, page = answer(run, OPINION)
    assert page.section.title == "Pour finir"
    assert "Votre avis" in titles(run)
    # Back to the practices, now satisfied: the opinion page disappears from the pass...
    run, page = answer(run, {}, previous=True)
    assert page.section.title == "Votre avis"
    run, page = answer(run, OPINION, previous=True)  # "Previous" sends the page as it is filled
    assert page.section.title == "Vos pratiques"
    run, page = answer(run, PRACTICES_HAPPY)
    assert page.section.title == "Pour finir"
    assert "Votre avis" not in titles(run)
    assert run.answers["pourquoi"] == "Trop loin"  # kept while the resident may still come back
    run, page = answer(run, {"commentaire": "Merci"})
    assert page is None
    # ...and what was answered on it is not stored.
    stored = run.submit().response.answers
    assert "pourquoi" not in stored and "priorites" not in stored
    assert stored["satisfaction"] == 4


def test_hidden_questions_are_not_shown_and_their_answers_dropped(built):
    run = QuestionnaireRun(built.deployment)
    run.start()
    run, _page = answer(run, PROFILE)
    # nb_sorties is typed, but "jamais" hides it: the page goes on, the number is not stored.
    run, page = answer(run, {"frequence": "jamais", "satisfaction": "4", "nb_sorties": "12"})
    assert page.section.title == "Pour finir"
    assert "nb_sorties" not in page.visible_codes
    # annee, lieu and merci are asked from 65 on only: drawn hidden for a 25-34.
    assert {"annee", "lieu", "merci"} <= {q.code for q in page.questions}
    assert not {"annee", "lieu", "merci"} & page.visible_codes
    run, page = answer(run, {"commentaire": "Merci", "annee": "1990"})
    assert page is None
    stored = run.submit().response.answers
    assert "nb_sorties" not in stored and "annee" not in stored


# --- the state between pages ----------------------------------------------------------------------------


def test_a_forged_or_altered_state_is_refused(built):
    run = QuestionnaireRun(built.deployment)
    run.start()
    state = run.state
    forged_answers = signing.dumps({"k": str(uuid.uuid4()), "a": {"age": "25-34"}}, salt="autre", compress=True)
    for forged in ("", "forged", state[:-2] + ("AA" if not state.endswith("AA") else "BB"), forged_answers):
        with pytest.raises(RunStateInvalid):
            QuestionnaireRun(built.deployment).resume(forged, page=0)
    # Signed by the server, but not a run's state.
    for shape in ({"k": 1, "a": {}}, {"k": "x", "a": []}, ["k", "a"]):
        with pytest.raises(RunStateInvalid):
            QuestionnaireRun(built.deployment).resume(signing.dumps(shape, salt=STATE_SALT), page=0)
    taken_up = QuestionnaireRun(built.deployment)
    taken_up.resume(state, page=0)
    assert taken_up.key == run.key


def test_a_state_is_refused_on_another_territorys_link(built):
    run = QuestionnaireRun(built.deployment)
    run.start()
    run, _page = answer(run, PROFILE)
    with pytest.raises(RunStateInvalid):
        QuestionnaireRun(built.deployments[1]).resume(run.state, page=1)


def test_a_state_expires(built, monkeypatch):
    run = QuestionnaireRun(built.deployment)
    run.start()
    state = run.state
    later = time.time() + STATE_MAX_AGE + 60
    monkeypatch.setattr(signing.time, "time", lambda: later)
    with pytest.raises(RunStateInvalid):
        QuestionnaireRun(built.deployment).resume(state, page=0)


@pytest.mark.parametrize("page", [None, "abc", "-1", "999"])
def test_a_made_up_page_number_lands_on_the_first_page(built, page):
    run = QuestionnaireRun(built.deployment)
    run.start()
    taken_up = QuestionnaireRun(built.deployment)
    taken_up.resume(run.state, page=page)
    assert taken_up.index == 0


def test_a_jump_to_the_last_page_still_checks_every_page_at_submission(built):
    """The page number is not signed: jumping skips a page's messages, never its checks."""
    run = QuestionnaireRun(built.deployment)
    run.start()
    jumped = QuestionnaireRun(built.deployment)
    jumped.resume(run.state, page=3)
    assert jumped.answer(form({"commentaire": "x"})) is None
    with pytest.raises(AnswersInvalid) as invalid:
        jumped.submit()
    assert {"age", "genre", "frequence", "satisfaction"} <= set(invalid.value.errors)
    page = jumped.page_with_errors(invalid.value.errors)
    assert page.section.title == "Votre profil" and page.errors
    assert Response.objects.count() == 0


# --- submission -----------------------------------------------------------------------------------------


def test_a_run_sent_again_is_stored_once(built):
    run = QuestionnaireRun(built.deployment)
    run.start()
    for data in (PROFILE, PRACTICES_HAPPY, {"commentaire": "Merci"}):
        run, _page = answer(run, data)
    state = run.state
    first = run.submit()
    # The last page sent again (back button, double click): the same state, the same key.
    again = QuestionnaireRun(built.deployment)
    again.resume(state, page=3)
    assert again.answer(form({"commentaire": "Merci"})) is None
    second = again.submit()
    assert first.created and not second.created
    assert second.response.pk == first.response.pk
    assert second.response.receipt_code == first.response.receipt_code
    assert Response.objects.count() == 1


def test_a_device_run_is_stored_once_with_its_channel_and_time(built):
    payload = {
        "idempotency_key": str(uuid.uuid4()),
        "answers": valid_answers(),
        "collected_at": "2021-11-02T10:15:00+01:00",
        "channel": "field",
    }
    first = QuestionnaireRun.from_device(built.deployment, payload).submit(collector=built.collector)
    second = QuestionnaireRun.from_device(built.deployment, payload).submit(collector=built.collector)
    assert first.created and not second.created
    response = Response.objects.get()
    assert (response.channel, response.collector) == ("field", built.collector)
    assert response.collected_at.isoformat().startswith("2021-11-02T09:15")
    with pytest.raises(SubmissionRefused):
        QuestionnaireRun.from_device(built.deployment, {**payload, "channel": "online"})
    with pytest.raises(AnswersInvalid):
        QuestionnaireRun.from_device(
            built.deployment, {**payload, "idempotency_key": str(uuid.uuid4()), "answers": "x"}
        ).submit(collector=built.collector)
    assert Response.objects.count() == 1


# --- paper ------------------------------------------------------------------------------------------------


def test_a_paper_sheet_says_every_problem_at_once_and_stores_nothing(built):
    run = QuestionnaireRun(built.deployment)
    key = str(uuid.uuid4())
    errors = run.take_sheet(form({"genre": "m", "lieux__codes": "1 9"}), key=key, sheet_number="b 12")
    assert "« 9 » en position 2" in errors["lieux"]
    assert {"age", "frequence", "satisfaction"} <= set(errors)  # the answers' own errors too
    assert run.sheet_number == "B12"
    assert Response.objects.count() == 0


def test_a_paper_sheet_fingerprint_tells_the_same_sheet_from_another(built):
    sheet = form({"age": "35-49", "genre": "m", "frequence": "rare", "satisfaction": "4", "lieux__codes": "1 3"})

    def fingerprint(number):
        run = QuestionnaireRun(built.deployment)
        assert run.take_sheet(sheet, key=str(uuid.uuid4()), sheet_number=number) == {}
        return run

    first = fingerprint("")
    assert first.answers["lieux"] == ["bib", "cine"]
    assert first.fingerprint() == fingerprint("").fingerprint()
    assert fingerprint("12").fingerprint() != fingerprint("13").fingerprint()
    submission = first.submit(collector=built.collector)
    assert submission.response.channel == Response.Channel.PAPER


def test_the_online_page_refuses_a_state_made_on_another_territorys_link(client, built):
    """Through HTTP: the resident's answers so far are not carried into another territory."""
    from django.urls import reverse

    run = QuestionnaireRun(built.deployment)
    run.start()
    run, _page = answer(run, PROFILE)
    other = reverse("surveys:answer", args=[built.deployments[1].public_token])
    page = client.post(other, {"state": run.state, "page": "1", **PRACTICES_HAPPY})
    assert page.status_code == 400
    assert "expiré" in page.content.decode()
    assert "Votre profil" in page.content.decode()  # starts over, on the first page
