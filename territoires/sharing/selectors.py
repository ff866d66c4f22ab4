"""Reads for the sharing pages: each list is one or two queries whatever its length."""

from django.db.models import Count, Prefetch, Q

from territoires.projects.models import SharedProject, Theme
from territoires.sharing.models import Lesson, NewsPost, PeerEvent, Registration
from territoires.sharing.reach import reach_of

PUBLIC_FEED_LENGTH = 30


def news_for_platform(user):
    return NewsPost.objects.visible_to(user).published().select_related("project", "organisation")


def news_for_project(project, user):
    return NewsPost.objects.visible_to(user).filter(project=project).select_related("organisation")


def public_news(project=None):
    news = NewsPost.objects.public().select_related("project", "organisation", "author")
    if project is not None:
        news = news.filter(project=project)
    return news.order_by("-published_at", "-id")[:PUBLIC_FEED_LENGTH]


def with_registration_counts(events):
    return events.annotate(
        confirmed_count=Count("registrations", filter=Q(registrations__status=Registration.Status.CONFIRMED)),
        waiting_count=Count("registrations", filter=Q(registrations__status=Registration.Status.WAITING)),
    )


def events_for_platform(user, *, past: bool):
    events = PeerEvent.objects.visible_to(user).published().select_related("project")
    events = events.past().order_by("-starts_at") if past else events.upcoming().order_by("starts_at")
    return with_registration_counts(events)


def events_for_project(project, user, *, past: bool):
    events = PeerEvent.objects.visible_to(user).filter(project=project)
    events = events.past().order_by("-starts_at") if past else events.upcoming().order_by("starts_at")
    return with_registration_counts(events)


def calendar_events(user, project=None):
    """What a calendar subscription shows: published events the user may see. The platform's
    calendar keeps a year back; a project's feed is that project's history and keeps all its events
    (a project over for years still shows what it held), the latest 500 at most."""
    import datetime

    from django.utils import timezone

    events = PeerEvent.objects.visible_to(user).published().select_related("project")
    if project is not None:
        return events.filter(project=project).order_by("-starts_at")[:500]
    since = timezone.now() - datetime.timedelta(days=365)
    return events.filter(starts_at__gte=since).order_by("starts_at")[:500]


def event_registrations(event):
    return event.registrations.select_related("user").order_by("created_at", "id")


def lessons_for(user, *, theme=None, project=None):
    lessons = Lesson.objects.visible_to(user).select_related("project", "territory")
    if theme is not None:
        lessons = lessons.filter(themes=theme)
    if project is not None:
        lessons = lessons.filter(project=project)
    return lessons.prefetch_related(Prefetch("themes", queryset=Theme.objects.only("id", "title", "slug")))


def lesson_filter_choices(user):
    """Themes and projects that have at least one lesson the user may read (for the filter menus)."""
    visible = Lesson.objects.visible_to(user).published()
    themes = Theme.objects.filter(lessons__in=visible).distinct().order_by("title")
    projects = SharedProject.objects.filter(lessons__in=visible).distinct().order_by("title")
    return themes, projects


def member_project_ids(user) -> frozenset[int]:
    return reach_of(user).member_of
