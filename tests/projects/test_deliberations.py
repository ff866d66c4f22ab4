"""Council votes behind a signature: presence (in office, present, represented, absent) and votes
(for, against, abstention, not taking part), with the checks between them, each said on its field."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from territoires.projects import services
from territoires.projects.deliberations import deliberation_errors
from territoires.projects.forms import SignatureForm
from territoires.projects.models import Signature
from tests.factories import make_project, pdf_bytes

# Niort, D-2021-317 of 20 September 2021: 45 members in office, 44 for. The public record gives the
# vote only; 39 present, 5 proxies and 6 absent are plausible figures that add up.
NIORT = {
    "deliberation_number": "D-2021-317",
    "deliberation_date": datetime.date(2021, 9, 20),
    "deliberative_body": "municipal_council",
    "members_in_office": 45,
    "members_present": 39,
    "members_represented": 5,
    "members_absent": 6,
    "votes_for": 44,
    "votes_against": 0,
    "abstentions": 0,
    "not_taking_part": 0,
}


def test_the_niort_deliberation_holds():
    assert deliberation_errors(NIORT) == {}


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        # present + absent must make the members in office
        ({"members_present": 40}, "members_absent", "40 présents et 6 absents font 46, pour 45 membres en exercice"),
        # a proxy is given by an absent member
        (
            {"members_present": 43, "members_absent": 2, "members_represented": 5, "votes_for": 48},
            "members_represented",
            "5 représentés pour 2 absents",
        ),
        # one proxy per present member (two under the 2020-2022 emergency rules), never more
        (
            {"members_present": 2, "members_absent": 43, "members_represented": 5, "votes_for": 7},
            "members_represented",
            "5 pouvoirs pour 2 présents",
        ),
        # the votes of present and represented members add up to the voters
        ({"votes_for": 43}, "votes_for", "font 43, or présents et représentés font 44 votants"),
        ({"abstentions": 2}, "votes_for", "font 46, or présents et représentés font 44 votants"),
        ({"not_taking_part": 1, "votes_for": 44}, "votes_for", "font 45"),
        # a deliberation with more votes against than for was not adopted
        ({"votes_for": 20, "votes_against": 24}, "votes_for", "plus de voix contre (24) que pour"),
        (
            {"members_present": 46, "members_absent": 0, "members_represented": 0, "votes_for": 46},
            "members_present",
            "plus de présents (46)",
        ),
        ({"members_in_office": 0}, "members_in_office", "au moins un membre"),
        ({"members_absent": None}, "members_absent", "Indiquez le nombre de membres absents"),
        ({"members_represented": None}, "members_represented", "0 s'il n'y en a pas"),
    ],
)
def test_inconsistent_figures_are_refused_on_their_field(changes, field, words):
    errors = deliberation_errors({**NIORT, **changes})
    assert field in errors, errors
    assert words in errors[field]


def test_a_tie_may_be_carried_by_the_chairs_casting_vote():
    tie = {**NIORT, "votes_for": 22, "votes_against": 22}
    assert deliberation_errors(tie) == {}


def test_old_records_without_presence_figures_are_accepted_but_still_checked():
    legacy = {**NIORT, "members_present": None, "members_represented": None, "members_absent": None}
    assert deliberation_errors(legacy, require_presence=False) == {}
    too_many = {**legacy, "votes_for": 46}
    assert "plus que les 45 membres en exercice" in deliberation_errors(too_many, require_presence=False)["votes_for"]
    # Given figures are checked even on an old record.
    half = {**legacy, "members_present": 40, "members_absent": 6}
    assert "members_absent" in deliberation_errors(half, require_presence=False)


def _form(**changes):
    data = {
        "signatory_name": "Jérôme Baloge",
        "signatory_title": "Maire de Niort",
        "signed_on": "2021-09-27",
        **{key: ("" if value is None else str(value)) for key, value in {**NIORT, **changes}.items()},
    }
    files = {"deliberation_document": SimpleUploadedFile("d.pdf", pdf_bytes(), content_type="application/pdf")}
    return SignatureForm(data, files, with_deliberation=True)


def test_the_form_asks_for_presence_and_shows_each_broken_check_on_its_field():
    assert _form().is_valid(), _form().errors
    form = _form(members_present=40, votes_for=45)
    assert not form.is_valid()
    assert "40 présents et 6 absents font 46" in form.errors["members_absent"][0]
    assert _form(members_absent=None).errors["members_absent"]


@pytest.mark.django_db
def test_a_signature_records_presence_and_shows_it_on_the_charter_page_and_pdf(client):
    world = make_project(participants=3)
    town = world.towns[0]
    services.charter_sign(
        charter=services.charter_current(world.project),
        organisation=town,
        user=world.referents[0],
        signatory_name="Jérôme Baloge",
        signatory_title="Maire",
        signed_on=datetime.date(2021, 9, 27),
        deliberation=NIORT,
        deliberation_document=SimpleUploadedFile("d.pdf", pdf_bytes(), content_type="application/pdf"),
    )
    signature = Signature.objects.get(organisation=town)
    assert (signature.members_present, signature.members_represented, signature.members_absent) == (39, 5, 6)
    signature.full_clean()
    page = client.get(reverse("projects:charter_detail", args=[world.project.slug])).content.decode()
    assert "présents : 39 ; représentés (pouvoirs) : 5 ; absents : 6 ; votants : 44" in page
    pdf = client.get(reverse("projects:charter_pdf", args=[world.project.slug]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


@pytest.mark.django_db
def test_the_service_refuses_a_signature_without_absents_or_proxies():
    world = make_project(participants=3)
    with pytest.raises(ValidationError) as error:
        services.charter_sign(
            charter=services.charter_current(world.project),
            organisation=world.towns[0],
            user=world.referents[0],
            signatory_name="Maire",
            signatory_title="Maire",
            signed_on=datetime.date(2021, 9, 27),
            deliberation={**NIORT, "members_absent": None, "members_represented": None},
            deliberation_document=SimpleUploadedFile("d.pdf", pdf_bytes(), content_type="application/pdf"),
        )
    assert set(error.value.message_dict) >= {"members_absent", "members_represented"}
    assert not Signature.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_old_signatures_stay_valid_after_the_migration():
    before, after = [("projects", "0001_initial")], [("projects", "0002_signature_presence")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    Organisation = old_apps.get_model("accounts", "Organisation")
    agency = Organisation.objects.create(name="Agence", slug="agence", kind="national_agency")
    niort = Organisation.objects.create(name="Niort", slug="niort", kind="commune")
    project = old_apps.get_model("projects", "SharedProject").objects.create(
        title="Action culturelle", slug="action-culturelle", facilitator_organisation=agency
    )
    charter = old_apps.get_model("projects", "Charter").objects.create(project=project, version=1, title="Charte")
    old_apps.get_model("projects", "Signature").objects.create(
        charter=charter,
        organisation=niort,
        signatory_name="Le maire",
        signatory_title="Maire",
        signed_on=datetime.date(2021, 9, 20),
        deliberation_number="D-2021-317",
        deliberation_date=datetime.date(2021, 9, 20),
        deliberative_body="municipal_council",
        members_in_office=45,
        votes_for=44,
        votes_against=0,
        abstentions=0,
        not_taking_part=0,
        excused=1,
    )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    signature = Signature.objects.get(deliberation_number="D-2021-317")
    # Who was present or represented was never asked: left blank rather than made up…
    assert (signature.members_present, signature.members_represented, signature.members_absent) == (None,) * 3
    # …and what "excused" said is still there: 45 in office, 1 who voted neither in person nor by proxy.
    assert signature.voters == 44
    signature.full_clean()
    assert deliberation_errors(signature.deliberation_values(), require_presence=False) == {}
