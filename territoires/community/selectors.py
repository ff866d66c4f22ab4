"""Reads for the discussion pages, each in a fixed number of queries whatever the thread's length."""

import math
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q

from territoires.accounts.models import Membership
from territoires.community import rules as community_rules
from territoires.community.models import MESSAGES_PER_PAGE, Attachment, Message, ProjectSpace, Report, Thread
from territoires.projects.models import Theme


@dataclass
class PositionPaginator:
    count: int
    per_page: int = MESSAGES_PER_PAGE

    @property
    def num_pages(self) -> int:
        return max(1, math.ceil(self.count / self.per_page))


@dataclass
class PositionPage:
    """A page of a thread: messages numbered first..last. Quacks like Django's Page for the
    pagination template, without the OFFSET (a range on the (thread, position) index instead)."""

    number: int
    paginator: PositionPaginator
    object_list: list

    @property
    def first_position(self) -> int:
        return (self.number - 1) * self.paginator.per_page + 1

    def has_previous(self) -> bool:
        return self.number > 1

    def has_next(self) -> bool:
        return self.number < self.paginator.num_pages

    def previous_page_number(self) -> int:
        return self.number - 1

    def next_page_number(self) -> int:
        return self.number + 1

    def __iter__(self):
        return iter(self.object_list)


def page_number(raw, num_pages: int) -> int:
    try:
        number = int(raw)
    except (TypeError, ValueError):
        return 1
    if raw == "last":
        return num_pages
    return min(max(number, 1), num_pages)


def thread_page(thread: Thread, raw_page, *, load: bool = True) -> PositionPage:
    """The page of a thread asked for; its messages are loaded unless `load` is False (the caller
    may have the page's rendering in the cache already)."""
    paginator = PositionPaginator(thread.message_count)
    number = page_number(raw_page, paginator.num_pages) if raw_page != "last" else paginator.num_pages
    page = PositionPage(number, paginator, [])
    if load:
        load_page_messages(thread, page)
    return page


def load_page_messages(thread: Thread, page: PositionPage) -> None:
    first = page.first_position
    page.object_list = list(
        Message.objects.filter(thread=thread, position__gte=first, position__lt=first + page.paginator.per_page)
        .select_related("author", "quoted", "quoted__author")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("id")))
        .order_by("position")
    )
    _attach_author_organisations(page.object_list)


def _attach_author_organisations(messages) -> None:
    """Each author's organisation (the first by name), for "Prénom Nom, Ville de Niort", in one query."""
    author_ids = {message.author_id for message in messages if message.author_id}
    organisations = {}
    for membership in (
        Membership.objects.filter(user_id__in=author_ids).select_related("organisation").order_by("organisation__name")
    ):
        organisations.setdefault(membership.user_id, membership.organisation)
    for message in messages:
        message.author_organisation = organisations.get(message.author_id)


def project_threads(project, user):
    """The threads of a project's space this user may read (observers: as the project allows)."""
    threads = Thread.objects.filter(project=project).select_related("author", "project")
    if not community_rules.is_project_member(user, project):
        access = community_rules.observer_access_of(project)
        if access == ProjectSpace.ObserverAccess.NONE:
            return threads.none()
        if access == ProjectSpace.ObserverAccess.SHARED:
            threads = threads.filter(shared_with_observers=True)
    return threads.order_by("-last_message_at", "-id")


def theme_threads(theme):
    return Thread.objects.in_theme(theme).select_related("author").order_by("-last_message_at", "-id")


def themes_with_discussions():
    """Every theme with its count of public threads, the busiest first."""
    return (
        Theme.objects.exclude(status=Theme.Status.ARCHIVED)
        .annotate(thread_count=Count("threads", filter=Q(threads__project__isnull=True)))
        .order_by("-thread_count", "title")
    )


def recent_public_threads(limit: int = 8):
    return Thread.objects.public().select_related("theme", "author").order_by("-last_message_at", "-id")[:limit]


def open_reports_for(user):
    """Unresolved reports on messages this user may moderate."""
    from territoires.accounts.access import is_platform_admin, memberships_of

    reports = Report.objects.filter(resolved_at__isnull=True).select_related(
        "message", "message__thread", "message__thread__project", "message__author", "reporter"
    )
    if is_platform_admin(user):
        return reports
    facilitator_orgs = [org for org, role in memberships_of(user).items() if role == Membership.Role.FACILITATOR]
    if not facilitator_orgs:
        return reports.none()
    return reports.filter(
        Q(message__thread__project__isnull=True)
        | Q(message__thread__project__facilitator_organisation_id__in=facilitator_orgs)
    )
