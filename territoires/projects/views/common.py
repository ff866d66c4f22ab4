from django.core.exceptions import PermissionDenied
from django.http import Http404

from territoires.core.forms import form_errors_from, id_from  # noqa: F401  (used by every project view)
from territoires.projects import selectors


def require(user, permission: str, obj=None) -> None:
    if not user.has_perm(permission, obj):
        raise PermissionDenied


def get_project_or_404(slug: str, user, *, with_progress: bool = True):
    project = selectors.project_page(slug, with_progress=with_progress)
    # A private project answers 404 to anyone who may not see it, exactly like a slug that does not
    # exist: a 403 would confirm the slug. Refusals of an action on a visible project stay 403.
    if project is None or not user.has_perm("projects.view_project", project):
        raise Http404
    return project


def get_participation_or_404(project, organisation_slug: str):
    """A participating territory of the project; observers have no territory sheet (and a pending or
    refused observation request must not show through one)."""
    for participation in project.participations.all():
        if participation.is_participant and participation.organisation.slug == organisation_slug:
            return participation
    raise Http404
