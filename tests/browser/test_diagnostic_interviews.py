"""Interviews in the browser: an interviewer records an interview and uploads a .docx transcript; a
bad file gets a clear message; axe-core finds no serious or critical violation on the new pages
(with their error states), also for an agent who reads the metadata only."""

import pytest

from territoires.diagnostic.interviews import services
from territoires.diagnostic.interviews.models import Interview, Transcript
from tests.browser.test_accessibility import BLOCKING, assert_accessible, describe
from tests.diagnostic.interviews.files import docx_bytes
from tests.factories import make_project

pytestmark = pytest.mark.browser

SPOKEN = "P1 : Les jeunes répètent dehors, faute de salle ouverte le soir."


@pytest.fixture
def built(transactional_db):
    built = make_project(participants=3)
    built.x = built.project.participations.get(organisation=built.towns[0])
    built.guide = services.guide_create(project=built.project, user=built.consultant, title="Guide du diagnostic")
    theme = services.theme_save(guide=built.guide, user=built.consultant, title="Pratiques")
    services.question_save(theme=theme, user=built.consultant, text="Que faites-vous dans le quartier ?")
    services.pseudonym_save(territory=built.x, user=built.consultant, name="Hélène", replacement="[la directrice]")
    return built


def check(page, axe):
    violations = [v for v in axe.run(page).response["violations"] if v["impact"] in BLOCKING]
    assert not violations, describe(violations)


def test_an_interviewer_records_an_interview_and_uploads_a_docx(page, axe, login, built, tmp_path):
    login(built.consultant)
    slug, town = built.project.slug, built.towns[0].slug
    assert_accessible(page, axe, f"/diagnostic/entretiens/projet/{slug}/{town}/")
    assert page.get_by_text("Aucun entretien pour l'instant.").is_visible()
    page.get_by_role("link", name="Nouvel entretien").click()
    page.wait_for_load_state("load")
    check(page, axe)
    # Sent without a title nor a participant: clear messages, nothing stored.
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_load_state("load")
    assert page.get_by_role("alert").first.is_visible() and not Interview.objects.exists()
    check(page, axe)
    page.locator("#id_title").fill("Association de quartier")
    page.locator("#id_kind").select_option("semi_directive")
    page.locator("#id_held_on").fill("2021-10-05")
    page.locator("#id_place_label").fill("Local de l'association")
    page.locator("label[for=id_consent_given]").click()
    page.locator("#id_consent_on").fill("2021-10-05")
    page.locator("#id_participants-0-label").fill("P1")
    page.locator("#id_participants-0-profile").select_option("actor")
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_load_state("load")
    interview = Interview.objects.get()
    assert interview.participants.get().label == "P1" and interview.guide_id == built.guide.pk
    check(page, axe)
    page.get_by_role("link", name="Saisir ou déposer la transcription").click()
    page.wait_for_load_state("load")
    check(page, axe)
    # A binary renamed .docx first: a clear message, nothing stored.
    fake = tmp_path / "entretien.docx"
    fake.write_bytes(b"MZ" + b"\x00" * 400)
    page.locator("#id_upload").set_input_files(str(fake))
    page.get_by_role("button", name="Enregistrer la transcription").click()
    page.wait_for_load_state("load")
    assert page.get_by_text("n'est pas un document Word (.docx) valide").first.is_visible()
    assert not Transcript.objects.exists()
    check(page, axe)
    real = tmp_path / "entretien.docx"
    real.write_bytes(docx_bytes(["Enquêtrice : Que faites-vous dans le quartier ?", SPOKEN]))
    page.locator("#id_upload").set_input_files(str(real))
    page.get_by_role("button", name="Enregistrer la transcription").click()
    page.wait_for_load_state("load")
    transcript = Transcript.objects.get()
    assert SPOKEN in transcript.text and transcript.source == "docx"
    assert page.get_by_text("faute de salle ouverte le soir").is_visible()
    check(page, axe)
    for path in (
        f"/diagnostic/entretiens/projet/{slug}/guide/",
        f"/diagnostic/entretiens/projet/{slug}/{town}/pseudonymes/",
        f"/diagnostic/entretiens/projet/{slug}/{town}/?type=collective",
        f"/diagnostic/entretiens/{interview.pk}/modifier/",
    ):
        assert_accessible(page, axe, path)


def test_an_agent_reads_the_list_and_the_metadata_only(page, axe, login, built):
    interview = services.interview_create(
        territory=built.x, user=built.consultant,
        data={"title": "Groupe d'habitants", "kind": "collective", "held_on": built.today, "place_label": "Centre social",
              "consent_given": True, "consent_on": built.today},
        participants=[{"label": "Groupe", "profile": "resident"}],
    )  # fmt: skip
    services.transcript_save(interview=interview, user=built.consultant, text=SPOKEN)
    login(built.agents[0])
    slug, town = built.project.slug, built.towns[0].slug
    assert_accessible(page, axe, f"/diagnostic/entretiens/projet/{slug}/{town}/")
    page.get_by_role("link", name="Groupe d'habitants").click()
    page.wait_for_load_state("load")
    assert page.get_by_text("Cet entretien est transcrit.").is_visible()
    assert "faute de salle" not in page.content()
    check(page, axe)
    assert_accessible(page, axe, f"/diagnostic/entretiens/projet/{slug}/guide/")
