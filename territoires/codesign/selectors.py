"""Reading co-design: what a person may see of a plan, its workshops, ideas, objectives, ballots."""

from django.db.models import Count, Q
from django.urls import NoReverseMatch

from territoires.codesign.models import Ballot, Idea, Objective, Workshop
from territoires.codesign.rules import is_team_of
from territoires.core.seats import CONFIRMED, WAITING


def workshops_of(plan, user):
    workshops = Workshop.objects.filter(plan=plan).select_related("place", "facilitator")
    if not is_team_of(user, plan.territory):
        workshops = workshops.exclude(status=Workshop.Status.DRAFT)
    return with_seat_counts(workshops)


def with_seat_counts(workshops):
    return workshops.annotate(
        confirmed_count=Count("registrations", filter=Q(registrations__status=CONFIRMED)),
        waiting_count=Count("registrations", filter=Q(registrations__status=WAITING)),
    )


def visible_ideas(plan, user):
    ideas = Idea.objects.filter(plan=plan).current()
    if not is_team_of(user, plan.territory):
        ideas = ideas.filter(status=Idea.Status.PUBLISHED)
    return ideas


def clean_idea_filters(query, *, plan, team: bool) -> dict:
    filters = {}
    source = query.get("origine", "")
    if source in Idea.Source.values:
        filters["origine"] = source
    tag = query.get("etiquette", "")
    if tag.isdigit() and plan.tags.filter(pk=int(tag)).exists():
        filters["etiquette"] = int(tag)
    status = query.get("statut", "")
    if team and status in Idea.Status.values:
        filters["statut"] = status
    text = query.get("q", "").strip()[:100]
    if text and "\x00" not in text:
        filters["q"] = text
    return filters


def apply_idea_filters(ideas, filters):
    if "origine" in filters:
        ideas = ideas.filter(source=filters["origine"])
    if "etiquette" in filters:
        ideas = ideas.filter(tags__id=filters["etiquette"])
    if "statut" in filters:
        ideas = ideas.filter(status=filters["statut"])
    if "q" in filters:
        ideas = ideas.filter(Q(title__icontains=filters["q"]) | Q(body__icontains=filters["q"]))
    return ideas


def for_wall(ideas):
    return (
        ideas.select_related("workshop", "finding")
        .prefetch_related("tags")
        .annotate(comment_count=Count("comments", distinct=True))
        .order_by("-created_at", "-id")
    )


def objectives_of(plan):
    return Objective.objects.filter(plan=plan).prefetch_related("criteria", "ideas", "findings")


def ballots_of(plan, user):
    ballots = Ballot.objects.filter(plan=plan).annotate(vote_count=Count("votes"))
    if not is_team_of(user, plan.territory):
        ballots = ballots.exclude(status=Ballot.Status.DRAFT)
    return ballots


def findings_for(plan, user):
    """The findings of this territory's diagnostic (and the project's cross-territory ones) that
    this person may read: what ideas and objectives can point back to."""
    from territoires.diagnostic.synthesis.models import Finding

    return (
        Finding.objects.visible_to(user)
        .filter(project_id=plan.project_id)
        .filter(Q(territory_id=plan.territory_id) | Q(territory__isnull=True))
        .order_by("territory_id", "position", "id")
    )


def finding_url(finding) -> str:
    """The finding's page, when the diagnostic has one."""
    try:
        return finding.get_absolute_url()
    except NoReverseMatch:
        return ""


def survey_topics_for(plan):
    """(TextTopics, label) of the free-text topics found in the project's surveys for this territory
    or for all territories."""
    from territoires.surveys.models import Deployment, TextTopics

    deployment_ids = set(Deployment.objects.filter(participation=plan.territory).values_list("pk", flat=True))
    choices = []
    rows = TextTopics.objects.filter(survey__project_id=plan.project_id, status=TextTopics.Status.DONE).select_related(
        "survey"
    )
    for row in rows:
        scope = {int(pk) for pk in row.scope.split(",") if pk.isdigit()}
        if scope and not scope & deployment_ids:
            continue
        for topic in row.topics or []:
            choices.append((row, str(topic.get("label", ""))[:200], int(topic.get("count", 0))))
    return choices
