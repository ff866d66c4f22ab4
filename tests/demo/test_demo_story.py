"""The demo tells one story: the reference project as it happened (2021–2022) and a current project
in its diagnostic; loading it twice, or over an older demo, duplicates nothing and converges."""

import datetime

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from territoires.community.models import Message, Thread
from territoires.core.models import AuditEvent
from territoires.demo import current, current_data, data, loader
from territoires.demo import sharing as sharing_demo
from territoires.library.models import Resource
from territoires.projects import services
from territoires.projects.models import (
    Charter,
    CommitteeMember,
    Decision,
    Meeting,
    Participation,
    SharedProject,
    Signature,
    StepCompletion,
    Theme,
    ThemeInterest,
)
from territoires.projects.phases import STEPS_BY_CODE
from territoires.sharing.models import Lesson, NewsPost, PeerEvent, Registration
from tests.support import data_kept_for_the_module

pytestmark = pytest.mark.django_db

ILLUSTRATIVE = "illustrati"  # illustratif, illustrative, illustratifs
STORY_FROM = datetime.date(2021, 3, 1)
STORY_TO = datetime.date(2022, 12, 31)
# The survey demo has its own tests (and takes seconds to load 8,000 answers).
MODULES = [name for name in loader.MODULE_DEMOS if name != "surveys"]
COUNTED = [
    Theme,
    ThemeInterest,
    SharedProject,
    Participation,
    StepCompletion,
    Charter,
    Signature,
    CommitteeMember,
    Meeting,
    Decision,
    NewsPost,
    PeerEvent,
    Registration,
    Lesson,
    Resource,
    Thread,
    Message,
    AuditEvent,
]


def _counts():
    return {model.__name__: model.objects.count() for model in COUNTED}


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker, tmp_path_factory):
    def build():
        with override_settings(
            MEDIA_ROOT=tmp_path_factory.mktemp("media"),
            CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
        ):
            loader.MODULE_DEMOS, saved = MODULES, loader.MODULE_DEMOS
            try:
                first = loader.load_demo()
            finally:
                loader.MODULE_DEMOS = saved
        return first

    with data_kept_for_the_module(django_db_blocker, build) as first:
        yield first


@pytest.fixture
def demo(loaded, db, monkeypatch):
    monkeypatch.setattr(loader, "MODULE_DEMOS", MODULES)
    return SharedProject.objects.get(title=data.PROJECT["title"])


def _in_story(moment) -> bool:
    day = timezone.localdate(moment) if isinstance(moment, datetime.datetime) else moment
    return STORY_FROM <= day <= STORY_TO


# Loading ------------------------------------------------------------------------------------------


def test_loading_twice_duplicates_nothing_and_says_so(loaded, demo):
    assert loaded is True
    before = _counts()
    assert loader.load_demo() is False
    assert _counts() == before
    assert SharedProject.objects.count() == 2


def test_an_older_demo_converges_to_the_story_without_duplicates(demo):
    """What the demo of before looked like: two signatures, dates of the day it was loaded, Niort at
    "plan adoption", the practice session ahead, no March 2022 event, two meetings."""
    now = timezone.now()
    charter = services.charter_current(demo)
    Signature.objects.filter(charter=charter).exclude(organisation__name__in=["Niort", data.AGENCY["name"]]).delete()
    Signature.objects.filter(charter=charter, organisation__name=data.AGENCY["name"]).update(
        signed_on=datetime.date(2021, 9, 1)
    )
    Charter.objects.filter(pk=charter.pk).update(in_force_on=None)
    SharedProject.objects.filter(pk=demo.pk).update(status=SharedProject.Status.LAUNCHED)
    Participation.objects.filter(project=demo, organisation__name="Lorient").update(
        observer_status=Participation.ObserverStatus.REQUESTED
    )
    Theme.objects.update(created_at=now)
    ThemeInterest.objects.update(created_at=now)
    Thread.objects.filter(theme__status=Theme.Status.PROPOSED).update(
        created_at=timezone.make_aware(datetime.datetime(2021, 11, 22, 9, 30))
    )
    niort = Participation.objects.get(project=demo, organisation__name="Niort")
    StepCompletion.objects.filter(participation=niort, step__in=["plan_adopted", "feedback_published"]).delete()
    StepCompletion.objects.filter(participation=niort).update(completed_at=now)
    PeerEvent.objects.filter(project=demo, starts_at__month=3).delete()
    march_event = next(e for e in sharing_demo.EVENTS if e["title"] == data.MEETINGS[1]["decided_event"])
    Registration.objects.filter(event__project=demo).update(created_at=now)
    PeerEvent.objects.filter(project=demo, kind=PeerEvent.Kind.PRACTICE_ANALYSIS).update(
        starts_at=now + datetime.timedelta(days=16), ends_at=now + datetime.timedelta(days=16, hours=2)
    )
    Meeting.objects.filter(committee__project=demo, starts_at__year=2022, starts_at__month__gte=4).delete()
    expected = _counts()

    assert loader.load_demo() is True

    assert _counts() == expected | {
        "Signature": expected["Signature"] + 3,
        "StepCompletion": expected["StepCompletion"] + 2,
        "PeerEvent": expected["PeerEvent"] + 1,
        "Registration": expected["Registration"] + len(march_event["registrations"]),
        "Meeting": expected["Meeting"] + 2,
        "Decision": expected["Decision"] + 5,
        "AuditEvent": AuditEvent.objects.count(),
    }
    charter.refresh_from_db()
    assert charter.in_force_on == data.CHARTER_IN_FORCE_ON
    assert charter.signatures.count() == 5
    demo.refresh_from_db()
    assert demo.status == SharedProject.Status.CLOSED
    assert _in_story(Theme.objects.get(pk=demo.theme_id).created_at)
    lorient = Participation.objects.get(project=demo, organisation__name="Lorient")
    assert lorient.observer_status == Participation.ObserverStatus.ACCEPTED
    assert all(_in_story(c.completed_at) for c in StepCompletion.objects.filter(participation=niort))
    assert not PeerEvent.objects.filter(project=demo, starts_at__gte=now).exists()
    assert not Registration.objects.filter(event__project=demo, created_at__gte=now).exists()
    for thread in Thread.objects.filter(theme__isnull=False).select_related("theme"):
        assert thread.created_at > thread.theme.created_at, thread
    assert loader.load_demo() is False


# The reference project ----------------------------------------------------------------------------


def test_every_party_signed_the_reference_charter_in_autumn_2021(demo):
    charter = services.charter_current(demo)
    parties = services.charter_parties(demo)
    signed = {signature.organisation_id: signature for signature in charter.signatures.all()}
    assert len(parties) == 5 and set(signed) == {party.pk for party in parties}
    assert charter.is_in_force
    assert datetime.date(2021, 9, 1) <= charter.in_force_on <= datetime.date(2021, 12, 21)
    assert charter.in_force_on == max(signature.signed_on for signature in signed.values())
    for signature in signed.values():
        assert datetime.date(2021, 9, 20) <= signature.signed_on <= datetime.date(2021, 12, 21)


def test_authorities_signatures_rest_on_deliberations_that_add_up(demo):
    for signature in Signature.objects.filter(charter__project=demo).exclude(organisation__name=data.AGENCY["name"]):
        values = {field.name: getattr(signature, field.name) for field in Signature._meta.fields}
        services.signature_check_deliberation(values)  # raises if votes do not add up


def test_what_the_public_record_does_not_give_is_marked_illustrative(demo):
    signatures = {s.organisation.name: s for s in Signature.objects.filter(charter__project=demo)}
    niort = signatures.pop("Niort")
    # The record: number, date, 44 for; the seats and the excused member are not in it.
    assert (niort.deliberation_number, niort.deliberation_date, niort.votes_for) == (
        "D-2021-317",
        datetime.date(2021, 9, 20),
        44,
    )
    assert ILLUSTRATIVE in niort.signatory_title
    mantes = signatures["Mantes-la-Jolie"]
    assert mantes.deliberation_date == datetime.date(2021, 7, 12)  # the council date the record gives
    for name, signature in signatures.items():
        assert ILLUSTRATIVE in signature.signatory_title, name
        if signature.has_deliberation:
            assert ILLUSTRATIVE in signature.deliberation_number, name
    charter_resource = Resource.objects.get(project=demo, title__startswith="Charte du projet partagé")
    assert "illustratifs" in charter_resource.body and "D-2021-317" in charter_resource.body


def test_the_charter_page_shows_five_signatures_of_five(client, demo):
    page = client.get(reverse("projects:charter_detail", args=[demo.slug])).content.decode()
    assert page.count("Signée</p>") == 5
    assert "En vigueur depuis le 12 octobre 2021" in page
    assert "En attente de signature" not in page


def test_no_date_of_the_reference_project_falls_outside_the_story(demo):
    theme = demo.theme
    moments = [theme.created_at, demo.created_at, demo.launched_at, demo.starts_on, demo.ends_on]
    moments += [interest.created_at for interest in theme.interests.all()]
    participations = Participation.objects.filter(project=demo)
    moments += [p.created_at for p in participations]
    moments += list(StepCompletion.objects.filter(participation__project=demo).values_list("completed_at", flat=True))
    for charter in demo.charters.all():
        moments += [charter.created_at, charter.in_force_on]
        moments += [s.signed_on for s in charter.signatures.all()]
        moments += [s.deliberation_date for s in charter.signatures.all() if s.deliberation_date]
    moments += list(Meeting.objects.filter(committee__project=demo).values_list("starts_at", flat=True))
    moments += list(NewsPost.objects.filter(project=demo).values_list("published_at", flat=True))
    for event in PeerEvent.objects.filter(project=demo):
        moments += [event.starts_at, event.ends_at, event.published_at]
    moments += list(Registration.objects.filter(event__project=demo).values_list("created_at", flat=True))
    moments += list(Lesson.objects.filter(project=demo).values_list("published_at", flat=True))
    moments += list(
        Resource.objects.filter(project=demo, published_at__isnull=False).values_list("published_at", flat=True)
    )
    moments += list(Resource.objects.filter(project=demo).values_list("created_at", flat=True))
    threads = Thread.objects.filter(project=demo) | Thread.objects.filter(theme=theme)
    moments += list(threads.values_list("created_at", flat=True))
    moments += list(Message.objects.filter(thread__in=threads).values_list("created_at", flat=True))
    moments += list(AuditEvent.objects.filter(project_id=demo.pk).values_list("occurred_at", flat=True))
    outside = [moment for moment in moments if not _in_story(moment)]
    assert len(moments) > 150 and outside == []


def test_the_territories_went_through_every_phase_by_june_2022(demo):
    assert demo.status == SharedProject.Status.CLOSED
    # Nothing is left pending on a project over since 2022.
    assert not Participation.objects.filter(project=demo, observer_status=Participation.ObserverStatus.REQUESTED)
    for participation in Participation.objects.participants().filter(project=demo):
        done = {c.step: c.completed_at for c in participation.step_completions.all()}
        assert set(done) == set(STEPS_BY_CODE), participation
        assert timezone.localdate(done["plan_adopted"]) <= data.PROJECT["ends_on"]
        # Steps in the order of the method: no plan adopted before it was drafted.
        order = list(STEPS_BY_CODE)
        adopted_in_order = [step for step in order if step not in ("first_review",)]
        assert done["plan_drafted"] < done["plan_adopted"] < done["feedback_published"]
        assert done["actor_map"] == min(done[step] for step in adopted_in_order)


def test_the_march_2022_peer_meeting_decided_by_the_committee_took_place(demo):
    decision = Decision.objects.get(meeting__committee__project=demo, text__icontains="rencontre entre pairs")
    assert "mars 2022" in decision.text
    event = PeerEvent.objects.get(project=demo, title=data.MEETINGS[1]["decided_event"])
    assert (event.starts_at.year, event.starts_at.month) == (2022, 3)
    assert event.starts_at > decision.meeting.starts_at
    assert event.published_at > decision.meeting.starts_at
    assert event.kind == PeerEvent.Kind.PEER_EXCHANGE and event.is_published and event.notes
    assert event.audience == PeerEvent.Audience.PUBLIC


def test_meeting_minutes_and_news_agree_on_the_methods(demo):
    minutes = Meeting.objects.get(committee__project=demo, title=data.MEETINGS[1]["title"]).minutes
    news = NewsPost.objects.get(project=demo, title__startswith="Point d'étape").body
    for sentence in ("une convention citoyenne à Mantes-la-Jolie et à Guichen", "familles d'acteurs à Niort"):
        assert sentence in minutes
    assert "Mantes-la-Jolie et Guichen ont choisi une convention citoyenne" in news


# The current project ------------------------------------------------------------------------------


def test_the_second_project_is_current_and_in_its_diagnostic(demo):
    project = current.project()
    today = timezone.localdate()
    assert project.status == SharedProject.Status.LAUNCHED and project.is_public
    assert project.starts_on < today < project.ends_on
    assert project.theme.title != demo.theme.title
    participants = Participation.objects.participants().filter(project=project).select_related("organisation")
    assert sorted(p.organisation.name for p in participants) == ["Guichen", "Lorient", "Niort"]
    observers = Participation.objects.filter(project=project, role=Participation.Role.OBSERVER)
    assert dict(observers.values_list("organisation__name", "observer_status")) == {
        "Angers": Participation.ObserverStatus.ACCEPTED,
        current_data.PENDING_OBSERVER["name"]: Participation.ObserverStatus.REQUESTED,
    }
    for participation in participants:
        assert participation.current_phase.code == "diagnostic"
        assert 1 <= len(participation.done_step_codes) < 4
        assert all(
            today - timezone.localdate(c.completed_at) < datetime.timedelta(days=120)
            for c in participation.step_completions.all()
        )
    charter = services.charter_current(project)
    assert charter.signatures.count() == 4
    assert today - datetime.timedelta(days=120) < charter.in_force_on <= today
    meetings = Meeting.objects.filter(committee__project=project)
    assert meetings.filter(starts_at__lt=timezone.now()).exists() and meetings.filter(starts_at__gt=timezone.now())
    assert PeerEvent.objects.filter(project=project).upcoming().exists()
    assert Thread.objects.filter(project=project).count() == len(current_data.THREADS)
    resource = Resource.objects.get(project=project)
    assert resource.is_published and today - timezone.localdate(resource.published_at) < datetime.timedelta(days=60)


def test_the_current_project_shows_in_progress_where_a_visitor_looks(client, demo):
    project = current.project()
    home = client.get(reverse("projects:home")).content.decode()
    assert project.title in home and "En cours" in home and "Terminé" in home
    territory = Participation.objects.get(project=project, organisation__name="Guichen")
    page = client.get(territory.get_absolute_url()).content.decode()
    assert "Diagnostic territorial" in page


def test_the_current_project_moves_forward_when_its_dates_have_drifted(demo):
    project = current.project()
    upcoming = PeerEvent.objects.get(project=project, title=current_data.UPCOMING_EVENT["title"])
    # As if the demo had been loaded a month ago.
    month = datetime.timedelta(days=30)
    SharedProject.objects.filter(pk=project.pk).update(launched_at=project.launched_at - month)
    PeerEvent.objects.filter(pk=upcoming.pk).update(starts_at=upcoming.starts_at - month)
    before = _counts()
    assert loader.load_demo() is True
    assert _counts() == before | {"AuditEvent": AuditEvent.objects.count()}
    upcoming.refresh_from_db()
    assert upcoming.starts_at > timezone.now()
    project.refresh_from_db()
    assert current.anchor_day(project) == timezone.localdate()
    # The open survey and its answers moved forward too.
    from territoires.demo import current_survey
    from territoires.surveys.models import Response, Survey

    survey = Survey.objects.get(project=project, title=current_survey.TITLE)
    assert survey.published_at > timezone.now() - datetime.timedelta(days=-current_survey.OPENED_DAYS + 5)
    assert not Response.objects.filter(survey=survey, submitted_at__lt=survey.published_at).exists()


def test_the_survey_group_logins_collect_for_the_current_project_s_open_survey(client, demo):
    """The reference survey closed with its project; the survey-group logins of the demo have the
    current project's survey, open, to collect in the field and type in from paper."""
    from territoires.demo import current_survey
    from territoires.surveys.models import Response, Survey
    from territoires.surveys.schema import answers_validate, schema_for

    project = current.project()
    survey = Survey.objects.get(project=project, title=current_survey.TITLE)
    assert survey.status == Survey.Status.PUBLISHED and survey.closed_at is None
    assert not Survey.objects.filter(project=demo, status=Survey.Status.PUBLISHED).exists()
    deployments = {
        d.participation.organisation.name: d for d in survey.deployments.select_related("participation__organisation")
    }
    assert set(deployments) == {town["name"] for town in current_data.TOWNS}
    for email, town in [("enqueteur.niort@ville.demo", "Niort"), ("enquetrice.guichen@ville.demo", "Guichen")]:
        deployment = deployments[town]
        assert deployment.collectors.filter(user__email=email).exists()
        client.force_login(deployment.collectors.get(user__email=email).user)
        for name in ("collect_field", "paper_entry"):
            page = client.get(reverse(f"surveys:{name}", args=[deployment.public_token]))
            assert page.status_code == 200 and "Vous répondez en tant que" in page.content.decode(), name
    # A few synthetic answers, valid, between the opening and now.
    schema = schema_for(survey)
    responses = Response.objects.filter(survey=survey).select_related("deployment")
    assert responses.count() == len(deployments) * current_survey.ANSWERS_PER_TOWN
    for response in responses:
        assert response.is_synthetic and survey.published_at <= response.submitted_at < timezone.now()
        assert answers_validate(schema, response.answers, deployment=response.deployment) == response.answers


# The public calendar ------------------------------------------------------------------------------


def test_the_reference_project_feed_holds_its_2021_2022_events(client, demo):
    events = PeerEvent.objects.filter(project=demo).published()
    assert events.count() >= 2
    feed = client.get(reverse("sharing:project_calendar", args=[demo.slug])).content.decode()
    assert feed.count("BEGIN:VEVENT") == events.filter(audience=PeerEvent.Audience.PUBLIC).count()
    assert "Rencontre entre pairs à Guichen" in feed.replace("\r\n ", "")


def test_the_public_events_calendar_and_its_ical_feed_are_not_empty(client, demo):
    project = current.project()
    feed = client.get(reverse("sharing:project_calendar", args=[project.slug]))
    assert feed.status_code == 200
    body = feed.content.decode()
    assert body.count("BEGIN:VEVENT") == 2
    assert current_data.UPCOMING_EVENT["title"][:40] in body.replace("\r\n ", "")
    upcoming = client.get(reverse("sharing:event_list")).content.decode()
    assert "associer les enfants et les familles" in upcoming
    past = client.get(reverse("sharing:event_list") + "?quand=passees").content.decode()
    assert "Rencontre entre pairs à Guichen" in past and "Visite de la cuisine centrale" in past


@pytest.mark.parametrize("offset", range(0, 366, 7))
def test_the_current_project_dates_fall_on_working_days_in_order(offset):
    anchor = datetime.date(2026, 1, 1) + datetime.timedelta(days=offset)
    for days in [*range(-120, 0), *range(1, 60)]:
        day = current._day(anchor, days)
        assert day.weekday() < 5 and (day.month, day.day) not in current.CLOSED_DAYS
        assert (day < anchor) == (days < 0) and (day > anchor) == (days > 0)
    for entry in current_data.SIGNATURES:
        deliberation = current._deliberation(entry, anchor)
        if deliberation:
            assert deliberation["deliberation_date"] <= current._day(anchor, entry["signed_days"])
            services.signature_check_deliberation(
                {**deliberation, "signed_on": current._day(anchor, entry["signed_days"])}
            )


def test_the_four_plans_are_adopted_on_the_storys_dates_and_niorts_is_followed(client, demo):
    from territoires.plans.models import ActionPlan

    plans = {
        p.territory.organisation.name: p
        for p in ActionPlan.objects.filter(project=demo).select_related("territory__organisation")
    }
    assert set(plans) == {"Niort", "Guichen", "Bourges", "Mantes-la-Jolie"}
    adoption = plans["Niort"].adoptions.get()
    assert adoption.deliberation_date == datetime.date(2022, 5, 23) and adoption.votes_for == 41
    assert all(p.adopted_version_id for p in plans.values())
    assert plans["Guichen"].status == "submitted" and plans["Bourges"].status == "amending"
    measured = [i.measurements.count() for i in plans["Niort"].indicators.all()]
    assert measured == [4, 4, 4]
    page = client.get(plans["Niort"].get_absolute_url())
    assert page.status_code == 200 and "programmateurs à Port Boinot" in page.content.decode()
    # The public reads Bourges' adopted plan, not the amendment being drafted.
    assert "samedi soir" not in client.get(plans["Bourges"].get_absolute_url()).content.decode()
    # A resident's idea with a receipt code reads its fate on "Votre parole" (a walk-through found
    # the demo's fates given to the team's ideas, which have no code).
    from territoires.codesign.models import Idea
    from territoires.plans.models import ContributionOutcome

    fated = ContributionOutcome.objects.filter(plan=plans["Niort"], kind="codesign.idea").values_list("target_id")
    with_code = Idea.objects.filter(pk__in=fated, receipt_code__isnull=False).first()
    assert with_code is not None
    news = client.get("/plans/parole/", {"code": with_code.receipt_code}).content.decode()
    assert "Pas de nouvelles pour ce code" not in news
