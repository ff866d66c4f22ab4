"""The business rules of shared projects, through their services (territoires/projects/services.py)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from territoires.accounts.models import Membership, User
from territoires.accounts.services import membership_revoke, membership_save
from territoires.core.models import AuditEvent
from territoires.projects import services
from territoires.projects.models import (
    Charter,
    Committee,
    Participation,
    SharedProject,
    Signature,
    StepCompletion,
    Theme,
    ThemeInterest,
    Withdrawal,
)
from tests.factories import MembershipFactory, OrganisationFactory, ThemeFactory, UserFactory, make_project, pdf_bytes

pytestmark = pytest.mark.django_db

Action = AuditEvent.Action


def events(action, **filters):
    return AuditEvent.objects.filter(action=action, **filters)


def deliberation(**overrides):
    values = {
        "deliberation_number": "D-2021-317",
        "deliberation_date": datetime.date(2021, 9, 20),
        "deliberative_body": Signature.DeliberativeBody.MUNICIPAL_COUNCIL,
        # Niort's council has 45 members in office; D-2021-317 passed with 44 for. The presence
        # figures are plausible ones (the public record gives only the vote).
        "members_in_office": 45,
        "members_present": 39,
        "members_represented": 5,
        "members_absent": 6,
        "votes_for": 44,
        "votes_against": 0,
        "abstentions": 0,
        "not_taking_part": 0,
    }
    return {**values, **overrides}


def pdf_file(name="deliberation.pdf", content=None):
    return SimpleUploadedFile(name, content if content is not None else pdf_bytes(), content_type="application/pdf")


def sign_town(world, town, *, user=None, document=None, signed_on=datetime.date(2021, 9, 27), **overrides):
    return services.charter_sign(
        charter=services.charter_current(world.project),
        organisation=town,
        user=user or world.referents[world.towns.index(town)],
        signatory_name="Jeanne Martin",
        signatory_title="Maire",
        signed_on=signed_on,
        deliberation=deliberation(**overrides),
        deliberation_document=document if document is not None else pdf_file(),
    )


def sign_agency(world):
    return services.charter_sign(
        charter=services.charter_current(world.project),
        organisation=world.agency,
        user=world.facilitator,
        signatory_name="Directrice générale",
        signatory_title="ANCT",
        signed_on=datetime.date(2021, 9, 15),
    )


def messages_of(error: ValidationError) -> str:
    return " ".join(error.messages)


# Themes ------------------------------------------------------------------------------------------


def test_a_proposed_theme_counts_its_proposer_as_interested():
    town, user = OrganisationFactory(), UserFactory()
    theme = services.theme_propose(organisation=town, user=user, title="Culture et habitants", description="x" * 30)
    assert theme.status == Theme.Status.PROPOSED
    assert list(theme.interests.values_list("organisation", flat=True)) == [town.pk]


def test_only_an_authority_or_the_agency_proposes_a_theme():
    consultancy = OrganisationFactory(consultancy=True)
    with pytest.raises(ValidationError, match="au nom d'une collectivité ou de l'Agence"):
        services.theme_propose(organisation=consultancy, user=UserFactory(), title="Un thème", description="x" * 30)
    assert not Theme.objects.exists()


def test_one_vote_of_interest_per_organisation_and_it_can_be_withdrawn():
    theme, town, user = ThemeFactory(), OrganisationFactory(), UserFactory()
    assert services.theme_interest_express(theme=theme, organisation=town, user=user) is True
    assert services.theme_interest_express(theme=theme, organisation=town, user=UserFactory()) is False
    assert ThemeInterest.objects.filter(theme=theme, organisation=town).count() == 1

    assert services.theme_interest_withdraw(theme=theme, organisation=town) is True
    assert services.theme_interest_withdraw(theme=theme, organisation=town) is False
    assert not ThemeInterest.objects.filter(theme=theme, organisation=town).exists()


def test_themes_are_ordered_by_popularity():
    least, most, middle = ThemeFactory(title="Peu"), ThemeFactory(title="Beaucoup"), ThemeFactory(title="Moyen")
    for theme, votes in ((least, 1), (most, 3), (middle, 2)):
        for _ in range(votes):
            services.theme_interest_express(theme=theme, organisation=OrganisationFactory(), user=None)
    ordered = list(Theme.objects.by_popularity())
    assert ordered == [most, middle, least]
    assert [t.interest_count for t in ordered] == [3, 2, 1]


def test_a_consultancy_cannot_vote():
    with pytest.raises(ValidationError):
        services.theme_interest_express(
            theme=ThemeFactory(), organisation=OrganisationFactory(consultancy=True), user=None
        )
    assert not ThemeInterest.objects.exists()


def test_a_theme_becomes_a_draft_project_with_committee_and_charter():
    theme = ThemeFactory(title="Action culturelle avec les habitants")
    agency = OrganisationFactory(agency=True)
    facilitator = MembershipFactory(organisation=agency, role=Membership.Role.FACILITATOR).user
    project = services.theme_convert_to_project(theme=theme, user=facilitator, facilitator_organisation=agency)

    theme.refresh_from_db()
    assert theme.status == Theme.Status.PROJECT
    assert project.theme == theme and project.title == theme.title
    assert project.status == SharedProject.Status.DRAFT and not project.is_public
    assert Committee.objects.filter(project=project).exists()
    charter = services.charter_current(project)
    assert charter.version == 1 and charter.articles.count() > 0

    with pytest.raises(ValidationError, match="déjà devenu un projet"):
        services.theme_convert_to_project(theme=theme, user=facilitator, facilitator_organisation=agency)
    with pytest.raises(ValidationError, match="plus ouvert"):
        services.theme_interest_express(theme=theme, organisation=OrganisationFactory(), user=None)
    assert SharedProject.objects.filter(theme=theme).count() == 1


# Participants, launch, observers -----------------------------------------------------------------


def test_a_sixth_participant_is_refused_with_a_french_message():
    world = make_project(participants=5)
    sixth = OrganisationFactory(name="Guichen")
    with pytest.raises(ValidationError) as error:
        services.participation_add(
            project=world.project, organisation=sixth, role="participant", user=world.facilitator
        )
    assert "au plus 5 collectivités participantes" in messages_of(error.value)
    assert "Guichen peut le suivre comme observatrice" in messages_of(error.value)
    assert not Participation.objects.filter(organisation=sixth).exists()
    # It may follow the project as an observer.
    services.participation_add(project=world.project, organisation=sixth, role="observer", user=world.facilitator)


def test_an_organisation_is_added_once():
    world = make_project(participants=3)
    with pytest.raises(ValidationError, match="déjà associée"):
        services.participation_add(
            project=world.project, organisation=world.towns[0], role="observer", user=world.facilitator
        )


def test_a_project_is_not_launched_with_fewer_than_three_participants():
    world = make_project(participants=2, launched=False)
    with pytest.raises(ValidationError) as error:
        services.project_launch(project=world.project, user=world.facilitator)
    assert "se lance avec 3 à 5 collectivités participantes ; il en compte 2" in messages_of(error.value)
    world.project.refresh_from_db()
    assert world.project.status == SharedProject.Status.DRAFT
    assert not events(Action.PROJECT_LAUNCHED).exists()


def test_a_project_is_launched_once_and_audited():
    world = make_project(participants=3, launched=False)
    services.project_launch(project=world.project, user=world.facilitator)
    assert SharedProject.objects.get(pk=world.project.pk).status == SharedProject.Status.LAUNCHED
    with pytest.raises(ValidationError, match="déjà lancé"):
        services.project_launch(project=world.project, user=world.facilitator)
    assert events(Action.PROJECT_LAUNCHED, project_id=world.project.pk).count() == 1


def test_observer_request_then_accept():
    world = make_project(participants=3)
    town, user = OrganisationFactory(), UserFactory()
    request = services.observer_request(project=world.project, organisation=town, user=user)
    assert request.observer_status == Participation.ObserverStatus.REQUESTED
    # Asking twice keeps one request.
    assert services.observer_request(project=world.project, organisation=town, user=user).pk == request.pk
    services.observer_decide(participation=request, accept=True, user=world.facilitator)
    assert Participation.objects.get(pk=request.pk).observer_status == Participation.ObserverStatus.ACCEPTED
    with pytest.raises(ValidationError, match="déjà été traitée"):
        services.observer_decide(participation=request, accept=False, user=world.facilitator)
    assert events(Action.OBSERVER_REQUESTED).count() == 1
    assert events(Action.OBSERVER_ACCEPTED).count() == 1


def test_observer_request_refused_cannot_be_renewed():
    world = make_project(participants=3)
    town = OrganisationFactory(name="Bourges")
    request = services.observer_request(project=world.project, organisation=town, user=None)
    services.observer_decide(participation=request, accept=False, user=world.facilitator)
    assert Participation.objects.get(pk=request.pk).observer_status == Participation.ObserverStatus.REFUSED
    with pytest.raises(ValidationError, match="La demande de Bourges a été refusée"):
        services.observer_request(project=world.project, organisation=town, user=None)
    assert events(Action.OBSERVER_REFUSED).count() == 1


def test_a_participant_cannot_ask_to_observe():
    world = make_project(participants=3)
    with pytest.raises(ValidationError, match="participe déjà"):
        services.observer_request(project=world.project, organisation=world.towns[0], user=None)


# Steps -------------------------------------------------------------------------------------------


def test_marking_a_step_is_idempotent_and_audited():
    world = make_project(participants=3)
    participation = world.project.participations.get(organisation=world.towns[0])
    for _ in range(2):
        services.step_complete(participation=participation, step="actor_map", note="  Carte  ", user=world.referents[0])
    completion = StepCompletion.objects.get(participation=participation, step="actor_map")
    assert (completion.completed_by, completion.note) == (world.referents[0], "Carte")
    done_events = events(Action.PHASE_STEP_DONE, project_id=world.project.pk)
    assert done_events.count() == 1
    assert done_events.get().actor == world.referents[0]
    assert done_events.get().details["note"] == "Carte"

    assert services.step_reopen(participation=participation, step="actor_map", user=world.referents[0]) is True
    assert services.step_reopen(participation=participation, step="actor_map", user=world.referents[0]) is False
    assert not StepCompletion.objects.filter(participation=participation).exists()
    assert events(Action.PHASE_STEP_UNDONE).count() == 1


def test_an_unknown_step_is_refused():
    world = make_project(participants=3)
    participation = world.project.participations.get(organisation=world.towns[0])
    with pytest.raises(ValidationError, match="Étape inconnue"):
        services.step_complete(participation=participation, step="hack", user=None)
    assert not StepCompletion.objects.exists()


def test_an_observer_has_no_steps():
    world = make_project(participants=3, observers=1)
    observer = world.project.participations.get(organisation=world.observer_towns[0])
    with pytest.raises(ValidationError):
        services.step_complete(participation=observer, step="actor_map", user=None)


# Charter -----------------------------------------------------------------------------------------


def test_the_agency_signs_without_deliberation():
    world = make_project(participants=3)
    signature = sign_agency(world)
    assert signature.pk and not signature.has_deliberation and not signature.deliberation_document


def test_an_authority_signs_with_its_deliberation_and_the_event_is_audited():
    world = make_project(participants=3)
    signature = sign_town(world, world.towns[0])
    assert signature.deliberation_number == "D-2021-317" and signature.votes_for == 44
    with signature.deliberation_document.open("rb") as document:
        assert document.read().startswith(b"%PDF-")
    event = events(Action.CHARTER_SIGNED).get()
    assert event.actor == world.referents[0]
    assert event.details["party"] == world.towns[0].name
    assert event.details["deliberation"] == "D-2021-317"


def test_signing_twice_is_refused():
    world = make_project(participants=3)
    sign_town(world, world.towns[0])
    with pytest.raises(ValidationError, match="a déjà signé"):
        sign_town(world, world.towns[0])
    assert Signature.objects.count() == 1
    assert events(Action.CHARTER_SIGNED).count() == 1


def test_an_authority_cannot_sign_without_its_deliberation_document():
    world = make_project(participants=3)
    with pytest.raises(ValidationError) as error:
        services.charter_sign(
            charter=services.charter_current(world.project),
            organisation=world.towns[0],
            user=world.referents[0],
            signatory_name="Maire",
            signatory_title="Maire",
            signed_on=datetime.date(2021, 9, 27),
            deliberation=deliberation(),
        )
    assert "deliberation_document" in error.value.message_dict
    assert not Signature.objects.exists()


def test_a_deliberation_in_the_future_is_refused(settings):
    world = make_project(participants=3)
    tomorrow = world.today + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        sign_town(world, world.towns[0], signed_on=world.today, deliberation_date=tomorrow)
    assert "ne peut pas être dans le futur" in error.value.message_dict["deliberation_date"][0]
    assert not Signature.objects.exists()


def test_a_signature_in_the_future_is_refused():
    world = make_project(participants=3)
    with pytest.raises(ValidationError, match="futur"):
        sign_town(world, world.towns[0], signed_on=world.today + datetime.timedelta(days=3))
    assert not Signature.objects.exists()


def test_signing_before_the_deliberation_is_refused():
    world = make_project(participants=3)
    with pytest.raises(ValidationError) as error:
        sign_town(world, world.towns[0], signed_on=datetime.date(2021, 9, 1))
    assert "signed_on" in error.value.message_dict


@pytest.mark.parametrize(
    "votes",
    [
        {"votes_for": 40},  # 4 missing
        {"votes_for": 44, "abstentions": 3},  # 3 too many
    ],
)
def test_votes_that_do_not_add_up_are_refused(votes):
    world = make_project(participants=3)
    with pytest.raises(ValidationError) as error:
        sign_town(world, world.towns[0], **votes)
    assert "Les voix ne tombent pas juste" in error.value.message_dict["votes_for"][0]
    assert not Signature.objects.exists()


def test_a_rejected_deliberation_is_refused():
    world = make_project(participants=3)
    with pytest.raises(ValidationError) as error:
        sign_town(world, world.towns[0], votes_for=19, votes_against=25, abstentions=0)
    assert "votes_for" in error.value.message_dict


def test_a_file_named_pdf_that_is_not_a_pdf_is_refused_and_nothing_is_stored():
    world = make_project(participants=3)
    before = AuditEvent.objects.count()
    fake = pdf_file("deliberation.pdf", b"MZ\x90\x00\x03\x00\x00\x00 this is a Windows executable")
    with pytest.raises(ValidationError) as error:
        sign_town(world, world.towns[0], document=fake)
    assert "n'est pas un PDF" in error.value.message_dict["deliberation_document"][0]
    assert not Signature.objects.exists()
    assert AuditEvent.objects.count() == before


def test_an_oversized_file_is_refused(settings):
    settings.MAX_UPLOAD_MB = 1
    world = make_project(participants=3)
    big = pdf_file("big.pdf", b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 10))
    with pytest.raises(ValidationError) as error:
        sign_town(world, world.towns[0], document=big)
    assert "la limite est de" in error.value.message_dict["deliberation_document"][0]
    assert not Signature.objects.exists()


def test_an_empty_file_is_refused():
    world = make_project(participants=3)
    with pytest.raises(ValidationError, match="vide"):
        sign_town(world, world.towns[0], document=pdf_file("vide.pdf", b""))


def test_an_observer_is_not_a_party():
    world = make_project(participants=3, observers=1)
    town = world.observer_towns[0]
    with pytest.raises(ValidationError, match="n'est pas partie"):
        services.charter_sign(
            charter=services.charter_current(world.project),
            organisation=town,
            user=world.observers[0],
            signatory_name="Maire",
            signatory_title="Maire",
            signed_on=datetime.date(2021, 9, 27),
            deliberation=deliberation(),
            deliberation_document=pdf_file(),
        )
    assert not Signature.objects.exists()


def test_the_charter_comes_into_force_exactly_when_the_last_party_signs():
    world = make_project(participants=4)
    charter = services.charter_current(world.project)
    sign_agency(world)
    for town in world.towns[:3]:
        sign_town(world, town)
        charter.refresh_from_db()
        assert charter.in_force_on is None
    assert not events(Action.CHARTER_IN_FORCE).exists()

    sign_town(world, world.towns[3])
    charter.refresh_from_db()
    assert charter.in_force_on == world.today
    assert charter.is_in_force
    in_force = events(Action.CHARTER_IN_FORCE).get()
    assert in_force.project_id == world.project.pk
    assert events(Action.CHARTER_SIGNED, project_id=world.project.pk).count() == 5


def test_a_new_charter_version_is_refused_once_a_party_signed():
    world = make_project(participants=3)
    charter = services.charter_current(world.project)
    sign_town(world, world.towns[0])
    with pytest.raises(ValidationError, match="déjà été signée"):
        services.charter_publish_version(
            project=world.project,
            user=world.facilitator,
            title="v2",
            preamble="",
            articles=[{"title": "A", "body": "B"}],
        )
    assert services.charter_current(world.project) == charter
    assert Charter.objects.filter(project=world.project).count() == 1


def test_a_new_charter_version_is_refused_once_in_force():
    world = make_project(participants=3)
    sign_agency(world)
    for town in world.towns:
        sign_town(world, town)
    with pytest.raises(ValidationError, match="en vigueur"):
        services.charter_publish_version(
            project=world.project,
            user=world.facilitator,
            title="v2",
            preamble="",
            articles=[{"title": "A", "body": "B"}],
        )


def test_a_new_version_before_any_signature_is_published_and_audited():
    world = make_project(participants=3)
    charter = services.charter_publish_version(
        project=world.project,
        user=world.facilitator,
        title="Charte v2",
        preamble="Préambule",
        articles=[{"kind": "purpose", "title": "Objet", "body": "Texte"}],
    )
    assert charter.version == 2 and charter.articles.get().number == 1
    assert events(Action.CHARTER_VERSION_PUBLISHED, project_id=world.project.pk).count() == 1
    # The former version can no longer be signed.
    with pytest.raises(ValidationError, match="remplacée"):
        services.charter_sign(
            charter=Charter.objects.get(project=world.project, version=1),
            organisation=world.agency,
            user=world.facilitator,
            signatory_name="DG",
            signatory_title="ANCT",
            signed_on=datetime.date(2021, 9, 15),
        )


# Atomicity ---------------------------------------------------------------------------------------


def test_a_signature_failing_mid_way_leaves_nothing_half_saved(monkeypatch):
    world = make_project(participants=3)
    before = AuditEvent.objects.count()

    def broken_audit_log(**kwargs):
        raise RuntimeError("the audit log is unavailable")

    monkeypatch.setattr(services, "audit_log", broken_audit_log)
    with pytest.raises(RuntimeError):
        sign_town(world, world.towns[0])
    assert not Signature.objects.exists()
    assert AuditEvent.objects.count() == before


def test_a_withdrawal_failing_mid_way_leaves_nothing_half_saved(monkeypatch):
    world = make_project(participants=3)
    participation = world.project.participations.get(organisation=world.towns[0])
    monkeypatch.setattr(services, "audit_log", lambda **kwargs: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        services.withdrawal_notify(
            participation=participation, letter_received_on=datetime.date(2022, 1, 3), reason="", user=None
        )
    assert not Withdrawal.objects.exists()


def test_a_theme_failing_mid_way_leaves_no_theme(monkeypatch):
    town = OrganisationFactory()

    def broken_create(*args, **kwargs):
        raise RuntimeError("interest table locked")

    monkeypatch.setattr(ThemeInterest.objects, "create", broken_create)
    with pytest.raises(RuntimeError):
        services.theme_propose(organisation=town, user=None, title="Un thème", description="x" * 30)
    assert not Theme.objects.exists()


# Audit -------------------------------------------------------------------------------------------


def test_withdrawal_and_closing_are_audited():
    world = make_project(participants=3)
    participation = world.project.participations.get(organisation=world.towns[0])
    withdrawal = services.withdrawal_notify(
        participation=participation, letter_received_on=datetime.date(2022, 1, 3), reason="", user=world.referents[0]
    )
    notified = events(Action.WITHDRAWAL_NOTIFIED).get()
    assert notified.actor == world.referents[0] and notified.project_id == world.project.pk
    assert notified.details["notice_ends_on"] == "2022-04-03"
    services.withdrawal_close_engaged_actions(
        withdrawal=withdrawal, closed_on=datetime.date(2022, 2, 1), user=world.facilitator
    )
    assert events(Action.WITHDRAWAL_ACTIONS_CLOSED).get().details["effective_on"] == "2022-04-03"


def test_publication_changes_are_audited_only_when_they_change():
    world = make_project(participants=3, public=False)
    services.project_set_publication(project=world.project, is_public=False, user=world.facilitator)
    assert not events(Action.PUBLICATION_CHANGED).exists()
    services.project_set_publication(project=world.project, is_public=True, user=world.facilitator)
    assert SharedProject.objects.get(pk=world.project.pk).is_public
    event = events(Action.PUBLICATION_CHANGED).get()
    assert event.actor == world.facilitator and event.details["is_public"] == "True"


def test_role_changes_are_audited():
    admin = UserFactory(is_superuser=True)
    town = OrganisationFactory()
    person = UserFactory()
    membership = membership_save(
        membership=Membership(user=person, organisation=town, role=Membership.Role.AGENT), actor=admin
    )
    granted = events(Action.ROLE_GRANTED).get()
    assert granted.actor == admin and granted.details["role"] == "agent"
    assert not User.objects.get(pk=person.pk).has_perm("projects.sign_charter", _town_party(town))

    membership.role = Membership.Role.REFERENT
    membership_save(membership=membership, actor=admin)
    changed = events(Action.ROLE_CHANGED).get()
    assert changed.details == {"previous": "agent", "role": "referent"}
    assert User.objects.get(pk=person.pk).has_perm("projects.sign_charter", _town_party(town))

    membership_save(membership=membership, actor=admin)  # nothing changed, nothing logged
    assert events(Action.ROLE_CHANGED).count() == 1

    membership_revoke(membership=membership, actor=admin)
    assert events(Action.ROLE_REVOKED).get().details["role"] == "referent"
    assert not Membership.objects.filter(user=person).exists()
    assert not User.objects.get(pk=person.pk).has_perm("projects.sign_charter", _town_party(town))


def _town_party(town):
    from territoires.projects.rules import CharterParty

    world_project = SharedProject(facilitator_organisation_id=0)
    return CharterParty(world_project, town)
