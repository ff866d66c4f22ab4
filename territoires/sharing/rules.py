"""Who may read, write and register in what a project shares. Closed by default.

Objects: SharedProject (to add), NewsPost, PeerEvent, Lesson (to view, change, register). Each object's
`project` should be the one loaded by projects.selectors.project_page (participations prefetched).
Tested as a role × object × action grid in tests/sharing/test_permission_grid.py.
"""

import rules

from territoires.projects.rules import is_project_facilitator, is_project_member, is_project_observer
from territoires.sharing.models import Lesson, NewsPost, PeerEvent, Status


def _published(obj) -> bool:
    return obj.status == Status.PUBLISHED


@rules.predicate
def is_member_of_its_project(user, obj):
    return is_project_member(user, obj.project)


@rules.predicate
def is_observer_of_its_project(user, obj):
    return is_project_observer(user, obj.project)


@rules.predicate
def is_facilitator_of_its_project(user, obj):
    return is_project_facilitator(user, obj.project)


@rules.predicate
def is_its_author(user, obj):
    author_id = getattr(obj, "author_id", None) or getattr(obj, "organiser_id", None)
    return user.is_authenticated and author_id == user.pk


@rules.predicate
def can_read_news(user, post: NewsPost):
    if is_project_member(user, post.project):
        return True
    if not _published(post):
        return False
    if post.audience == NewsPost.Audience.PUBLIC and post.project.is_public:
        return True
    return is_project_observer(user, post.project)


@rules.predicate
def can_read_event(user, event: PeerEvent):
    if is_project_member(user, event.project):
        return True
    if not _published(event):
        return False
    if event.audience == PeerEvent.Audience.PUBLIC and event.project.is_public:
        return True
    return event.audience != PeerEvent.Audience.MEMBERS and is_project_observer(user, event.project)


@rules.predicate
def is_in_event_audience(user, event: PeerEvent):
    """Registration is personal: an account is needed even for a public event."""
    if not user.is_authenticated:
        return False
    if is_project_member(user, event.project):
        return True
    if event.audience == PeerEvent.Audience.PUBLIC:
        return event.project.is_public or is_project_observer(user, event.project)
    if event.audience == PeerEvent.Audience.OBSERVERS:
        return is_project_observer(user, event.project)
    return False


@rules.predicate
def is_open_for_registration(user, event: PeerEvent):
    return _published(event) and not event.is_past


@rules.predicate
def can_read_lesson(user, lesson: Lesson):
    if is_project_member(user, lesson.project):
        return True
    if not _published(lesson):
        return False
    if lesson.visibility == Lesson.Visibility.PUBLIC and lesson.project.is_public:
        return True
    return lesson.visibility != Lesson.Visibility.PROJECT and is_project_observer(user, lesson.project)


# The author writes, the project's facilitators moderate; both must still belong to the project.
can_change = (is_its_author & is_member_of_its_project) | is_facilitator_of_its_project

rules.add_perm("sharing.add_news", is_project_member)
rules.add_perm("sharing.view_news", can_read_news)
rules.add_perm("sharing.change_news", can_change)

rules.add_perm("sharing.add_event", is_project_member)
rules.add_perm("sharing.view_event", can_read_event)
rules.add_perm("sharing.change_event", can_change)
rules.add_perm("sharing.register_event", can_read_event & is_in_event_audience & is_open_for_registration)

rules.add_perm("sharing.add_lesson", is_project_member)
rules.add_perm("sharing.view_lesson", can_read_lesson)
rules.add_perm("sharing.change_lesson", can_change)
