"""The discussion spaces: the open space by theme and each project's private space."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from territoires.community import selectors, services
from territoires.community.forms import ObserverAccessForm, ThreadForm
from territoires.community.rules import observer_access_of
from territoires.core.cache import public_page_cache
from territoires.core.idempotency import already_submitted, parse_submission_key, record_submission
from territoires.projects.models import Theme
from territoires.projects.views.common import form_errors_from, get_project_or_404, require

THREADS_PER_PAGE = 20


@public_page_cache(query_params=("page",))
def discussion_home(request):
    themes = Paginator(selectors.themes_with_discussions(), 20).get_page(request.GET.get("page"))
    return render(
        request,
        "community/discussion_home.html",
        {
            "page_obj": themes,
            "recent_threads": list(selectors.recent_public_threads()),
            "can_moderate": request.user.has_perm("community.moderate_theme_spaces"),
        },
    )


@public_page_cache(query_params=("page",))
def theme_space(request, slug):
    theme = get_object_or_404(Theme, slug=slug)
    page = Paginator(selectors.theme_threads(theme), THREADS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "community/theme_space.html",
        {"theme": theme, "page_obj": page, "can_start": request.user.has_perm("community.start_theme_thread", theme)},
    )


def _create_thread(request, *, form, theme=None, project=None):
    key = parse_submission_key(request)
    if done_url := already_submitted(key):
        messages.info(request, _("Cette discussion a déjà été ouverte."))
        return redirect(done_url)
    try:
        with transaction.atomic():
            thread = services.thread_create(
                user=request.user,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                theme=theme,
                project=project,
                shared_with_observers=form.cleaned_data.get("shared_with_observers", False),
                files=form.cleaned_data.get("files") or [],
            )
            record_submission(key, thread.get_absolute_url())
    except ValidationError as error:
        form_errors_from(error, form)
        return None
    messages.success(request, _("Votre discussion est ouverte."))
    return redirect(thread.get_absolute_url())


@login_required
def theme_thread_create(request, slug):
    theme = get_object_or_404(Theme, slug=slug)
    require(request.user, "community.start_theme_thread", theme)
    form = ThreadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid() and (response := _create_thread(request, form=form, theme=theme)):
        return response
    return render(request, "community/thread_form.html", {"form": form, "theme": theme})


def project_space(request, slug):
    project = get_project_or_404(slug, request.user, with_progress=False)
    require(request.user, "community.view_project_space", project)
    page = Paginator(selectors.project_threads(project, request.user), THREADS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "community/project_space.html",
        {
            "project": project,
            "page_obj": page,
            "can_start": request.user.has_perm("community.start_project_thread", project),
            "can_manage": request.user.has_perm("community.manage_project_space", project),
            "observer_access": observer_access_of(project),
        },
    )


@login_required
def project_thread_create(request, slug):
    project = get_project_or_404(slug, request.user, with_progress=False)
    require(request.user, "community.start_project_thread", project)
    form = ThreadForm(request.POST or None, request.FILES or None, project=project)
    if (
        request.method == "POST"
        and form.is_valid()
        and (response := _create_thread(request, form=form, project=project))
    ):
        return response
    return render(request, "community/thread_form.html", {"form": form, "project": project})


@login_required
def project_space_settings(request, slug):
    project = get_project_or_404(slug, request.user, with_progress=False)
    require(request.user, "community.manage_project_space", project)
    form = ObserverAccessForm(request.POST or None, initial={"observer_access": observer_access_of(project)})
    if request.method == "POST" and form.is_valid():
        try:
            services.project_space_set_observer_access(
                user=request.user, project=project, observer_access=form.cleaned_data["observer_access"]
            )
        except ValidationError as error:
            form_errors_from(error, form)
        except PermissionDenied:
            raise
        else:
            messages.success(request, _("Ce que voient les observateurs est enregistré."))
            return redirect("community:project_space", project.slug)
    return render(request, "community/project_space_settings.html", {"form": form, "project": project})
