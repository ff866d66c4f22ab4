"""Helpers shared by the co-design pages: finding a plan, a workshop, an idea with the rules."""

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from territoires.codesign import services
from territoires.codesign.models import CodesignPlan
from territoires.projects.views.common import get_participation_or_404, get_project_or_404


class LoginNeeded(Exception):
    pass


def check(user, permission: str, obj) -> None:
    """403 for a signed-in person the rules refuse; the login page for a visitor."""
    if not user.has_perm(permission, obj):
        if not user.is_authenticated:
            raise LoginNeeded
        raise PermissionDenied


def login_page(view):
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except LoginNeeded:
            return redirect_to_login(request.get_full_path())

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def plan_from_slugs(request, slug, territory_slug):
    project = get_project_or_404(slug, request.user, with_progress=False)
    territory = get_participation_or_404(project, territory_slug)
    return services.plan_for(territory=territory)


def plan_by_id(request, plan_id, permission="codesign.view_plan"):
    plan = get_object_or_404(
        CodesignPlan.objects.select_related("territory__organisation", "territory__project", "project"), pk=plan_id
    )
    # A project the person may not open answers 404, as its pages do.
    if not request.user.has_perm("projects.view_project", plan.project) and not request.user.has_perm(
        "codesign.change_plan", plan
    ):
        if not request.user.is_authenticated:
            raise LoginNeeded
        raise Http404
    check(request.user, permission, plan)
    return plan
