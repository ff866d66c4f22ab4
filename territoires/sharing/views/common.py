from django.http import Http404
from django.shortcuts import redirect

from territoires.projects.views.common import get_project_or_404, id_from


def get_in_project_or_404(model, object_id, project):
    """An object of the project, its `project` set to the loaded one (whose participations the
    rules read); a forged or foreign id is a 404."""
    object_id = id_from(object_id)
    obj = model.objects.filter(pk=object_id, project=project).first() if object_id else None
    if obj is None:
        raise Http404
    obj.project = project
    return obj


def publish_requested(request) -> bool:
    return request.POST.get("action") == "publish"


def replay_or_none(request, form, object_id):
    """For create forms: the page of what a resent form already created."""
    from territoires.core.idempotency import already_submitted, parse_submission_key

    if object_id is not None:
        return None
    done_url = already_submitted(parse_submission_key(request))
    return redirect(done_url) if done_url else None


def visible_resources(obj, user):
    """The library resources linked to an event or a lesson that this user may open."""
    return list(obj.resources.visible_to(user).order_by("title")) if hasattr(obj, "resources") else []


def linkable_resources(project, user):
    """What an event or a lesson may link to: the project's published resources this user may open."""
    from territoires.library.models import Resource

    return Resource.objects.visible_to(user).filter(project=project).order_by("title")


def attach_project(page, project):
    """Items of a project's list point at the loaded project (their links read its slug): no query per row."""
    page.object_list = list(page.object_list)
    for item in page.object_list:
        item.project = project
    return page


__all__ = [
    "linkable_resources",
    "attach_project",
    "get_project_or_404",
    "get_in_project_or_404",
    "publish_requested",
    "replay_or_none",
    "visible_resources",
]
