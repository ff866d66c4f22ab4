"""Who may read and write in the discussion spaces. Closed by default; each permission opened on purpose.

- A theme's open space: everyone reads; every registered user starts threads and replies; the
  platform's facilitators (ANCT) moderate.
- A project's space: its members (participating authorities' staff, consultancy, facilitators) read
  and write; the project's facilitators moderate; accepted observers read nothing, the threads marked
  shared, or everything, as the project's facilitator sets it (never write).
Tested as a role × space × action grid in tests/community/test_permission_grid.py.
"""

import rules

from territoires.community.models import ProjectSpace
from territoires.projects.rules import (
    is_any_facilitator,
    is_project_facilitator,
    is_project_member,
    is_project_observer,
)

Access = ProjectSpace.ObserverAccess


def observer_access_of(project) -> str:
    """The project's observer setting, read once per project object."""
    cached = getattr(project, "_discussion_observer_access", None)
    if cached is None:
        if type(project).discussion_space.is_cached(project):  # loaded with select_related
            try:
                cached = project.discussion_space.observer_access
            except ProjectSpace.DoesNotExist:
                cached = Access.NONE
        else:
            cached = (
                ProjectSpace.objects.filter(project_id=project.pk).values_list("observer_access", flat=True).first()
                or Access.NONE
            )
        project._discussion_observer_access = cached
    return cached


def _active(user) -> bool:
    return user.is_authenticated and user.is_active


# --- Project spaces -------------------------------------------------------------------------------


@rules.predicate
def observer_may_read_space(user, project):
    return is_project_observer(user, project) and observer_access_of(project) != Access.NONE


@rules.predicate
def is_active_user(user, obj=None):
    return _active(user)


# --- Threads --------------------------------------------------------------------------------------


@rules.predicate
def can_read_thread(user, thread):
    if thread.project_id is None:
        return True
    project = thread.project
    if is_project_member(user, project):
        return True
    if not is_project_observer(user, project):
        return False
    access = observer_access_of(project)
    return access == Access.ALL or (access == Access.SHARED and thread.shared_with_observers)


@rules.predicate
def can_write_in_thread(user, thread):
    if not _active(user):
        return False
    if thread.project_id is None:
        return True
    return is_project_member(user, thread.project)


@rules.predicate
def can_moderate_thread(user, thread):
    if not _active(user):
        return False
    if thread.project_id is None:
        return is_any_facilitator(user)
    return is_project_facilitator(user, thread.project)


# --- Messages -------------------------------------------------------------------------------------


@rules.predicate
def is_message_author(user, message):
    return user.is_authenticated and message.author_id == user.pk


@rules.predicate
def can_edit_message(user, message):
    return is_message_author(user, message) and not message.is_hidden and can_write_in_thread(user, message.thread)


@rules.predicate
def can_moderate_message(user, message):
    return can_moderate_thread(user, message.thread)


@rules.predicate
def can_report_message(user, message):
    return (
        _active(user)
        and message.author_id != user.pk
        and not message.is_hidden
        and can_read_thread(user, message.thread)
    )


@rules.predicate
def can_view_revisions(user, message):
    return (is_message_author(user, message) or can_moderate_message(user, message)) and can_read_thread(
        user, message.thread
    )


rules.add_perm("community.view_project_space", is_project_member | observer_may_read_space)
rules.add_perm("community.start_project_thread", is_project_member)
rules.add_perm("community.manage_project_space", is_project_facilitator)
rules.add_perm("community.start_theme_thread", is_active_user)
rules.add_perm("community.moderate_theme_spaces", is_any_facilitator)

rules.add_perm("community.view_thread", can_read_thread)
rules.add_perm("community.reply_thread", can_write_in_thread)
rules.add_perm("community.moderate_thread", can_moderate_thread)

rules.add_perm("community.edit_message", can_edit_message)
rules.add_perm("community.hide_message", can_moderate_message)
rules.add_perm("community.report_message", can_report_message)
rules.add_perm("community.view_revisions", can_view_revisions)
