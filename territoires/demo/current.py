"""Loads the second, current shared project (`current_data.py`): idempotent, and kept current.

Its dates count from an anchor day: the day it was first loaded, or today once that day lies more than
`REANCHOR_AFTER_DAYS` behind (the project is then moved forward as a whole, so that its upcoming
meeting and peer event stay ahead). On the same anchor, a second run changes nothing.
"""

import datetime

from django.utils import timezone

from territoires.accounts.models import User
from territoires.community.models import ProjectSpace
from territoires.demo import community as community_demo
from territoires.demo import current_data as cd
from territoires.demo import current_survey, data
from territoires.demo import sharing as sharing_demo
from territoires.demo.loader import aware, demo_world, meetings_converge, set_fields, signatures_converge
from territoires.projects import services
from territoires.projects.models import (
    CommitteeMember,
    Participation,
    SharedProject,
    StepCompletion,
    Theme,
    ThemeInterest,
)
from territoires.sharing import services as sharing_services
from territoires.sharing.models import NewsPost, PeerEvent, Registration, Status

# The committee knows one kind for an authority's lead today; the project's method (its template)
# will name it for the theme.
AUTHORITY_LEAD_KIND = CommitteeMember.Kind.CULTURAL_LEAD


def anchor_day(project: SharedProject | None) -> datetime.date:
    """The day the project's relative dates count from."""
    today = timezone.localdate()
    if project is None or project.launched_at is None:
        return today
    anchored = timezone.localdate(project.launched_at) - datetime.timedelta(days=cd.LAUNCH_DAYS)
    return anchored if 0 <= (today - anchored).days <= cd.REANCHOR_AFTER_DAYS else today


# Days nobody holds a council, a committee or a peer meeting: public holidays and the year-end break.
CLOSED_DAYS = {(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), *((12, day) for day in range(24, 32))}


def _day(anchor: datetime.date, days: int) -> datetime.date:
    """`days` from the anchor, moved to the nearest working day on the same side of it (a past date
    stays past, a date to come stays ahead)."""
    day = anchor + datetime.timedelta(days=days)
    step = datetime.timedelta(days=1 if days > 0 else -1)
    while days != 0 and (day.weekday() >= 5 or (day.month, day.day) in CLOSED_DAYS):
        day += step
    return day


def _at(anchor: datetime.date, days: int, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return aware(datetime.datetime.combine(_day(anchor, days), datetime.time(hour, minute)))


def project() -> SharedProject:
    return SharedProject.objects.get(title=cd.PROJECT["title"])


def load() -> bool:
    organisations, users = demo_world()
    facilitator = users["animatrice@anct.demo"]
    agency = organisations[data.AGENCY["name"]]
    project = SharedProject.objects.filter(title=cd.PROJECT["title"]).first()
    anchor = anchor_day(project)
    changed = False

    # The theme Niort proposed (data.THEMES), voted for by the two other towns, became the project.
    proposal = next(t for t in data.THEMES if t["title"] == cd.THEME_TITLE)
    proposer = organisations[proposal["by"]]
    theme = Theme.objects.filter(title=cd.THEME_TITLE).first()
    if theme is None:
        theme = services.theme_propose(
            organisation=proposer, user=None, title=proposal["title"], description=proposal["description"]
        )
        changed = True
    proposed_at = _at(anchor, -proposal["proposed_days_ago"])
    changed |= set_fields(theme, created_at=proposed_at)
    own_interest, created = ThemeInterest.objects.get_or_create(theme=theme, organisation=proposer)
    changed |= created | set_fields(own_interest, created_at=proposed_at)
    for name, days in cd.THEME_INTERESTS.items():
        interest, created = ThemeInterest.objects.get_or_create(theme=theme, organisation=organisations[name])
        changed |= created | set_fields(interest, created_at=_at(anchor, days, 11))
    if project is None:
        project = services.theme_convert_to_project(
            theme=theme, user=facilitator, facilitator_organisation=agency, title=cd.PROJECT["title"]
        )
        changed = True
    changed |= set_fields(
        project,
        summary=cd.PROJECT["summary"],
        description=cd.PROJECT["description"],
        starts_on=_day(anchor, cd.PROJECT["starts_on"]),
        ends_on=_day(anchor, cd.PROJECT["ends_on"]),
        created_at=_at(anchor, cd.CONVERTED_DAYS),
    )
    project.charters.filter(version=1).update(created_at=_at(anchor, cd.CONVERTED_DAYS))

    participations = {}
    for town in cd.TOWNS:
        organisation = organisations[town["name"]]
        participation = Participation.objects.filter(project=project, organisation=organisation).first()
        if participation is None:
            participation = services.participation_add(
                project=project, organisation=organisation, role=Participation.Role.PARTICIPANT, user=facilitator
            )
            participation.referent = users[town["referent"]]
            participation.context = town["context"]
            participation.cultural_landscape = town["landscape"]
            participation.points_of_attention = town["points_of_attention"]
            participation.save()
            changed = True
        participations[town["name"]] = participation
        changed |= set_fields(participation, created_at=_at(anchor, cd.CONVERTED_DAYS, 11))
        for step, days in town["steps"].items():
            completion, created = StepCompletion.objects.get_or_create(
                participation=participation, step=step, defaults={"completed_by": users[town["referent"]]}
            )
            changed |= created | set_fields(completion, completed_at=_at(anchor, days, 17))
    observer = organisations[cd.OBSERVER["name"]]
    participation = Participation.objects.filter(project=project, organisation=observer).first()
    if participation is None:
        participation = services.participation_add(
            project=project, organisation=observer, role=Participation.Role.OBSERVER, user=facilitator
        )
        changed = True
    changed |= set_fields(participation, created_at=_at(anchor, cd.OBSERVER["days"], 15))
    pending = cd.PENDING_OBSERVER
    participation = Participation.objects.filter(project=project, organisation=organisations[pending["name"]]).first()
    if participation is None:
        participation = services.observer_request(
            project=project, organisation=organisations[pending["name"]], user=users[pending["requested_by"]]
        )
        changed = True
    changed |= set_fields(participation, created_at=_at(anchor, pending["days"], 11))

    if project.status == SharedProject.Status.DRAFT:
        services.project_launch(project=project, user=facilitator)
        project.refresh_from_db()
        changed = True
    changed |= set_fields(
        project, launched_at=_at(anchor, cd.LAUNCH_DAYS, 9), is_public=True, status=SharedProject.Status.LAUNCHED
    )

    signatures = [
        {
            "party": entry["party"],
            "recorded_by": entry["recorded_by"],
            "signatory_name": entry["signatory_name"],
            "signatory_title": entry["signatory_title"],
            "signed_on": _day(anchor, entry["signed_days"]),
            "deliberation": _deliberation(entry, anchor),
        }
        for entry in cd.SIGNATURES
    ]
    changed |= signatures_converge(
        project,
        services.charter_current(project),
        signatures,
        organisations=organisations,
        users=users,
        in_force_on=max(signature["signed_on"] for signature in signatures),
    )

    committee = project.committee
    seats = [(facilitator, agency, CommitteeMember.Kind.AGENCY)] + [
        (users[town["referent"]], organisations[town["name"]], AUTHORITY_LEAD_KIND) for town in cd.TOWNS
    ]
    members = []
    for user, organisation, kind in seats:
        member, created = CommitteeMember.objects.get_or_create(
            committee=committee, user=user, defaults={"organisation": organisation, "kind": kind}
        )
        members.append(member)
        changed |= created
    meetings = [
        {**entry, "starts_at": _at(anchor, entry["days"], entry["hour"]).replace(tzinfo=None)} for entry in cd.MEETINGS
    ]
    changed |= meetings_converge(committee, meetings, attendees=members, user=facilitator)

    changed |= current_survey.load(
        project, anchor_at=lambda days, hour: _at(anchor, days, hour), participations=participations, users=users
    )
    changed |= _resource(project, anchor, users, participations)
    changed |= _sharing(project, anchor, users, organisations)
    changed |= _discussions(project, anchor, users)
    return changed


def _resource(project, anchor, users, participations) -> bool:
    """The project's first public method, dated in its diagnostic."""
    from territoires.library.models import Resource, ResourceRevision
    from territoires.library.services import resource_create, resource_reindex

    entry = cd.RESOURCE
    published_at = _at(anchor, entry["days"], 16)
    resource = Resource.objects.filter(project=project, title=entry["data"]["title"]).first()
    if resource is None:
        resource = resource_create(
            user=users[entry["author"]],
            data={**entry["data"], "project": project, "territory": participations[entry["territory"]]},
            themes=[project.theme] if project.theme_id else [],
            publish=True,
        )
    elif resource.published_at == published_at:
        return False
    Resource.objects.filter(pk=resource.pk).update(
        published_at=published_at, created_at=published_at, published_year=published_at.year
    )
    ResourceRevision.objects.filter(resource=resource).update(edited_at=published_at)
    resource.refresh_from_db()
    resource_reindex(resource)
    return True


def _deliberation(entry: dict, anchor: datetime.date) -> dict:
    if "deliberation_days" not in entry:
        return {}
    date = _day(anchor, entry["deliberation_days"])
    votes = {"votes_against": 0, "abstentions": 0, "not_taking_part": 0, "members_represented": 0, **entry["votes"]}
    return {
        "deliberation_number": entry["deliberation_number"].format(year=date.year),
        "deliberation_date": date,
        "deliberative_body": "municipal_council",
        **votes,
    }


def _sharing(project, anchor, users, organisations) -> bool:
    news = [
        {
            **entry,
            "audience": NewsPost.Audience(entry["audience"]),
            "published_at": _at(anchor, entry["days"], 10),
        }
        for entry in cd.NEWS
    ]
    changed = sharing_demo.load_news(project, news, users, organisations)
    past = cd.PAST_EVENT
    changed |= sharing_demo.load_past_event(
        project,
        {
            **past,
            "kind": PeerEvent.Kind(past["kind"]),
            "audience": PeerEvent.Audience(past["audience"]),
            "starts_at": _at(anchor, past["days"], past["hours"][0]),
            "ends_at": _at(anchor, past["days"], past["hours"][1]),
            "published_at": _at(anchor, past["published_days"], 9),
        },
        users,
        {},
    )
    changed |= _upcoming_event(project, anchor, users)
    return changed


def _upcoming_event(project, anchor, users) -> bool:
    entry = cd.UPCOMING_EVENT
    starts_at = _at(anchor, entry["days"], entry["hours"][0])
    ends_at = _at(anchor, entry["days"], entry["hours"][1])
    published_at = _at(anchor, entry["published_days"], 9)
    event = PeerEvent.objects.filter(project=project, title=entry["title"]).first()
    if event is not None:
        # Moved forward with the project (QuerySet.update: the service would tell every registrant).
        return set_fields(
            event, starts_at=starts_at, ends_at=ends_at, status=Status.PUBLISHED, published_at=published_at
        )
    event = sharing_services.event_save(
        event=PeerEvent(
            project=project,
            kind=PeerEvent.Kind(entry["kind"]),
            title=entry["title"],
            description=entry["description"],
            starts_at=starts_at,
            ends_at=ends_at,
            video_url=entry["video_url"],
            audience=PeerEvent.Audience(entry["audience"]),
            capacity=entry["capacity"],
            published_at=published_at,
        ),
        user=users.get(entry["organiser"]),
        publish=True,
    )
    for email in entry["registrations"]:
        if email in users and not Registration.objects.filter(event=event, user=users[email]).exists():
            sharing_services.event_register(event=event, user=users[email])
    return True


def _discussions(project, anchor, users: dict[str, User]) -> bool:
    from territoires.community import services as community_services

    changed = False
    facilitator = users["animatrice@anct.demo"]
    if not ProjectSpace.objects.filter(project=project).exists():
        community_services.project_space_set_observer_access(
            user=facilitator, project=project, observer_access=ProjectSpace.ObserverAccess.SHARED
        )
        changed = True
    for spec in cd.THREADS:
        day = _day(anchor, spec["days"])
        changed |= community_demo.thread_on(spec, users, project=project, day=day)
    return changed
