from django.core.exceptions import PermissionDenied
from django.http import Http404

from territoires.projects import selectors


def require(user, permission: str, obj=None) -> None:
    if not user.has_perm(permission, obj):
        raise PermissionDenied


def get_project_or_404(slug: str, user, *, with_progress: bool = True):
    project = selectors.project_page(slug, with_progress=with_progress)
    if project is None:
        raise Http404
    require(user, "projects.view_project", project)
    return project


def get_participation_or_404(project, organisation_slug: str):
    """A participating territory of the project; observers have no territory sheet (and a pending or
    refused observation request must not show through one)."""
    for participation in project.participations.all():
        if participation.is_participant and participation.organisation.slug == organisation_slug:
            return participation
    raise Http404


def id_from(value) -> int | None:
    """A database id typed or forged by the user ("abc", "1.5", 40 digits): a positive int or None."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


def form_errors_from(error, form) -> None:
    """Attach a service's ValidationError to the form, field by field when it names fields."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)
