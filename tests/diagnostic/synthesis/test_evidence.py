"""A finding's evidence, live and as far as the reader's role allows: survey figures computed by
the dashboard's own code with the author's filters, directory selections counted among the entries
the reader may see; "preuve réservée" (and nothing of the target, nor the author's note on it)
elsewhere; bad references refused with a message. And the PDF, built by a task for its requester."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from territoires.diagnostic.synthesis import services
from territoires.diagnostic.synthesis.models import Evidence, SynthesisPdf
from tests.community.test_bad_input import close_keeping_connection
from tests.diagnostic.helpers import make_entry, territory_of
from tests.factories import make_project
from tests.surveys.analytics_support import add_response
from tests.surveys.factories import make_survey

pytestmark = pytest.mark.django_db

NOTE = "Deux tiers des répondants de Premièreville sortent souvent"


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    settings.SURVEY_ARRAYS_DIR = tmp_path / "arrays"
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world():
    world = make_project(observers=1)
    world.x = territory_of(world)
    survey_ns = make_survey(project_ns=world)
    for index in range(6):
        add_response(survey_ns.deployments[0], survey_ns.valid_answers(frequence="souvent" if index % 3 else "rare"))
    for _index in range(3):
        add_response(survey_ns.deployments[1], survey_ns.valid_answers(frequence="jamais"))
    world.survey = survey_ns.survey
    synthesis = services.synthesis_for(project=world.project, territory=world.x)
    world.finding = services.finding_create(synthesis=synthesis, user=world.consultant, statement="On sort souvent")
    return world


def publish(world):
    services.finding_validate(finding=world.finding, user=world.referents[0])
    return services.finding_publish(finding=world.finding, user=world.referents[0])


def add_figure(world, query=""):
    return services.evidence_add(
        finding=world.finding,
        user=world.consultant,
        kind="survey_figure",
        reference={"survey": world.survey.pk, "question": "frequence", "query": query},
        note=NOTE,
    )


def test_a_territory_figure_defaults_to_its_territory_and_is_stored_once(world):
    evidence = add_figure(world)
    deployment = world.survey.deployments.get(participation=world.x)
    assert evidence.reference == {
        "survey": world.survey.pk,
        "question": "frequence",
        "query": f"territoire={deployment.pk}",
    }
    assert add_figure(world) == evidence
    assert Evidence.objects.count() == 1


def test_the_figure_is_live_for_the_team_and_restricted_elsewhere(client, world):
    add_figure(world)
    publish(world)
    url = world.finding.get_absolute_url()
    client.force_login(world.consultant)
    body = client.get(url).content.decode()
    assert "Preuve réservée" not in body and NOTE in body
    assert "6 réponses" in body  # the first territory's answers only, as filtered by its author
    client.force_login(world.referents[0])
    assert "6 réponses" in client.get(url).content.decode()
    # Another territory's referent, an observer and a visitor read the published finding, not the figure.
    for user in (world.referents[1], world.observers[0], None):
        client.logout()
        if user is not None:
            client.force_login(user)
        body = client.get(url).content.decode()
        assert world.finding.statement in body
        assert "Preuve réservée" in body
        assert NOTE not in body and "6 réponses" not in body


def test_a_new_answer_shows_on_the_next_reading(client, world):
    add_figure(world)
    client.force_login(world.consultant)
    assert "6 réponses" in client.get(world.finding.get_absolute_url()).content.decode()
    deployment = world.survey.deployments.get(participation=world.x)
    add_response(deployment, {"frequence": "rare", "age": "25-34", "genre": "f"})
    assert "7 réponses" in client.get(world.finding.get_absolute_url()).content.decode()


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ({"survey": 999999, "question": "frequence"}, "enquête de ce projet"),
        ({"survey": "abc", "question": "frequence"}, "enquête de ce projet"),
        ({"question": "nope"}, "n'existe pas"),
        ({"question": "frequence", "query": "territoire=99999999999999999999"}, "ne participe pas"),
    ],
)
def test_a_bad_survey_reference_is_refused(world, reference, message):
    reference = {"survey": world.survey.pk, **reference}
    with pytest.raises(ValidationError) as error:
        services.evidence_add(finding=world.finding, user=world.consultant, kind="survey_figure", reference=reference)
    assert message in str(error.value)
    assert not Evidence.objects.exists()


def test_a_directory_selection_counts_what_the_reader_may_see(client, world):
    make_entry(world, "place", name="Médiathèque publiée")
    make_entry(world, "place", name="Salle en brouillon", publish=False)
    address = reverse("diagnostic:territory_directory", args=[world.project.slug, world.towns[0].slug]) + "?type=place"
    evidence = services.evidence_add(
        finding=world.finding, user=world.consultant, kind="directory", reference={"address": address}
    )
    assert evidence.reference["query"] == "type=place"
    publish(world)
    client.force_login(world.consultant)
    body = client.get(world.finding.get_absolute_url()).content.decode()
    assert "2 fiches dans cette sélection" in body and "Salle en brouillon" in body
    client.logout()
    body = client.get(world.finding.get_absolute_url()).content.decode()
    assert "1 fiche dans cette sélection" in body and "Salle en brouillon" not in body


@pytest.mark.parametrize("address", ["https://ailleurs.example/annuaire/", "/ressources/", "/annuaire/projet/autre/"])
def test_a_directory_address_outside_the_project_is_refused(world, address):
    with pytest.raises(ValidationError):
        services.evidence_add(
            finding=world.finding, user=world.consultant, kind="directory", reference={"address": address}
        )


def test_an_unknown_kind_is_refused_over_http(client, world):
    client.force_login(world.consultant)
    assert client.get(reverse("synthesis:evidence_add", args=[world.finding.pk, "rumeur"])).status_code == 404


def test_the_pdf_is_built_in_a_task_for_its_requester_only(client, world, django_capture_on_commit_callbacks):
    add_figure(world)
    client.force_login(world.consultant)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("synthesis:pdf_request", args=[world.finding.synthesis_id]))
    pdf = SynthesisPdf.objects.get()
    assert response.status_code == 302 and pdf.status == "done", pdf.error
    download = client.get(reverse("synthesis:pdf_download", args=[pdf.pk]))
    content = b"".join(download.streaming_content)
    assert download.status_code == 200 and content.startswith(b"%PDF-")
    close_keeping_connection(download)
    client.force_login(world.referents[0])
    assert client.get(reverse("synthesis:pdf_download", args=[pdf.pk])).status_code == 404


def test_the_pdf_holds_the_figures_the_requester_may_see(world):
    from territoires.accounts.models import User
    from territoires.diagnostic.synthesis.pdf import synthesis_pdf_html

    add_figure(world)
    publish(world)
    synthesis = world.finding.synthesis
    mine = synthesis_pdf_html(synthesis, User.objects.get(pk=world.consultant.pk))
    assert "6 réponses" in mine
    assert "width: 100.0%" in mine  # the chart's bars: CSS numbers, not French decimals ("100,0")
    other = synthesis_pdf_html(synthesis, User.objects.get(pk=world.referents[1].pk))
    assert "preuve réservée" in other and "6 réponses" not in other and NOTE not in other


def test_an_unpublished_text_and_a_note_are_restricted_on_a_published_finding(client, world):
    import datetime

    from territoires.diagnostic.expression import services as expression_services
    from territoires.diagnostic.observation import services as observation_services

    prompt = expression_services.prompt_set(
        territory=world.x, user=world.referents[0], question="Qu'est-ce qui fait de vous un acteur ?", is_open=True
    )
    text, _ = expression_services.expression_submit(prompt=prompt, text="Texte non publié du quartier nord")
    note = observation_services.observation_create(
        territory=world.x, user=world.consultant,
        data={"public_space": "Parvis du collège", "observed_on": datetime.date(2021, 10, 1), "time_slot": "evening",
              "people": "Groupe de collégiens"},
    )  # fmt: skip
    for kind, reference in (("expression", {"expression": text.pk}), ("observation", {"note": note.pk})):
        services.evidence_add(finding=world.finding, user=world.consultant, kind=kind, reference=reference)
    publish(world)
    body = client.get(world.finding.get_absolute_url()).content.decode()
    assert body.count("Preuve réservée") == 2
    for secret in ("Texte non publié du quartier nord", "Parvis du collège", "Groupe de collégiens"):
        assert secret not in body
    client.force_login(world.agents[0])
    body = client.get(world.finding.get_absolute_url()).content.decode()
    assert "Preuve réservée" not in body and "Texte non publié du quartier nord" in body and "Parvis du collège" in body
